// What the map reader does to what it reads: the kernel's counts get their
// implied totals, and series get their process's name. The batch reads
// themselves run against the real kernel in the integration tests.
#include "kernel/map_reader.h"

#include <gtest/gtest.h>

#include <cstring>

namespace accept4_exporter {
namespace {

TEST(ValueOfTest, CallsAndSamplesAreTheSumsOfTheBuckets) {
  accept4_counts counts = {};
  counts.untimed_calls = 3;
  counts.duration_ns_sum = 12345;
  counts.duration_buckets[0] = 4;
  counts.duration_buckets[ACCEPT4_DURATION_BUCKETS - 1] = 5;
  counts.backlog_buckets[0] = 6;
  counts.backlog_buckets[7] = 1;
  counts.backlog_sum = 70;
  counts.backlog_limit = 4096;

  const accept4_value value = ValueOf(counts);
  EXPECT_EQ(value.timed_calls, 9u);
  EXPECT_EQ(value.calls, 12u);  // timed and untimed
  EXPECT_EQ(value.duration_ns_sum, 12345u);
  EXPECT_EQ(value.duration_buckets[0], 4u);
  EXPECT_EQ(value.duration_buckets[ACCEPT4_DURATION_BUCKETS - 1], 5u);
  EXPECT_EQ(value.backlog_samples, 7u);
  EXPECT_EQ(value.backlog_sum, 70u);
  EXPECT_EQ(value.backlog_limit, 4096u);
  EXPECT_EQ(value.backlog_buckets[7], 1u);
}

TEST(ValueOfTest, NothingCountedIsAllZero) {
  const accept4_value value = ValueOf(accept4_counts{});
  EXPECT_EQ(value.calls, 0u);
  EXPECT_EQ(value.timed_calls, 0u);
  EXPECT_EQ(value.backlog_samples, 0u);
}

TEST(AddTest, CountersAddUpAndTheLargerLimitStays) {
  accept4_value a, b;
  a.calls = 1;
  a.duration_buckets[2] = 1;
  a.backlog_limit = 128;
  b.calls = 2;
  b.duration_buckets[2] = 3;
  b.backlog_limit = 64;
  a.Add(b);
  EXPECT_EQ(a.calls, 3u);
  EXPECT_EQ(a.duration_buckets[2], 4u);
  EXPECT_EQ(a.backlog_limit, 128u);
}

accept4_key KeyOf(uint32_t tgid, uint64_t start) {
  accept4_key key = {};
  key.tgid = tgid;
  key.process_start = start;
  return key;
}

TEST(NameProcessesTest, SeriesTakeTheirOwnProcesssName) {
  MapSnapshot snapshot;
  snapshot.stats.push_back({KeyOf(42, 1000), {}});
  snapshot.stats.push_back({KeyOf(42, 2000), {}});  // the pid reused by another process
  snapshot.stats.push_back({KeyOf(43, 1000), {}});  // a process the kernel did not record
  accept4_process nginx = {}, envoy = {};
  std::strcpy(nginx.comm, "nginx");
  std::strcpy(envoy.comm, "envoy");
  snapshot.processes[{42, 0, 1000}] = nginx;
  snapshot.processes[{42, 0, 2000}] = envoy;

  NameProcesses(snapshot);
  EXPECT_STREQ(snapshot.stats[0].key.comm, "nginx");
  EXPECT_STREQ(snapshot.stats[1].key.comm, "envoy");
  EXPECT_STREQ(snapshot.stats[2].key.comm, "");
}

TEST(NameProcessesTest, WithoutThePidLabelTheKeyKeepsItsName) {
  MapSnapshot snapshot;
  accept4_key key = {};
  std::strcpy(key.comm, "sshd");
  snapshot.stats.push_back({key, {}});
  NameProcesses(snapshot);
  EXPECT_STREQ(snapshot.stats[0].key.comm, "sshd");
}

}  // namespace
}  // namespace accept4_exporter
