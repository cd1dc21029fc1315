// Command-line parsing. main() prints CliResult::output and exits with
// exit_code, so these tests see exactly what a user at a shell sees.
#include "config/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "version.h"

namespace accept4_exporter {
namespace {

constexpr const char* kErrorPrefix = "accept4_exporter: error: ";

CliOptions ParseOk(const std::vector<std::string>& args) {
  const CliResult result = ParseCommandLine(args);
  EXPECT_TRUE(result.options.has_value()) << result.output;
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "");
  return result.options.value_or(CliOptions{});
}

TEST(CliTest, NoFlagsGiveTheDefaults) {
  const CliOptions options = ParseOk({});
  EXPECT_EQ(options.listen_address, ":10044");
  EXPECT_EQ(options.telemetry_path, "/metrics");
  EXPECT_EQ(options.config_file, "");
  EXPECT_FALSE(options.config_check);
  EXPECT_EQ(options.web_config_file, "");
  EXPECT_EQ(options.max_requests, 40u);
  EXPECT_EQ(options.log_level, "info");
}

TEST(CliTest, EachFlagSetsItsOption) {
  EXPECT_EQ(ParseOk({"--web.listen-address", "127.0.0.1:9100"}).listen_address, "127.0.0.1:9100");
  EXPECT_EQ(ParseOk({"--web.listen-address=:0"}).listen_address, ":0");
  EXPECT_EQ(ParseOk({"--web.telemetry-path", "/accept4"}).telemetry_path, "/accept4");
  EXPECT_EQ(ParseOk({"--web.telemetry-path=/a/b"}).telemetry_path, "/a/b");
  EXPECT_EQ(ParseOk({"--config.file", "/etc/accept4.yaml"}).config_file, "/etc/accept4.yaml");
  EXPECT_TRUE(ParseOk({"--config.check"}).config_check);
  EXPECT_EQ(ParseOk({"--web.max-requests", "1"}).max_requests, 1u);
  EXPECT_EQ(ParseOk({"--web.max-requests=1024"}).max_requests, 1024u);
  // --web.config.file must name a file that exists; this source file does.
  EXPECT_EQ(ParseOk({"--web.config.file", __FILE__}).web_config_file, __FILE__);
  for (const char* level : {"debug", "info", "warn", "error"}) {
    EXPECT_EQ(ParseOk({"--log.level", level}).log_level, level);
  }
}

TEST(CliTest, FlagsCombineInAnyOrder) {
  // ParseCommandLine reverses args for CLI11; the order given must not matter.
  const CliOptions options = ParseOk({"--log.level=debug", "--web.listen-address", ":9999",
                                      "--config.check", "--web.telemetry-path", "/m"});
  EXPECT_EQ(options.log_level, "debug");
  EXPECT_EQ(options.listen_address, ":9999");
  EXPECT_TRUE(options.config_check);
  EXPECT_EQ(options.telemetry_path, "/m");
}

TEST(CliTest, HelpPrintsUsageAndExitsZero) {
  for (const char* flag : {"--help", "-h"}) {
    const CliResult result = ParseCommandLine({flag});
    EXPECT_FALSE(result.options.has_value()) << flag;
    EXPECT_EQ(result.exit_code, 0) << flag;
    EXPECT_NE(result.output.find("accept4_exporter"), std::string::npos) << result.output;
    for (const char* option :
         {"--web.listen-address", "--web.telemetry-path", "--web.config.file", "--web.max-requests",
          "--config.file", "--config.check", "--log.level", "--version"}) {
      EXPECT_NE(result.output.find(option), std::string::npos) << option << " missing from help";
    }
    // Defaults are shown, so a user need not read the code to learn them.
    EXPECT_NE(result.output.find(":10044"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("/metrics"), std::string::npos) << result.output;
  }
}

TEST(CliTest, VersionPrintsOneLineAndExitsZero) {
  const CliResult result = ParseCommandLine({"--version"});
  EXPECT_FALSE(result.options.has_value());
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, VersionString() + "\n");
  EXPECT_EQ(VersionString(), std::string("accept4_exporter, version ") + kVersion +
                                 " (revision: " + kRevision + ")");
  // node_exporter's shape, which tooling that scrapes --version expects.
  EXPECT_TRUE(std::regex_match(
      VersionString(),
      std::regex(
          R"(accept4_exporter, version \d+\.\d+\.\d+ \(revision: ([0-9a-f]{12}|unknown)\))")))
      << VersionString();
}

TEST(CliTest, BadFlagsGiveOneErrorLineAndExitTwo) {
  const struct {
    std::vector<std::string> args;
    const char* mentions;  // what the error must name so the user can fix it
  } cases[] = {
      {{"--no-such-flag"}, "--no-such-flag"},
      {{"stray"}, "stray"},
      {{"--log.level", "verbose"}, "verbose"},
      {{"--log.level=INFO"}, "INFO"},
      {{"--web.max-requests", "0"}, "web.max-requests"},
      {{"--web.max-requests", "5000"}, "web.max-requests"},
      {{"--web.max-requests", "-1"}, "web.max-requests"},
      {{"--web.max-requests", "many"}, "web.max-requests"},
      {{"--web.telemetry-path", "metrics"}, "must start with / and not be /"},
      {{"--web.telemetry-path", "/"}, "must start with / and not be /"},
      {{"--web.telemetry-path="}, "--web.telemetry-path"},
      {{"--web.config.file", "/nonexistent/web.yml"}, "/nonexistent/web.yml"},
      {{"--web.listen-address"}, "web.listen-address"},
      // An unset variable in a unit file must not quietly mean the default.
      {{"--config.file="}, "--config.file"},
      {{"--config.file", ""}, "--config.file: must name a file"},
  };
  for (const auto& c : cases) {
    const std::string shown = ::testing::PrintToString(c.args);
    const CliResult result = ParseCommandLine(c.args);
    EXPECT_FALSE(result.options.has_value()) << shown;
    EXPECT_EQ(result.exit_code, 2) << shown;
    EXPECT_EQ(result.output.rfind(kErrorPrefix, 0), 0u) << shown << ": " << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_EQ(result.output.back(), '\n') << shown;
    EXPECT_NE(result.output.find(c.mentions), std::string::npos) << shown << ": " << result.output;
  }
}

TEST(CliTest, ErrorLineHasAnExactShape) {
  EXPECT_EQ(ParseCommandLine({"--web.telemetry-path", "metrics"}).output,
            "accept4_exporter: error: --web.telemetry-path: must start with / and not be / "
            "(see --help)\n");
}

}  // namespace
}  // namespace accept4_exporter
