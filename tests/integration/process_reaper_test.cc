// ProcessReaper against real BPF hash maps made for the test, with an
// injected clock and liveness: when an exited process's series may go, that
// they go from the kernel map too, that a reused pid's served counters never
// go backwards, and that the uid gets its share back.
#include "metrics/process_reaper.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "bpf_support.h"

namespace accept4_exporter {
namespace {

using std::chrono::seconds;

constexpr uint64_t kSecond = 1000000000;

// A BPF hash map, closed with the test.
class TestMap {
 public:
  TestMap(const char* name, uint32_t key_size, uint32_t value_size)
      : fd_(bpf_map_create(BPF_MAP_TYPE_HASH, name, key_size, value_size, 1024, nullptr)) {}
  ~TestMap() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }
  size_t size() const {
    size_t entries = 0;
    std::string key(64, '\0'), next(64, '\0');
    const void* previous = nullptr;
    while (bpf_map_get_next_key(fd_, previous, next.data()) == 0) {
      ++entries;
      key = next;
      previous = key.data();
    }
    return entries;
  }

 private:
  int fd_;
};

class ProcessReaperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_BPF();
    ASSERT_GE(stats_.fd(), 0);
    ASSERT_GE(processes_.fd(), 0);
    ASSERT_GE(deleted_.fd(), 0);
  }

  ProcessReaper MakeReaper(ReaperSettings settings = {seconds(60), seconds(600)}) {
    return ProcessReaper(
        {stats_.fd(), processes_.fd(), deleted_.fd()}, settings, [this] { return now_; },
        [this](const accept4_process_key& p) { return p.tgid != dead_tgid_; });
  }

  // A series of process (tgid, start) with `calls` calls, in the kernel map
  // (name-less, as the kernel keys it) and in `snapshot` (named).
  void AddSeries(MapSnapshot& snapshot, uint32_t tgid, uint64_t start, uint64_t calls,
                 int32_t result = 0) {
    accept4_key key = {};
    key.tgid = tgid;
    key.process_start = start;
    key.result = result;
    accept4_counts counts = {};
    counts.untimed_calls = calls;
    ASSERT_EQ(bpf_map_update_elem(stats_.fd(), &key, &counts, BPF_ANY), 0);
    std::strcpy(key.comm, "server");
    snapshot.stats.push_back({key, ValueOf(counts)});
  }

  // The process's record, as the kernel writes it and the reader reads it.
  void AddProcess(MapSnapshot& snapshot, uint32_t tgid, uint64_t start, uint64_t exited_ns,
                  uint32_t uid = 1000) {
    const accept4_process_key key = {tgid, 0, start};
    accept4_process record = {};
    record.exited_ns = exited_ns;
    record.uid = uid;
    std::strcpy(record.comm, "server");
    ASSERT_EQ(bpf_map_update_elem(processes_.fd(), &key, &record, BPF_ANY), 0);
    snapshot.processes[key] = record;
  }

  static uint64_t Calls(const MapSnapshot& snapshot, uint32_t tgid) {
    uint64_t calls = 0;
    for (const StatsEntry& entry : snapshot.stats) {
      if (entry.key.tgid == tgid) calls += entry.value.calls;
    }
    return calls;
  }

  MapSnapshot Snapshot() {
    MapSnapshot snapshot;
    snapshot.read_ns = now_;
    return snapshot;
  }

  TestMap stats_{"test_stats", sizeof(accept4_key), sizeof(accept4_counts)};
  TestMap processes_{"test_processes", sizeof(accept4_process_key), sizeof(accept4_process)};
  TestMap deleted_{"test_uid_deleted", sizeof(uint32_t), sizeof(uint64_t)};
  uint64_t now_ = 1000 * kSecond;
  uint32_t dead_tgid_ = 0;
};

