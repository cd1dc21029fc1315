// Serves the families built by the poll thread. A scrape copies the latest
// published families and never touches the kernel.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <mutex>
#include <vector>

namespace accept4_exporter {

class SnapshotCollector : public prometheus::Collectable {
 public:
  void Publish(std::vector<prometheus::MetricFamily> families);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<prometheus::MetricFamily>> families_;
};

}  // namespace accept4_exporter
