// The calls in progress, read by the task iterator at each poll: a thread
// blocked in accept shows in accept4_inflight_* while it waits and is gone
// once it returns, whether it began before or after the exporter started.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>
#include <vector>

#include "accept_calls.h"
#include "bpf_support.h"
#include "cgroup_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

// Waits up to 10 s until the task whose /proc directory is `task_dir` is
// asleep in syscall `nr`: /proc names the syscall a task is in only while
// it is blocked in one.
bool WaitUntilBlockedIn(const std::string& task_dir, long nr) {
  const auto deadline = steady_clock::now() + seconds(10);
  while (steady_clock::now() < deadline) {
    std::ifstream syscall_file(task_dir + "/syscall");
    long current = -1;
    if (syscall_file >> current && current == nr) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// A thread of this process blocked in accept(2) or accept4(2) on a
// listener until Release() connects a client to it.
class BlockedAcceptor {
 public:
  BlockedAcceptor(const Listener& listener, long syscall_nr)
      : listener_(listener), syscall_nr_(syscall_nr), thread_([this] { Run(); }) {}
  ~BlockedAcceptor() { Release(); }

  bool WaitUntilBlocked() const {
    while (tid_.load() == 0) std::this_thread::yield();
    return WaitUntilBlockedIn("/proc/self/task/" + std::to_string(tid_.load()), syscall_nr_);
  }

  void Release() {
    if (!thread_.joinable()) return;
    const int client = listener_.Connect();
    thread_.join();
    close(client);
  }
  bool returned() const { return returned_.load(); }

 private:
  void Run() {
    tid_ = static_cast<pid_t>(syscall(SYS_gettid));
    const int accepted =
        syscall_nr_ == SYS_accept ? RawAccept(listener_.fd()) : RawAccept4(listener_.fd(), 0);
    if (accepted >= 0) close(accepted);
    returned_ = true;
  }

  const Listener& listener_;
  const long syscall_nr_;
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> returned_{false};
  std::thread thread_;
};

// Scrapes until `done` holds for a fresh scrape or 20 s have passed; the
// last scrape either way.
template <typename Condition>
MetricsText ScrapeUntil(ExporterProcess& exporter, Condition done) {
  const auto deadline = steady_clock::now() + seconds(20);
  MetricsText metrics = exporter.ScrapeFresh();
  while (!done(metrics) && steady_clock::now() < deadline) metrics = exporter.ScrapeFresh();
  return metrics;
}

constexpr const char* kCalls = "accept4_inflight_calls";
constexpr const char* kOldest = "accept4_inflight_oldest_seconds";

TEST(InflightTest, BlockedAcceptIsSeenWhileItWaitsAndGoneOnceItReturns) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_inflight");
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  Listener listener(AF_INET, /*nonblocking=*/false);
  const Labels labels = {{"comm", "a4t_inflight"},
                         {"pid", std::to_string(getpid())},
                         {"syscall", "accept4"},
                         {"listener", "blocking"}};

  const auto blocked_at = steady_clock::now();
  BlockedAcceptor acceptor(listener, SYS_accept4);
  ASSERT_TRUE(acceptor.WaitUntilBlocked());
  const MetricsText during = ScrapeUntil(
      exporter, [&](const MetricsText& metrics) { return metrics.Value(kOldest, labels) >= 2; });
  // Taken while the call still waits: only Release() lets it return.
  EXPECT_FALSE(acceptor.returned());
  EXPECT_EQ(during.Value(kCalls, labels), 1);
  EXPECT_GE(during.Value(kOldest, labels), 2);
  EXPECT_LE(during.Value(kOldest, labels),
            std::chrono::duration<double>(steady_clock::now() - blocked_at).count());

  // Blocked for 3 s in all, then a client comes.
  std::this_thread::sleep_until(blocked_at + seconds(3));
  acceptor.Release();
  const MetricsText after = exporter.ScrapeFresh();
  EXPECT_TRUE(after.Find(kCalls, {{"comm", "a4t_inflight"}}).empty());
  EXPECT_TRUE(after.Find(kOldest, {{"comm", "a4t_inflight"}}).empty());
  EXPECT_EQ(after.Sum("accept4_calls_total", labels), 1);
}

TEST(InflightTest, CountsEveryThreadInsideAndNoOther) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_two");
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  // Two listeners, so that each client wakes the thread it is meant for.
  Listener first_listener(AF_INET, /*nonblocking=*/false);
  Listener second_listener(AF_INET, /*nonblocking=*/false);
  BlockedAcceptor first(first_listener, SYS_accept4);
  BlockedAcceptor second(second_listener, SYS_accept4);
  ASSERT_TRUE(first.WaitUntilBlocked());
  ASSERT_TRUE(second.WaitUntilBlocked());
  const Labels labels = {{"comm", "a4t_two"}, {"syscall", "accept4"}, {"listener", "blocking"}};

  const MetricsText both = exporter.ScrapeFresh();
  EXPECT_EQ(both.Value(kCalls, labels), 2);
  second.Release();
  const MetricsText one = exporter.ScrapeFresh();
  EXPECT_EQ(one.Value(kCalls, labels), 1);
  // The first, older call is left: the oldest age still counts from it.
  EXPECT_GE(one.Value(kOldest, labels), both.Value(kOldest, labels));
}

