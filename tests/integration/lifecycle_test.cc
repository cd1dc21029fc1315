// SIGTERM and SIGINT stop the exporter cleanly: exit 0 within a second and
// none of its BPF programs left in the kernel.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <set>

#include "bpf_objects.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "kernel/io_uring_hooks.h"

namespace accept4_test {
namespace {

class LifecycleTest : public testing::TestWithParam<int> {};

TEST_P(LifecycleTest, StopsWithinASecondAndUnloadsItsPrograms) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  const std::set<uint32_t> programs = ProgramIdsHeldBy(exporter.pid());
  // enter and exit of accept4 and accept, the process-exit hook, the task
  // iterator of the in-progress gauges, and io_uring's submission and
  // completion where the kernel has them
  const size_t io_uring = accept4_exporter::IoUringHooksUnavailableReason().empty() ? 2 : 0;
  ASSERT_EQ(programs.size(), 6u + io_uring);
  for (uint32_t id : programs) EXPECT_TRUE(ProgramLoaded(id)) << id;

  EXPECT_EQ(exporter.Stop(GetParam(), std::chrono::seconds(1)), 0) << exporter.StderrText();
  for (uint32_t id : programs) EXPECT_FALSE(ProgramLoaded(id)) << "program " << id << " left";
}

INSTANTIATE_TEST_SUITE_P(Signals, LifecycleTest, testing::Values(SIGTERM, SIGINT),
                         [](const testing::TestParamInfo<int>& info) {
                           return std::string(sigabbrev_np(info.param));
                         });

}  // namespace
}  // namespace accept4_test
