// SIGHUP reloads the config: a new label set takes effect, a bad config is
// refused while the running one keeps serving, and a reload that changes
// nothing the kernel counts keeps the counters.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
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

int CountOf(const std::string& text, const std::string& part) {
  int count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

constexpr const char* kRefused = "SIGHUP: keeping the running config: ";

// Sends SIGHUP and waits, scraping, until the exporter logs one more
// refused reload than `refusals`; returns the log.
std::string SighupRefused(ExporterProcess& exporter, int refusals) {
  kill(exporter.pid(), SIGHUP);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const std::string log = exporter.StderrText();
    if (CountOf(log, kRefused) > refusals) return log;
    exporter.ScrapeFresh();
  }
  ADD_FAILURE() << "no refused reload logged: " << exporter.StderrText().substr(0, 2000);
  return exporter.StderrText();
}

// Patterns that crashed std::regex (100,000 characters; 30,000 nested
// groups: a stack overflow in the compiler, killing the exporter with
// nothing logged), a duration that overflowed, and a config file that is
// not a regular file (it loaded as an empty config, dropping the filters):
// each reload is refused with one logged line, and the running config
// keeps counting and filtering.
TEST(ReloadTest, SighupWithAConfigItCannotUseKeepsTheRunningConfig) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_keeprun");
  ExporterProcess exporter("poll_interval: 100ms\nfilters: {exclude_comm: 'a4t_hidden'}\n");
  ASSERT_TRUE(exporter.running());
  Listener listener(AF_INET, /*nonblocking=*/false);
  AcceptConnection(listener);
  EXPECT_EQ(exporter.ScrapeFresh().Sum("accept4_calls_total", {{"comm", "a4t_keeprun"}}), 1);

  const std::string path = exporter.config_path();
  const struct {
    const char* what;
    std::string config;  // empty: replace the file by a directory
    std::string error;
  } cases[] = {
      {"long pattern", "filters: {include_comm: '" + std::string(100000, 'a') + "'}\n",
       "key \\\"filters.include_comm\\\": bad regex \\\"aaaa"},
      {"nested groups",
       "filters: {exclude_comm: '" + std::string(30000, '(') + std::string(30000, ')') + "'}\n",
       "key \\\"filters.exclude_comm\\\": bad regex \\\"(((("},
      {"pattern too complex", "filters: {include_comm: '\\pL{50}'}\n", "too complex"},
      {"overflowing duration", "poll_interval: 106752d\n",
       "key \\\"poll_interval\\\": must be between 100ms and 1h, got \\\"106752d\\\""},
      {"a directory", "", "\\\": is a directory, not a regular file"},
  };
  int calls = 1;
  int refusals = 0;
  for (const auto& c : cases) {
    const double read_before =
        exporter.ScrapeFresh().Value("accept4_exporter_last_map_read_timestamp_seconds");
    if (c.config.empty()) {
      ASSERT_EQ(std::remove(path.c_str()), 0);
      ASSERT_EQ(mkdir(path.c_str(), 0700), 0);
    } else {
      std::ofstream(path) << c.config;
    }
    const std::string log = SighupRefused(exporter, refusals++);
    EXPECT_EQ(CountOf(log, kRefused), refusals) << c.what;
    const size_t line = log.rfind(kRefused);
    ASSERT_NE(line, std::string::npos) << c.what;
    EXPECT_NE(log.find(c.error, line), std::string::npos) << c.what << ": " << log.substr(line);
    EXPECT_EQ(std::count(log.begin() + line, log.end(), '\n'), 1) << c.what << ": one line";

    AcceptConnectionAs("a4t_hidden", listener);
    AcceptConnection(listener);
    ++calls;
    const MetricsText metrics = exporter.ScrapeFresh();
    EXPECT_EQ(metrics.Value("accept4_exporter_config_last_reload_successful"), 0) << c.what;
    EXPECT_GT(metrics.Value("accept4_exporter_last_map_read_timestamp_seconds"), read_before)
        << c.what << ": /metrics stopped updating";
    EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_keeprun"}}), calls) << c.what;
    EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_hidden"}}).size(), 0u)
        << c.what << ": the running filter was dropped";
  }
  rmdir(path.c_str());
  EXPECT_EQ(exporter.Stop(SIGTERM), 0);
}

// A pattern that takes a backtracking engine exponential time on a comm
// any unprivileged process can choose ("aaaaaaaaaaaaaaa") pinned the poller
// at 100 % CPU: /metrics stopped updating and SIGTERM no longer stopped
// it. Under RE2 it is one more pattern.
TEST(ReloadTest, CatastrophicPatternKeepsThePollerResponsive) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  exporter.Reload("poll_interval: 100ms\nfilters: {include_comm: '((a*)*)*b|a4.*'}\n", true);
  Listener listener(AF_INET, /*nonblocking=*/false);
  AcceptConnectionAs("aaaaaaaaaaaaaaa", listener);
  AcceptConnectionAs("a4t_catastroph", listener);
  const auto after = std::chrono::system_clock::now();
  MetricsText metrics = exporter.ScrapeAfter(after);
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "aaaaaaaaaaaaaaa"}}).size(), 0u);
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_catastroph"}}), 1);
  // Still polling: two more reads come.
  metrics = exporter.ScrapeFresh();
  metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_catastroph"}}), 1);
  EXPECT_EQ(exporter.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace accept4_test
