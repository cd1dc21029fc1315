#include "pipeline.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "kernel/cgroup_tree.h"
#include "kernel/map_memory.h"

namespace accept4_exporter {
namespace {

std::shared_ptr<BpfPrograms> ProgramsFor(const ProgramOptions& options,
                                         std::shared_ptr<BpfPrograms> reuse) {
  if (reuse && reuse->options() == options) return reuse;
  return std::make_shared<BpfPrograms>(options);
}

}  // namespace

ProgramOptions ProgramOptionsFor(const Config& config) {
  ProgramOptions options;
  options.with_pid = config.labels.contains(LabelId::kPid);
  options.with_port = config.labels.contains(LabelId::kPort);
  options.with_cgroup = config.labels.contains(LabelId::kCgroup);
  options.max_series = config.max_series;
  options.max_series_per_uid = config.max_series_per_uid;
  options.pids = config.pids;
  options.attach_mode = config.attach_mode;
  options.io_uring = config.hook_io_uring;
  options.cgroup_path_prefixes = config.cgroup_path_prefixes;
  return options;
}

Pipeline::Pipeline(const Config& config, std::shared_ptr<BpfPrograms> reuse,
                   SnapshotCollector& collector, SelfMetrics& self, ProgramStats* program_stats)
    : reused_programs_(reuse && reuse->options() == ProgramOptionsFor(config)),
      programs_(ProgramsFor(ProgramOptionsFor(config), std::move(reuse))),
      reader_({programs_->stats_fd(), programs_->overflow_fd(),
               config.labels.contains(LabelId::kPid) ? programs_->processes_fd() : -1}),
      inflight_(*programs_),
      reaper_(
          {programs_->stats_fd(), programs_->processes_fd(), programs_->uid_series_deleted_fd()},
          {config.exited_process_grace_period, config.exited_process_unscraped_limit}),
      comm_filter_(config.include_comm, config.exclude_comm),
      cgroup_filter_(config.cgroup_path_prefixes.empty()
                         ? nullptr
                         : std::make_unique<CgroupFilter>(
                               std::make_unique<BpfCgroupIdMap>(programs_->cgroup_filter_fd()),
                               config.cgroup_path_prefixes,
                               CgroupV2Root("filters.cgroup_path_prefixes"))),
      cgroup_label_(
          config.labels.contains(LabelId::kCgroup)
              ? std::make_unique<CgroupLabel>(CgroupV2Root("labels.cgroup"), config.cgroup_pattern)
              : nullptr),
      poller_(PollStages{
                  .cgroup_filter = cgroup_filter_.get(),
                  .read_counts = [this] { return reader_.Read(); },
                  .read_inflight = [this] { return inflight_.Read(); },
                  .reaper = config.labels.contains(LabelId::kPid) ? &reaper_ : nullptr,
                  .comm_filter = &comm_filter_,
                  .program_stats = program_stats,
              },
              PollSettings{
                  .labels = {config.labels, cgroup_label_.get(), config.histograms_full_resolution},
                  .interval = config.poll_interval,
              },
              collector, self) {
  self.SetCapacity(programs_->stats_capacity());
  // Preallocated maps: their memory is fixed once they are made.
  std::vector<std::pair<std::string, uint64_t>> memory;
  for (const auto& [name, fd] : programs_->map_fds()) memory.emplace_back(name, MapMemoryBytes(fd));
  self.SetMapMemory(memory);
  if (cgroup_filter_) {
    cgroup_filter_->Refresh();
    spdlog::info("cgroup filter: {} cgroups under {}", cgroup_filter_->cgroups(),
                 fmt::join(config.cgroup_path_prefixes, ", "));
  }
  // Last, after everything that can throw: a refused config must leave the
  // running programs measured.
  if (program_stats) program_stats->Track(programs_);
}

void Pipeline::TakeOverFrom(Pipeline& previous) {
  if (reused_programs_) reaper_.TakeOver(previous.reaper_);
}

}  // namespace accept4_exporter
