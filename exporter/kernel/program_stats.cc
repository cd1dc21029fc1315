#include "kernel/program_stats.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <unistd.h>

#include <stdexcept>

namespace accept4_exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric CounterOf(const std::string& program, double value) {
  ClientMetric metric;
  metric.label.push_back({"program", program});
  metric.counter.value = value;
  return metric;
}

}  // namespace

RunTimeStatsSwitch::RunTimeStatsSwitch() : fd_(bpf_enable_stats(BPF_STATS_RUN_TIME)) {
  if (fd_ < 0) {
    const int err = errno;
    std::string text =
        std::string("enabling BPF run-time stats (BPF_ENABLE_STATS): ") + strerror(err);
    if (err == EPERM) text += " (needs CAP_SYS_ADMIN; see docs/capabilities.md)";
    if (err == EINVAL) text += " (needs Linux 5.8 or later)";
    throw std::runtime_error(text);
  }
}

RunTimeStatsSwitch::~RunTimeStatsSwitch() { close(fd_); }

void ProgramStats::Track(std::shared_ptr<const BpfPrograms> programs) {
  std::lock_guard lock(mutex_);
  if (programs == programs_) return;
  if (programs_) {
    // The old programs still run until they are freed; what they count
    // after this last read is lost, which only makes the counters a little
    // low, never lower than before.
    ReadLocked();
    for (const auto& [name, totals] : latest_) {
      carried_[name].run_time_ns += totals.run_time_ns;
      carried_[name].run_count += totals.run_count;
    }
    latest_.clear();
  }
  programs_ = std::move(programs);
  ReadLocked();
}

void ProgramStats::Refresh() {
  std::lock_guard lock(mutex_);
  ReadLocked();
}

void ProgramStats::ReadLocked() {
  if (!programs_) return;
  for (const ProgramFd& program : programs_->program_fds()) {
    bpf_prog_info info = {};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(program.fd, &info, &length) != 0) {
      spdlog::error("reading the run-time stats of BPF program {}: {}", program.name,
                    strerror(errno));
      continue;
    }
    latest_[program.name] = {info.run_time_ns, info.run_cnt};
  }
}

std::vector<MetricFamily> ProgramStats::Families() const {
  MetricFamily seconds{"accept4_exporter_bpf_program_run_seconds_total",
                       "Time the kernel spent running each of the exporter's BPF programs, "
                       "from its BPF_ENABLE_STATS accounting.",
                       MetricType::Counter,
                       {}};
  MetricFamily count{"accept4_exporter_bpf_program_run_count_total",
                     "Runs of each of the exporter's BPF programs, from the kernel's "
                     "BPF_ENABLE_STATS accounting.",
                     MetricType::Counter,
                     {}};
  std::lock_guard lock(mutex_);
  std::map<std::string, Totals> totals = carried_;
  for (const auto& [name, latest] : latest_) {
    totals[name].run_time_ns += latest.run_time_ns;
    totals[name].run_count += latest.run_count;
  }
  for (const auto& [name, total] : totals) {
    seconds.metric.push_back(CounterOf(name, static_cast<double>(total.run_time_ns) / 1e9));
    count.metric.push_back(CounterOf(name, static_cast<double>(total.run_count)));
  }
  return {std::move(seconds), std::move(count)};
}

}  // namespace accept4_exporter
