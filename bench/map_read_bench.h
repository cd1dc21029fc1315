// Part 3b: one pass of MapReader over the stats map at 1k, 10k and 100k
// series, batch lookup against key-by-key iteration, alternating. The
// programs are loaded in this process with a pid filter on itself, and the
// series are made by real EINVAL calls.
#pragma once

#include <cstdint>
#include <vector>

namespace accept4_bench {

struct MapReadResult {
  uint32_t series = 0;
  int passes = 0;
  double batch_ms = 0;    // median
  double iterate_ms = 0;  // median
};

std::vector<MapReadResult> RunMapReadBench(std::vector<uint32_t> sizes, int passes);

}  // namespace accept4_bench
