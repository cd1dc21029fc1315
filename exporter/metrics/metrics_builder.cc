#include "metrics/metrics_builder.h"

#include <algorithm>
#include <map>
#include <string>

#include "metrics/histogram_buckets.h"
#include "metrics/series_labels.h"

namespace accept4_exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using LabelValues = std::vector<std::string>;

struct HistogramSum {
  uint64_t count = 0;
  double sum = 0;
  std::vector<uint64_t> buckets;  // not cumulative; the last one is +Inf
};

struct BacklogSum {
  HistogramSum histogram;
  uint64_t limit = 0;
};

MetricFamily Family(const char* name, const char* help, MetricType type) {
  return MetricFamily{name, help, type, {}};
}

void AddHistogram(HistogramSum& into, uint64_t count, double sum, const __u64* buckets,
                  size_t bucket_count) {
  into.count += count;
  into.sum += sum;
  into.buckets.resize(bucket_count);
  for (size_t i = 0; i < bucket_count; ++i) into.buckets[i] += buckets[i];
}

}  // namespace

prometheus::ClientMetric WithLabels(const std::vector<std::string>& names,
                                    const std::vector<std::string>& values) {
  ClientMetric metric;
  metric.label.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) metric.label.push_back({names[i], values[i]});
  return metric;
}

std::vector<MetricFamily> BuildAcceptFamilies(const MapSnapshot& snapshot,
                                              const LabelOptions& options) {
  std::map<LabelValues, uint64_t> calls, errors;
  std::map<LabelValues, HistogramSum> durations;
  std::map<LabelValues, BacklogSum> backlogs;

  for (const StatsEntry& entry : snapshot.stats) {
    const accept4_key& key = entry.key;
    const accept4_value& value = entry.value;
    SeriesLabels labels(key, options);
    calls[labels.Values(kCallsLabels)] += value.calls;
    if (key.result < 0) errors[labels.Values(kErrorsLabels)] += value.calls;
    AddHistogram(durations[labels.Values(kDurationLabels)], value.timed_calls,
                 static_cast<double>(value.duration_ns_sum) / 1e9, value.duration_buckets,
                 ACCEPT4_DURATION_BUCKETS);

    if (value.backlog_samples == 0) continue;
    BacklogSum& backlog = backlogs[labels.Values(kBacklogLabels)];
    AddHistogram(backlog.histogram, value.backlog_samples, static_cast<double>(value.backlog_sum),
                 value.backlog_buckets, ACCEPT4_BACKLOG_BUCKETS);
    backlog.limit = std::max<uint64_t>(backlog.limit, value.backlog_limit);
  }

  // Calls that found the stats map full: only syscall and errno are known.
  for (size_t slot = 0; slot < snapshot.overflow.size(); ++slot) {
    const uint64_t count = snapshot.overflow[slot];
    if (count == 0) continue;
    accept4_key key = {};
    key.syscall = static_cast<uint8_t>(slot / ACCEPT4_OVERFLOW_ERRNO_SLOTS);
    key.result = -static_cast<int32_t>(slot % ACCEPT4_OVERFLOW_ERRNO_SLOTS);
    SeriesLabels labels(key, options, SeriesLabels::Kind::kOverflow);
    calls[labels.Values(kCallsLabels)] += count;
    if (key.result < 0) errors[labels.Values(kErrorsLabels)] += count;
  }

  const std::vector<std::string> call_names = LabelNames(kCallsLabels, options.labels);
  const std::vector<std::string> error_names = LabelNames(kErrorsLabels, options.labels);
  const std::vector<std::string> duration_names = LabelNames(kDurationLabels, options.labels);
  const std::vector<std::string> backlog_names = LabelNames(kBacklogLabels, options.labels);
  std::vector<MetricFamily> families;
  families.reserve(6);
  // Each family is filled right after it is added: a later emplace_back may
  // move the vector and invalidate references to earlier elements.
  MetricFamily& calls_family =
      families.emplace_back(Family("accept4_calls_total",
                                   "accept4(2) and accept(2) calls that returned, by process, "
                                   "flags, listener family, listener mode and whether epoll "
                                   "watched the listener.",
                                   MetricType::Counter));
  for (const auto& [labels, count] : calls) {
    ClientMetric& metric = calls_family.metric.emplace_back(WithLabels(call_names, labels));
    metric.counter.value = static_cast<double>(count);
  }
  // Freed as soon as its family is built: this runs at every poll, and
  // holding every map to the end set the exporter's peak memory.
  calls = {};
  MetricFamily& errors_family = families.emplace_back(
      Family("accept4_errors_total", "accept4(2) and accept(2) calls that failed, by errno.",
             MetricType::Counter));
  for (const auto& [labels, count] : errors) {
    ClientMetric& metric = errors_family.metric.emplace_back(WithLabels(error_names, labels));
    metric.counter.value = static_cast<double>(count);
  }
  errors = {};

  const std::vector<double> duration_bounds = DurationBucketBounds();
  MetricFamily& duration_family = families.emplace_back(
      Family("accept4_duration_seconds",
             "Time from syscall entry to exit. Calls already running when the exporter "
             "attached are not observed.",
             MetricType::Histogram));
  for (const auto& [labels, histogram] : durations) {
    ClientMetric& metric = duration_family.metric.emplace_back(WithLabels(duration_names, labels));
    metric.histogram = PublishedHistogram(histogram.count, histogram.sum, histogram.buckets,
                                          duration_bounds, options.full_resolution_histograms);
  }
  durations = {};

  const std::vector<double> backlog_bounds = BacklogBucketBounds();
  MetricFamily& backlog_family = families.emplace_back(
      Family("accept4_listen_backlog",
             "Connections waiting in the listen queue when accept was entered (sk_ack_backlog for "
             "TCP, the receive queue for unix sockets).",
             MetricType::Histogram));
  for (const auto& [labels, backlog] : backlogs) {
    ClientMetric& metric = backlog_family.metric.emplace_back(WithLabels(backlog_names, labels));
    metric.histogram = PublishedHistogram(backlog.histogram.count, backlog.histogram.sum,
                                          backlog.histogram.buckets, backlog_bounds,
                                          options.full_resolution_histograms);
  }
  MetricFamily& limit_family = families.emplace_back(Family(
      "accept4_listen_backlog_limit",
      "Largest listen queue limit (sk_max_ack_backlog) seen by the calls.", MetricType::Gauge));
  for (const auto& [labels, backlog] : backlogs) {
    ClientMetric& limit = limit_family.metric.emplace_back(WithLabels(backlog_names, labels));
    limit.gauge.value = static_cast<double>(backlog.limit);
  }
  backlogs = {};

  MetricFamily& overflow_family = families.emplace_back(
      Family("accept4_exporter_overflow_calls_total",
             "Calls counted under comm=\"[overflow]\", by reason: the stats map was full "
             "(map_full) or the calling uid held maps.max_series_per_uid series (uid_share).",
             MetricType::Counter));
  const char* const reasons[ACCEPT4_OVERFLOW_REASON_MAX] = {"map_full", "uid_share"};
  for (int reason = 0; reason < ACCEPT4_OVERFLOW_REASON_MAX; ++reason) {
    ClientMetric& metric =
        overflow_family.metric.emplace_back(WithLabels({"reason"}, {reasons[reason]}));
    metric.counter.value = static_cast<double>(snapshot.overflow_by_reason[reason]);
  }
  return families;
}

}  // namespace accept4_exporter
