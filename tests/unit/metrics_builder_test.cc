// BuildAcceptFamilies on hand-made snapshots: the metrics contract (names,
// types, label names in order, counter values) that dashboards and alerts
// rely on. The histograms are in metrics_histogram_test.cc.
#include "metrics/metrics_builder.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "kernel/bpf_types.h"
#include "kernel/map_snapshot.h"
#include "metrics/cgroup_label.h"
#include "metrics_test_support.h"

namespace accept4_exporter::test {
namespace {

TEST(MetricsBuilderTest, EmptySnapshotGivesEveryFamilyAndAZeroOverflowCount) {
  // Families are there even without series, so that HELP and TYPE are
  // served from the first scrape on.
  const std::vector<MetricFamily> families = BuildAcceptFamilies({{}, NoOverflow()}, {});
  const struct {
    const char* name;
    MetricType type;
  } want[] = {
      {"accept4_calls_total", MetricType::Counter},
      {"accept4_errors_total", MetricType::Counter},
      {"accept4_duration_seconds", MetricType::Histogram},
      {"accept4_listen_backlog", MetricType::Histogram},
      {"accept4_listen_backlog_limit", MetricType::Gauge},
      {"accept4_exporter_overflow_calls_total", MetricType::Counter},
  };
  ASSERT_EQ(families.size(), std::size(want));
  for (size_t i = 0; i < families.size(); ++i) {
    EXPECT_EQ(families[i].name, want[i].name);
    EXPECT_EQ(families[i].type, want[i].type) << want[i].name;
    EXPECT_FALSE(families[i].help.empty()) << want[i].name;
  }
  for (size_t i = 0; i + 1 < families.size(); ++i) {
    EXPECT_TRUE(families[i].metric.empty()) << families[i].name;
  }
  const MetricFamily& overflow = families.back();
  // one series per reason, zero until a call overflows
  ASSERT_EQ(overflow.metric.size(), 2u);
  EXPECT_EQ(overflow.metric[0].label.at(0).value, "map_full");
  EXPECT_EQ(overflow.metric[1].label.at(0).value, "uid_share");
  EXPECT_EQ(overflow.metric[0].counter.value, 0);
  EXPECT_EQ(overflow.metric[1].counter.value, 0);
}

TEST(MetricsBuilderTest, CallsAddUpOverResultsAndErrorsSplitByErrno) {
  MapSnapshot snapshot{{}, NoOverflow()};
  snapshot.stats.push_back(Entry({}, 7));
  snapshot.stats.push_back(Entry({.result = -EAGAIN}, 100));
  snapshot.stats.push_back(Entry({.result = -EMFILE}, 3));
  // Another port: one series with it when the port label is off.
  snapshot.stats.push_back(Entry({.port = 8081}, 5));
  const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, {});

  const MetricFamily& calls = Named(families, "accept4_calls_total");
  ASSERT_EQ(calls.metric.size(), 1u);
  EXPECT_EQ(CounterValue(calls, kNginxCalls), 7 + 100 + 3 + 5);

