// Local users as adversaries of the series map: junk flag bits, renames,
// forks as another uid, and pid reuse must neither crowd other users'
// processes into [overflow] nor make a served counter go backwards.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "http_get.h"

namespace accept4_test {
namespace {

// Runs `body` in a child process as `uid`, with `comm`; returns its pid once
// it has exited with status 0 (waited for), or -1.
template <typename Body>
pid_t RunChild(uid_t uid, const std::string& comm, const Body& body) {
  const pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NAME, comm.c_str());
    if (uid != 0 && (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0)) _exit(2);
    body();
    _exit(0);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return -1;
  }
  return child;
}

TEST(HostileSeriesTest, JunkFlagsMakeAtMostFourFlagsValues) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  // 1000 distinct junk flag values, each with and without the known bits.
  const pid_t attacker = RunChild(65534, "a4t_junk", [] {
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 1; i <= 1000; ++i) {
      const int junk = i << 20;
      const int known[] = {0, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_CLOEXEC | SOCK_NONBLOCK};
      if (RawAccept4(listener.fd(), junk | known[i % 4]) != -1 || errno != EINVAL) _exit(3);
    }
  });
  ASSERT_GT(attacker, 0);
  // Real calls from another process still get their own series.
  const pid_t victim = RunChild(1000, "a4t_victim", [] {
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 0; i < 5; ++i) RawAccept4(listener.fd(), SOCK_CLOEXEC);
  });
  ASSERT_GT(victim, 0);

  const MetricsText metrics = exporter.ScrapeFresh();
  const Labels junk = {{"comm", "a4t_junk"}, {"pid", std::to_string(attacker)}};
  std::set<std::string> flags;
  for (const auto& series : metrics.Find("accept4_calls_total", junk)) {
    flags.insert(series.labels.at("flags"));
  }
  EXPECT_EQ(flags,
            (std::set<std::string>{"unknown", "SOCK_CLOEXEC|unknown", "SOCK_NONBLOCK|unknown",
                                   "SOCK_CLOEXEC|SOCK_NONBLOCK|unknown"}));
  EXPECT_EQ(metrics.Sum("accept4_errors_total", junk), 1000);
  EXPECT_EQ(metrics.Sum("accept4_errors_total", {{"comm", "a4t_victim"},
                                                 {"pid", std::to_string(victim)},
                                                 {"flags", "SOCK_CLOEXEC"},
                                                 {"errno", "EAGAIN"}}),
            5);
}

TEST(HostileSeriesTest, RenamesDoNotMintSeries) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  const pid_t renamer = RunChild(65534, "a4t_renamer", [] {
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 0; i < 300; ++i) {
      prctl(PR_SET_NAME, ("a4t_r" + std::to_string(i)).c_str());
      RawAccept4(listener.fd(), 0);
    }
  });
  ASSERT_GT(renamer, 0);
  const MetricsText metrics = exporter.ScrapeFresh();
  const auto series = metrics.Find("accept4_calls_total", {{"pid", std::to_string(renamer)}});
  ASSERT_EQ(series.size(), 1u);
  // the name the process had when its first series was made
  EXPECT_EQ(series[0].labels.at("comm"), "a4t_r0");
  EXPECT_EQ(series[0].value, 300);
}

TEST(HostileSeriesTest, OneUidCannotPushAnotherIntoOverflow) {
  SKIP_WITHOUT_BPF();
  constexpr int kShare = 16;
  ExporterProcess exporter("poll_interval: 100ms\nmaps: {max_series: 256, max_series_per_uid: " +
                           std::to_string(kShare) + "}\n");
  ASSERT_TRUE(exporter.running());
  // Forks as uid 65534: each new process is a new series.
  constexpr int kForks = 40;
  std::vector<pid_t> attackers;
  for (int i = 0; i < kForks; ++i) {
    attackers.push_back(RunChild(65534, "a4t_fork", [] {
      Listener listener(AF_INET, /*nonblocking=*/true);
      RawAccept4(listener.fd(), 0);
    }));
    ASSERT_GT(attackers.back(), 0);
  }
  const pid_t victim = RunChild(1000, "a4t_victim", [] {
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 0; i < 3; ++i) RawAccept4(listener.fd(), 0);
  });
  ASSERT_GT(victim, 0);

  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(
      metrics.Sum("accept4_calls_total", {{"comm", "a4t_victim"}, {"pid", std::to_string(victim)}}),
      3);
  const double attacker_in_map = metrics.Sum("accept4_calls_total", {{"comm", "a4t_fork"}});
  EXPECT_EQ(attacker_in_map, kShare);
  // The rest are counted, only without a series of their own.
  EXPECT_GE(metrics.Value("accept4_exporter_overflow_calls_total", {{"reason", "uid_share"}}),
            kForks - kShare);
  EXPECT_EQ(metrics.Value("accept4_exporter_overflow_calls_total", {{"reason", "map_full"}}), 0);
}

