// The histogram buckets are split between two languages: the BPF side picks
// a bucket index (bpf/buckets.bpf.h), the exporter publishes each index's
// upper bound as le (DurationBucketBounds, BacklogBucketBounds). Prometheus
// reads le as "at most", so every value the kernel puts in bucket i must be
// <= bound[i] and > bound[i - 1]. Compiling the BPF helpers here checks the
// two halves against each other without loading anything into a kernel.
#include <gtest/gtest.h>
#include <linux/types.h>
#include <sys/cdefs.h>  // __always_inline, which the BPF side gets from libbpf

#include <cmath>
#include <cstdint>
#include <vector>

#include "buckets.bpf.h"
#include "metrics/metrics_builder.h"

namespace accept4_exporter {
namespace {

// Values around every power of two, where the bucket edges are.
std::vector<uint64_t> EdgeValues(int max_power) {
  std::vector<uint64_t> values = {0, 1, 2, 3};
  for (int power = 2; power <= max_power; ++power) {
    const uint64_t p = uint64_t{1} << power;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  return values;
}

TEST(BucketBoundsTest, BacklogBucketsHoldExactlyTheirRange) {
  const std::vector<double> bounds = BacklogBucketBounds();
  for (const uint64_t queued : EdgeValues(31)) {
    const __u32 bucket = backlog_bucket(static_cast<__u32>(queued));
    ASSERT_LT(bucket, static_cast<__u32>(ACCEPT4_BACKLOG_BUCKETS)) << queued;
    if (bucket < bounds.size()) {
      EXPECT_LE(static_cast<double>(queued), bounds[bucket]) << "queue length " << queued;
    }
    if (bucket > 0) {
      EXPECT_GT(static_cast<double>(queued), bounds[bucket - 1]) << "queue length " << queued;
    }
  }
}

// Bounds in whole nanoseconds, so that the comparisons are exact.
std::vector<uint64_t> DurationBoundsNs() {
  std::vector<uint64_t> ns;
  for (const double bound : DurationBucketBounds()) ns.push_back(std::llround(bound * 1e9));
  return ns;
}

TEST(BucketBoundsTest, DurationBucketsHoldNothingAboveTheirBound) {
  const std::vector<uint64_t> bounds = DurationBoundsNs();
  for (const uint64_t ns : EdgeValues(63)) {
    const __u32 bucket = duration_bucket(ns);
    ASSERT_LT(bucket, static_cast<__u32>(ACCEPT4_DURATION_BUCKETS)) << ns;
    if (bucket < bounds.size()) {
      EXPECT_LE(ns, bounds[bucket]) << ns << " ns";
    }
  }
}

TEST(BucketBoundsTest, DurationBucketsHoldNothingAtOrBelowThePreviousBound) {
  const std::vector<uint64_t> bounds = DurationBoundsNs();
  for (const uint64_t ns : EdgeValues(63)) {
    const __u32 bucket = duration_bucket(ns);
    if (bucket > 0) {
      EXPECT_GT(ns, bounds[bucket - 1]) << ns << " ns";
    }
  }
}

}  // namespace
}  // namespace accept4_exporter
