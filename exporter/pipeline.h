// Everything that a config decides and that touches the kernel: the BPF
// programs, the map reader, the reaper of exited processes, the comm filter
// and the poll thread. A SIGHUP builds a new one and swaps it in.
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
  // were built from the same ProgramOptions. Throws on set-up errors.
  // `program_stats` (null when bpf_stats is off) then measures its programs.
  Pipeline(const Config& config, std::shared_ptr<BpfPrograms> reuse, SnapshotCollector& collector,
           SelfMetrics& self, ProgramStats* program_stats);

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Before Start, with `previous` stopped: keeps what its reaper knew when
  // both count with the same programs.
  void TakeOverFrom(Pipeline& previous);

  void Start() { poller_.Start(); }
  void Stop() { poller_.Stop(); }

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
  Poller poller_;
};

}  // namespace accept4_exporter
