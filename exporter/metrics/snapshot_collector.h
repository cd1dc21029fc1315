// Holds the latest accept metrics, serialized once per poll on the poll
// thread, so that a scrape only copies bytes: it never touches the kernel
// and never re-encodes tens of thousands of series.
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

  // Appends the latest published text (nothing before the first Publish).
  void AppendText(std::string& out) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> text_;
};

}  // namespace accept4_exporter
