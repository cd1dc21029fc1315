// The histogram buckets are split between two languages: the BPF side picks
// a bucket index (bpf/buckets.bpf.h), the exporter publishes each index's
// upper bound as le (DurationBucketBounds, BacklogBucketBounds), or by
// default every other one, merging the kernel buckets between them
// (PublishedHistogram). Prometheus reads le as "at most", so every value the
// kernel puts in bucket i must be <= bound[i] and > bound[i - 1], and a
// published bucket must count exactly the values at most its bound.
// Compiling the BPF helpers here checks the two halves against each other
// without loading anything into a kernel.
#include <gtest/gtest.h>
#include <linux/types.h>
#include <sys/cdefs.h>  // __always_inline, which the BPF side gets from libbpf

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "buckets.bpf.h"
#include "metrics/bucket_bound_text.h"
#include "metrics/histogram_buckets.h"

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

// One value, counted in the kernel bucket the BPF side picks for it, then
// published: each published bucket holds it exactly when the value is at
// most its bound (`value_at_most(bound)`), and +Inf always does.
template <typename AtMost>
void ExpectPublishedBucketsHoldExactly(__u32 kernel_bucket, size_t kernel_buckets,
                                       const std::vector<double>& kernel_bounds,
                                       bool full_resolution, AtMost value_at_most,
                                       const std::string& what) {
  std::vector<uint64_t> counts(kernel_buckets, 0);
  counts[kernel_bucket] = 1;
  const prometheus::ClientMetric::Histogram h =
      PublishedHistogram(1, 0, counts, kernel_bounds, full_resolution);
  ASSERT_EQ(h.bucket.size(), PublishedBounds(kernel_bounds, full_resolution).size() + 1) << what;
  for (size_t i = 0; i + 1 < h.bucket.size(); ++i) {
    const double bound = h.bucket[i].upper_bound;
    EXPECT_EQ(h.bucket[i].cumulative_count, value_at_most(bound) ? 1u : 0u)
        << what << " in the bucket le=" << bound;
  }
  EXPECT_EQ(h.bucket.back().upper_bound, std::numeric_limits<double>::infinity());
  EXPECT_EQ(h.bucket.back().cumulative_count, 1u) << what;
}

TEST(BucketBoundsTest, PublishedBacklogBucketsCountExactlyTheValuesAtMostTheirBound) {
  const std::vector<double> bounds = BacklogBucketBounds();
  for (const bool full : {false, true}) {
    for (const uint64_t queued : EdgeValues(31)) {
      ExpectPublishedBucketsHoldExactly(
          backlog_bucket(static_cast<__u32>(queued)), ACCEPT4_BACKLOG_BUCKETS, bounds, full,
          [&](double bound) { return static_cast<double>(queued) <= bound; },
          "queue length " + std::to_string(queued) + (full ? " (full)" : ""));
    }
  }
}

TEST(BucketBoundsTest, PublishedDurationBucketsCountExactlyTheValuesAtMostTheirBound) {
  const std::vector<double> bounds = DurationBucketBounds();
  for (const bool full : {false, true}) {
    for (const uint64_t ns : EdgeValues(63)) {
      ExpectPublishedBucketsHoldExactly(
          duration_bucket(ns), ACCEPT4_DURATION_BUCKETS, bounds, full,
          // in whole nanoseconds, so that the comparison is exact
          [&](double bound) { return ns <= static_cast<uint64_t>(std::llround(bound * 1e9)); },
          std::to_string(ns) + " ns" + (full ? " (full)" : ""));
    }
  }
}

// By default the bounds are powers of four: 2^10, 2^12, ... 2^34 ns, and
// 4^k - 1 queued connections up to 65535.
TEST(BucketBoundsTest, PublishedBoundsArePowersOfFourByDefault) {
  std::vector<uint64_t> duration_ns;
  for (const double bound : PublishedBounds(DurationBucketBounds(), false)) {
    duration_ns.push_back(std::llround(bound * 1e9));
  }
  std::vector<uint64_t> want_ns;
  for (int power = 10; power <= 34; power += 2) want_ns.push_back(uint64_t{1} << power);
  EXPECT_EQ(duration_ns, want_ns);
  EXPECT_EQ(PublishedBounds(BacklogBucketBounds(), false),
            (std::vector<double>{0, 3, 15, 63, 255, 1023, 4095, 16383, 65535}));
  EXPECT_EQ(PublishedBounds(DurationBucketBounds(), true), DurationBucketBounds());
  EXPECT_EQ(PublishedBounds(BacklogBucketBounds(), true), BacklogBucketBounds());
}

// prometheus-cpp prints 16 significant digits, which shows float noise in
// bounds like 2^13 ns; the published text has the exact decimal bound.
TEST(BucketBoundsTest, BoundsArePrintedWithoutFloatNoise) {
  EXPECT_EQ(WithExactBucketBounds("a_bucket{x=\"1\",le=\"8.192000000000001e-06\"} 3\n"
                                  "a_bucket{x=\"1\",le=\"0.008388608000000001\"} 4\n"
                                  "a_bucket{x=\"1\",le=\"+Inf\"} 5\n"
                                  "b_bucket{le=\"not a number\"} 1\n"),
            "a_bucket{x=\"1\",le=\"8.192e-06\"} 3\n"
            "a_bucket{x=\"1\",le=\"0.008388608\"} 4\n"
            "a_bucket{x=\"1\",le=\"+Inf\"} 5\n"
            "b_bucket{le=\"not a number\"} 1\n");
  // Every bound in use reads back as the same double, printed exactly.
  std::vector<double> bounds = DurationBucketBounds();
  const std::vector<double> backlog = BacklogBucketBounds();
  bounds.insert(bounds.end(), backlog.begin(), backlog.end());
  for (const double bound : bounds) {
    char noisy[64];
    std::snprintf(noisy, sizeof(noisy), "%.16g", bound);
    const std::string line = std::string("m{le=\"") + noisy + "\"} 1";
    const std::string exact = WithExactBucketBounds(line);
    const std::string value = exact.substr(6, exact.find('"', 6) - 6);
    EXPECT_EQ(std::strtod(value.c_str(), nullptr), bound) << line;
    EXPECT_LE(value.size(), 12u) << "float noise left in " << exact;
  }
}

}  // namespace
}  // namespace accept4_exporter
