// BuildInflightFamilies and the comm filter on hand-made iterator output:
// the in-progress gauges' names, labels, counts and ages.
#include "metrics/inflight_families.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "metrics/comm_filter.h"
#include "metrics_test_support.h"

namespace accept4_exporter::test {
namespace {

constexpr uint64_t kSecond = 1000000000;
// The programs attached at 100 s of CLOCK_MONOTONIC; the poll read at 160 s.
constexpr uint64_t kAttachedNs = 100 * kSecond;
constexpr uint64_t kReadNs = 160 * kSecond;

struct Call {
  std::string comm = "nginx";
  uint32_t tgid = 42;
  uint64_t start_ns = 0;
  uint8_t syscall = ACCEPT4_SYSCALL_ACCEPT4;
  uint8_t listener = ACCEPT4_LISTENER_BLOCKING;
  uint8_t readiness = ACCEPT4_READINESS_NONE;
  uint16_t port = 8080;
};

accept4_inflight_call Record(const Call& c) {
  accept4_inflight_call call = {};
  call.start_ns = c.start_ns;
  call.tgid = c.tgid;
  call.family = AF_INET;
  call.port = c.port;
  call.syscall = c.syscall;
  call.listener = c.listener;
  call.readiness = c.readiness;
  std::memcpy(call.comm, c.comm.data(), std::min(c.comm.size(), sizeof(call.comm)));
  return call;
}

InflightSnapshot Snapshot(const std::vector<Call>& calls) {
  InflightSnapshot snapshot;
  for (const Call& call : calls) snapshot.calls.push_back(Record(call));
  snapshot.read_ns = kReadNs;
  snapshot.attached_ns = kAttachedNs;
  return snapshot;
}

double GaugeValue(const MetricFamily& family, const Labels& labels) {
  const ClientMetric* metric = Find(family, labels);
  if (metric == nullptr) {
    ADD_FAILURE() << family.name << " has no series " << ::testing::PrintToString(labels);
    return -1;
  }
  return metric->gauge.value;
}

const Labels kNginx = {{"comm", "nginx"},
                       {"pid", "42"},
                       {"syscall", "accept4"},
                       {"listener", "blocking"},
                       {"readiness", "none"}};

TEST(InflightFamiliesTest, NoCallInProgressGivesBothFamiliesWithoutSeries) {
  const std::vector<MetricFamily> families = BuildInflightFamilies(Snapshot({}), {});
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "accept4_inflight_calls");
  EXPECT_EQ(families[1].name, "accept4_inflight_oldest_seconds");
  for (const MetricFamily& family : families) {
    EXPECT_EQ(family.type, MetricType::Gauge) << family.name;
    EXPECT_FALSE(family.help.empty()) << family.name;
    EXPECT_TRUE(family.metric.empty()) << family.name;
  }
}

TEST(InflightFamiliesTest, ThreadsOfOneLabelSetAddUpAndTheOldestIsTheLongest) {
  const std::vector<MetricFamily> families = BuildInflightFamilies(
      Snapshot(
          {{.start_ns = 150 * kSecond}, {.start_ns = 157 * kSecond}, {.start_ns = 159 * kSecond}}),
      {});
  EXPECT_EQ(GaugeValue(Named(families, "accept4_inflight_calls"), kNginx), 3);
  EXPECT_DOUBLE_EQ(GaugeValue(Named(families, "accept4_inflight_oldest_seconds"), kNginx), 10);
}

TEST(InflightFamiliesTest, CallFromBeforeTheAttachIsAgedFromTheAttach) {
  // start_ns 0: the call began before the programs attached, 60 s before the read.
  const std::vector<MetricFamily> families =
      BuildInflightFamilies(Snapshot({{.start_ns = 0}, {.start_ns = 155 * kSecond}}), {});
  EXPECT_EQ(GaugeValue(Named(families, "accept4_inflight_calls"), kNginx), 2);
  EXPECT_DOUBLE_EQ(GaugeValue(Named(families, "accept4_inflight_oldest_seconds"), kNginx), 60);
}

TEST(InflightFamiliesTest, AgeNeverWrapsBelowZero) {
  InflightSnapshot snapshot = Snapshot({{.start_ns = kReadNs + 5}});
  EXPECT_EQ(InflightAgeNs(snapshot.calls[0], snapshot), 0u);
}

TEST(InflightFamiliesTest, LabelSetsFollowTheLabelOptions) {
  const InflightSnapshot snapshot =
      Snapshot({{.tgid = 42, .port = 8080},
                {.tgid = 43, .port = 8080},
                {.tgid = 42, .syscall = ACCEPT4_SYSCALL_ACCEPT, .port = 8080},
                {.tgid = 42, .port = 9090},
                {.tgid = 42, .listener = ACCEPT4_LISTENER_UNKNOWN, .port = 0},
                {.tgid = 44, .readiness = ACCEPT4_READINESS_EPOLL, .port = 8080}});
  const struct {
    LabelOptions options;
    std::vector<std::pair<Labels, double>> want;
  } cases[] = {
      {Options(true, false),
       {{kNginx, 2},
        {{{"comm", "nginx"},
          {"pid", "43"},
          {"syscall", "accept4"},
          {"listener", "blocking"},
          {"readiness", "none"}},
         1},
        {{{"comm", "nginx"},
          {"pid", "42"},
          {"syscall", "accept"},
          {"listener", "blocking"},
          {"readiness", "none"}},
         1},
        {{{"comm", "nginx"},
          {"pid", "42"},
          {"syscall", "accept4"},
          {"listener", "unknown"},
          {"readiness", "none"}},
         1}}},
      {Options(false, false),
       {{{{"comm", "nginx"},
          {"syscall", "accept4"},
          {"listener", "blocking"},
          {"readiness", "none"}},
         3},
        {{{"comm", "nginx"},
          {"syscall", "accept4"},
          {"listener", "blocking"},
          {"readiness", "epoll"}},
         1}}},
      {Options(true, true),
       {{With(kNginx, "port", "8080"), 1},
        {With(kNginx, "port", "9090"), 1},
        {{{"comm", "nginx"},
          {"pid", "42"},
          {"syscall", "accept4"},
          {"listener", "unknown"},
          {"readiness", "none"},
          {"port", "0"}},
         1}}},
  };
  for (const auto& c : cases) {
    const std::vector<MetricFamily> families = BuildInflightFamilies(snapshot, c.options);
    const MetricFamily& calls = Named(families, "accept4_inflight_calls");
    for (const auto& [labels, count] : c.want) {
      EXPECT_EQ(GaugeValue(calls, labels), count) << ::testing::PrintToString(labels);
      EXPECT_NE(Find(Named(families, "accept4_inflight_oldest_seconds"), labels), nullptr);
    }
  }
}

TEST(InflightFamiliesTest, CommFilterDropsTheCallsOfUnwantedCommands) {
  InflightSnapshot snapshot = Snapshot({{.comm = "nginx"}, {.comm = "sshd"}, {.comm = "nginx"}});
  CommFilter("nginx|haproxy", "").Apply(snapshot);
  ASSERT_EQ(snapshot.calls.size(), 2u);
  for (const accept4_inflight_call& call : snapshot.calls) EXPECT_STREQ(call.comm, "nginx");
  CommFilter("", "ngin.").Apply(snapshot);
  EXPECT_TRUE(snapshot.calls.empty());
}

}  // namespace
}  // namespace accept4_exporter::test
