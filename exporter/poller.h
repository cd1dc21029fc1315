// Reads the maps every poll interval and publishes the result to the
// collector, on a thread of its own. It touches the kernel only through
// its stages, so a pass can run on hand-made snapshots.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "kernel/cgroup_filter.h"
#include "kernel/inflight_snapshot.h"
#include "kernel/map_snapshot.h"
#include "kernel/program_stats.h"
#include "metrics/comm_filter.h"
#include "metrics/metrics_builder.h"
#include "metrics/process_reaper.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace accept4_exporter {

// What a pass runs, in this order. The reads are required; a null stage is
// one the config does not use.
struct PollStages {
  // Keeps the cgroup filter's kernel map up to date, before the reads.
  CgroupFilter* cgroup_filter = nullptr;
  // The series map (MapReader::Read) and the calls in progress
  // (InflightReader::Read); each throws on failure.
  std::function<MapSnapshot()> read_counts;
  std::function<InflightSnapshot()> read_inflight;
  // Drops the series of exited processes; null keeps them (per-command
  // series, without the pid label, need no reaping).
  ProcessReaper* reaper = nullptr;
  CommFilter* comm_filter = nullptr;
  // Refreshed after each publish; null with bpf_stats off.
  ProgramStats* program_stats = nullptr;
};

struct PollSettings {
  LabelOptions labels;
  std::chrono::milliseconds interval{5000};
  // Stamps each read, for accept4_exporter_last_map_read_timestamp_seconds.
  std::function<std::chrono::system_clock::time_point()> wall_clock = [] {
    return std::chrono::system_clock::now();
  };
};

class Poller {
 public:
  // Publishes to `collector`, and records each pass in `self`.
  Poller(PollStages stages, PollSettings settings, SnapshotCollector& collector, SelfMetrics& self);
  ~Poller();

  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // One pass, on the caller's thread. Never throws: a failed read is logged
  // and counted, and /metrics keeps the previous pass.
  void PollOnce();

  // A first pass on the caller's thread, then one per interval on the
  // poller's own, until Stop(), which wakes it at once.
  void Start();
  void Stop();

 private:
  void Run();

  PollStages stages_;
  PollSettings settings_;
  SnapshotCollector& collector_;
  SelfMetrics& self_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace accept4_exporter
