// The two builds of the counting programs (exporter/kernel/listener_reads.h):
// the exporter loads the direct-load build where the kernel has
// bpf_rdonly_cast, and the probe-read build elsewhere or when
// ACCEPT4_EXPORTER_FORCE_PROBE_READ=1 forces it. ctest runs the exact-count
// and histogram tests once more with it set (tests/integration/
// CMakeLists.txt, the probe_read/ tests); these check that each run loads
// the build it asks for, and that a forced probe-read build counts.
#include "kernel/listener_reads.h"

#include <gtest/gtest.h>

#include <string>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "kernel/kernel_btf.h"

namespace accept4_test {
namespace {

using accept4_exporter::kForceProbeReadVariable;

TEST(ListenerReadsTest, LoadsTheBuildThatTheKernelAndTheEnvironmentAskFor) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  const bool direct = !accept4_exporter::ProbeReadForced() &&
                      accept4_exporter::KernelHasFunction("bpf_rdonly_cast");
  EXPECT_NE(
      exporter.StderrText().find(direct ? "listener reads: direct" : "listener reads: probe_read"),
      std::string::npos)
      << exporter.StderrText();
}

TEST(ListenerReadsTest, ForcedProbeReadBuildCountsTheListener) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_forced");
  ExporterProcess exporter("poll_interval: 100ms\n", {},
                           {std::string(kForceProbeReadVariable) + "=1"});
  ASSERT_TRUE(exporter.running());
  EXPECT_NE(exporter.StderrText().find("listener reads: probe_read (forced by " +
                                       std::string(kForceProbeReadVariable) + "=1)"),
            std::string::npos)
      << exporter.StderrText();
  Listener listener(AF_INET6, /*nonblocking=*/false);
  for (int i = 0; i < 2; ++i) AcceptConnection(listener, SOCK_CLOEXEC);
  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_calls_total", {{"comm", "a4t_forced"},
                                                  {"syscall", "accept4"},
                                                  {"family", "AF_INET6"},
                                                  {"listener", "blocking"}}),
            2);
  EXPECT_EQ(metrics.Sum("accept4_listen_backlog_count", {{"comm", "a4t_forced"}}), 2);
}

}  // namespace
}  // namespace accept4_test