TEST_F(ProcessReaperTest, ExitedProcessStaysUntilAScrapeServedItsFinalCountsAndTheGracePassed) {
  ProcessReaper reaper = MakeReaper();
  const uint64_t exited = now_ - kSecond;  // before this read began
  MapSnapshot first = Snapshot();
  AddSeries(first, 42, 7, 3);
  AddProcess(first, 42, 7, exited);
  reaper.Reap(first, /*pass=*/1, /*served_pass=*/0);
  EXPECT_EQ(Calls(first, 42), 3u) << "within the grace period";

  // Long past the grace period, but no scrape has been served pass 1.
  now_ += 120 * kSecond;
  MapSnapshot unserved = Snapshot();
  AddSeries(unserved, 42, 7, 3);
  AddProcess(unserved, 42, 7, exited);
  reaper.Reap(unserved, 2, 0);
  EXPECT_EQ(Calls(unserved, 42), 3u) << "not yet seen by a scrape";
  EXPECT_EQ(stats_.size(), 1u);

  // A scrape took pass 1, which held the final counts: now it goes.
  MapSnapshot served = Snapshot();
  AddSeries(served, 42, 7, 3);
  AddProcess(served, 42, 7, exited);
  reaper.Reap(served, 3, 1);
  EXPECT_EQ(Calls(served, 42), 0u);
  EXPECT_EQ(stats_.size(), 0u) << "deleted from the kernel map too";
  EXPECT_EQ(processes_.size(), 0u);
  EXPECT_EQ(reaper.exited_processes(), 0u);
}

TEST_F(ProcessReaperTest, AServedPassBeforeTheExitIsNotEnough) {
  ProcessReaper reaper = MakeReaper({seconds(1), seconds(600)});
  // The exit was stamped while this read ran: the next pass is the final one.
  MapSnapshot snapshot = Snapshot();
  AddSeries(snapshot, 42, 7, 3);
  AddProcess(snapshot, 42, 7, now_ + 1);
  reaper.Reap(snapshot, 5, 4);
  now_ += 10 * kSecond;
  MapSnapshot later = Snapshot();
  AddSeries(later, 42, 7, 3);
  AddProcess(later, 42, 7, 1);
  reaper.Reap(later, 6, 5);
  EXPECT_EQ(Calls(later, 42), 3u) << "pass 5 may have missed its last calls";
  MapSnapshot after = Snapshot();
  AddSeries(after, 42, 7, 3);
  reaper.Reap(after, 7, 6);
  EXPECT_EQ(Calls(after, 42), 0u);
}

TEST_F(ProcessReaperTest, WithoutScrapesTheUnscrapedLimitFreesTheMap) {
  ProcessReaper reaper = MakeReaper({seconds(60), seconds(600)});
  const uint64_t exited = now_ - kSecond;
  MapSnapshot snapshot = Snapshot();
  AddSeries(snapshot, 42, 7, 3);
  AddProcess(snapshot, 42, 7, exited);
  reaper.Reap(snapshot, 1, 0);
  now_ = exited + 599 * kSecond;
  MapSnapshot before_limit = Snapshot();
  AddSeries(before_limit, 42, 7, 3);
  reaper.Reap(before_limit, 2, 0);
  EXPECT_EQ(Calls(before_limit, 42), 3u);
  now_ = exited + 600 * kSecond;
  MapSnapshot at_limit = Snapshot();
  AddSeries(at_limit, 42, 7, 3);
  reaper.Reap(at_limit, 3, 0);
  EXPECT_EQ(Calls(at_limit, 42), 0u);
  EXPECT_EQ(stats_.size(), 0u);
}