// Makes the next fork of this pid namespace get `pid`, as checkpoint/restore
// tools do (/proc/sys/kernel/ns_last_pid, root only); false when it cannot.
bool NextPidWillBe(pid_t pid) {
  std::ofstream last_pid("/proc/sys/kernel/ns_last_pid");
  last_pid << pid - 1;
  last_pid.flush();
  return static_cast<bool>(last_pid);
}

TEST(HostileSeriesTest, APidReusedWhileTheOldSeriesAreServedNeverGoesBackwards) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\nexited_process_grace_period: 1s\n");
  ASSERT_TRUE(exporter.running());
  const pid_t old_process = RunChild(0, "a4t_reuse", [] {
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 0; i < 17; ++i) RawAccept4(listener.fd(), 0);
  });
  ASSERT_GT(old_process, 0);
  const Labels labels = {{"comm", "a4t_reuse"}, {"pid", std::to_string(old_process)}};
  EXPECT_EQ(exporter.ScrapeFresh().Sum("accept4_calls_total", labels), 17);

  // A new process with the same pid and name, which keeps running.
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t new_process = -1;
  for (int attempt = 0; attempt < 20 && new_process != old_process; ++attempt) {
    if (new_process > 0) waitpid(new_process, nullptr, 0);
    if (!NextPidWillBe(old_process)) GTEST_SKIP() << "cannot write ns_last_pid";
    new_process = fork();
    if (new_process == 0) {
      if (getpid() != old_process) _exit(0);  // another fork took the pid first
      close(go[1]);
      prctl(PR_SET_NAME, "a4t_reuse");
      Listener listener(AF_INET, /*nonblocking=*/true);
      RawAccept4(listener.fd(), 0);
      char byte;
      read(go[0], &byte, 1);
      RawAccept4(listener.fd(), 0);
      _exit(0);
    }
  }
  close(go[0]);
  ASSERT_EQ(new_process, old_process) << "the pid was not reused within 20 forks";

  // Served over the old process's grace period and past it: 17 + 1 at
  // first, then never less, and the new process's series stays.
  double last = 0;
  for (int i = 0; i < 15; ++i) {
    const double served = exporter.ScrapeFresh().Sum("accept4_calls_total", labels);
    EXPECT_GE(served, last) << "scrape " << i;
    EXPECT_GE(served, 18) << "scrape " << i;
    last = served;
    usleep(200 * 1000);
  }
  close(go[1]);  // one more call from the new process
  ASSERT_EQ(waitpid(new_process, nullptr, 0), new_process);
  EXPECT_EQ(exporter.ScrapeFresh().Sum("accept4_calls_total", labels), 19);
}

TEST(HostileSeriesTest, AnExitedProcessWaitsForAScrapePastItsGracePeriod) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\nexited_process_grace_period: 300ms\n");
  ASSERT_TRUE(exporter.running());
  exporter.ScrapeFresh();
  const pid_t brief = RunChild(0, "a4t_brief", [] {
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 0; i < 4; ++i) RawAccept4(listener.fd(), 0);
  });
  ASSERT_GT(brief, 0);
  const Labels labels = {{"comm", "a4t_brief"}, {"pid", std::to_string(brief)}};
  // Ten grace periods with no scrape: its final counts were never served,
  // so the first scrape (one request: the latest pass) still has them.
  usleep(3000 * 1000);
  const HttpResponse first = HttpGet(exporter.url("/metrics"));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(MetricsText(first.body).Sum("accept4_calls_total", labels), 4);
  // Once served, it goes after the grace period.
  usleep(1000 * 1000);
  const MetricsText after = exporter.ScrapeFresh();
  EXPECT_TRUE(after.Find("accept4_calls_total", labels).empty());
}

}  // namespace
}  // namespace accept4_test
