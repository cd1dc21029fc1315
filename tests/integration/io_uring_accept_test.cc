// Accepts made through io_uring, against the real exporter binary: each
// test drives IORING_OP_ACCEPT requests from this process under a comm of
// its own and finds exactly those calls on /metrics as syscall="io_uring",
// with the flags of the request and the listener of its file.
#include <bpf/bpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/types.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "accept4.h"
#include "accept_calls.h"
#include "bpf_objects.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "io_uring_calls.h"
#include "io_uring_skip.h"
#include "kernel/io_uring_hooks.h"

namespace accept4_test {
namespace {

using std::chrono::system_clock;

constexpr const char* kConfig = "poll_interval: 100ms\nlabels: {port: true}\n";

class IoUringAcceptTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (SkipReason().empty()) exporter_ = new ExporterProcess(kConfig);
  }
  static void TearDownTestSuite() {
    delete exporter_;
    exporter_ = nullptr;
  }
  static std::string SkipReason() {
    if (std::string reason = BpfUnavailableReason(); !reason.empty()) {
      return "BPF unavailable: " + reason;
    }
    return IoUringAcceptsUnavailableReason();
  }
  void SetUp() override {
    if (const std::string reason = SkipReason(); !reason.empty()) GTEST_SKIP() << reason;
    ASSERT_TRUE(exporter_ && exporter_->running());
  }

  // The labels of this process's io_uring accepts on `listener`.
  static Labels On(const char* comm, const Listener& listener, const char* flags,
                   const char* listener_mode) {
    return {{"comm", comm},
            {"pid", std::to_string(getpid())},
            {"syscall", "io_uring"},
            {"flags", flags},
            {"family", listener.family() == AF_INET6 ? "AF_INET6" : "AF_INET"},
            {"listener", listener_mode},
            {"port", std::to_string(listener.port())}};
  }

  // The exporter's io_uring requests in progress (submitted, not finally
  // completed) that this process submitted: what an in-progress gauge reads.
  static int RequestsInProgress() {
    int requests = 0;
    for (uint32_t id : MapIdsHeldBy(exporter_->pid(), "io_uring_reques")) {
      const int fd = bpf_map_get_fd_by_id(id);
      if (fd < 0) continue;
      uint64_t key = 0, next = 0;
      uint64_t* previous = nullptr;
      while (bpf_map_get_next_key(fd, previous, &next) == 0) {
        accept4_io_uring_request request = {};
        if (bpf_map_lookup_elem(fd, &next, &request) == 0 &&
            request.tgid == static_cast<uint32_t>(getpid())) {
          ++requests;
        }
        key = next;
        previous = &key;
      }
      close(fd);
    }
    return requests;
  }

  static ExporterProcess* exporter_;
};

ExporterProcess* IoUringAcceptTest::exporter_ = nullptr;

TEST_F(IoUringAcceptTest, AttachInfoNamesTheIoUringHooks) {
  EXPECT_EQ(exporter_->ScrapeFresh().Value("accept4_exporter_attach_info",
                                           {{"hook", "io_uring"}, {"mode", "tp_btf"}}),
            1);
}

TEST_F(IoUringAcceptTest, SingleShotAcceptsWaitingForTheirConnection) {
  ScopedComm comm("a4u_single");
  Listener listener(AF_INET, /*nonblocking=*/false);
  Ring ring;
  for (int i = 0; i < 3; ++i) {
    // armed first, as an io_uring server does, then completed by the connect
    io_uring_prep_accept(ring.Sqe(i), listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    ring.Submit();
    EXPECT_EQ(RequestsInProgress(), 1);  // waiting for its connection
    const int client = listener.Connect();
    const Completion completion = ring.Wait();
    ASSERT_GE(completion.res, 0) << strerror(-completion.res);
    close(completion.res);
    close(client);
  }
  // one in an io-wq worker (IOSQE_ASYNC: a blocking accept there), counted
  // for this process all the same
  const int client = listener.Connect();
  const int accepted = ring.Accept(listener.fd(), SOCK_CLOEXEC, 0, IOSQE_ASYNC);
  ASSERT_GE(accepted, 0) << strerror(-accepted);
  close(accepted);
  close(client);

  EXPECT_EQ(RequestsInProgress(), 0);

  const Labels labels = On("a4u_single", listener, "SOCK_CLOEXEC", "blocking");
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", labels), 4);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4u_single"}}).size(), 1u);
  EXPECT_TRUE(metrics.Find("accept4_errors_total", {{"comm", "a4u_single"}}).empty());
  EXPECT_EQ(metrics.Value("accept4_duration_seconds_count",
                          {{"comm", "a4u_single"}, {"syscall", "io_uring"}}),
            4);
  EXPECT_EQ(metrics.Value("accept4_listen_backlog_count",
                          {{"comm", "a4u_single"}, {"listener", "blocking"}}),
            4);
}

