// The config's filters: pids and cgroups are applied in the kernel (other
// processes' calls never reach the maps), comm regexes in user space.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accept_calls.h"
#include "bpf_support.h"
#include "cgroup_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

TEST(FiltersTest, PidFilterCountsOnlyTheListedProcesses) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\nfilters:\n  pids: [" + std::to_string(getpid()) +
                           "]\n");
  ASSERT_TRUE(exporter.running());
  ScopedComm comm("a4t_pid_in");
  const pid_t other = ChildMakingCalls("a4t_pid_out", 3);
  Listener listener(AF_INET, /*nonblocking=*/true);
  for (int i = 0; i < 4; ++i) RawAccept4(listener.fd(), 0);
  const MetricsText metrics = exporter.ScrapeFresh();
  Reap(other);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_pid_in"}}), 4);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_pid_out"}}), 0);
  // nothing but this process reached the map
  EXPECT_EQ(metrics.Sum("accept4_calls_total"), 4);
}

TEST(FiltersTest, CgroupFilterCountsOnlyTasksUnderThePrefix) {
  SKIP_WITHOUT_BPF();
  const std::string root = CgroupV2Mount();
  if (root.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy mounted here";
  const std::string prefix = "/a4t_filter_" + std::to_string(getpid());
  const std::string inner = root + prefix + "/service";
  ASSERT_EQ(mkdir((root + prefix).c_str(), 0755), 0) << strerror(errno);
  ASSERT_EQ(mkdir(inner.c_str(), 0755), 0) << strerror(errno);

  ExporterProcess exporter("poll_interval: 100ms\nfilters:\n  cgroup_path_prefixes: [" + prefix +
                           "]\n");
  ASSERT_TRUE(exporter.running());
  // a cgroup made after the start is picked up by the next poll
  const std::string late = root + prefix + "/late";
  ASSERT_EQ(mkdir(late.c_str(), 0755), 0);
  exporter.ScrapeFresh();  // a poll since, whose refresh added the late cgroup

  const pid_t inside = ChildMakingCalls("a4t_cg_in", 5, inner + "/cgroup.procs");
  const pid_t late_child = ChildMakingCalls("a4t_cg_late", 2, late + "/cgroup.procs");
  const pid_t outside = ChildMakingCalls("a4t_cg_out", 3);
  const MetricsText metrics = exporter.ScrapeFresh();
  for (pid_t child : {inside, late_child, outside}) Reap(child);
  rmdir(inner.c_str());
  rmdir(late.c_str());
  rmdir((root + prefix).c_str());

  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_cg_in"}}), 5);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_cg_late"}}), 2);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_cg_out"}}), 0);
  EXPECT_EQ(metrics.Sum("accept4_calls_total"), 7);
}

TEST(FiltersTest, CommRegexesChooseTheSeriesServed) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter(
      "poll_interval: 100ms\nfilters:\n  include_comm: 'a4t_re_.*'\n  exclude_comm: "
      "'a4t_re_noisy'\n");
  ASSERT_TRUE(exporter.running());
  const pid_t kept = ChildMakingCalls("a4t_re_kept", 2);
  const pid_t noisy = ChildMakingCalls("a4t_re_noisy", 3);
  const pid_t other = ChildMakingCalls("a4t_other", 4);
  const MetricsText metrics = exporter.ScrapeFresh();
  for (pid_t child : {kept, noisy, other}) Reap(child);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_re_kept"}}), 2);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_re_noisy"}}), 0);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_other"}}), 0);
}

}  // namespace
}  // namespace accept4_test