  const MetricFamily& errors = Named(families, "accept4_errors_total");
  ASSERT_EQ(errors.metric.size(), 2u);
  EXPECT_EQ(CounterValue(errors, With(kNginxCalls, "errno", "EAGAIN")), 100);
  EXPECT_EQ(CounterValue(errors, With(kNginxCalls, "errno", "EMFILE")), 3);
}

TEST(MetricsBuilderTest, EveryDecodedFieldBecomesItsOwnSeries) {
  MapSnapshot snapshot{{}, NoOverflow()};
  snapshot.stats.push_back(Entry({}, 1));
  snapshot.stats.push_back(Entry({.flags = 0}, 2));
  snapshot.stats.push_back(Entry({.family = AF_INET6}, 4));
  snapshot.stats.push_back(Entry({.listener = ACCEPT4_LISTENER_BLOCKING}, 8));
  snapshot.stats.push_back(Entry({.flags = 0, .syscall = ACCEPT4_SYSCALL_ACCEPT}, 16));
  snapshot.stats.push_back(Entry({.tgid = 43}, 32));
  snapshot.stats.push_back(Entry({.comm = std::string("bad\xFF\0\0", 6),
                                  .family = ACCEPT4_FAMILY_UNKNOWN,
                                  .listener = ACCEPT4_LISTENER_UNKNOWN,
                                  .readiness = ACCEPT4_READINESS_UNKNOWN},
                                 64));
  snapshot.stats.push_back(Entry({.readiness = ACCEPT4_READINESS_NONE}, 128));
  const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, {});
  const MetricFamily& calls = Named(families, "accept4_calls_total");
  EXPECT_EQ(calls.metric.size(), 8u);
  auto labels = [](std::string comm, std::string pid, std::string syscall, std::string flags,
                   std::string family, std::string listener, std::string readiness = "epoll") {
    return Labels{{"comm", comm},          {"pid", pid},       {"syscall", syscall},
                  {"flags", flags},        {"family", family}, {"listener", listener},
                  {"readiness", readiness}};
  };
  const std::string both = "SOCK_CLOEXEC|SOCK_NONBLOCK";
  EXPECT_EQ(CounterValue(calls, kNginxCalls), 1);
  EXPECT_EQ(CounterValue(calls, labels("nginx", "42", "accept4", "none", "AF_INET", "nonblocking")),
            2);
  EXPECT_EQ(CounterValue(calls, labels("nginx", "42", "accept4", both, "AF_INET6", "nonblocking")),
            4);
  EXPECT_EQ(CounterValue(calls, labels("nginx", "42", "accept4", both, "AF_INET", "blocking")), 8);
  EXPECT_EQ(CounterValue(calls, labels("nginx", "42", "accept", "none", "AF_INET", "nonblocking")),
            16);
  EXPECT_EQ(CounterValue(calls, labels("nginx", "43", "accept4", both, "AF_INET", "nonblocking")),
            32);
  EXPECT_EQ(CounterValue(calls, labels("bad\xEF\xBF\xBD", "42", "accept4", both, "unknown",
                                       "unknown", "unknown")),
            64);
  EXPECT_EQ(
      CounterValue(calls, labels("nginx", "42", "accept4", both, "AF_INET", "nonblocking", "none")),
      128);
}

// For every combination of the optional labels, the label names of each
// family, in order. With `backlog`, the entry has backlog samples and the
// two backlog families are checked too.
void ExpectLabelNamesFollowOptions(bool backlog) {
  MapSnapshot snapshot{{}, NoOverflow()};
  StatsEntry entry = Entry({.result = -EAGAIN}, 1);
  entry.value.timed_calls = 1;
  entry.value.duration_buckets[0] = 1;
  if (backlog) {
    entry.value.backlog_samples = 1;
    entry.value.backlog_buckets[0] = 1;
  }
  snapshot.stats.push_back(entry);

  using Names = std::vector<std::string>;
  const struct {
    bool pid, port;
    Names process;     // the labels that lead every family
    Names port_names;  // the label that ends every family but errors
  } cases[] = {
      {true, false, {"comm", "pid"}, {}},
      {false, false, {"comm"}, {}},
      {true, true, {"comm", "pid"}, {"port"}},
      {false, true, {"comm"}, {"port"}},
  };
  auto join = [](Names a, const Names& b, const Names& c = {}) {
    a.insert(a.end(), b.begin(), b.end());
    a.insert(a.end(), c.begin(), c.end());
    return a;
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::Message() << "pid=" << c.pid << " port=" << c.port);
    const std::vector<MetricFamily> families =
        BuildAcceptFamilies(snapshot, Options(c.pid, c.port));
    const Names calls =
        join(c.process, {"syscall", "flags", "family", "listener", "readiness"}, c.port_names);
    const Names no_series;  // the family must have no series at all
    const Names backlog_names =
        backlog ? join(c.process, {"family", "listener"}, c.port_names) : no_series;
    const struct {
      const char* family;
      Names want;
    } want[] = {
        {"accept4_calls_total", calls},
        {"accept4_errors_total", join(calls, {"errno"})},
        {"accept4_duration_seconds",
         join(c.process, {"syscall", "listener", "readiness"}, c.port_names)},
        {"accept4_listen_backlog", backlog_names},
        {"accept4_listen_backlog_limit", backlog_names},
    };
    for (const auto& w : want) {
      const MetricFamily& family = Named(families, w.family);
      if (w.want.empty()) {
        EXPECT_TRUE(family.metric.empty()) << w.family;
        continue;
      }
      ASSERT_EQ(family.metric.size(), 1u) << w.family;
      EXPECT_EQ(LabelNames(family.metric[0]), w.want) << w.family;
    }
  }
}

