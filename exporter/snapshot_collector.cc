#include "snapshot_collector.h"

namespace accept4_exporter {

void SnapshotCollector::Publish(std::vector<prometheus::MetricFamily> families) {
  auto published =
      std::make_shared<const std::vector<prometheus::MetricFamily>>(std::move(families));
  std::lock_guard lock(mutex_);
  families_ = std::move(published);
}

std::vector<prometheus::MetricFamily> SnapshotCollector::Collect() const {
  std::shared_ptr<const std::vector<prometheus::MetricFamily>> families;
  {
    // Hold the lock only to take a reference; the copy happens outside it.
    std::lock_guard lock(mutex_);
    families = families_;
  }
  if (!families) return {};
  return *families;
}

}  // namespace accept4_exporter
