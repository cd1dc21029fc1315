// The buckets the histograms are published with. The kernel counts in
// powers of two (bpf/accept4.h); by default every other bound is published,
// powers of four, which keeps the series of a process and listener under
// 32; histograms.full_resolution publishes every kernel bucket.
#pragma once

#include <prometheus/client_metric.h>

#include <cstdint>
#include <vector>

namespace accept4_exporter {

// Upper bounds, in seconds and queue entries, of every kernel bucket but
// the last (+Inf) one; see bpf/accept4.h.
std::vector<double> DurationBucketBounds();
std::vector<double> BacklogBucketBounds();

// The bounds published for kernel buckets with these bounds: every one at
// full resolution; otherwise the first and every other one after it
// (2^10, 2^12, ... ns; 0, 3, 15, ... entries), each a kernel bound, so that
// counts stay exact and le stays inclusive.
std::vector<double> PublishedBounds(const std::vector<double>& kernel_bounds, bool full_resolution);

// A histogram from kernel bucket counts (not cumulative; the last one is
// unbounded), with a cumulative bucket at each published bound of
// `kernel_bounds` and +Inf last. A coarser bucket is the sum of the kernel
// buckets up to its bound, which hold exactly the values at most that bound.
prometheus::ClientMetric::Histogram PublishedHistogram(uint64_t count, double sum,
                                                       const std::vector<uint64_t>& kernel_buckets,
                                                       const std::vector<double>& kernel_bounds,
                                                       bool full_resolution);

}  // namespace accept4_exporter