TEST(MetricsBuilderTest, LabelNamesFollowTheOptionalLabels) {
  ExpectLabelNamesFollowOptions(/*backlog=*/false);
}

TEST(MetricsBuilderTest, BacklogLabelNamesFollowTheOptionalLabels) {
  ExpectLabelNamesFollowOptions(/*backlog=*/true);
}

TEST(MetricsBuilderTest, WithoutPidProcessesOfOneCommShareASeries) {
  MapSnapshot snapshot{{}, NoOverflow()};
  snapshot.stats.push_back(Entry({.tgid = 0}, 1));  // the BPF side zeroes it
  snapshot.stats.push_back(Entry({.tgid = 7}, 2));
  const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, Options(false, false));
  const MetricFamily& calls = Named(families, "accept4_calls_total");
  ASSERT_EQ(calls.metric.size(), 1u);
  EXPECT_EQ(CounterValue(calls, {{"comm", "nginx"},
                                 {"syscall", "accept4"},
                                 {"flags", "SOCK_CLOEXEC|SOCK_NONBLOCK"},
                                 {"family", "AF_INET"},
                                 {"listener", "nonblocking"},
                                 {"readiness", "epoll"}}),
            3);
}

TEST(MetricsBuilderTest, PortLabelSplitsListenersOfOneProcess) {
  MapSnapshot snapshot{{}, NoOverflow()};
  snapshot.stats.push_back(Entry({.port = 80}, 10));
  snapshot.stats.push_back(Entry({.port = 443}, 20));
  snapshot.stats.push_back(Entry({.result = -EAGAIN, .port = 443}, 5));
  snapshot.stats.push_back(Entry({.family = AF_UNIX, .port = 0}, 1));
  const std::vector<MetricFamily> families = BuildAcceptFamilies(snapshot, Options(true, true));

  const MetricFamily& calls = Named(families, "accept4_calls_total");
  ASSERT_EQ(calls.metric.size(), 3u);
  EXPECT_EQ(CounterValue(calls, With(kNginxCalls, "port", "80")), 10);
  EXPECT_EQ(CounterValue(calls, With(kNginxCalls, "port", "443")), 25);
  Labels unix_calls = kNginxCalls;
  unix_calls[4].second = "AF_UNIX";
  EXPECT_EQ(CounterValue(calls, With(unix_calls, "port", "0")), 1);

  // errno comes after port, as in the label names.
  const MetricFamily& errors = Named(families, "accept4_errors_total");
  ASSERT_EQ(errors.metric.size(), 1u);
  EXPECT_EQ(CounterValue(errors, With(With(kNginxCalls, "port", "443"), "errno", "EAGAIN")), 5);
}

