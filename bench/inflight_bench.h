// Part 5: what the in-progress gauges cost a poll. The accept programs do
// nothing for them (parts 1 and 2 measure those, unchanged); at each poll a
// task iterator walks every thread of the host. This times one walk,
// InflightReader::Read(), with threads of this process blocked in accept.
#pragma once

#include <cstdint>

namespace accept4_bench {

struct InflightResult {
  int passes = 0;
  uint32_t blocked_threads = 0;  // ours, inside accept during the walks
  uint32_t host_threads = 0;     // every thread the walk visited, about
  double walk_ms = 0;            // median
};

InflightResult RunInflightBench(uint32_t blocked_threads, int passes);

}  // namespace accept4_bench
