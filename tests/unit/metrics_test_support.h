// Builders and finders shared by the tests of BuildAcceptFamilies: stats
// entries by field name, and series looked up by their exact label list.
#pragma once

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "kernel/bpf_types.h"
#include "kernel/map_snapshot.h"
#include "metrics/labels.h"

namespace accept4_exporter::test {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<std::pair<std::string, std::string>>;

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// One stats map key by field name; the defaults are a typical nginx worker.
struct Series {
  std::string comm = "nginx";
  uint32_t tgid = 42;
  uint8_t flags = ACCEPT4_FLAG_CLOEXEC | ACCEPT4_FLAG_NONBLOCK;
  int32_t result = 0;
  uint16_t family = AF_INET;
  uint16_t port = 8080;
  uint8_t syscall = ACCEPT4_SYSCALL_ACCEPT4;
  uint8_t listener = ACCEPT4_LISTENER_NONBLOCKING;
  uint8_t readiness = ACCEPT4_READINESS_EPOLL;
};

inline StatsEntry Entry(const Series& s, uint64_t calls) {
  StatsEntry entry = {};
  entry.key.tgid = s.tgid;
  entry.key.flags = s.flags;
  entry.key.result = s.result;
  entry.key.family = s.family;
  entry.key.port = s.port;
  entry.key.syscall = s.syscall;
  entry.key.listener = s.listener;
  entry.key.readiness = s.readiness;
  std::memcpy(entry.key.comm, s.comm.data(), std::min(s.comm.size(), sizeof(entry.key.comm)));
  entry.value.calls = calls;
  return entry;
}

inline std::vector<uint64_t> NoOverflow() {
  return std::vector<uint64_t>(ACCEPT4_SYSCALL_MAX * ACCEPT4_OVERFLOW_ERRNO_SLOTS, 0);
}

inline const MetricFamily& Named(const std::vector<MetricFamily>& families,
                                 const std::string& name) {
  const auto it = std::find_if(families.begin(), families.end(),
                               [&](const MetricFamily& f) { return f.name == name; });
  if (it == families.end()) {
    ADD_FAILURE() << "no family " << name;
    static const MetricFamily kEmpty;
    return kEmpty;
  }
  return *it;
}

// Named() returns into the vector; a temporary would leave it dangling.
inline const MetricFamily& Named(std::vector<MetricFamily>&&, const std::string&) = delete;

inline Labels LabelsOf(const ClientMetric& metric) {
  Labels labels;
  for (const auto& label : metric.label) labels.emplace_back(label.name, label.value);
  return labels;
}

inline std::vector<std::string> LabelNames(const ClientMetric& metric) {
  std::vector<std::string> names;
  for (const auto& label : metric.label) names.push_back(label.name);
  return names;
}

// The metric with exactly these labels, in this order; nullptr if none.
inline const ClientMetric* Find(const MetricFamily& family, const Labels& labels) {
  for (const ClientMetric& metric : family.metric) {
    if (LabelsOf(metric) == labels) return &metric;
  }
  return nullptr;
}

inline double CounterValue(const MetricFamily& family, const Labels& labels) {
  const ClientMetric* metric = Find(family, labels);
  if (metric == nullptr) {
    ADD_FAILURE() << family.name << " has no series " << ::testing::PrintToString(labels);
    return -1;
  }
  return metric->counter.value;
}

// Label sets of the default Series, with pid and without port.
inline const Labels kNginxCalls = {{"comm", "nginx"},      {"pid", "42"},
                                   {"syscall", "accept4"}, {"flags", "SOCK_CLOEXEC|SOCK_NONBLOCK"},
                                   {"family", "AF_INET"},  {"listener", "nonblocking"},
                                   {"readiness", "epoll"}};
inline const Labels kNginxDuration = {{"comm", "nginx"},
                                      {"pid", "42"},
                                      {"syscall", "accept4"},
                                      {"listener", "nonblocking"},
                                      {"readiness", "epoll"}};
inline const Labels kNginxBacklog = {
    {"comm", "nginx"}, {"pid", "42"}, {"family", "AF_INET"}, {"listener", "nonblocking"}};

// The default labels, with pid and port as given and the cgroup label on
// when `cgroup` is set.
inline LabelOptions Options(bool pid, bool port, CgroupLabel* cgroup = nullptr) {
  LabelOptions options;
  options.labels.Set(LabelId::kPid, pid)
      .Set(LabelId::kPort, port)
      .Set(LabelId::kCgroup, cgroup != nullptr);
  options.cgroup = cgroup;
  return options;
}

inline Labels With(Labels labels, const std::string& name, const std::string& value) {
  labels.emplace_back(name, value);
  return labels;
}

}  // namespace accept4_exporter::test