TEST_F(ProcessReaperTest, AReusedPidNeverMakesAServedCounterGoBackwards) {
  ProcessReaper reaper = MakeReaper({seconds(1), seconds(600)});
  // Process A (pid 42) made 17 calls and exited; B got pid 42 and the same
  // name, and made 1 call: the same labels, summed while A is served.
  MapSnapshot both = Snapshot();
  AddSeries(both, 42, /*start=*/7, 17);
  AddProcess(both, 42, 7, now_ - kSecond);
  AddSeries(both, 42, /*start=*/9, 1);
  AddProcess(both, 42, 9, 0);
  reaper.Reap(both, 1, 0);
  EXPECT_EQ(Calls(both, 42), 18u);

  // A's series go: its counts are carried into B's label set.
  now_ += 10 * kSecond;
  MapSnapshot after = Snapshot();
  AddSeries(after, 42, 7, 17);
  AddProcess(after, 42, 7, now_ - 11 * kSecond);
  AddSeries(after, 42, 9, 2);
  AddProcess(after, 42, 9, 0);
  EXPECT_EQ(reaper.Reap(after, 2, 1), 1u) << "B's series is in the map; what is carried is not";
  EXPECT_EQ(Calls(after, 42), 19u) << "17 carried from A, 2 from B";
  EXPECT_EQ(stats_.size(), 1u) << "only B's series is left in the kernel";

  // And go with B's last series.
  MapSnapshot b_exited = Snapshot();
  AddSeries(b_exited, 42, 9, 2);
  AddProcess(b_exited, 42, 9, now_ - kSecond);
  reaper.Reap(b_exited, 3, 2);
  EXPECT_EQ(Calls(b_exited, 42), 19u);
  now_ += 10 * kSecond;
  MapSnapshot gone = Snapshot();
  AddSeries(gone, 42, 9, 2);
  reaper.Reap(gone, 4, 3);
  EXPECT_EQ(Calls(gone, 42), 0u);
  EXPECT_TRUE(gone.stats.empty()) << "nothing carried for a label set no longer shown";
}

TEST_F(ProcessReaperTest, DeletedSeriesGoBackToTheirUidsShare) {
  ProcessReaper reaper = MakeReaper({seconds(1), seconds(600)});
  MapSnapshot snapshot = Snapshot();
  AddSeries(snapshot, 42, 7, 1, 0);
  AddSeries(snapshot, 42, 7, 1, -11);
  AddSeries(snapshot, 42, 7, 1, -22);
  AddProcess(snapshot, 42, 7, now_ - 2 * kSecond, /*uid=*/65534);
  const uint32_t uid = 65534;
  const uint64_t before = 5;  // what earlier deletions returned
  ASSERT_EQ(bpf_map_update_elem(deleted_.fd(), &uid, &before, BPF_ANY), 0);
  reaper.Reap(snapshot, 2, 1);
  uint64_t kept = 0;
  ASSERT_EQ(bpf_map_lookup_elem(deleted_.fd(), &uid, &kept), 0);
  EXPECT_EQ(kept, before) << "pass 2 is the first to see the exit and is not served yet";
  MapSnapshot next = Snapshot();
  AddSeries(next, 42, 7, 1, 0);
  AddSeries(next, 42, 7, 1, -11);
  AddSeries(next, 42, 7, 1, -22);
  AddProcess(next, 42, 7, now_ - 2 * kSecond, uid);
  reaper.Reap(next, 3, 2);
  uint64_t deleted = 0;
  ASSERT_EQ(bpf_map_lookup_elem(deleted_.fd(), &uid, &deleted), 0);
  EXPECT_EQ(deleted, 8u);
}

TEST_F(ProcessReaperTest, ASeriesWithoutARecordIsReapedWhenItsProcessIsGone) {
  ProcessReaper reaper = MakeReaper({seconds(1), seconds(600)});
  MapSnapshot alive = Snapshot();
  AddSeries(alive, 43, 7, 4);  // no record: the processes map was full
  reaper.Reap(alive, 1, 1);
  EXPECT_EQ(reaper.exited_processes(), 0u);
  dead_tgid_ = 43;
  MapSnapshot dead = Snapshot();
  AddSeries(dead, 43, 7, 4);
  reaper.Reap(dead, 2, 1);
  EXPECT_EQ(Calls(dead, 43), 4u) << "noticed now, kept for the grace period";
  now_ += 2 * kSecond;
  MapSnapshot later = Snapshot();
  AddSeries(later, 43, 7, 4);
  reaper.Reap(later, 4, 3);
  EXPECT_EQ(Calls(later, 43), 0u);
}

TEST(ProcessRunsTest, KnowsThisProcessAndItsStartTime) {
  // Our own start time, from /proc, in ns.
  accept4_process_key self = {static_cast<uint32_t>(getpid()), 0, 0};
  EXPECT_FALSE(ProcessRuns(self)) << "the right pid with the wrong start time";
  const accept4_process_key nobody = {0x7ffffff0, 0, 0};
  EXPECT_FALSE(ProcessRuns(nobody));
}

}  // namespace
}  // namespace accept4_exporter
