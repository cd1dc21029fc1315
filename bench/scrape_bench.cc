#include "scrape_bench.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include "accept_calls.h"
#include "child_guard.h"
#include "exporter_process.h"
#include "median.h"
#include "process_stats.h"
#include "series_fill.h"

namespace accept4_bench {
namespace {

// Room for the largest size, a fast poll so the series show up soon, and
// only this process counted so nothing else on the machine adds series.
std::string ConfigFor(pid_t pid) {
  return "poll_interval: 1s\n"
         "labels:\n"
         "  pid: false\n"
         "maps:\n"
         "  max_series: 131072\n"
         "  max_series_per_uid: 0\n"
         "filters:\n"
         "  pids: [" +
         std::to_string(pid) + "]\n";
}

// Sets an environment variable for the children started while it lives.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

ScrapeResult MeasureSize(uint32_t series, int scrapes) {
  accept4_test::ExporterProcess exporter(ConfigFor(getpid()));
  if (!exporter.running()) {
    throw std::runtime_error("starting accept4_exporter: " + exporter.StderrText());
  }
  ChildGuard guard(exporter.pid());
  accept4_test::Listener listener(AF_INET, true);
  MakeSeries(listener.fd(), 1, series);
  const auto made = std::chrono::system_clock::now();

  // Two polls (1 s apart, 0.7 s each at 100k series) read the series before
  // the first scrape, so the peak so far is the poll side's alone.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ScrapeResult result;
  result.peak_rss_before_scrapes_bytes = PeakRssBytes(exporter.pid());
  // one scrape, which checks that every series is in
  const accept4_test::MetricsText filled = exporter.ScrapeAfter(made);
  const double entries = filled.Value("accept4_exporter_map_entries", {{"map", "stats"}});
  if (entries != series) {
    throw std::runtime_error("the exporter read " + std::to_string(entries) +
                             " series after making " + std::to_string(series));
  }

  result.series = series;
  result.scrapes = scrapes;
  result.poll_pass_ms = filled.Value("accept4_exporter_map_read_duration_seconds") * 1e3;
  accept4_test::HttpRequestOptions request;
  request.timeout_ms = 60000;  // 100k series take a while
  std::vector<double> times;
  for (int i = 0; i < scrapes; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const accept4_test::HttpResponse response =
        accept4_test::HttpGet(exporter.url("/metrics"), request);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (response.status != 200) {
      throw std::runtime_error("GET /metrics with " + std::to_string(series) + " series: status " +
                               std::to_string(response.status) + " " + response.error);
    }
    times.push_back(std::chrono::duration<double, std::milli>(elapsed).count());
    result.body_bytes = static_cast<double>(response.body.size());
  }
  result.scrape_ms = Median(times);
  result.peak_rss_bytes = PeakRssBytes(exporter.pid());
  return result;
}

}  // namespace

std::vector<ScrapeResult> RunScrapeBench(const std::vector<uint32_t>& sizes, int scrapes,
                                         uint32_t diagnosed_size) {
  std::vector<ScrapeResult> results;
  for (uint32_t series : sizes) {
    std::cerr << "scrape: " << series << " series\n";
    // A fresh exporter per size, so that its peak RSS is this size's.
    ScrapeResult result = MeasureSize(series, scrapes);
    result.peak_rss_one_arena_bytes = NAN;
    if (series == diagnosed_size) {
      std::cerr << "scrape: " << series << " series, MALLOC_ARENA_MAX=1\n";
      ScopedEnv one_arena("MALLOC_ARENA_MAX", "1");
      result.peak_rss_one_arena_bytes = MeasureSize(series, scrapes).peak_rss_bytes;
    }
    results.push_back(result);
  }
  return results;
}

}  // namespace accept4_bench
