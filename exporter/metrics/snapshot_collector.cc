#include "metrics/snapshot_collector.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "metrics/bucket_bound_text.h"

namespace accept4_exporter {

void SnapshotCollector::Publish(std::vector<prometheus::MetricFamily> families) {
  std::ostringstream text;
  const prometheus::TextSerializer serializer;
  for (prometheus::MetricFamily& family : families) {
    const bool histogram = family.type == prometheus::MetricType::Histogram;
    std::vector<prometheus::MetricFamily> one;
    one.push_back(std::move(family));
    if (histogram) {
      text << WithExactBucketBounds(serializer.Serialize(one));
    } else {
      serializer.Serialize(text, one);
    }
  }
  auto published = std::make_shared<const std::string>(std::move(text).str());
  std::lock_guard lock(mutex_);
  text_ = std::move(published);
  ++published_passes_;
}

std::shared_ptr<const std::string> SnapshotCollector::Text() const {
  std::lock_guard lock(mutex_);
  if (text_) served_pass_.store(published_passes_);
  return text_;
}

uint64_t SnapshotCollector::published_passes() const {
  std::lock_guard lock(mutex_);
  return published_passes_;
}

}  // namespace accept4_exporter
