// The hooks are attached in groups, one group after the other: a kernel that
// refuses an optional group (io_uring) leaves that group out, says so in one
// line, and the others count; one that refuses a required group ends the
// start with one line. No kernel here refuses them, so a library preloaded
// in front of libbpf (refuse_attach.cc) refuses the programs a test names.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "io_uring_calls.h"
#include "io_uring_skip.h"
#include "loopback_port.h"

namespace accept4_test {
namespace {

int CountErrorLines(const std::string& text) {
  int errors = 0;
  for (size_t at = text.find("level=error"); at != std::string::npos;
       at = text.find("level=error", at + 1)) {
    ++errors;
  }
  return errors;
}

// While it lives, exporters started by the test have bpf_program__attach
// refuse `programs`. A sanitized exporter would stop at a library loaded
// before its runtime; verify_asan_link_order=0 lets it run.
class ScopedAttachRefusal {
 public:
  explicit ScopedAttachRefusal(const std::string& programs) {
    const char* asan = getenv("ASAN_OPTIONS");
    saved_asan_options_ = asan ? asan : "";
    had_asan_options_ = asan != nullptr;
    setenv("ACCEPT4_REFUSE_ATTACH", programs.c_str(), 1);
    setenv("LD_PRELOAD", ACCEPT4_REFUSE_ATTACH_LIBRARY, 1);
    setenv("ASAN_OPTIONS", (saved_asan_options_ + ":verify_asan_link_order=0").c_str(), 1);
  }
  ~ScopedAttachRefusal() {
    unsetenv("ACCEPT4_REFUSE_ATTACH");
    unsetenv("LD_PRELOAD");
    if (had_asan_options_) {
      setenv("ASAN_OPTIONS", saved_asan_options_.c_str(), 1);
    } else {
      unsetenv("ASAN_OPTIONS");
    }
  }
  ScopedAttachRefusal(const ScopedAttachRefusal&) = delete;
  ScopedAttachRefusal& operator=(const ScopedAttachRefusal&) = delete;

 private:
  std::string saved_asan_options_;
  bool had_asan_options_ = false;
};

TEST(AttachGroupsTest, RefusedIoUringHooksAreLeftOutAndTheSyscallsCounted) {
  SKIP_WITHOUT_BPF();
  if (std::string reason = IoUringAcceptsUnavailableReason(); !reason.empty()) {
    GTEST_SKIP() << reason;
  }
  // The group's second program: the first, attached already, must go too.
  const ScopedAttachRefusal refusal("handle_io_uring_complete");
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running()) << exporter.StderrText();
  const std::string log = exporter.StderrText();
  EXPECT_NE(log.find("level=warning msg=\"io_uring accepts are not counted: attaching tp_btf "
                     "program handle_io_uring_complete (tp_btf/io_uring_complete): Operation "
                     "not supported\""),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("level=error"), std::string::npos) << log;

  ScopedComm comm("a4t_groups");
  Listener listener(AF_INET, /*nonblocking=*/false);
  AcceptConnection(listener);
  // An accept armed through io_uring and left waiting: the submission
  // program, had it stayed attached, would list it in progress.
  Ring ring;
  io_uring_prep_accept(ring.Sqe(1), listener.fd(), nullptr, nullptr, 0);
  ring.Submit();

  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_exporter_attach_info", {{"hook", "accept"}}), 1);
  EXPECT_EQ(metrics.Value("accept4_exporter_attach_info", {{"hook", "process_exit"}}), 1);
  EXPECT_TRUE(metrics.Find("accept4_exporter_attach_info", {{"hook", "io_uring"}}).empty());
  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_groups"}, {"syscall", "accept4"}}),
            1);
  EXPECT_TRUE(metrics.Find("accept4_inflight_calls", {{"syscall", "io_uring"}}).empty());
  // Only attached programs are measured.
  for (const char* program : {"handle_io_uring_submit", "handle_io_uring_complete"}) {
    EXPECT_TRUE(metrics.Find("accept4_exporter_bpf_program_run_count_total", {{"program", program}})
                    .empty())
        << program;
  }

  const int client = listener.Connect();
  const Completion accepted = ring.Wait();
  ASSERT_GE(accepted.res, 0) << strerror(-accepted.res);
  close(accepted.res);
  close(client);
}

TEST(AttachGroupsTest, RefusedRequiredHookEndsTheStartInOneLine) {
  SKIP_WITHOUT_BPF();
  const ScopedAttachRefusal refusal("handle_process_exit");
  // On a taken port, so that the exporter stops even if it got past the hooks.
  HeldLoopbackPort held;
  const ExitResult result =
      RunExporterToExit({"--web.listen-address=127.0.0.1:" + std::to_string(held.port())});
  EXPECT_EQ(result.exit_code, 1);
  // Info lines may come first (tracefs mounted); one error ends it.
  EXPECT_EQ(CountErrorLines(result.stderr_text), 1) << result.stderr_text;
  EXPECT_EQ(result.stderr_text.find("listening"), std::string::npos) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("level=error msg=\"attaching tracepoint program "
                                    "handle_process_exit (tracepoint/sched/sched_process_exit): "
                                    "Operation not supported\""),
            std::string::npos)
      << result.stderr_text;
}

}  // namespace
}  // namespace accept4_test
