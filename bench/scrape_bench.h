// Part 3a: what serving /metrics costs the real exporter with 1k, 10k and
// 100k series in its maps, made by real EINVAL calls from this process
// (the exporter counts only this process: pid filter in the kernel).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace accept4_bench {

struct ScrapeResult {
  uint32_t series = 0;
  int scrapes = 0;
  double scrape_ms = 0;  // median time of one GET /metrics, uncompressed
  double body_bytes = 0;
  double peak_rss_before_scrapes_bytes = 0;  // VmHWM once polls have read the series
  double peak_rss_bytes = 0;                 // VmHWM after one more scrape than `scrapes`
  double poll_pass_ms = 0;  // the exporter's own accept4_exporter_map_read_duration_seconds
  // The same peak with MALLOC_ARENA_MAX=1 in the exporter's environment,
  // for the diagnosed size only (NaN otherwise): how much of the peak is
  // glibc's per-thread arenas keeping what the HTTP worker threads freed.
  double peak_rss_one_arena_bytes = NAN;
};

// A fresh exporter per size; `diagnosed_size` runs a second time with
// MALLOC_ARENA_MAX=1.
std::vector<ScrapeResult> RunScrapeBench(const std::vector<uint32_t>& sizes, int scrapes,
                                         uint32_t diagnosed_size);

}  // namespace accept4_bench
