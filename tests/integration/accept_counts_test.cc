// The metrics contract against the real exporter binary: known accept4 and
// accept calls from this process, under a comm of each test's own, must
// show up on /metrics with exactly the expected counts and labels.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "shared_exporter_test.h"

namespace accept4_test {
namespace {

using std::chrono::system_clock;

constexpr const char* kFastPoll = "poll_interval: 100ms\n";

using AcceptCountsTest = SharedExporterTest;

const char* FamilyName(int family) {
  return family == AF_INET ? "AF_INET" : family == AF_INET6 ? "AF_INET6" : "AF_UNIX";
}

TEST_F(AcceptCountsTest, EveryFlagCombinationOnEveryFamily) {
  ScopedComm comm("a4t_flags");
  struct Combination {
    int flags;
    const char* label;
  };
  const Combination combinations[] = {{0, "none"},
                                      {SOCK_CLOEXEC, "SOCK_CLOEXEC"},
                                      {SOCK_NONBLOCK, "SOCK_NONBLOCK"},
                                      {SOCK_CLOEXEC | SOCK_NONBLOCK, "SOCK_CLOEXEC|SOCK_NONBLOCK"}};
  // A different count for every series, so that a label mix-up shows.
  int calls = 1;
  std::vector<std::pair<Labels, int>> expected;
  for (int family : {AF_INET, AF_INET6, AF_UNIX}) {
    Listener listener(family, /*nonblocking=*/false);
    for (const Combination& combination : combinations) {
      for (int i = 0; i < calls; ++i) AcceptConnection(listener, combination.flags);
      expected.push_back({{{"comm", "a4t_flags"},
                           {"pid", std::to_string(getpid())},
                           {"syscall", "accept4"},
                           {"flags", combination.label},
                           {"family", FamilyName(family)},
                           {"listener", "blocking"}},
                          calls});
      ++calls;
    }
  }
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  for (const auto& [labels, count] : expected) {
    EXPECT_EQ(metrics.Value("accept4_calls_total", labels), count)
        << labels.at("family") << " " << labels.at("flags");
  }
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_flags"}}).size(), expected.size());
  EXPECT_TRUE(metrics.Find("accept4_errors_total", {{"comm", "a4t_flags"}}).empty());
  // every call's enter was seen, so each one has a duration
  EXPECT_EQ(metrics.Sum("accept4_duration_seconds_count", {{"comm", "a4t_flags"}}),
            metrics.Sum("accept4_calls_total", {{"comm", "a4t_flags"}}));
}

TEST_F(AcceptCountsTest, PlainAcceptHasNoFlags) {
  ScopedComm comm("a4t_accept");
  Listener listener(AF_INET, /*nonblocking=*/false);
  for (int i = 0; i < 3; ++i) {
    const int client = listener.Connect();
    const int accepted = RawAccept(listener.fd());
    ASSERT_GE(accepted, 0) << strerror(errno);
    close(accepted);
    close(client);
  }
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_accept"},
                                                  {"syscall", "accept"},
                                                  {"flags", "none"},
                                                  {"family", "AF_INET"},
                                                  {"listener", "blocking"}}),
            3);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_accept"}}).size(), 1u);
}

TEST_F(AcceptCountsTest, EagainOnNonblockingListener) {
  ScopedComm comm("a4t_eagain");
  Listener listener(AF_INET, /*nonblocking=*/true);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(RawAccept4(listener.fd(), SOCK_CLOEXEC), -1);
    ASSERT_EQ(errno, EAGAIN);
  }
  AcceptConnection(listener, SOCK_CLOEXEC);
  const Labels labels = {{"comm", "a4t_eagain"},
                         {"syscall", "accept4"},
                         {"flags", "SOCK_CLOEXEC"},
                         {"family", "AF_INET"},
                         {"listener", "nonblocking"}};
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", labels), 6);
  Labels eagain = labels;
  eagain["errno"] = "EAGAIN";
  EXPECT_EQ(metrics.Value("accept4_errors_total", eagain), 5);
  EXPECT_EQ(metrics.Find("accept4_errors_total", {{"comm", "a4t_eagain"}}).size(), 1u);
}

TEST_F(AcceptCountsTest, EinvalFromUnknownFlagBit) {
  ScopedComm comm("a4t_einval");
  Listener listener(AF_UNIX, /*nonblocking=*/false);
  // Two different unknown bits: one series, as the flags label is a closed set.
  for (int flags : {0x1, 0x4, SOCK_CLOEXEC | 0x1}) {
    ASSERT_EQ(RawAccept4(listener.fd(), flags), -1);
    ASSERT_EQ(errno, EINVAL);
  }
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  const Labels base = {
      {"comm", "a4t_einval"}, {"family", "AF_UNIX"}, {"listener", "blocking"}, {"errno", "EINVAL"}};
  Labels bare = base, with_cloexec = base;
  bare["flags"] = "unknown";
  with_cloexec["flags"] = "SOCK_CLOEXEC|unknown";
  EXPECT_EQ(metrics.Value("accept4_errors_total", bare), 2);
  EXPECT_EQ(metrics.Value("accept4_errors_total", with_cloexec), 1);
  EXPECT_EQ(metrics.Find("accept4_errors_total", {{"comm", "a4t_einval"}}).size(), 2u);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_einval"}}), 3);
}

