// The readiness label against the real exporter: whether an epoll set
// watched the listening file at each call, as epoll_ctl adds and removes it.
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <string>

#include "accept_calls.h"
#include "shared_exporter_test.h"

namespace accept4_test {
namespace {

using std::chrono::system_clock;

using ReadinessTest = SharedExporterTest;

// An epoll instance; closing it drops every registration it holds.
class Epoll {
 public:
  Epoll() : fd_(epoll_create1(EPOLL_CLOEXEC)) { EXPECT_GE(fd_, 0) << strerror(errno); }
  ~Epoll() { close(fd_); }
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;

  void Add(int fd) {
    epoll_event event = {};
    event.events = EPOLLIN;
    event.data.fd = fd;
    ASSERT_EQ(epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &event), 0) << strerror(errno);
  }
  void Remove(int fd) {
    ASSERT_EQ(epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr), 0) << strerror(errno);
  }
  // Waits until `fd` is ready, as an event loop does before it accepts.
  void WaitReadable(int fd) {
    epoll_event event = {};
    ASSERT_EQ(epoll_wait(fd_, &event, 1, 10'000), 1) << strerror(errno);
    ASSERT_EQ(event.data.fd, fd);
  }

 private:
  int fd_;
};

// Connects a client, waits for epoll to report the listener ready, and
// accepts, as an event loop does.
void AcceptWhenReady(Epoll& epoll, const Listener& listener) {
  const int client = listener.Connect();
  epoll.WaitReadable(listener.fd());
  const int accepted = RawAccept4(listener.fd(), SOCK_CLOEXEC);
  EXPECT_GE(accepted, 0) << strerror(errno);
  close(accepted);
  close(client);
}

void AcceptTimes(const Listener& listener, int times) {
  for (int i = 0; i < times; ++i) AcceptConnection(listener, SOCK_CLOEXEC);
}

Labels Series(const std::string& comm, const std::string& listener, const std::string& readiness) {
  return {{"comm", comm},          {"pid", std::to_string(getpid())},
          {"syscall", "accept4"},  {"flags", "SOCK_CLOEXEC"},
          {"family", "AF_INET"},   {"listener", listener},
          {"readiness", readiness}};
}

TEST_F(ReadinessTest, BlockingListenerFollowsEpollCtlAddAndDel) {
  ScopedComm comm("a4t_rdy_block");
  Listener listener(AF_INET, /*nonblocking=*/false);
  Epoll epoll;
  const Labels none = Series("a4t_rdy_block", "blocking", "none");
  const Labels watched = Series("a4t_rdy_block", "blocking", "epoll");

  AcceptTimes(listener, 2);  // before EPOLL_CTL_ADD
  MetricsText metrics = exporter_->ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_calls_total", none), 2);
  EXPECT_TRUE(metrics.Find("accept4_calls_total", watched).empty());

  epoll.Add(listener.fd());
  for (int i = 0; i < 3; ++i) AcceptWhenReady(epoll, listener);
  metrics = exporter_->ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_calls_total", watched), 3);
  EXPECT_EQ(metrics.Value("accept4_calls_total", none), 2);
  EXPECT_EQ(
      metrics.Value("accept4_duration_seconds_count",
                    {{"comm", "a4t_rdy_block"}, {"listener", "blocking"}, {"readiness", "epoll"}}),
      3);

  epoll.Remove(listener.fd());
  AcceptTimes(listener, 4);  // after EPOLL_CTL_DEL
  metrics = exporter_->ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_calls_total", none), 2 + 4);
  EXPECT_EQ(metrics.Value("accept4_calls_total", watched), 3);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_rdy_block"}}).size(), 2u);
}

TEST_F(ReadinessTest, NonblockingListenerInEpoll) {
  ScopedComm comm("a4t_rdy_nonblk");
  Listener listener(AF_INET, /*nonblocking=*/true);
  Epoll epoll;
  epoll.Add(listener.fd());
  // The loop's usual pattern: accept until EAGAIN, then wait again.
  for (int i = 0; i < 5; ++i) {
    AcceptWhenReady(epoll, listener);
    ASSERT_EQ(RawAccept4(listener.fd(), SOCK_CLOEXEC), -1);
    ASSERT_EQ(errno, EAGAIN);
  }
  const MetricsText metrics = exporter_->ScrapeFresh();
  const Labels watched = Series("a4t_rdy_nonblk", "nonblocking", "epoll");
  EXPECT_EQ(metrics.Value("accept4_calls_total", watched), 10);
  Labels eagain = watched;
  eagain["errno"] = "EAGAIN";
  EXPECT_EQ(metrics.Value("accept4_errors_total", eagain), 5);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_rdy_nonblk"}}).size(), 1u);
  EXPECT_EQ(metrics.Find("accept4_errors_total", {{"comm", "a4t_rdy_nonblk"}}).size(), 1u);
}

TEST_F(ReadinessTest, ClosingTheEpollFdEndsTheWatch) {
  ScopedComm comm("a4t_rdy_close");
  Listener listener(AF_INET, /*nonblocking=*/false);
  {
    Epoll epoll;
    epoll.Add(listener.fd());
    AcceptTimes(listener, 1);
  }
  AcceptTimes(listener, 2);
  const MetricsText metrics = exporter_->ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_calls_total", Series("a4t_rdy_close", "blocking", "epoll")), 1);
  EXPECT_EQ(metrics.Value("accept4_calls_total", Series("a4t_rdy_close", "blocking", "none")), 2);
}

TEST_F(ReadinessTest, NotASocketIsUnknown) {
  ScopedComm comm("a4t_rdy_pipe");
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  // a pipe can sit in an epoll set too; it is still not a listener
  Epoll epoll;
  epoll.Add(pipe_fds[0]);
  ASSERT_EQ(RawAccept4(pipe_fds[0], 0), -1);
  ASSERT_EQ(errno, ENOTSOCK);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  const MetricsText metrics = exporter_->ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_errors_total", {{"comm", "a4t_rdy_pipe"},
                                                   {"listener", "unknown"},
                                                   {"readiness", "unknown"},
                                                   {"errno", "ENOTSOCK"}}),
            1);
}

}  // namespace
}  // namespace accept4_test
