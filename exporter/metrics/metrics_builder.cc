#include "metrics/metrics_builder.h"

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "metrics/labels.h"

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

// The label names of each family, in the order their values are built.
struct LabelNames {
  std::vector<std::string> calls, errors, duration, backlog;
};

LabelNames NamesFor(const LabelOptions& options) {
  std::vector<std::string> process = {"comm"};
  if (options.pid) process.push_back("pid");
  if (options.cgroup) process.push_back("cgroup");
  std::vector<std::string> port;
  if (options.port) port.push_back("port");

  auto join = [](std::initializer_list<std::vector<std::string>> parts) {
    std::vector<std::string> names;
    for (const auto& part : parts) names.insert(names.end(), part.begin(), part.end());
    return names;
  };
  LabelNames names;
  names.calls = join({process, {"syscall", "flags", "family", "listener", "readiness"}, port});
  names.errors = join({names.calls, {"errno"}});
  names.duration = join({process, {"syscall", "listener", "readiness"}, port});
  names.backlog = join({process, {"family", "listener"}, port});
  return names;
}

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

ClientMetric::Histogram Cumulative(const HistogramSum& h, const std::vector<double>& bounds) {
  ClientMetric::Histogram out;
  out.sample_count = h.count;
  out.sample_sum = h.sum;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    cumulative += h.buckets[i];
    const double bound = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    out.bucket.push_back({cumulative, bound});
  }
  return out;
}

}  // namespace

prometheus::ClientMetric WithLabels(const std::vector<std::string>& names,
                                    const std::vector<std::string>& values) {
  ClientMetric metric;
  metric.label.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) metric.label.push_back({names[i], values[i]});
  return metric;
}

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

std::vector<MetricFamily> BuildAcceptFamilies(const MapSnapshot& snapshot,
                                              const LabelOptions& options) {
  const LabelNames names = NamesFor(options);
  std::map<LabelValues, uint64_t> calls, errors;
  std::map<LabelValues, HistogramSum> durations;
  std::map<LabelValues, BacklogSum> backlogs;

  for (const StatsEntry& entry : snapshot.stats) {
    const accept4_key& key = entry.key;
    const accept4_value& value = entry.value;
    LabelValues process = {CommLabel(std::string_view(key.comm, sizeof(key.comm)))};
    if (options.pid) process.push_back(std::to_string(key.tgid));
    if (options.cgroup) process.push_back(options.cgroup->Value(key.cgroup_id));
    const std::string syscall = SyscallLabel(key.syscall);
    const std::string listener = ListenerLabel(key.listener);
    const std::string readiness = ReadinessLabel(key.readiness);
    const std::string family = FamilyLabel(key.family);

    auto with_port = [&](LabelValues values) {
      if (options.port) values.push_back(std::to_string(key.port));
      return values;
    };
    LabelValues call_labels = process;
    call_labels.insert(call_labels.end(),
                       {syscall, FlagsLabel(key.flags), family, listener, readiness});
    call_labels = with_port(std::move(call_labels));
    calls[call_labels] += value.calls;
    if (key.result < 0) {
      // errno goes last, after port: the order of names.errors
      call_labels.push_back(ErrnoLabel(-key.result));
      errors[call_labels] += value.calls;
    }

    LabelValues duration_labels = process;
    duration_labels.insert(duration_labels.end(), {syscall, listener, readiness});
    AddHistogram(durations[with_port(std::move(duration_labels))], value.timed_calls,
                 static_cast<double>(value.duration_ns_sum) / 1e9, value.duration_buckets,
                 ACCEPT4_DURATION_BUCKETS);

    if (value.backlog_samples == 0) continue;
    LabelValues backlog_labels = process;
    backlog_labels.insert(backlog_labels.end(), {family, listener});
    BacklogSum& backlog = backlogs[with_port(std::move(backlog_labels))];
    AddHistogram(backlog.histogram, value.backlog_samples, static_cast<double>(value.backlog_sum),
                 value.backlog_buckets, ACCEPT4_BACKLOG_BUCKETS);
    backlog.limit = std::max<uint64_t>(backlog.limit, value.backlog_limit);
  }

  // Calls that found the stats map full: only syscall and errno are known.
  for (size_t slot = 0; slot < snapshot.overflow.size(); ++slot) {
    const uint64_t count = snapshot.overflow[slot];
    if (count == 0) continue;
    const auto syscall = static_cast<uint8_t>(slot / ACCEPT4_OVERFLOW_ERRNO_SLOTS);
    const auto errnum = static_cast<int32_t>(slot % ACCEPT4_OVERFLOW_ERRNO_SLOTS);
    LabelValues labels = {kOverflowLabel};
    if (options.pid) labels.push_back(kOverflowLabel);
    if (options.cgroup) labels.push_back(kOverflowLabel);
    labels.insert(labels.end(),
                  {SyscallLabel(syscall), "unknown", "unknown", "unknown", "unknown"});
    if (options.port) labels.push_back("0");
    calls[labels] += count;
    if (errnum != 0) {
      labels.push_back(ErrnoLabel(errnum));
      errors[labels] += count;
    }
  }

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
    ClientMetric& metric = calls_family.metric.emplace_back(WithLabels(names.calls, labels));
    metric.counter.value = static_cast<double>(count);
  }
  // Freed as soon as its family is built: this runs at every poll, and
  // holding every map to the end set the exporter's peak memory.
  calls = {};
  MetricFamily& errors_family = families.emplace_back(
      Family("accept4_errors_total", "accept4(2) and accept(2) calls that failed, by errno.",
             MetricType::Counter));
  for (const auto& [labels, count] : errors) {
    ClientMetric& metric = errors_family.metric.emplace_back(WithLabels(names.errors, labels));
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
    ClientMetric& metric = duration_family.metric.emplace_back(WithLabels(names.duration, labels));
    metric.histogram = Cumulative(histogram, duration_bounds);
  }
  durations = {};

  const std::vector<double> backlog_bounds = BacklogBucketBounds();
  MetricFamily& backlog_family = families.emplace_back(
      Family("accept4_listen_backlog",
             "Connections waiting in the listen queue (sk_ack_backlog) when accept was entered.",
             MetricType::Histogram));
  for (const auto& [labels, backlog] : backlogs) {
    ClientMetric& metric = backlog_family.metric.emplace_back(WithLabels(names.backlog, labels));
    metric.histogram = Cumulative(backlog.histogram, backlog_bounds);
  }
  MetricFamily& limit_family = families.emplace_back(Family(
      "accept4_listen_backlog_limit",
      "Largest listen queue limit (sk_max_ack_backlog) seen by the calls.", MetricType::Gauge));
  for (const auto& [labels, backlog] : backlogs) {
    ClientMetric& limit = limit_family.metric.emplace_back(WithLabels(names.backlog, labels));
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
    ClientMetric& metric = overflow_family.metric.emplace_back(WithLabels({"reason"}, {reasons[reason]}));
    metric.counter.value = static_cast<double>(snapshot.overflow_by_reason[reason]);
  }
  return families;
}

}  // namespace accept4_exporter
