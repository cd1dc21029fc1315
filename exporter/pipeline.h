// The stages a config decides, built from it and owned here: the BPF
// programs, the map and in-progress readers, the reaper of exited
// processes, the comm and cgroup filters, and the poller that runs them. A
// SIGHUP builds a new pipeline, starts its poller and drops the old one.
#pragma once

#include <memory>

#include "config/config.h"
#include "kernel/bpf_programs.h"
#include "kernel/cgroup_filter.h"
#include "kernel/inflight_reader.h"
#include "kernel/map_reader.h"
#include "kernel/program_stats.h"
#include "metrics/cgroup_label.h"
#include "metrics/comm_filter.h"
#include "metrics/process_reaper.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"
#include "poller.h"

namespace accept4_exporter {

// What the BPF programs are built from; a reload that leaves it unchanged
// keeps the loaded programs, so counters do not restart.
ProgramOptions ProgramOptionsFor(const Config& config);

class Pipeline {
 public:
  // Loads and attaches new programs unless `reuse` (the running pipeline's)
  // were built from the same ProgramOptions. Throws on set-up errors; the
  // poller is not started. `program_stats` (null when bpf_stats is off)
  // then measures its programs.
  Pipeline(const Config& config, std::shared_ptr<BpfPrograms> reuse, SnapshotCollector& collector,
           SelfMetrics& self, ProgramStats* program_stats);

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Runs the stages below; started and stopped by the owner.
  Poller& poller() { return poller_; }

  // Before the poller starts, with `previous`'s stopped: keeps what its
  // reaper knew when both count with the same programs.
  void TakeOverFrom(Pipeline& previous);

  const std::shared_ptr<BpfPrograms>& programs() const { return programs_; }
  bool reused_programs() const { return reused_programs_; }

 private:
  bool reused_programs_;
  std::shared_ptr<BpfPrograms> programs_;
  MapReader reader_;
  InflightReader inflight_;
  ProcessReaper reaper_;
  CommFilter comm_filter_;
  std::unique_ptr<CgroupFilter> cgroup_filter_;  // null without cgroup prefixes
  std::unique_ptr<CgroupLabel> cgroup_label_;    // null without labels.cgroup
  // Last: it runs the stages above, so it must stop before they go.
  Poller poller_;
};

}  // namespace accept4_exporter
