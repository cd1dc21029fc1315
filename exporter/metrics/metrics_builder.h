// Turns a MapSnapshot into the Prometheus metric families of the metrics
// contract (docs/metrics.md). Runs on the poll thread, never on a scrape.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "kernel/map_snapshot.h"
#include "metrics/labels.h"

namespace accept4_exporter {

std::vector<prometheus::MetricFamily> BuildAcceptFamilies(const MapSnapshot& snapshot,
                                                          const LabelOptions& labels);

// A series with `names[i]="values[i]"` for each label, in that order.
prometheus::ClientMetric WithLabels(const std::vector<std::string>& names,
                                    const std::vector<std::string>& values);

}  // namespace accept4_exporter
