// Bad input at start-up: one clear line naming the problem, a non-zero
// exit, nothing left running.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "bpf_support.h"
#include "exporter_process.h"
#include "loopback_port.h"

namespace accept4_test {
namespace {

int CountLines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(StartupErrorsTest, BadConfigExitsWithCode2AndOneLine) {
  const std::string path = WriteTempFile("bad.yaml", "maps:\n  max_series: -5\n");
  const ExitResult result = RunExporterToExit({"--config.file=" + path});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(CountLines(result.stderr_text), 1) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("config file \\\"" + path +
                                    "\\\": key \\\"maps.max_series\\\": must be between 1 and "
                                    "4294967295, got -5"),
            std::string::npos)
      << result.stderr_text;
}

// Each bad config: exit 2, one line naming the file, the key and the
// problem, and nothing started (no BPF loaded, no port bound).
TEST(StartupErrorsTest, EveryKindOfBadConfigIsRefusedAtStart) {
  const struct {
    const char* yaml;
    const char* error;
  } cases[] = {
      {"poll_intervall: 5s\n", "key \\\"poll_intervall\\\": unknown key"},
      {"labels:\n  pid: yes please\n",
       "key \\\"labels.pid\\\": must be true or false, got \\\"yes please\\\""},
      {"labels:\n  errno: false\n", "key \\\"labels.errno\\\": unknown label"},
      {"maps:\n  max_series: 0\n",
       "key \\\"maps.max_series\\\": must be between 1 and 4294967295, got 0"},
      {"poll_interval: 5 seconds\n", "key \\\"poll_interval\\\": bad duration \\\"5 seconds\\\""},
      {"filters:\n  include_comm: '(nginx'\n",
       "key \\\"filters.include_comm\\\": bad regex \\\"(nginx\\\""},
      {"filters:\n  pids: 42\n", "key \\\"filters.pids\\\": must be a list"},
      {"attach_mode: kprobe\n",
       "key \\\"attach_mode\\\": must be auto, tracepoint or fentry, got \\\"kprobe\\\""},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string path = WriteTempFile("bad" + std::to_string(n++) + ".yaml", c.yaml);
    const ExitResult result =
        RunExporterToExit({"--config.file=" + path, "--web.listen-address=127.0.0.1:0"});
    EXPECT_EQ(result.exit_code, 2) << c.yaml;
    EXPECT_EQ(CountLines(result.stderr_text), 1) << result.stderr_text;
    EXPECT_NE(
        result.stderr_text.find("level=error msg=\"config file \\\"" + path + "\\\": " + c.error),
        std::string::npos)
        << result.stderr_text;
    EXPECT_EQ(result.stderr_text.find("attached"), std::string::npos);
    EXPECT_EQ(result.stderr_text.find("listening"), std::string::npos);
  }
}

TEST(StartupErrorsTest, ConfigCheckValidatesWithoutStarting) {
  const std::string good = WriteTempFile("good.yaml", "poll_interval: 1s\n");
  const ExitResult ok = RunExporterToExit({"--config.check", "--config.file=" + good});
  EXPECT_EQ(ok.exit_code, 0) << ok.stderr_text;
  EXPECT_EQ(ok.stdout_text, "config \"" + good + "\" is valid\n");

  const std::string bad = WriteTempFile("typo.yaml", "pol_interval: 1s\n");
  const ExitResult refused = RunExporterToExit({"--config.check", "--config.file=" + bad});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.stderr_text.find("key \\\"pol_interval\\\": unknown key"), std::string::npos)
      << refused.stderr_text;
}

TEST(StartupErrorsTest, MissingConfigFileIsNamed) {
  const ExitResult result = RunExporterToExit({"--config.file=/nonexistent/accept4.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.stderr_text.find("/nonexistent/accept4.yaml\\\": cannot be read: No such file"),
            std::string::npos)
      << result.stderr_text;
}

TEST(StartupErrorsTest, BadFlagExitsWithCode2) {
  const ExitResult result = RunExporterToExit({"--web.listen-adress=:1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(CountLines(result.stderr_text), 1) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("accept4_exporter: error: "), std::string::npos);
}

TEST(StartupErrorsTest, PortInUseIsNamedAndNothingStaysAttached) {
  SKIP_WITHOUT_BPF();
  HeldLoopbackPort held;
  const std::string listen = "127.0.0.1:" + std::to_string(held.port());

  const ExitResult result = RunExporterToExit({"--web.listen-address=" + listen});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.stderr_text.find("level=error msg=\"listening on \\\"" + listen +
                                    "\\\": Address already in use\""),
            std::string::npos)
      << result.stderr_text;
}

TEST(StartupErrorsTest, WithoutPrivilegesSaysWhatIsNeeded) {
  SKIP_WITHOUT_BPF();
  ASSERT_EQ(geteuid(), 0u) << "needs root to drop to an unprivileged user";
  const ExitResult result = RunCommandToExit(
      {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
       "--bounding-set=-all", ExporterBinary(), "--web.listen-address=127.0.0.1:0"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(CountLines(result.stderr_text), 1) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("Operation not permitted (needs root, or CAP_BPF and "
                                    "CAP_PERFMON"),
            std::string::npos)
      << result.stderr_text;
}

// With the capabilities but a root-only tracefs, the start names tracefs and
// the fix, not a mount it has no need to try.
TEST(StartupErrorsTest, ClosedTracefsIsNamedWithTheFix) {
  SKIP_WITHOUT_BPF();
  struct stat tracefs;
  if (stat("/sys/kernel/tracing", &tracefs) != 0 || (tracefs.st_mode & 0007) != 0) {
    GTEST_SKIP() << "tracefs is open to other users here; nothing to refuse";
  }
  const std::string config = WriteTempFile("nostats.yaml", "bpf_stats: false\n");
  chmod(config.c_str(), 0644);
  const ExitResult result = RunCommandToExit(
      {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=+bpf,+perfmon",
       "--ambient-caps=+bpf,+perfmon", ExporterBinary(), "--web.listen-address=127.0.0.1:0",
       "--config.file=" + config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(CountLines(result.stderr_text), 1) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("reading tracefs at /sys/kernel/tracing: Permission denied "
                                    "(root-only; mount it with gid="),
            std::string::npos)
      << result.stderr_text;
}

}  // namespace
}  // namespace accept4_test
