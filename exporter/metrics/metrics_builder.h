// Turns a MapSnapshot into the Prometheus metric families of the metrics
// contract (docs/metrics.md). Runs on the poll thread, never on a scrape.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "kernel/map_snapshot.h"
#include "metrics/cgroup_label.h"

namespace accept4_exporter {

// Optional labels; the others (comm, syscall, flags, family, listener,
// readiness, errno) are always there.
struct LabelOptions {
  bool pid = true;
  bool port = false;
  // The cgroup label, from the ids the BPF side records; null: no label.
  CgroupLabel* cgroup = nullptr;
};

// The comm, pid and cgroup of the series that count calls which found the stats
// map full.
inline constexpr const char* kOverflowLabel = "[overflow]";

std::vector<prometheus::MetricFamily> BuildAcceptFamilies(const MapSnapshot& snapshot,
                                                          const LabelOptions& labels);

// Upper bounds, in seconds and queue entries, of all buckets but the last
// (+Inf) one; see bpf/accept4.h.
// A series with `names[i]="values[i]"` for each label, in that order.
prometheus::ClientMetric WithLabels(const std::vector<std::string>& names,
                                    const std::vector<std::string>& values);

std::vector<double> DurationBucketBounds();
std::vector<double> BacklogBucketBounds();

}  // namespace accept4_exporter
