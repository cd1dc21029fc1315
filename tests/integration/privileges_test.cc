// The BPF programs' own cost on the real exporter: the bpf_program_*
// metrics count every run of every program, never go backwards across a
// reload that rebuilds the programs, and are absent with bpf_stats: false.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "metrics_text.h"

namespace accept4_test {
namespace {

constexpr const char *kRunCount =
    "accept4_exporter_bpf_program_run_count_total";
constexpr const char *kRunSeconds =
    "accept4_exporter_bpf_program_run_seconds_total";
const char *const kPrograms[] = {"handle_enter_accept4", "handle_exit_accept4",
                                 "handle_enter_accept", "handle_exit_accept",
                                 "handle_process_exit"};

void AcceptOnce(const Listener &listener) {
  const int client = listener.Connect();
  const int accepted = RawAccept4(listener.fd(), SOCK_CLOEXEC);
  ASSERT_GE(accepted, 0);
  close(accepted);
  close(client);
}

// Sends SIGHUP after writing `config` and returns the first scrape that
// shows a newer successful reload (as reload_test.cc does).
MetricsText ReloadWith(ExporterProcess &exporter, const std::string &config) {
  const double last_success = exporter.ScrapeFresh().Value(
      "accept4_exporter_config_last_reload_success_timestamp_seconds");
  std::ofstream(exporter.config_path()) << config;
  kill(exporter.pid(), SIGHUP);
  for (int attempt = 0; attempt < 200; ++attempt) {
    MetricsText metrics = exporter.ScrapeFresh();
    if (metrics.Value("accept4_exporter_config_last_reload_successful") == 1 &&
        metrics.Value(
            "accept4_exporter_config_last_reload_success_timestamp_seconds") >
            last_success) {
      return metrics;
    }
  }
  ADD_FAILURE() << "the reload did not show within 200 scrapes: "
                << exporter.StderrText();
  return MetricsText("");
}

TEST(ProgramStatsTest, CountsEveryRunOfEveryProgram) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  const MetricsText before = exporter.ScrapeFresh();
  for (const char *program : kPrograms) {
    EXPECT_EQ(before.Find(kRunCount, {{"program", program}}).size(), 1u)
        << program;
    EXPECT_EQ(before.Find(kRunSeconds, {{"program", program}}).size(), 1u)
        << program;
  }

  constexpr int kCalls = 10;
  Listener listener(AF_INET, /*nonblocking=*/false);
  for (int i = 0; i < kCalls; ++i)
    AcceptOnce(listener);
  const MetricsText after = exporter.ScrapeFresh();
  // Other processes on the host accept too: at least, not exactly.
  for (const char *program : {"handle_enter_accept4", "handle_exit_accept4"}) {
    EXPECT_GE(after.Value(kRunCount, {{"program", program}}) -
                  before.Value(kRunCount, {{"program", program}}),
              kCalls)
        << program;
    EXPECT_GT(after.Value(kRunSeconds, {{"program", program}}), 0) << program;
  }
}

TEST(ProgramStatsTest, NeverGoBackwardsWhenAReloadRebuildsThePrograms) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  Listener listener(AF_INET, /*nonblocking=*/false);
  for (int i = 0; i < 5; ++i)
    AcceptOnce(listener);
  const MetricsText before = exporter.ScrapeFresh();
  ASSERT_GE(before.Value(kRunCount, {{"program", "handle_enter_accept4"}}), 5);

  ReloadWith(exporter, "poll_interval: 100ms\nlabels: {pid: false}\n");
  EXPECT_NE(exporter.StderrText().find("config reloaded programs=reloaded"),
            std::string::npos);
  for (int i = 0; i < 3; ++i)
    AcceptOnce(listener);
  const MetricsText after = exporter.ScrapeFresh();
  for (const char *program : kPrograms) {
    EXPECT_GE(after.Value(kRunCount, {{"program", program}}),
              before.Value(kRunCount, {{"program", program}}))
        << program;
    EXPECT_GE(after.Value(kRunSeconds, {{"program", program}}),
              before.Value(kRunSeconds, {{"program", program}}))
        << program;
  }
  EXPECT_GE(after.Value(kRunCount, {{"program", "handle_enter_accept4"}}) -
                before.Value(kRunCount, {{"program", "handle_enter_accept4"}}),
            3);
}

TEST(ProgramStatsTest, BpfStatsFalseServesNoProgramFamilies) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\nbpf_stats: false\n");
  ASSERT_TRUE(exporter.running());
  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_FALSE(metrics.Find("accept4_exporter_build_info").empty());
  EXPECT_TRUE(metrics.Find(kRunCount).empty());
  EXPECT_TRUE(metrics.Find(kRunSeconds).empty());
}

} // namespace
} // namespace accept4_test
