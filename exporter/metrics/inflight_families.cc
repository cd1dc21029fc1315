#include "metrics/inflight_families.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

#include "metrics/series_labels.h"

namespace accept4_exporter {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;
using LabelValues = std::vector<std::string>;

struct InflightSum {
  uint64_t calls = 0;
  uint64_t oldest_ns = 0;
};

// A call in progress as a stats key, so that the label table decodes it as
// it decodes the counters' keys. It has no flags, result or cgroup, which
// kInflightLabels leaves out.
accept4_key KeyOf(const accept4_inflight_call& call) {
  accept4_key key = {};
  key.tgid = call.tgid;
  key.family = call.family;
  key.port = call.port;
  key.syscall = call.syscall;
  key.listener = call.listener;
  key.readiness = call.readiness;
  static_assert(sizeof(key.comm) == sizeof(call.comm));
  std::memcpy(key.comm, call.comm, sizeof(key.comm));
  return key;
}

}  // namespace

uint64_t InflightAgeNs(const accept4_inflight_call& call, const InflightSnapshot& snapshot) {
  const uint64_t since = call.start_ns != 0 ? call.start_ns : snapshot.attached_ns;
  // read_ns is taken after the walk, so no call starts later; the check
  // only keeps a clock oddity from wrapping around.
  return snapshot.read_ns > since ? snapshot.read_ns - since : 0;
}

std::vector<MetricFamily> BuildInflightFamilies(const InflightSnapshot& snapshot,
                                                const LabelOptions& options) {
  std::map<LabelValues, InflightSum> sums;
  for (const accept4_inflight_call& call : snapshot.calls) {
    const accept4_key key = KeyOf(call);
    InflightSum& sum = sums[SeriesLabels(key, options).Values(kInflightLabels)];
    ++sum.calls;
    sum.oldest_ns = std::max(sum.oldest_ns, InflightAgeNs(call, snapshot));
  }

  const std::vector<std::string> names = LabelNames(kInflightLabels, options.labels);
  MetricFamily calls{"accept4_inflight_calls",
                     "Threads inside accept(2) or accept4(2) at the latest poll.",
                     MetricType::Gauge,
                     {}};
  MetricFamily oldest{"accept4_inflight_oldest_seconds",
                      "How long the longest of the calls in progress has been inside, at the "
                      "latest poll; for a call that began before the exporter attached, the time "
                      "since it attached.",
                      MetricType::Gauge,
                      {}};
  for (const auto& [labels, sum] : sums) {
    calls.metric.push_back(WithLabels(names, labels));
    calls.metric.back().gauge.value = static_cast<double>(sum.calls);
    oldest.metric.push_back(WithLabels(names, labels));
    oldest.metric.back().gauge.value = static_cast<double>(sum.oldest_ns) / 1e9;
  }
  std::vector<MetricFamily> families;
  families.push_back(std::move(calls));
  families.push_back(std::move(oldest));
  return families;
}

}  // namespace accept4_exporter
