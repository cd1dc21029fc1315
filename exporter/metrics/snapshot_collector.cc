#include "metrics/snapshot_collector.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace accept4_exporter {

void SnapshotCollector::Publish(std::vector<prometheus::MetricFamily> families) {
  std::ostringstream text;
  const prometheus::TextSerializer serializer;
  for (prometheus::MetricFamily& family : families) {
    std::vector<prometheus::MetricFamily> one;
    one.push_back(std::move(family));
    serializer.Serialize(text, one);
  }
  auto published = std::make_shared<const std::string>(std::move(text).str());
  std::lock_guard lock(mutex_);
  text_ = std::move(published);
}

std::shared_ptr<const std::string> SnapshotCollector::Text() const {
  std::lock_guard lock(mutex_);
  return text_;
}

}  // namespace accept4_exporter
