// Reads the maps every poll interval and publishes the result to the
// collector, on a thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kernel/cgroup_filter.h"
#include "kernel/inflight_reader.h"
#include "kernel/map_reader.h"
#include "kernel/program_stats.h"
#include "metrics/comm_filter.h"
#include "metrics/metrics_builder.h"
#include "metrics/process_reaper.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace accept4_exporter {

class Poller {
 public:
  // `reaper` may be null: series are then kept for ever (per-command
  // series, without the pid label, need no reaping).
  // `cgroup_filter` may be null too: no cgroup filter to keep up to date.
  // So may `program_stats` (bpf_stats off); it is refreshed on each
  // successful pass. `inflight` lists the calls in progress at each pass.
  Poller(MapReader& reader, InflightReader& inflight, ProcessReaper* reaper,
         CommFilter* comm_filter, CgroupFilter* cgroup_filter, ProgramStats* program_stats,
         SnapshotCollector& collector, SelfMetrics& self, LabelOptions labels,
         std::chrono::milliseconds interval);
  ~Poller();

  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // One pass, on the caller's thread. Never throws: a failed read is logged
  // and counted, and /metrics keeps the previous pass.
  void PollOnce();

  void Start();
  void Stop();

 private:
  void Run();

  MapReader& reader_;
  InflightReader& inflight_;
  ProcessReaper* reaper_;
  CommFilter* comm_filter_;
  CgroupFilter* cgroup_filter_;
  ProgramStats* program_stats_;
  SnapshotCollector& collector_;
  SelfMetrics& self_;
  LabelOptions labels_;
  std::chrono::milliseconds interval_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace accept4_exporter