TEST_F(IoUringAcceptTest, NonblockingListenerReturnsEagain) {
  ScopedComm comm("a4u_eagain");
  Listener listener(AF_INET6, /*nonblocking=*/true);
  Ring ring;
  const int first = ring.Accept(listener.fd(), SOCK_NONBLOCK, kAcceptDontWait);
  if (first == -EINVAL) GTEST_SKIP() << "IORING_ACCEPT_DONTWAIT needs Linux 6.10";
  ASSERT_EQ(first, -EAGAIN);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(ring.Accept(listener.fd(), SOCK_NONBLOCK, kAcceptDontWait), -EAGAIN);
  const int client = listener.Connect();
  const int accepted = ring.Accept(listener.fd(), SOCK_NONBLOCK, kAcceptDontWait);
  ASSERT_GE(accepted, 0) << strerror(-accepted);
  close(accepted);
  close(client);

  const Labels labels = On("a4u_eagain", listener, "SOCK_NONBLOCK", "nonblocking");
  Labels eagain = labels;
  eagain["errno"] = "EAGAIN";
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", labels), 6);
  EXPECT_EQ(metrics.Value("accept4_errors_total", eagain), 5);
  EXPECT_EQ(metrics.Find("accept4_errors_total", {{"comm", "a4u_eagain"}}).size(), 1u);
}

