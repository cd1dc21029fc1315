// Holds the latest accept metrics, serialized once per poll on the poll
// thread and shared by every scrape that serves them: a scrape never touches
// the kernel, never re-encodes tens of thousands of series, and never copies
// the text.
#pragma once

#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
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

  // The latest published text, null before the first Publish, for a scrape:
  // its pass counts as served. Immutable: the next Publish replaces it, and
  // the last scrape holding it frees it.
  std::shared_ptr<const std::string> Text() const;

  // Publishes so far: the next Publish is pass published_passes() + 1.
  uint64_t published_passes() const;
  // The latest pass a scrape was given, 0 before any.
  uint64_t served_pass() const { return served_pass_.load(); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> text_;
  uint64_t published_passes_ = 0;
  mutable std::atomic<uint64_t> served_pass_{0};
};

}  // namespace accept4_exporter
