// The histograms of BuildAcceptFamilies: bucket bounds, cumulative counts,
// +Inf last, sums in the published unit, and the backlog limit gauge.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "kernel/bpf_types.h"
#include "kernel/map_snapshot.h"
#include "metrics/metrics_builder.h"
#include "metrics_test_support.h"

namespace accept4_exporter::test {
namespace {

TEST(MetricsHistogramTest, BucketBoundsMatchTheKernelBuckets) {
  const std::vector<double> duration = DurationBucketBounds();
  ASSERT_EQ(duration.size(), ACCEPT4_DURATION_BUCKETS - 1u);
  EXPECT_EQ(duration[0], 1024e-9);  // 2^ACCEPT4_DURATION_MIN_SHIFT ns
  EXPECT_EQ(duration[1], 2048e-9);
  EXPECT_EQ(duration[10], 1048576e-9);
  EXPECT_EQ(duration.back(), 34359738368e-9);  // 2^35 ns, "about 34 s"
  EXPECT_TRUE(std::is_sorted(duration.begin(), duration.end()));

  // Bucket i holds queue lengths below 2^i, so its largest is 2^i - 1.
  const std::vector<double> backlog = BacklogBucketBounds();
  ASSERT_EQ(backlog.size(), ACCEPT4_BACKLOG_BUCKETS - 1u);
  EXPECT_EQ(backlog[0], 0);
  EXPECT_EQ(backlog[1], 1);
  EXPECT_EQ(backlog[2], 3);
  EXPECT_EQ(backlog[7], 127);
  EXPECT_EQ(backlog.back(), 65535);
}

TEST(MetricsHistogramTest, DurationHistogramIsCumulativeInSeconds) {
  MapSnapshot snapshot{{}, NoOverflow()};
  StatsEntry fast = Entry({}, 7);
  fast.value.timed_calls = 6;  // one call began before the exporter attached
  fast.value.duration_ns_sum = 2'500'000'000;
  fast.value.duration_buckets[0] = 1;
  fast.value.duration_buckets[1] = 2;
  fast.value.duration_buckets[5] = 3;
  // Other flags and errno, same syscall and listener: the same histogram.
  StatsEntry slow = Entry({.flags = 0, .result = -EAGAIN}, 2);
  slow.value.timed_calls = 2;
  slow.value.duration_ns_sum = 40'000'000'000;
  slow.value.duration_buckets[5] = 1;
  slow.value.duration_buckets[ACCEPT4_DURATION_BUCKETS - 1] = 1;
  snapshot.stats = {fast, slow};

  const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, {});
  const MetricFamily& durations = Named(families, "accept4_duration_seconds");
  ASSERT_EQ(durations.metric.size(), 1u);
  const ClientMetric* metric = Find(durations, kNginxDuration);
  ASSERT_NE(metric, nullptr);
  const ClientMetric::Histogram& h = metric->histogram;
  EXPECT_EQ(h.sample_count, 8u);  // timed calls, not calls
  EXPECT_DOUBLE_EQ(h.sample_sum, 42.5);

  const std::vector<double> bounds = DurationBucketBounds();
  ASSERT_EQ(h.bucket.size(), static_cast<size_t>(ACCEPT4_DURATION_BUCKETS));
  for (size_t i = 0; i < h.bucket.size(); ++i) {
    const uint64_t want = i == 0 ? 1 : i < 5 ? 3 : i + 1 < h.bucket.size() ? 7 : 8;
    EXPECT_EQ(h.bucket[i].cumulative_count, want) << "bucket " << i;
    EXPECT_EQ(h.bucket[i].upper_bound, i < bounds.size() ? bounds[i] : kInf) << "bucket " << i;
  }
  EXPECT_EQ(h.bucket.back().upper_bound, kInf);
  EXPECT_EQ(h.bucket.back().cumulative_count, h.sample_count);
}

TEST(MetricsHistogramTest, BacklogOnlyForSampledListenersWithTheLargestLimit) {
  MapSnapshot snapshot{{}, NoOverflow()};
  StatsEntry first = Entry({}, 5);
  first.value.backlog_samples = 4;
  first.value.backlog_sum = 10;
  first.value.backlog_limit = 128;
  first.value.backlog_buckets[0] = 1;
  first.value.backlog_buckets[2] = 3;
  // Same process, family and listener; the limit is a gauge, not a sum.
  StatsEntry second = Entry({.result = -EAGAIN}, 3);
  second.value.backlog_samples = 1;
  second.value.backlog_sum = 70000;
  second.value.backlog_limit = 4096;
  second.value.backlog_buckets[ACCEPT4_BACKLOG_BUCKETS - 1] = 1;
  // Not a listening socket whose queue could be read: no backlog series.
  StatsEntry unsampled = Entry({.family = AF_NETLINK}, 9);
  snapshot.stats = {first, second, unsampled};
  const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, {});

  const MetricFamily& backlog = Named(families, "accept4_listen_backlog");
  ASSERT_EQ(backlog.metric.size(), 1u);
  const ClientMetric* metric = Find(backlog, kNginxBacklog);
  ASSERT_NE(metric, nullptr);
  const ClientMetric::Histogram& h = metric->histogram;
  EXPECT_EQ(h.sample_count, 5u);
  EXPECT_EQ(h.sample_sum, 70010);
  const std::vector<double> bounds = BacklogBucketBounds();
  ASSERT_EQ(h.bucket.size(), static_cast<size_t>(ACCEPT4_BACKLOG_BUCKETS));
  for (size_t i = 0; i < h.bucket.size(); ++i) {
    const uint64_t want = i < 2 ? 1 : i + 1 < h.bucket.size() ? 4 : 5;
    EXPECT_EQ(h.bucket[i].cumulative_count, want) << "bucket " << i;
    EXPECT_EQ(h.bucket[i].upper_bound, i < bounds.size() ? bounds[i] : kInf) << "bucket " << i;
  }

  const MetricFamily& limit = Named(families, "accept4_listen_backlog_limit");
  ASSERT_EQ(limit.metric.size(), 1u);
  EXPECT_EQ(LabelsOf(limit.metric[0]), kNginxBacklog);
  EXPECT_EQ(limit.metric[0].gauge.value, 4096);

  // The unsampled entry still has calls and a duration series.
  Labels netlink_calls = kNginxCalls;
  netlink_calls[4].second = "AF_NETLINK";
  EXPECT_EQ(CounterValue(Named(families, "accept4_calls_total"), netlink_calls), 9);
  EXPECT_EQ(Named(families, "accept4_duration_seconds").metric.size(), 1u);
}

}  // namespace
}  // namespace accept4_exporter::test
