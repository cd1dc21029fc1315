#include "metrics/histogram_buckets.h"

#include <cmath>
#include <limits>

#include "kernel/bpf_types.h"

namespace accept4_exporter {
namespace {

// Whether kernel bucket `i` ends a published bucket (the last kernel bucket
// always does, as +Inf).
bool Published(size_t i, bool full_resolution) { return full_resolution || i % 2 == 0; }

}  // namespace

std::vector<double> DurationBucketBounds() {
  std::vector<double> bounds;
  for (int i = 0; i + 1 < ACCEPT4_DURATION_BUCKETS; ++i) {
    bounds.push_back(std::ldexp(1.0, ACCEPT4_DURATION_MIN_SHIFT + i) / 1e9);
  }
  return bounds;
}

std::vector<double> BacklogBucketBounds() {
  std::vector<double> bounds;
  for (int i = 0; i + 1 < ACCEPT4_BACKLOG_BUCKETS; ++i) bounds.push_back(std::ldexp(1.0, i) - 1);
  return bounds;
}

std::vector<double> PublishedBounds(const std::vector<double>& kernel_bounds,
                                    bool full_resolution) {
  std::vector<double> bounds;
  for (size_t i = 0; i < kernel_bounds.size(); ++i) {
    if (Published(i, full_resolution)) bounds.push_back(kernel_bounds[i]);
  }
  return bounds;
}

prometheus::ClientMetric::Histogram PublishedHistogram(uint64_t count, double sum,
                                                       const std::vector<uint64_t>& kernel_buckets,
                                                       const std::vector<double>& kernel_bounds,
                                                       bool full_resolution) {
  prometheus::ClientMetric::Histogram out;
  out.sample_count = count;
  out.sample_sum = sum;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kernel_buckets.size(); ++i) {
    cumulative += kernel_buckets[i];
    if (i < kernel_bounds.size()) {
      if (Published(i, full_resolution)) out.bucket.push_back({cumulative, kernel_bounds[i]});
    } else {
      out.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
    }
  }
  return out;
}

}  // namespace accept4_exporter
