// SIGHUP reloads the config: a new label set takes effect, a bad config is
// refused while the running one keeps serving, and a reload that changes
// nothing the kernel counts keeps the counters.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

TEST(ReloadTest, SighupChangesTheLabelSetAndRefusesABadConfig) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_reload");
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  Listener listener(AF_INET, /*nonblocking=*/false);
  AcceptConnection(listener);
  const Labels with_pid = {{"comm", "a4t_reload"}, {"pid", std::to_string(getpid())}};
  EXPECT_EQ(exporter.ScrapeFresh().Sum("accept4_calls_total", with_pid), 1);

  // pid off, port on: new programs, new label set
  exporter.Reload("poll_interval: 100ms\nlabels: {pid: false, port: true}\n", true);
  AcceptConnection(listener);
  AcceptConnection(listener);
  MetricsText metrics = exporter.ScrapeFresh();
  const std::vector<Sample> series = metrics.Find("accept4_calls_total", {{"comm", "a4t_reload"}});
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].value, 2);
  EXPECT_EQ(series[0].labels.count("pid"), 0u);
  EXPECT_EQ(series[0].labels.at("port"), std::to_string(listener.port()));

  // a bad config is refused; the running one keeps counting
  metrics = exporter.Reload("poll_interval: 100ms\nlabels: {pid: maybe}\n", false);
  AcceptConnection(listener);
  metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Value("accept4_exporter_config_last_reload_successful"), 0);
  EXPECT_EQ(metrics.Sum("accept4_calls_total",
                        {{"comm", "a4t_reload"}, {"port", std::to_string(listener.port())}}),
            3);
  EXPECT_NE(exporter.StderrText().find("SIGHUP: keeping the running config: config file"),
            std::string::npos);

  // only the poll interval changes: the programs and their counts stay
  exporter.Reload("poll_interval: 200ms\nlabels: {pid: false, port: true}\n", true);
  AcceptConnection(listener);
  metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_reload"}}), 4);
  EXPECT_NE(exporter.StderrText().find("config reloaded programs=kept"), std::string::npos);
}

}  // namespace
}  // namespace accept4_test