TEST_F(AcceptCountsTest, EnotsockOnAPipeHasUnknownFamilyAndListener) {
  ScopedComm comm("a4t_enotsock");
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  ASSERT_EQ(RawAccept4(pipe_fds[0], 0), -1);
  ASSERT_EQ(errno, ENOTSOCK);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_errors_total", {{"comm", "a4t_enotsock"},
                                                   {"flags", "none"},
                                                   {"family", "unknown"},
                                                   {"listener", "unknown"},
                                                   {"errno", "ENOTSOCK"}}),
            1);
}

TEST_F(AcceptCountsTest, EbadfOnAClosedFd) {
  ScopedComm comm("a4t_ebadf");
  const int fd = dup(STDIN_FILENO);
  close(fd);
  ASSERT_EQ(RawAccept4(fd, SOCK_NONBLOCK), -1);
  ASSERT_EQ(errno, EBADF);
  ASSERT_EQ(RawAccept(-1), -1);
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  const Labels labels = {
      {"comm", "a4t_ebadf"}, {"family", "unknown"}, {"listener", "unknown"}, {"errno", "EBADF"}};
  Labels accept4 = labels, accept = labels;
  accept4["syscall"] = "accept4";
  accept4["flags"] = "SOCK_NONBLOCK";
  accept["syscall"] = "accept";
  accept["flags"] = "none";
  EXPECT_EQ(metrics.Value("accept4_errors_total", accept4), 1);
  EXPECT_EQ(metrics.Value("accept4_errors_total", accept), 1);
}

TEST_F(AcceptCountsTest, EmfileWhenTheFdTableIsFull) {
  ScopedComm comm("a4t_emfile");
  Listener listener(AF_INET6, /*nonblocking=*/true);
  rlimit saved;
  getrlimit(RLIMIT_NOFILE, &saved);
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> filler;
  for (int fd; (fd = dup(listener.fd())) >= 0;) filler.push_back(fd);
  const int result = RawAccept4(listener.fd(), SOCK_CLOEXEC | SOCK_NONBLOCK);
  const int err = errno;
  for (int fd : filler) close(fd);
  setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_EQ(result, -1);
  ASSERT_EQ(err, EMFILE);
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_errors_total", {{"comm", "a4t_emfile"},
                                                   {"flags", "SOCK_CLOEXEC|SOCK_NONBLOCK"},
                                                   {"family", "AF_INET6"},
                                                   {"listener", "nonblocking"},
                                                   {"errno", "EMFILE"}}),
            1);
}

// Whether thread `tid` (0 while unknown) sleeps in syscall `nr` within 10 s.
bool WaitUntilBlockedIn(const std::atomic<pid_t>& tid, long nr) {
  for (int i = 0; i < 1000; ++i) {
    if (tid != 0) {
      std::ifstream syscall("/proc/self/task/" + std::to_string(tid.load()) + "/syscall");
      long current = -1;
      if (syscall >> current && current == nr) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// A call already blocked in accept when the exporter starts has no enter
// record: it must still be counted, with its real flags and listener.
TEST(UnmatchedExitTest, CallBlockedBeforeAttachIsCounted) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_unmatched");
  Listener listener(AF_INET, /*nonblocking=*/false);
  int accepted = -1;
  std::atomic<pid_t> tid{0};
  std::thread blocked([&] {
    tid = gettid();
    accepted = RawAccept4(listener.fd(), SOCK_CLOEXEC);
  });
  // Wait until the thread sleeps inside accept4, as /proc shows it.
  ASSERT_TRUE(WaitUntilBlockedIn(tid, SYS_accept4)) << "the thread never blocked in accept4";
  ExporterProcess exporter(kFastPoll);
  ASSERT_TRUE(exporter.running());
  const int client = listener.Connect();
  blocked.join();
  ASSERT_GE(accepted, 0);
  close(accepted);
  close(client);
  const MetricsText metrics = exporter.ScrapeAfter(system_clock::now());
  const Labels labels = {{"comm", "a4t_unmatched"},
                         {"flags", "SOCK_CLOEXEC"},
                         {"family", "AF_INET"},
                         {"listener", "blocking"}};
  EXPECT_EQ(metrics.Value("accept4_calls_total", labels), 1);
  // its start is unknown, so it has no duration
  EXPECT_EQ(metrics.Sum("accept4_duration_seconds_count", {{"comm", "a4t_unmatched"}}), 0);
}

}  // namespace
}  // namespace accept4_test