TEST(InflightTest, ThreadBlockedBeforeTheExporterStartsIsSeenAtTheFirstPoll) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_before");
  Listener listener(AF_INET6, /*nonblocking=*/false);
  BlockedAcceptor acceptor(listener, SYS_accept);
  ASSERT_TRUE(acceptor.WaitUntilBlocked());

  const auto started = steady_clock::now();
  // One poll only, the one made before the exporter listens: what it
  // serves is the first poll's.
  ExporterProcess exporter("poll_interval: 1h\nlabels:\n  port: true\n");
  ASSERT_TRUE(exporter.running());
  const HttpResponse response = HttpGet(exporter.url("/metrics"));
  ASSERT_EQ(response.status, 200) << response.error;
  const MetricsText metrics(response.body);
  // Its listener is read from its own fd table: mode and port are known.
  const Labels labels = {{"comm", "a4t_before"},
                         {"pid", std::to_string(getpid())},
                         {"syscall", "accept"},
                         {"listener", "blocking"},
                         {"port", std::to_string(listener.port())}};
  EXPECT_EQ(metrics.Value(kCalls, labels), 1);
  // Aged from the attach, which came after the exporter was started.
  const double oldest = metrics.Value(kOldest, labels);
  EXPECT_GE(oldest, 0);
  EXPECT_LE(oldest, std::chrono::duration<double>(steady_clock::now() - started).count());
  EXPECT_FALSE(acceptor.returned());
}

// A child process named a4t_filter_in, blocked in accept4 until this
// object goes.
class BlockedChild {
 public:
  BlockedChild() : pid_(fork()) {
    if (pid_ != 0) return;
    ScopedComm comm("a4t_filter_in");
    Listener listener(AF_INET, /*nonblocking=*/false);
    RawAccept4(listener.fd(), 0);
    _exit(0);
  }
  ~BlockedChild() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  BlockedChild(const BlockedChild&) = delete;
  BlockedChild& operator=(const BlockedChild&) = delete;

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

// A cgroup of the test's own under the cgroup v2 root, removed when it goes
// (after the processes moved into it have exited).
class ScopedCgroup {
 public:
  explicit ScopedCgroup(const std::string& root)
      : path_(root.empty() ? "" : "/a4t_inflight_" + std::to_string(getpid())), dir_(root + path_) {
    if (!path_.empty() && mkdir(dir_.c_str(), 0755) != 0) path_.clear();
  }
  ~ScopedCgroup() {
    if (!path_.empty()) rmdir(dir_.c_str());
  }
  ScopedCgroup(const ScopedCgroup&) = delete;
  ScopedCgroup& operator=(const ScopedCgroup&) = delete;

  // Below the root; "" when there is no cgroup v2 hierarchy to make it in.
  const std::string& path() const { return path_; }
  bool Move(pid_t pid) const {
    return static_cast<bool>(std::ofstream(dir_ + "/cgroup.procs") << pid << "\n");
  }

 private:
  std::string path_;
  std::string dir_;
};

TEST(InflightTest, PidCgroupAndCommFiltersApplyToCallsInProgress) {
  SKIP_WITHOUT_BPF();
  const ScopedCgroup cgroup(CgroupV2Mount());
  // Both blocked before the exporter starts (found by their registers),
  // and this process blocks again once it runs (found by its record).
  const BlockedChild blocked_child;
  const pid_t child = blocked_child.pid();
  ASSERT_GT(child, 0);
  ScopedComm comm("a4t_filtered");
  ASSERT_TRUE(WaitUntilBlockedIn("/proc/" + std::to_string(child), SYS_accept4));
  Listener early_listener(AF_INET, /*nonblocking=*/false);
  BlockedAcceptor early(early_listener, SYS_accept4);
  ASSERT_TRUE(early.WaitUntilBlocked());
  // Each keeps the child and leaves this process out.
  struct Case {
    const char* name;
    std::string config;
  };
  std::vector<Case> cases = {
      {"pid filter", "filters:\n  pids: [" + std::to_string(child) + "]\n"},
      {"comm filter", "filters:\n  exclude_comm: a4t_filtered\n"},
  };
  const bool in_cgroup = !cgroup.path().empty() && cgroup.Move(child);
  if (in_cgroup) {
    cases.push_back(
        {"cgroup filter", "filters:\n  cgroup_path_prefixes: [" + cgroup.path() + "]\n"});
  }
  for (const auto& c : cases) {
    ExporterProcess exporter("poll_interval: 100ms\n" + c.config);
    ASSERT_TRUE(exporter.running()) << c.name;
    Listener late_listener(AF_INET, /*nonblocking=*/false);
    BlockedAcceptor late(late_listener, SYS_accept4);
    ASSERT_TRUE(late.WaitUntilBlocked());
    const MetricsText metrics = exporter.ScrapeFresh();
    EXPECT_EQ(metrics.Value(kCalls, {{"comm", "a4t_filter_in"}, {"pid", std::to_string(child)}}), 1)
        << c.name;
    EXPECT_TRUE(metrics.Find(kCalls, {{"comm", "a4t_filtered"}}).empty()) << c.name;
    EXPECT_TRUE(metrics.Find(kOldest, {{"comm", "a4t_filtered"}}).empty()) << c.name;
  }
  if (!in_cgroup)
    GTEST_SKIP() << "cgroup filter not checked: no cgroup v2 hierarchy to make one in";
}

}  // namespace
}  // namespace accept4_test
