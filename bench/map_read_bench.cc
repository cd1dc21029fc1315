#include "map_read_bench.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>

#include "accept_calls.h"
#include "kernel/bpf_programs.h"
#include "kernel/map_reader.h"
#include "median.h"
#include "series_fill.h"

namespace accept4_bench {
namespace {

using accept4_exporter::MapReader;

double TimedPassMs(MapReader& reader, uint32_t series) {
  const auto start = std::chrono::steady_clock::now();
  const accept4_exporter::MapSnapshot snapshot = reader.Read();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (snapshot.stats.size() != series) {
    throw std::runtime_error("a map read pass found " + std::to_string(snapshot.stats.size()) +
                             " series after making " + std::to_string(series));
  }
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

}  // namespace

std::vector<MapReadResult> RunMapReadBench(std::vector<uint32_t> sizes, int passes) {
  std::sort(sizes.begin(), sizes.end());
  accept4_exporter::ProgramOptions options;
  options.max_series = 131072;
  options.with_pid = false;  // see series_fill.h
  options.pids = {static_cast<uint32_t>(getpid())};
  accept4_exporter::BpfPrograms programs(options);
  MapReader reader({programs.stats_fd(), programs.overflow_fd(), -1});
  accept4_test::Listener listener(AF_INET, true);

  std::vector<MapReadResult> results;
  uint32_t made = 0;
  for (uint32_t series : sizes) {
    std::cerr << "map read: " << series << " series\n";
    // The sizes grow, so each one adds to the series of the one before.
    MakeSeries(listener.fd(), made + 1, series);
    made = series;
    // A first pass of each warms the readers' buffers, as in the exporter.
    TimedPassMs(batch, series);
    TimedPassMs(iterate, series);
    std::vector<double> batch_ms, iterate_ms;
    for (int i = 0; i < passes; ++i) {
      // alternate which goes first, so neither always finds a warm cache
      if (i % 2 == 0) {
        batch_ms.push_back(TimedPassMs(batch, series));
        iterate_ms.push_back(TimedPassMs(iterate, series));
      } else {
        iterate_ms.push_back(TimedPassMs(iterate, series));
        batch_ms.push_back(TimedPassMs(batch, series));
      }
    }
    results.push_back({series, passes, Median(batch_ms), Median(iterate_ms)});
  }
  return results;
}

}  // namespace accept4_bench
