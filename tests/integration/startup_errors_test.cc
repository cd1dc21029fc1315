// Bad input at start-up: one clear line naming the problem, a non-zero
// exit, nothing left running.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

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
                                    "1048576, got -5"),
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
       "key \\\"maps.max_series\\\": must be between 1 and 1048576, got 0"},
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

// The hostile configs of issue 10: patterns that crashed std::regex
// (SIGSEGV in --config.check), durations that overflowed (UBSan) and spun
// a core, a map size no kernel would give, duplicate and complex keys, and
// files that are not regular files. Each, at start and with --config.check:
// exit 2, exactly one line naming the file, the key and the problem, and
// nothing started.
TEST(StartupErrorsTest, HostileConfigsAreRefusedWithOneLine) {
  const struct {
    std::string yaml;
    std::string error;  // after `config file \"<path>\": `
  } cases[] = {
      {"filters:\n  include_comm: '" + std::string(100000, 'a') + "'\n",
       "key \\\"filters.include_comm\\\": bad regex \\\"" + std::string(64, 'a') +
           "... (100000 bytes)\\\": longer than 4096 bytes"},
      {"filters:\n  include_comm: '" + std::string(30000, '(') + std::string(30000, ')') + "'\n",
       "key \\\"filters.include_comm\\\": bad regex \\\"" + std::string(64, '(') +
           "... (60000 bytes)\\\": longer than 4096 bytes"},
      {"filters:\n  exclude_comm: '(?<=a)b'\n",
       "key \\\"filters.exclude_comm\\\": bad regex \\\"(?<=a)b\\\": invalid perl operator: (?<"},
      {"poll_interval: 106752d\n",
       "key \\\"poll_interval\\\": must be between 100ms and 1h, got \\\"106752d\\\""},
      {"poll_interval: 999999999y\n",
       "key \\\"poll_interval\\\": must be between 100ms and 1h, got \\\"999999999y\\\""},
      {"exited_process_grace_period: 999999999y\n",
       "key \\\"exited_process_grace_period\\\": must be between 1ms and 1d, got "
       "\\\"999999999y\\\""},
      {"maps:\n  max_series: 4294967295\n",
       "key \\\"maps.max_series\\\": must be between 1 and 1048576, got 4294967295"},
      {"poll_interval: 5s\nlabels: {pid: false}\npoll_interval: 1s\n",
       "key \\\"poll_interval\\\": given twice (lines 1 and 3)"},
      {"? [poll_interval]\n: 5s\n",
       "key \\\"(top level)\\\": line 1: a key must be a plain name, got a list"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string path = WriteTempFile("hostile" + std::to_string(n++) + ".yaml", c.yaml);
    for (const bool check : {false, true}) {
      std::vector<std::string> args = {"--config.file=" + path, "--web.listen-address=127.0.0.1:0"};
      if (check) args.push_back("--config.check");
      const ExitResult result = RunExporterToExit(args);
      const std::string what = c.error.substr(0, 60) + (check ? " (--config.check)" : "");
      EXPECT_EQ(result.exit_code, 2) << what << "\n" << result.stderr_text.substr(0, 2000);
      EXPECT_EQ(CountLines(result.stderr_text), 1) << what;
      EXPECT_NE(result.stderr_text.find("level=error msg=\"config file \\\"" + path +
                                        "\\\": " + c.error + "\"\n"),
                std::string::npos)
          << what << "\n"
          << result.stderr_text.substr(0, 2000);
      EXPECT_EQ(result.stdout_text, "") << what;
    }
  }
}

// A directory or /proc/self/mem loaded as an empty file (the defaults,
// with no filter); /dev/zero was read until memory ran out.
TEST(StartupErrorsTest, ConfigThatIsNotARegularFileIsRefused) {
  const std::string dir = testing::TempDir() + "/accept4_config_dir";
  mkdir(dir.c_str(), 0700);
  const struct {
    std::string path;
    std::string problem;
  } cases[] = {
      {dir, "is a directory, not a regular file"},
      {"/proc/self/mem", "cannot be read: Input/output error"},
      {"/dev/zero", "is a character device, not a regular file"},
  };
  for (const auto& c : cases) {
    for (const bool check : {false, true}) {
      std::vector<std::string> args = {"--config.file=" + c.path,
                                       "--web.listen-address=127.0.0.1:0"};
      if (check) args.push_back("--config.check");
      const ExitResult result = RunExporterToExit(args);
      EXPECT_EQ(result.exit_code, 2) << c.path;
      EXPECT_EQ(CountLines(result.stderr_text), 1) << result.stderr_text;
      EXPECT_NE(result.stderr_text.find("level=error msg=\"config file \\\"" + c.path +
                                        "\\\": " + c.problem + "\"\n"),
                std::string::npos)
          << result.stderr_text;
      EXPECT_EQ(result.stdout_text, "") << c.path;
    }
  }
  rmdir(dir.c_str());
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
