// Drops the series of processes that have exited, after a grace period, from
// /metrics and from the kernel's stats map, so that pid churn does not grow
// memory or cardinality without bound.
//
// The kernel's sched_process_exit hook stamps the exit time of the processes
// in watched_tgids; this class puts every process that has series there.
// A process that exits before it is watched is caught by a look at /proc.
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "kernel/map_snapshot.h"

namespace accept4_exporter {

class ProcessReaper {
 public:
  ProcessReaper(int stats_fd, int watched_tgids_fd, std::chrono::milliseconds grace_period);

  // Removes from `snapshot`, and deletes from the stats map, the entries of
  // processes that exited at least grace_period ago; watches the new ones.
  void Reap(MapSnapshot& snapshot);

  void set_grace_period(std::chrono::milliseconds grace) { grace_period_ = grace; }
  uint64_t reaped_processes() const { return reaped_processes_; }

 private:
  // Exit time (CLOCK_MONOTONIC ns, the clock of bpf_ktime_get_ns), 0 while alive.
  uint64_t ExitTime(uint32_t tgid);

  int stats_fd_;
  int watched_tgids_fd_;
  std::chrono::milliseconds grace_period_;
  // Processes the kernel map had no room for: their exit time, as seen in /proc.
  std::unordered_map<uint32_t, uint64_t> unwatched_exits_;
  uint64_t reaped_processes_ = 0;
};

}  // namespace accept4_exporter
