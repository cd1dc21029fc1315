// Turns the accept calls in progress at a poll (InflightSnapshot) into the
// accept4_inflight_calls and accept4_inflight_oldest_seconds gauges of the
// metrics contract (docs/metrics.md). Runs on the poll thread.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "kernel/inflight_snapshot.h"
#include "metrics/metrics_builder.h"

namespace accept4_exporter {

// Both gauges, one series per set of values of kInflightLabels (labels.h)
// with at least one call in progress; none for the others.
std::vector<prometheus::MetricFamily> BuildInflightFamilies(const InflightSnapshot& snapshot,
                                                            const LabelOptions& labels);

// How long `call` has been in progress at the snapshot's read: since its
// entry, or, for a call that began before the programs attached, at least
// since they did.
uint64_t InflightAgeNs(const accept4_inflight_call& call, const InflightSnapshot& snapshot);

}  // namespace accept4_exporter
