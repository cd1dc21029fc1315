// Reads the kernel's counting maps into a MapSnapshot, with the batch
// operations (BPF_MAP_LOOKUP_BATCH: a few syscalls per pass).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernel/map_snapshot.h"

namespace accept4_exporter {

struct CountingMapFds {
  int stats = -1;
  int overflow = -1;
  // -1 without the pid label: no processes to read
  int processes = -1;
};

class MapReader {
 public:
  explicit MapReader(CountingMapFds fds);

  // Throws std::system_error naming the map and the failed operation.
  MapSnapshot Read();

 private:
  void ReadStats(std::vector<StatsEntry>& out);
  void ReadOverflow(MapSnapshot& snapshot);
  void ReadProcesses(ProcessTable& out);

  CountingMapFds fds_;
  size_t last_stats_entries_ = 0;
  // Reused between reads so a pass allocates little once warm.
  std::vector<accept4_key> keys_;
  std::vector<accept4_counts> counts_;
};

// Fills in the comm of every series from its process's record (with the pid
// label the kernel keeps the name once per process, not in each key);
// "unknown" stays for a series whose process has no record.
void NameProcesses(MapSnapshot& snapshot);

}  // namespace accept4_exporter