// The cgroup label sits with the process labels, after pid, on every family
// that has them; plain directories stand in for cgroups (id = inode).
TEST(MetricsBuilderTest, CgroupLabelFollowsThePid) {
  std::string root = ::testing::TempDir() + "metrics_builder_cgroup.XXXXXX";
  ASSERT_NE(mkdtemp(root.data()), nullptr);
  std::filesystem::create_directories(root + "/system.slice/nginx.service");
  struct stat info;
  ASSERT_EQ(stat((root + "/system.slice/nginx.service").c_str(), &info), 0);
  CgroupLabel cgroup(root, "/system\\.slice/(.*)\\.service");

  MapSnapshot snapshot{{}, NoOverflow()};
  StatsEntry entry = Entry({.result = -EAGAIN}, 3);
  entry.key.cgroup_id = info.st_ino;
  entry.value.timed_calls = 3;
  entry.value.duration_buckets[0] = 3;
  entry.value.backlog_samples = 3;
  entry.value.backlog_buckets[0] = 3;
  snapshot.stats.push_back(entry);
  snapshot.overflow[EAGAIN] = 2;
  const std::vector<MetricFamily> families =
      BuildAcceptFamilies(snapshot, Options(true, false, &cgroup));

  auto with_cgroup = [](Labels labels, const std::string& value) {
    labels.insert(labels.begin() + 2, {"cgroup", value});
    return labels;
  };
  const Labels calls = with_cgroup(kNginxCalls, "nginx");
  EXPECT_EQ(CounterValue(Named(families, "accept4_calls_total"), calls), 3);
  EXPECT_EQ(CounterValue(Named(families, "accept4_errors_total"), With(calls, "errno", "EAGAIN")),
            3);
  EXPECT_NE(Find(Named(families, "accept4_duration_seconds"), with_cgroup(kNginxDuration, "nginx")),
            nullptr);
  EXPECT_NE(Find(Named(families, "accept4_listen_backlog"), with_cgroup(kNginxBacklog, "nginx")),
            nullptr);
  EXPECT_NE(
      Find(Named(families, "accept4_listen_backlog_limit"), with_cgroup(kNginxBacklog, "nginx")),
      nullptr);
  const Labels overflow = {{"comm", "[overflow]"},   {"pid", "[overflow]"},
                           {"cgroup", "[overflow]"}, {"syscall", "accept4"},
                           {"flags", "unknown"},     {"family", "unknown"},
                           {"listener", "unknown"},  {"readiness", "unknown"}};
  EXPECT_EQ(CounterValue(Named(families, "accept4_calls_total"), overflow), 2);
  std::filesystem::remove_all(root);
}

MapSnapshot OverflowSnapshot() {
  MapSnapshot snapshot{{}, NoOverflow()};
  const size_t accept = ACCEPT4_SYSCALL_ACCEPT * ACCEPT4_OVERFLOW_ERRNO_SLOTS;
  snapshot.overflow[0] = 2;                                 // accept4, success
  snapshot.overflow[EAGAIN] = 5;                            // accept4, EAGAIN
  snapshot.overflow[ACCEPT4_OVERFLOW_ERRNO_SLOTS - 1] = 4;  // accept4, errno clamped
  snapshot.overflow[accept + EMFILE] = 1;                   // accept, EMFILE
  snapshot.overflow_by_reason[ACCEPT4_OVERFLOW_MAP_FULL] = 8;
  snapshot.overflow_by_reason[ACCEPT4_OVERFLOW_UID_SHARE] = 4;
  snapshot.stats.push_back(Entry({}, 10));
  return snapshot;
}

TEST(MetricsBuilderTest, OverflowSlotsBecomeOverflowSeries) {
  const std::vector<MetricFamily> families = BuildAcceptFamilies(OverflowSnapshot(), {});
  auto overflow = [](const char* syscall) {
    return Labels{{"comm", "[overflow]"},  {"pid", "[overflow]"}, {"syscall", syscall},
                  {"flags", "unknown"},    {"family", "unknown"}, {"listener", "unknown"},
                  {"readiness", "unknown"}};
  };
  const MetricFamily& calls = Named(families, "accept4_calls_total");
  ASSERT_EQ(calls.metric.size(), 3u);
  EXPECT_EQ(CounterValue(calls, kNginxCalls), 10);
  EXPECT_EQ(CounterValue(calls, overflow("accept4")), 2 + 5 + 4);
  EXPECT_EQ(CounterValue(calls, overflow("accept")), 1);

  const MetricFamily& errors = Named(families, "accept4_errors_total");
  ASSERT_EQ(errors.metric.size(), 3u);
  EXPECT_EQ(CounterValue(errors, With(overflow("accept4"), "errno", "EAGAIN")), 5);
  EXPECT_EQ(CounterValue(errors, With(overflow("accept4"), "errno", "E1023")), 4);
  EXPECT_EQ(CounterValue(errors, With(overflow("accept"), "errno", "EMFILE")), 1);

  // Their duration and queue are unknown: no histogram series for them.
  EXPECT_EQ(Named(families, "accept4_duration_seconds").metric.size(), 1u);
  EXPECT_TRUE(Named(families, "accept4_listen_backlog").metric.empty());

  const MetricFamily& total = Named(families, "accept4_exporter_overflow_calls_total");
  ASSERT_EQ(total.metric.size(), 2u);
  EXPECT_EQ(CounterValue(total, {{"reason", "map_full"}}), 8);
  EXPECT_EQ(CounterValue(total, {{"reason", "uid_share"}}), 4);
}

