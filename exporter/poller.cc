#include "poller.h"

#include <spdlog/spdlog.h>

#include "kernel/map_reader.h"
#include "metrics/inflight_families.h"

namespace accept4_exporter {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Poller::Poller(PollStages stages, PollSettings settings, SnapshotCollector& collector,
               SelfMetrics& self)
    : stages_(std::move(stages)),
      settings_(std::move(settings)),
      collector_(collector),
      self_(self) {}

Poller::~Poller() { Stop(); }

void Poller::PollOnce() {
  try {
    if (stages_.cgroup_filter) stages_.cgroup_filter->Refresh();
    // The time the maps were read at: what a scrape's data is as fresh as.
    const double read_at =
        std::chrono::duration<double>(settings_.wall_clock().time_since_epoch()).count();
    const auto started = std::chrono::steady_clock::now();
    MapSnapshot snapshot = stages_.read_counts();
    InflightSnapshot inflight = stages_.read_inflight();
    const double took = Seconds(std::chrono::steady_clock::now() - started);
    NameProcesses(snapshot);
    // The map's fill: what the reaper left in it (it deletes what it drops,
    // and adds carried counts that are not in the map), before the comm
    // filter leaves out what is not served.
    size_t entries = snapshot.stats.size();
    if (stages_.reaper) {
      entries = stages_.reaper->Reap(snapshot, collector_.published_passes() + 1,
                                     collector_.served_pass());
    }
    if (stages_.comm_filter) {
      stages_.comm_filter->Apply(snapshot);
      stages_.comm_filter->Apply(inflight);
    }
    std::vector<prometheus::MetricFamily> families =
        BuildAcceptFamilies(snapshot, settings_.labels);
    for (auto& family : BuildInflightFamilies(inflight, settings_.labels)) {
      families.push_back(std::move(family));
    }
    snapshot = MapSnapshot();  // not needed past this point: free it before serializing
    collector_.Publish(std::move(families));
    // Before the pass is stamped, so that a scrape that shows this pass
    // shows program stats at least as recent.
    if (stages_.program_stats) stages_.program_stats->Refresh();
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
  thread_.join();
}

void Poller::Run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, settings_.interval, [this] { return stopping_; })) {
    lock.unlock();
    PollOnce();
    lock.lock();
  }
}

}  // namespace accept4_exporter