TEST_F(IoUringAcceptTest, MultishotCountsEveryCompletion) {
  ScopedComm comm("a4u_multi");
  Listener listener(AF_INET, /*nonblocking=*/false);
  Ring ring;
  constexpr uint64_t kMultishot = 7;
  io_uring_prep_multishot_accept(ring.Sqe(kMultishot), listener.fd(), nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
  ring.Submit();
  constexpr int kConnections = 5;
  std::vector<int> fds;
  for (int i = 0; i < kConnections; ++i) {
    fds.push_back(listener.Connect());
    const Completion completion = ring.Wait();
    ASSERT_EQ(completion.user_data, kMultishot);
    ASSERT_GE(completion.res, 0) << strerror(-completion.res);
    ASSERT_TRUE(completion.flags & IORING_CQE_F_MORE) << "multishot accept ended early";
    fds.push_back(completion.res);
  }
  // still armed after its completions: in progress until the final one
  EXPECT_EQ(RequestsInProgress(), 1);
  const Labels labels = On("a4u_multi", listener, "SOCK_CLOEXEC|SOCK_NONBLOCK", "blocking");
  MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", labels), kConnections);
  EXPECT_EQ(metrics.Value("accept4_duration_seconds_count", {{"comm", "a4u_multi"}}), kConnections);
  EXPECT_TRUE(metrics.Find("accept4_errors_total", {{"comm", "a4u_multi"}}).empty());
  // The armed request is an accept in progress; its file is not known yet.
  const Labels in_progress = {{"comm", "a4u_multi"},
                              {"pid", std::to_string(getpid())},
                              {"syscall", "io_uring"},
                              {"listener", "unknown"},
                              {"readiness", "unknown"}};
  EXPECT_EQ(metrics.Value("accept4_inflight_calls", in_progress), 1);
  EXPECT_GE(metrics.Value("accept4_inflight_oldest_seconds", in_progress), 0);

  // Cancelling ends it with its final completion, -ECANCELED: one more call.
  io_uring_prep_cancel64(ring.Sqe(8), kMultishot, 0);
  ring.Submit();
  bool cancelled = false;
  for (int i = 0; i < 2; ++i) {
    const Completion completion = ring.Wait();
    if (completion.user_data != kMultishot) continue;
    EXPECT_EQ(completion.res, -ECANCELED);
    EXPECT_FALSE(completion.flags & IORING_CQE_F_MORE);
    cancelled = true;
  }
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(RequestsInProgress(), 0);
  Labels cancelled_labels = labels;
  cancelled_labels["errno"] = "ECANCELED";
  metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", labels), kConnections + 1);
  EXPECT_EQ(metrics.Value("accept4_errors_total", cancelled_labels), 1);
  EXPECT_TRUE(metrics.Find("accept4_inflight_calls", {{"comm", "a4u_multi"}}).empty());
  for (int fd : fds) close(fd);
}

TEST_F(IoUringAcceptTest, AcceptsIntoAndFromFixedFiles) {
  ScopedComm comm("a4u_fixed");
  Listener listener(AF_INET6, /*nonblocking=*/false);
  Ring ring;
  // slot 0: the listener itself; slots 1-3 free for accepted connections
  const int files[] = {listener.fd(), -1, -1, -1};
  ASSERT_EQ(io_uring_register_files(ring.get(), files, 4), 0);

  // into a fixed file (a direct descriptor; O_CLOEXEC means nothing there
  // and is refused): res is 0, the socket in slot 2
  int client = listener.Connect();
  io_uring_prep_accept_direct(ring.Sqe(1), listener.fd(), nullptr, nullptr, 0, 2);
  ring.Submit();
  EXPECT_EQ(ring.Wait().res, 0);
  close(client);

  // from the registered listener (IOSQE_FIXED_FILE, fd is the slot)
  client = listener.Connect();
  const int accepted = ring.Accept(0, SOCK_CLOEXEC, 0, IOSQE_FIXED_FILE);
  ASSERT_GE(accepted, 0) << strerror(-accepted);
  close(accepted);
  close(client);

  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", On("a4u_fixed", listener, "none", "blocking")), 1);
  EXPECT_EQ(
      metrics.Value("accept4_calls_total", On("a4u_fixed", listener, "SOCK_CLOEXEC", "blocking")),
      1);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4u_fixed"}}).size(), 2u);
  EXPECT_TRUE(metrics.Find("accept4_errors_total", {{"comm", "a4u_fixed"}}).empty());
}

TEST_F(IoUringAcceptTest, ErrorsOnFilesThatAreNotListeners) {
  ScopedComm comm("a4u_errors");
  Ring ring;
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  const int not_open = 1 << 20;
  for (int i = 0; i < 2; ++i) ASSERT_EQ(ring.Accept(not_open, 0), -EBADF);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(ring.Accept(pipe_fds[0], SOCK_CLOEXEC), -ENOTSOCK);
  close(pipe_fds[0]);
  close(pipe_fds[1]);

  const Labels unknown = {{"comm", "a4u_errors"},  {"pid", std::to_string(getpid())},
                          {"syscall", "io_uring"}, {"family", "unknown"},
                          {"listener", "unknown"}, {"port", "0"}};
  Labels ebadf = unknown, enotsock = unknown;
  ebadf["flags"] = "none";
  ebadf["errno"] = "EBADF";
  enotsock["flags"] = "SOCK_CLOEXEC";
  enotsock["errno"] = "ENOTSOCK";
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_errors_total", ebadf), 2);
  EXPECT_EQ(metrics.Value("accept4_errors_total", enotsock), 3);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4u_errors"}}), 5);
  EXPECT_EQ(metrics.Find("accept4_errors_total", {{"comm", "a4u_errors"}}).size(), 2u);
}

TEST_F(IoUringAcceptTest, RefusedBeforeSubmissionStillCounted) {
  // An unknown flag bit fails in the request's preparation, before the
  // submission tracepoint: the completion alone names the process and flags.
  ScopedComm comm("a4u_einval");
  Listener listener(AF_INET, /*nonblocking=*/false);
  Ring ring;
  for (int i = 0; i < 2; ++i) ASSERT_EQ(ring.Accept(listener.fd(), SOCK_CLOEXEC | 0x1), -EINVAL);
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_errors_total", {{"comm", "a4u_einval"},
                                                   {"pid", std::to_string(getpid())},
                                                   {"syscall", "io_uring"},
                                                   {"flags", "SOCK_CLOEXEC|unknown"},
                                                   {"errno", "EINVAL"}}),
            2);
  // no submission seen, so no duration
  EXPECT_EQ(metrics.Value("accept4_duration_seconds_count", {{"comm", "a4u_einval"}}), 0);
}

