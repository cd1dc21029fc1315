#include "map_read_bench.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>

#include "accept_calls.h"
#include "config/config.h"
#include "kernel/bpf_programs.h"
#include "kernel/map_memory.h"
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
    // A first pass warms the reader's buffers, as in the exporter.
    TimedPassMs(reader, series);
    std::vector<double> read_ms;
    for (int i = 0; i < passes; ++i) read_ms.push_back(TimedPassMs(reader, series));
    results.push_back({series, passes, Median(read_ms)});
  }
  return results;
}

MemoryResult MeasureDefaultMemory() {
  accept4_exporter::ProgramOptions options;  // the defaults of config/default.yaml
  const accept4_exporter::Config defaults;
  options.max_series = defaults.max_series;
  options.max_series_per_uid = defaults.max_series_per_uid;
  options.pids = {static_cast<uint32_t>(getpid())};  // counts nothing else meanwhile
  accept4_exporter::BpfPrograms programs(options);
  MemoryResult result;
  result.cpus = libbpf_num_possible_cpus();
  for (const auto& [name, fd] : programs.map_fds()) {
    bpf_map_info info = {};
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) {
      throw std::runtime_error("reading the definition of map " + name);
    }
    result.maps.push_back({name, info.type, info.key_size, info.value_size, info.max_entries,
                           accept4_exporter::MapMemoryBytes(fd)});
  }
  return result;
}

uint64_t PerCpuBytes(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries) {
  auto round8 = [](uint64_t n) { return (n + 7) / 8 * 8; };
  // struct htab_elem before the key: hash node, hash, and a pointer
  constexpr uint64_t kHashElementHeader = 48;
  constexpr uint64_t kHashLockCounters = 8 * sizeof(int);
  constexpr uint64_t kLruLocalList = 64;
  switch (type) {
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
      return static_cast<uint64_t>(max_entries) * round8(value_size);
    case BPF_MAP_TYPE_HASH:
      return kHashElementHeader + round8(key_size) + round8(value_size) + kHashLockCounters;
    case BPF_MAP_TYPE_LRU_HASH:
      return kLruLocalList + kHashLockCounters;
    default:  // arrays, task storage: nothing per CPU
      return 0;
  }
}

double ProjectedBytes(const MemoryResult& measured, int cpus) {
  double bytes = 0;
  for (const MapCost& map : measured.maps) {
    bytes += static_cast<double>(map.memlock_bytes) +
             static_cast<double>(cpus - measured.cpus) *
                 static_cast<double>(
                     PerCpuBytes(map.type, map.key_size, map.value_size, map.max_entries));
  }
  return bytes;
}

}  // namespace accept4_bench
