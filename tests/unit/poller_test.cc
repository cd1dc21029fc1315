// Poller over hand-made snapshots: what a pass publishes and records, what a
// failed read leaves, and how the poll thread starts and stops. The reaper
// and the program stats need kernel maps and BPF_ENABLE_STATS; the
// integration tests run them.
#include "poller.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "log_capture.h"
#include "metrics_test_support.h"

namespace accept4_exporter {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

constexpr double kReadAt = 1'700'000'000;  // the stamp the fake wall clock gives

MapSnapshot NginxCalls(uint64_t calls) {
  MapSnapshot snapshot;
  snapshot.stats.push_back(test::Entry(test::Series{}, calls));
  snapshot.overflow = test::NoOverflow();
  return snapshot;
}

// The value of the only series of family `name` in `registry`; NaN if none.
double SelfValue(prometheus::Registry& registry, const std::string& name) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name || family.metric.size() != 1) continue;
    const prometheus::ClientMetric& metric = family.metric.front();
    return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                          : metric.gauge.value;
  }
  return std::nan("");
}

// The value of the accept4_calls_total sample of `comm` in the published
// text; NaN when there is none.
double PublishedCalls(const std::shared_ptr<const std::string>& text, const std::string& comm) {
  if (!text) return std::nan("");
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("accept4_calls_total{comm=\"" + comm + "\"", 0) == 0) {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return std::nan("");
}

class PollerTest : public testing::Test {
 protected:
  // Reads that count themselves and give what the test sets, or throw.
  PollStages Stages() {
    PollStages stages;
    stages.read_counts = [this] {
      ++count_reads_;
      if (counts_error_)
        throw std::system_error(EIO, std::generic_category(), "batch-reading stats map");
      return NginxCalls(calls_);
    };
    stages.read_inflight = [this] {
      if (inflight_error_) {
        throw std::system_error(EIO, std::generic_category(), "reading the task iterator");
      }
      return InflightSnapshot{};
    };
    return stages;
  }
  PollSettings Settings(milliseconds interval = milliseconds(3'600'000)) {
    PollSettings settings;
    settings.interval = interval;
    settings.wall_clock = [] {
      return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
          std::chrono::duration<double>(kReadAt)));
    };
    return settings;
  }

  prometheus::Registry registry_;
  SelfMetrics self_{registry_};
  SnapshotCollector collector_;
  std::atomic<int> count_reads_ = 0;
  uint64_t calls_ = 3;
  bool counts_error_ = false;
  bool inflight_error_ = false;
};

TEST_F(PollerTest, APassPublishesTheFamiliesAndRecordsTheRead) {
  Poller poller(Stages(), Settings(), collector_, self_);
  EXPECT_EQ(collector_.Text(), nullptr);
  poller.PollOnce();
  EXPECT_EQ(PublishedCalls(collector_.Text(), "nginx"), 3);
  EXPECT_EQ(SelfValue(registry_, "accept4_exporter_last_map_read_timestamp_seconds"), kReadAt);
  EXPECT_EQ(SelfValue(registry_, "accept4_exporter_map_entries"), 1);
  EXPECT_GE(SelfValue(registry_, "accept4_exporter_map_read_duration_seconds"), 0);
  EXPECT_EQ(SelfValue(registry_, "accept4_exporter_map_read_errors_total"), 0);
}

TEST_F(PollerTest, AFailedReadIsCountedAndKeepsThePreviousText) {
  test::LogCapture log;
  Poller poller(Stages(), Settings(), collector_, self_);
  poller.PollOnce();
  const std::shared_ptr<const std::string> first = collector_.Text();
  ASSERT_NE(first, nullptr);

  calls_ = 5;
  counts_error_ = true;
  poller.PollOnce();
  EXPECT_EQ(collector_.Text(), first);
  EXPECT_EQ(SelfValue(registry_, "accept4_exporter_map_read_errors_total"), 1);

  counts_error_ = false;
  inflight_error_ = true;
  poller.PollOnce();
  EXPECT_EQ(collector_.Text(), first);
  EXPECT_EQ(SelfValue(registry_, "accept4_exporter_map_read_errors_total"), 2);
  EXPECT_EQ(log.Lines(),
            (std::vector<std::string>{
                "error reading BPF maps: batch-reading stats map: Input/output error",
                "error reading BPF maps: reading the task iterator: Input/output error",
            }));

  inflight_error_ = false;
  poller.PollOnce();
  EXPECT_NE(collector_.Text(), first);
  EXPECT_EQ(PublishedCalls(collector_.Text(), "nginx"), 5);
}

TEST_F(PollerTest, TheCommFilterDropsSeriesBeforeTheyArePublished) {
  CommFilter comm_filter("", "nginx");
  PollStages stages = Stages();
  stages.comm_filter = &comm_filter;
  Poller poller(std::move(stages), Settings(), collector_, self_);
  poller.PollOnce();
  ASSERT_NE(collector_.Text(), nullptr);
  EXPECT_TRUE(std::isnan(PublishedCalls(collector_.Text(), "nginx")));
  // The map's fill, not what is served: the excluded entries still take room.
  EXPECT_EQ(SelfValue(registry_, "accept4_exporter_map_entries"), 1);
}

// A cgroup filter's map that only counts what is added to it.
class CountingIdMap : public CgroupIdMap {
 public:
  explicit CountingIdMap(std::atomic<int>& adds) : adds_(adds) {}
  int Add(uint64_t) override {
    ++adds_;
    return 0;
  }
  void Remove(uint64_t) override {}

 private:
  std::atomic<int>& adds_;
};

TEST_F(PollerTest, TheCgroupFilterIsRefreshedBeforeTheReads) {
  std::atomic<int> adds = 0;
  std::string pattern = testing::TempDir() + "/poller_test.XXXXXX";
  const std::string root = mkdtemp(pattern.data());
  CgroupFilter cgroup_filter(std::make_unique<CountingIdMap>(adds), {""}, root);
  PollStages stages = Stages();
  stages.cgroup_filter = &cgroup_filter;
  int adds_at_read = -1;
  stages.read_counts = [&] {
    adds_at_read = adds;
    return NginxCalls(1);
  };
  Poller poller(std::move(stages), Settings(), collector_, self_);
  poller.PollOnce();
  EXPECT_EQ(adds_at_read, 1);  // the root, its one cgroup
  std::filesystem::remove_all(root);
}

TEST_F(PollerTest, StartPollsAtOnceThenEveryInterval) {
  Poller poller(Stages(), Settings(milliseconds(10)), collector_, self_);
  poller.Start();
  EXPECT_GE(count_reads_, 1);  // the first pass, before Start returns
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (count_reads_ < 4 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_GE(count_reads_, 4);
  poller.Stop();
  const int after_stop = count_reads_;
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(count_reads_, after_stop);
}

TEST_F(PollerTest, StopWakesThePollThreadAtOnce) {
  Poller poller(Stages(), Settings(std::chrono::hours(1)), collector_, self_);
  poller.Start();
  EXPECT_EQ(count_reads_, 1);
  const auto asked = steady_clock::now();
  poller.Stop();
  EXPECT_LT(steady_clock::now() - asked, milliseconds(500));
  EXPECT_EQ(count_reads_, 1);
  poller.Stop();  // a second Stop, and the destructor's, do nothing
}

TEST_F(PollerTest, StopBeforeStartDoesNothing) {
  Poller poller(Stages(), Settings(), collector_, self_);
  poller.Stop();
  EXPECT_EQ(count_reads_, 0);
  EXPECT_EQ(collector_.Text(), nullptr);
}

}  // namespace
}  // namespace accept4_exporter
