// Where a scrape's time goes, in this process on the exporter's own code:
// building the metric families from a snapshot (the poll thread's work),
// the copy SnapshotCollector::Collect hands to prometheus-cpp on every
// scrape, and prometheus-cpp's text serialization of that copy.
#pragma once

#include <cstdint>

namespace accept4_bench {

struct ScrapePieces {
  uint32_t series = 0;
  int repeats = 0;
  double build_ms = 0;      // BuildAcceptFamilies (poll thread)
  double copy_ms = 0;       // the copy Collect() returns (every scrape)
  double serialize_ms = 0;  // prometheus::TextSerializer (every scrape)
};

// A snapshot like the one the scrape benchmark makes: `series` EINVAL
// series of one process, each a distinct flags value.
ScrapePieces RunScrapePiecesBench(uint32_t series, int repeats);

}  // namespace accept4_bench
