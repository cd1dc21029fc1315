// Holds the latest accept metrics, serialized once per poll on the poll
// thread and shared by every scrape that serves them: a scrape never touches
// the kernel, never re-encodes tens of thousands of series, and never copies
// the text.
#pragma once

#include <prometheus/metric_family.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace accept4_exporter {

class SnapshotCollector {
 public:
  // Serializes `families` in the text exposition format and makes them the
  // ones served. Each family is freed as soon as it is written, which keeps
  // the poll's peak memory down.
  void Publish(std::vector<prometheus::MetricFamily> families);

  // The latest published text, null before the first Publish. Immutable:
  // the next Publish replaces it, and the last scrape holding it frees it.
  std::shared_ptr<const std::string> Text() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> text_;
};

}  // namespace accept4_exporter