TEST(MetricsBuilderTest, OverflowSeriesFollowTheOptionalLabels) {
  const std::vector<MetricFamily> families =
      BuildAcceptFamilies(OverflowSnapshot(), Options(false, true));
  const Labels accept4 = {{"comm", "[overflow]"}, {"syscall", "accept4"},  {"flags", "unknown"},
                          {"family", "unknown"},  {"listener", "unknown"}, {"readiness", "unknown"},
                          {"port", "0"}};
  EXPECT_EQ(CounterValue(Named(families, "accept4_calls_total"), accept4), 11);
  EXPECT_EQ(CounterValue(Named(families, "accept4_errors_total"), With(accept4, "errno", "EAGAIN")),
            5);
}

TEST(MetricsBuilderTest, SerializesToTheTextFormat) {
  MapSnapshot snapshot = OverflowSnapshot();
  snapshot.stats[0].value.timed_calls = 10;
  snapshot.stats[0].value.duration_ns_sum = 1'500'000'000;
  snapshot.stats[0].value.duration_buckets[0] = 10;
  const std::string text =
      prometheus::TextSerializer().Serialize(BuildAcceptFamilies(snapshot, {}));
  auto has_line = [&](const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(has_line("# TYPE accept4_calls_total counter")) << text;
  EXPECT_TRUE(
      has_line("accept4_calls_total{comm=\"nginx\",pid=\"42\",syscall=\"accept4\","
               "flags=\"SOCK_CLOEXEC|SOCK_NONBLOCK\",family=\"AF_INET\",listener=\"nonblocking\","
               "readiness=\"epoll\"} 10"))
      << text;
  EXPECT_TRUE(
      has_line("accept4_errors_total{comm=\"[overflow]\",pid=\"[overflow]\",syscall=\"accept\","
               "flags=\"unknown\",family=\"unknown\",listener=\"unknown\",readiness=\"unknown\","
               "errno=\"EMFILE\"} 1"))
      << text;
  EXPECT_TRUE(has_line("# TYPE accept4_duration_seconds histogram")) << text;
  EXPECT_TRUE(
      has_line("accept4_duration_seconds_bucket{comm=\"nginx\",pid=\"42\",syscall=\"accept4\","
               "listener=\"nonblocking\",readiness=\"epoll\",le=\"1.024e-06\"} 10"))
      << text;
  EXPECT_TRUE(
      has_line("accept4_duration_seconds_bucket{comm=\"nginx\",pid=\"42\",syscall=\"accept4\","
               "listener=\"nonblocking\",readiness=\"epoll\",le=\"+Inf\"} 10"))
      << text;
  EXPECT_TRUE(
      has_line("accept4_duration_seconds_sum{comm=\"nginx\",pid=\"42\",syscall=\"accept4\","
               "listener=\"nonblocking\",readiness=\"epoll\"} 1.5"))
      << text;
  EXPECT_TRUE(has_line("accept4_exporter_overflow_calls_total{reason=\"map_full\"} 8")) << text;
}

}  // namespace
}  // namespace accept4_exporter::test
