// SumPerCpu folds the per-CPU copies of one stats entry; it is the only part
// of MapReader that runs without a kernel map.
#include "kernel/map_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernel/bpf_types.h"

namespace accept4_exporter {
namespace {

// A CPU's copy in which every counter derives from `seed`, so that each field
// of the sum is checkable and a field summed into the wrong place shows.
accept4_value PerCpuValue(uint64_t seed, uint64_t backlog_limit) {
  accept4_value v = {};
  v.calls = seed;
  v.timed_calls = seed * 2;
  v.duration_ns_sum = seed * 3;
  for (int i = 0; i < ACCEPT4_DURATION_BUCKETS; ++i) v.duration_buckets[i] = seed * 100 + i;
  v.backlog_samples = seed * 4;
  v.backlog_sum = seed * 5;
  v.backlog_limit = backlog_limit;
  for (int i = 0; i < ACCEPT4_BACKLOG_BUCKETS; ++i) v.backlog_buckets[i] = seed * 1000 + i;
  return v;
}

TEST(SumPerCpuTest, AddsCountersAndKeepsTheLargestBacklogLimit) {
  // The limit is a gauge that each CPU saw at its latest sample; adding the
  // copies would multiply it by the number of CPUs.
  const std::vector<accept4_value> per_cpu = {PerCpuValue(1, 128), PerCpuValue(2, 4096),
                                              PerCpuValue(3, 0), PerCpuValue(4, 511)};
  const accept4_value sum = SumPerCpu(per_cpu.data(), static_cast<int>(per_cpu.size()));
  EXPECT_EQ(sum.calls, 10u);
  EXPECT_EQ(sum.timed_calls, 20u);
  EXPECT_EQ(sum.duration_ns_sum, 30u);
  for (int i = 0; i < ACCEPT4_DURATION_BUCKETS; ++i) {
    EXPECT_EQ(sum.duration_buckets[i], 1000u + 4u * i) << "duration bucket " << i;
  }
  EXPECT_EQ(sum.backlog_samples, 40u);
  EXPECT_EQ(sum.backlog_sum, 50u);
  EXPECT_EQ(sum.backlog_limit, 4096u);
  for (int i = 0; i < ACCEPT4_BACKLOG_BUCKETS; ++i) {
    EXPECT_EQ(sum.backlog_buckets[i], 10000u + 4u * i) << "backlog bucket " << i;
  }
}

TEST(SumPerCpuTest, OneCpuIsItsOwnSum) {
  const accept4_value one = PerCpuValue(7, 99);
  const accept4_value sum = SumPerCpu(&one, 1);
  EXPECT_EQ(std::memcmp(&sum, &one, sizeof(one)), 0);
}

TEST(SumPerCpuTest, NoCpusGiveZero) {
  const accept4_value zero = {};
  const accept4_value sum = SumPerCpu(nullptr, 0);
  EXPECT_EQ(std::memcmp(&sum, &zero, sizeof(zero)), 0);
}

}  // namespace
}  // namespace accept4_exporter
