// A real scrape must pass Prometheus' own linter.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

TEST(PromtoolTest, ScrapePassesPromtoolCheckMetrics) {
  SKIP_WITHOUT_BPF();
  ASSERT_EQ(system("command -v promtool >/dev/null"), 0)
      << "promtool is missing: scripts/install-deps installs Debian's prometheus package";
  ScopedComm comm("a4t_promtool");
  ExporterProcess exporter("poll_interval: 100ms\nlabels:\n  port: true\n");
  ASSERT_TRUE(exporter.running());
  // Give every family samples: a success, an error, a backlog reading.
  Listener listener(AF_INET, /*nonblocking=*/true);
  ASSERT_EQ(RawAccept4(listener.fd(), 0), -1);
  const int client = listener.Connect();
  const int accepted = RawAccept4(listener.fd(), SOCK_CLOEXEC);
  ASSERT_GE(accepted, 0);
  close(accepted);
  close(client);
  exporter.ScrapeFresh();

  const HttpResponse response = HttpGet(exporter.url("/metrics"));
  ASSERT_EQ(response.status, 200);
  ASSERT_NE(response.body.find("accept4_listen_backlog_bucket{comm=\"a4t_promtool\""),
            std::string::npos);
  const std::string path = testing::TempDir() + "/scrape.prom";
  std::ofstream(path) << response.body;
  const ExitResult check = RunCommandToExit({"/bin/sh", "-c", "promtool check metrics < " + path});
  EXPECT_EQ(check.exit_code, 0) << check.stdout_text << check.stderr_text;
}

}  // namespace
}  // namespace accept4_test