TEST_F(IoUringAcceptTest, SqpollSubmissionsCountForTheRingsProcess) {
  ScopedComm comm("a4u_sqpoll");
  Listener listener(AF_INET, /*nonblocking=*/false);
  Ring ring(8, IORING_SETUP_SQPOLL);
  for (int i = 0; i < 2; ++i) {
    const int client = listener.Connect();
    const int accepted = ring.Accept(listener.fd(), 0);
    ASSERT_GE(accepted, 0) << strerror(-accepted);
    close(accepted);
    close(client);
  }
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_EQ(metrics.Value("accept4_calls_total", On("a4u_sqpoll", listener, "none", "blocking")),
            2);
}

TEST_F(IoUringAcceptTest, OtherRequestsAddNothing) {
  ScopedComm comm("a4u_nop");
  Ring ring;
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  char byte = 'x';
  for (int i = 0; i < 200; ++i) {
    io_uring_prep_nop(ring.Sqe(i));
    ring.Submit();
    ASSERT_EQ(ring.Wait().res, 0);
    ASSERT_EQ(write(pipe_fds[1], &byte, 1), 1);
    io_uring_prep_read(ring.Sqe(i), pipe_fds[0], &byte, 1, 0);
    ring.Submit();
    ASSERT_EQ(ring.Wait().res, 1);
  }
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  const MetricsText metrics = exporter_->ScrapeAfter(system_clock::now());
  EXPECT_TRUE(metrics.Find("accept4_calls_total", {{"comm", "a4u_nop"}}).empty());
  EXPECT_TRUE(metrics.Find("accept4_errors_total", {{"comm", "a4u_nop"}}).empty());
}

TEST(IoUringHooksOffTest, ConfigTurnsThemOff) {
  SKIP_WITHOUT_BPF();
  if (std::string reason = IoUringUnavailableReason(); !reason.empty()) GTEST_SKIP() << reason;
  ExporterProcess exporter("poll_interval: 100ms\nhooks: {io_uring: false}\n");
  ASSERT_TRUE(exporter.running());
  ScopedComm comm("a4u_off");
  Listener listener(AF_INET, /*nonblocking=*/false);
  Ring ring;
  const int client = listener.Connect();
  const int accepted = ring.Accept(listener.fd(), 0);
  ASSERT_GE(accepted, 0) << strerror(-accepted);
  close(accepted);
  close(client);
  AcceptConnection(listener);  // the syscalls are still counted

  const MetricsText metrics = exporter.ScrapeAfter(system_clock::now());
  EXPECT_TRUE(metrics.Find("accept4_exporter_attach_info", {{"hook", "io_uring"}}).empty());
  EXPECT_EQ(metrics.Value("accept4_exporter_attach_info", {{"hook", "accept"}}), 1);
  EXPECT_TRUE(
      metrics.Find("accept4_calls_total", {{"comm", "a4u_off"}, {"syscall", "io_uring"}}).empty());
  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4u_off"}, {"syscall", "accept4"}}), 1);
}

TEST(IoUringHooksOffTest, ReloadTurnsThemOnAndSaysSo) {
  SKIP_WITHOUT_BPF();
  if (std::string reason = accept4_exporter::IoUringHooksUnavailableReason(); !reason.empty()) {
    GTEST_SKIP() << "io_uring hooks unavailable: " << reason;
  }
  ExporterProcess exporter("poll_interval: 100ms\nhooks: {io_uring: false}\n");
  ASSERT_TRUE(exporter.running());
  EXPECT_TRUE(
      exporter.ScrapeFresh().Find("accept4_exporter_attach_info", {{"hook", "io_uring"}}).empty());
  const MetricsText reloaded = exporter.Reload("poll_interval: 100ms\nhooks: {io_uring: true}\n");
  EXPECT_EQ(
      reloaded.Value("accept4_exporter_attach_info", {{"hook", "io_uring"}, {"mode", "tp_btf"}}),
      1);
  // accept, process_exit and io_uring
  EXPECT_EQ(reloaded.Find("accept4_exporter_attach_info").size(), 3u);
}

}  // namespace
}  // namespace accept4_test
