// Reads the kernel's per-CPU maps into a MapSnapshot.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/map_snapshot.h"

namespace accept4_exporter {

enum class ReadMethod {
  kBatch,  // BPF_MAP_LOOKUP_BATCH: a few syscalls per pass
  // GET_NEXT_KEY + LOOKUP_ELEM: two syscalls per entry (kernels before 5.6).
  // The exporter needs 5.12 and always batches; bench/map_read_bench keeps
  // this to show what batching saves.
  kIterate,
};

class MapReader {
 public:
  MapReader(int stats_fd, int overflow_fd, ReadMethod method);

  // Throws std::system_error naming the map and the failed operation.
  MapSnapshot Read();

  // Entries in the stats map, as of the last Read().
  size_t last_stats_entries() const { return last_stats_entries_; }
  ReadMethod method() const { return method_; }

 private:
  void ReadStats(std::vector<StatsEntry>& out);
  void ReadOverflow(std::vector<uint64_t>& out);

  int stats_fd_;
  int overflow_fd_;
  ReadMethod method_;
  int possible_cpus_;
  size_t batch_size_ = 1024;
  size_t last_stats_entries_ = 0;
  // Reused between reads so a pass allocates nothing once warm.
  std::vector<accept4_key> keys_;
  std::vector<accept4_value> values_;
};

// Folds one key's per-CPU copies into one value: counters add up, the
// backlog limit is the largest seen.
accept4_value SumPerCpu(const accept4_value* per_cpu, int cpus);

}  // namespace accept4_exporter
