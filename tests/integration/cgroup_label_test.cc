// labels.cgroup against real cgroups made under the cgroup v2 mount: a
// child moved into a cgroup (through cgroup.procs) makes accept calls, and
// its series carry that cgroup's path, or the part cgroup_pattern keeps.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "accept_calls.h"
#include "bpf_support.h"
#include "cgroup_support.h"
#include "exporter_process.h"
#include "io_uring_calls.h"
#include "io_uring_skip.h"

namespace accept4_test {
namespace {

// A cgroup of the test's own under the v2 mount, removed at the end (after
// its processes are reaped: a cgroup with members cannot be removed).
class CgroupLabelTest : public testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_BPF();
    root_ = CgroupV2Mount();
    if (root_.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy mounted here";
    top_ = "/a4t_label_" + std::to_string(getpid());
    ASSERT_EQ(mkdir((root_ + top_).c_str(), 0755), 0) << strerror(errno);
  }
  void TearDown() override {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) rmdir((root_ + *it).c_str());
    if (!top_.empty()) rmdir((root_ + top_).c_str());
  }
  // Makes the cgroup `name` below the test's own; returns its path from the root.
  std::string Make(const std::string& name) {
    const std::string path = top_ + "/" + name;
    EXPECT_EQ(mkdir((root_ + path).c_str(), 0755), 0) << path << ": " << strerror(errno);
    made_.push_back(path);
    return path;
  }
  std::string Procs(const std::string& path) const { return root_ + path + "/cgroup.procs"; }

  std::string root_, top_;
  std::vector<std::string> made_;
};

TEST_F(CgroupLabelTest, SeriesCarryTheCgroupPath) {
  ExporterProcess exporter("poll_interval: 100ms\nlabels: {cgroup: true}\n");
  ASSERT_TRUE(exporter.running());
  const std::string web = Make("web.service");
  // made after the exporter started: an unknown id, resolved by a new walk
  const std::string db = Make("db.service");
  const pid_t in_web = ChildMakingCalls("a4t_cgl_web", 3, Procs(web));
  const pid_t in_db = ChildMakingCalls("a4t_cgl_db", 2, Procs(db));
  const MetricsText metrics = exporter.ScrapeFresh();
  for (pid_t child : {in_web, in_db}) Reap(child);

  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_cgl_web"},
                                                  {"pid", std::to_string(in_web)},
                                                  {"cgroup", web},
                                                  {"listener", "nonblocking"}}),
            3);
  EXPECT_EQ(metrics.Value("accept4_errors_total",
                          {{"comm", "a4t_cgl_web"}, {"cgroup", web}, {"errno", "EAGAIN"}}),
            3);
  EXPECT_EQ(
      metrics.Value("accept4_duration_seconds_count", {{"comm", "a4t_cgl_web"}, {"cgroup", web}}),
      3);
  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_cgl_db"}, {"cgroup", db}}), 2);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_cgl_db"}}).size(), 1u);
}

// An io_uring completion may run outside the submitting task (task work,
// an io-wq worker): its cgroup is the submitter's, as its pid is.
TEST_F(CgroupLabelTest, IoUringAcceptsCarryTheSubmittersCgroup) {
  if (std::string reason = IoUringAcceptsUnavailableReason(); !reason.empty()) {
    GTEST_SKIP() << reason;
  }
  ExporterProcess exporter("poll_interval: 100ms\nlabels: {cgroup: true}\n");
  ASSERT_TRUE(exporter.running());
  const std::string ring_cgroup = Make("ring.service");
  constexpr int kAccepts = 3;
  const pid_t child = ChildMaking("a4t_cgl_ring", Procs(ring_cgroup), [] {
    Ring ring;
    Listener listener(AF_INET, /*nonblocking=*/false);
    for (int i = 0; i < kAccepts; ++i) {
      const int client = listener.Connect();
      close(ring.Accept(listener.fd(), 0));
      close(client);
    }
  });
  const MetricsText metrics = exporter.ScrapeFresh();
  Reap(child);

  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_cgl_ring"},
                                                  {"pid", std::to_string(child)},
                                                  {"syscall", "io_uring"},
                                                  {"cgroup", ring_cgroup}}),
            kAccepts);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_cgl_ring"}}).size(), 1u);
}

TEST_F(CgroupLabelTest, PatternShortensThePathToItsCaptureGroup) {
  ExporterProcess exporter(
      "poll_interval: 100ms\nlabels:\n  cgroup: true\n  cgroup_pattern: "
      "'.*/a4t-ctr-([0-9a-f]+)\\.scope'\n");
  ASSERT_TRUE(exporter.running());
  const std::string container = Make("a4t-ctr-0123abcd.scope");
  const std::string other = Make("other.service");
  const pid_t in_container = ChildMakingCalls("a4t_cgl_ctr", 4, Procs(container));
  const pid_t in_other = ChildMakingCalls("a4t_cgl_other", 1, Procs(other));
  const MetricsText metrics = exporter.ScrapeFresh();
  for (pid_t child : {in_container, in_other}) Reap(child);

  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_cgl_ctr"}, {"cgroup", "0123abcd"}}),
            4);
  EXPECT_EQ(metrics.Value("accept4_listen_backlog_count",
                          {{"comm", "a4t_cgl_ctr"}, {"cgroup", "0123abcd"}}),
            4);
  // a path the pattern does not match is served whole
  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_cgl_other"}, {"cgroup", other}}),
            1);
}

TEST_F(CgroupLabelTest, OffByDefault) {
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  const std::string web = Make("web.service");
  const pid_t child = ChildMakingCalls("a4t_cgl_off", 2, Procs(web));
  const MetricsText metrics = exporter.ScrapeFresh();
  Reap(child);
  const std::vector<Sample> samples =
      metrics.Find("accept4_calls_total", {{"comm", "a4t_cgl_off"}});
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].value, 2);
  EXPECT_EQ(samples[0].labels.count("cgroup"), 0u);
}

}  // namespace
}  // namespace accept4_test
