// The histograms of BuildAcceptFamilies: bucket bounds at both resolutions,
// cumulative counts, +Inf last, sums in the published unit, the backlog
// limit gauge, and the series they cost per process and listener.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

#include "kernel/bpf_types.h"
#include "kernel/map_snapshot.h"
#include "metrics/histogram_buckets.h"
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

LabelOptions WithResolution(bool full_resolution) {
  LabelOptions options;
  options.full_resolution_histograms = full_resolution;
  return options;
}

// Checks `h` bucket by bucket: the published bounds of `kernel_bounds` then
// +Inf, each with the cumulative count of the kernel buckets up to it,
// `want(kernel index)`; +Inf with `total`.
template <typename Want>
void ExpectPublished(const ClientMetric::Histogram& h, const std::vector<double>& kernel_bounds,
                     bool full_resolution, Want want, uint64_t total) {
  const std::vector<double> bounds = PublishedBounds(kernel_bounds, full_resolution);
  ASSERT_EQ(h.bucket.size(), bounds.size() + 1);
  for (size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(h.bucket[i].upper_bound, bounds[i]) << "bucket " << i;
    const size_t kernel_index =
        std::find(kernel_bounds.begin(), kernel_bounds.end(), bounds[i]) - kernel_bounds.begin();
    EXPECT_EQ(h.bucket[i].cumulative_count, want(kernel_index)) << "le=" << bounds[i];
  }
  EXPECT_EQ(h.bucket.back().upper_bound, kInf);
  EXPECT_EQ(h.bucket.back().cumulative_count, total);
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
  // 2^35 ns: published at full resolution only, else part of +Inf
  slow.value.duration_buckets[ACCEPT4_DURATION_BUCKETS - 2] = 1;
  snapshot.stats = {fast, slow};

  for (const bool full : {false, true}) {
    SCOPED_TRACE(full ? "full resolution" : "powers of four");
    const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, WithResolution(full));
    const MetricFamily& durations = Named(families, "accept4_duration_seconds");
    ASSERT_EQ(durations.metric.size(), 1u);
    const ClientMetric* metric = Find(durations, kNginxDuration);
    ASSERT_NE(metric, nullptr);
    const ClientMetric::Histogram& h = metric->histogram;
    EXPECT_EQ(h.sample_count, 8u);  // timed calls, not calls
    EXPECT_DOUBLE_EQ(h.sample_sum, 42.5);
    EXPECT_EQ(h.bucket.size(), full ? ACCEPT4_DURATION_BUCKETS : 14u);
    const size_t last_bound = ACCEPT4_DURATION_BUCKETS - 2;
    ExpectPublished(
        h, DurationBucketBounds(), full,
        [&](size_t i) { return i == 0           ? 1u
                               : i < 5          ? 3u
                               : i < last_bound ? 7u
                                                : 8u; }, 8);
  }
}

TEST(MetricsHistogramTest, BacklogOnlyForSampledListenersWithTheLargestLimit) {
  MapSnapshot snapshot{{}, NoOverflow()};
  StatsEntry first = Entry({}, 5);
  first.value.backlog_samples = 4;
  first.value.backlog_sum = 10;
  first.value.backlog_limit = 128;
  first.value.backlog_buckets[0] = 1;
  // queue lengths 2 and 3: le="3" at both resolutions
  first.value.backlog_buckets[2] = 3;
  // Same process, family and listener; the limit is a gauge, not a sum.
  StatsEntry second = Entry({.result = -EAGAIN}, 3);
  second.value.backlog_samples = 2;
  second.value.backlog_sum = 70001;
  second.value.backlog_limit = 4096;
  // a queue length of 1: le="1" at full resolution, le="3" by default
  second.value.backlog_buckets[1] = 1;
  second.value.backlog_buckets[ACCEPT4_BACKLOG_BUCKETS - 1] = 1;
  // Not a listening socket whose queue could be read: no backlog series.
  StatsEntry unsampled = Entry({.family = AF_NETLINK}, 9);
  snapshot.stats = {first, second, unsampled};

  for (const bool full : {false, true}) {
    SCOPED_TRACE(full ? "full resolution" : "powers of four");
    const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, WithResolution(full));
    const MetricFamily& backlog = Named(families, "accept4_listen_backlog");
    ASSERT_EQ(backlog.metric.size(), 1u);
    const ClientMetric* metric = Find(backlog, kNginxBacklog);
    ASSERT_NE(metric, nullptr);
    const ClientMetric::Histogram& h = metric->histogram;
    EXPECT_EQ(h.sample_count, 6u);
    EXPECT_EQ(h.sample_sum, 70011);
    EXPECT_EQ(h.bucket.size(), full ? ACCEPT4_BACKLOG_BUCKETS : 10u);
    ExpectPublished(
        h, BacklogBucketBounds(), full, [](size_t i) { return i == 0   ? 1u
                                                              : i == 1 ? 2u
                                                                       : 5u; }, 6);

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
}

// The series one process costs for one listener and one set of flags, as
// Prometheus stores them: a sample line of /metrics each.
size_t SeriesOfOneProcessAndListener(bool full_resolution) {
  MapSnapshot snapshot{{}, NoOverflow()};
  StatsEntry entry = Entry({}, 1);
  entry.value.timed_calls = 1;
  entry.value.duration_buckets[3] = 1;
  entry.value.backlog_samples = 1;
  entry.value.backlog_buckets[0] = 1;
  snapshot.stats = {entry};
  std::istringstream text(prometheus::TextSerializer().Serialize(
      BuildAcceptFamilies(snapshot, WithResolution(full_resolution))));
  size_t series = 0;
  for (std::string line; std::getline(text, line);) {
    if (line.rfind("accept4_", 0) == 0 && line.rfind("accept4_exporter_", 0) != 0) ++series;
  }
  return series;
}

TEST(MetricsHistogramTest, OneProcessAndListenerIsAtMost32SeriesByDefault) {
  // calls 1, duration 14 buckets + _sum + _count, backlog 10 + 2, limit 1
  EXPECT_EQ(SeriesOfOneProcessAndListener(false), 30u);
  // calls 1, duration 27 + 2, backlog 18 + 2, limit 1
  EXPECT_EQ(SeriesOfOneProcessAndListener(true), 51u);
}

}  // namespace
}  // namespace accept4_exporter::test
