#include "poller.h"

#include <bpf/bpf.h>
#include <spdlog/spdlog.h>

#include "metrics/inflight_families.h"

namespace accept4_exporter {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Poller::Poller(MapReader& reader, InflightReader& inflight, ProcessReaper* reaper,
               CommFilter* comm_filter, CgroupFilter* cgroup_filter, ProgramStats* program_stats,
               SnapshotCollector& collector, SelfMetrics& self, LabelOptions labels,
               std::chrono::milliseconds interval)
    : reader_(reader),
      inflight_(inflight),
      reaper_(reaper),
      comm_filter_(comm_filter),
      cgroup_filter_(cgroup_filter),
      program_stats_(program_stats),
      collector_(collector),
      self_(self),
      labels_(labels),
      interval_(interval) {}

Poller::~Poller() { Stop(); }

void Poller::PollOnce() {
  try {
    if (cgroup_filter_) cgroup_filter_->Refresh();
    // The time the maps were read at: what a scrape's data is as fresh as.
    const double read_at = Seconds(std::chrono::system_clock::now().time_since_epoch());
    const auto started = std::chrono::steady_clock::now();
    MapSnapshot snapshot = reader_.Read();
    InflightSnapshot inflight = inflight_.Read();
    const double took = Seconds(std::chrono::steady_clock::now() - started);
    NameProcesses(snapshot);
    if (reaper_) {
      reaper_->Reap(snapshot, collector_.published_passes() + 1, collector_.served_pass());
    }
    if (comm_filter_) {
      comm_filter_->Apply(snapshot);
      comm_filter_->Apply(inflight);
    }
    std::vector<prometheus::MetricFamily> families = BuildAcceptFamilies(snapshot, labels_);
    for (auto& family : BuildInflightFamilies(inflight, labels_)) {
      families.push_back(std::move(family));
    }
    const size_t entries = snapshot.stats.size();
    snapshot = MapSnapshot();  // not needed past this point: free it before serializing
    collector_.Publish(std::move(families));
    // Before the pass is stamped, so that a scrape that shows this pass
    // shows program stats at least as recent.
    if (program_stats_) program_stats_->Refresh();
    self_.RecordRead(took, read_at, static_cast<double>(entries));
  } catch (const std::exception& e) {
    self_.RecordReadError();
    spdlog::error("reading BPF maps: {}", e.what());
  }
}

void Poller::Start() {
  PollOnce();
  thread_ = std::thread([this] { Run(); });
}

void Poller::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Poller::Run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    PollOnce();
    lock.lock();
  }
}

}  // namespace accept4_exporter
