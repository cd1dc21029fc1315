// attach_mode: fentry where the kernel allows it, tracepoints otherwise, and
// the choice shown in the log and in accept4_exporter_attach_info.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "loopback_port.h"

namespace accept4_test {
namespace {

// Starts the exporter with attach_mode fentry on a port that is taken, so
// that it stops right after the BPF set-up, whatever the kernel said.
ExitResult StartFentryOnly() {
  HeldLoopbackPort held;
  const std::string path = testing::TempDir() + "/fentry.yaml";
  std::ofstream(path) << "attach_mode: fentry\n";
  return RunExporterToExit(
      {"--config.file=" + path, "--web.listen-address=127.0.0.1:" + std::to_string(held.port())});
}

TEST(AttachModeTest, AutoUsesFentryOrFallsBackToTracepoints) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_attach");
  ExporterProcess exporter("poll_interval: 100ms\nattach_mode: auto\n");
  ASSERT_TRUE(exporter.running());
  Listener listener(AF_INET, /*nonblocking=*/true);
  ASSERT_EQ(RawAccept4(listener.fd(), 0), -1);
  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_errors_total", {{"comm", "a4t_attach"}, {"errno", "EAGAIN"}}), 1);

  const bool fell_back =
      exporter.StderrText().find("fentry/fexit not available, fell back to tracepoints") !=
      std::string::npos;
  const std::string mode = fell_back ? "tracepoint" : "fentry";
  EXPECT_EQ(metrics.Value("accept4_exporter_attach_info", {{"hook", "accept"}, {"mode", mode}}), 1);
  EXPECT_NE(exporter.StderrText().find("attached to the accept paths mode=" + mode),
            std::string::npos);
}

TEST(AttachModeTest, FentryOnlyRefusesClearlyWhereTheKernelDoes) {
  SKIP_WITHOUT_BPF();
  const ExitResult result = StartFentryOnly();
  EXPECT_EQ(result.exit_code, 1);
  if (result.stderr_text.find("attach_mode fentry refused by the kernel: ") == std::string::npos) {
    // This kernel runs fentry: the start failed later, on the taken port.
    EXPECT_NE(result.stderr_text.find("mode=fentry"), std::string::npos) << result.stderr_text;
    return;
  }
  // Refused: one line saying so, and no fallback when fentry was asked for.
  EXPECT_EQ(std::count(result.stderr_text.begin(), result.stderr_text.end(), '\n'), 1)
      << result.stderr_text;
  EXPECT_EQ(result.stderr_text.find("fell back"), std::string::npos);
}

TEST(AttachModeTest, TracepointModeNeverTriesFentry) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\nattach_mode: tracepoint\n");
  ASSERT_TRUE(exporter.running());
  EXPECT_EQ(exporter.ScrapeFresh().Value("accept4_exporter_attach_info",
                                         {{"hook", "accept"}, {"mode", "tracepoint"}}),
            1);
  EXPECT_EQ(exporter.StderrText().find("fentry"), std::string::npos);
}

}  // namespace
}  // namespace accept4_test
