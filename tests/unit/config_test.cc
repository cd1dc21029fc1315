// The YAML config: the embedded default, and the one-line error each bad
// file gets. The error is all an operator sees when the exporter refuses to
// start, so every case asserts it in full.
#include "config/config.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace accept4_exporter {
namespace {

using std::chrono::milliseconds;

// Runs ParseConfig and returns the ConfigError text, or "" if it parsed.
std::string ParseError(const std::string& yaml) {
  try {
    ParseConfig(yaml, "test.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// What libstdc++ says about a pattern; its wording is the library's.
std::string RegexError(const std::string& pattern) {
  try {
    std::regex compiled(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return e.what();
  }
  return "(compiled)";
}

void ExpectDocumentedDefaults(const Config& config) {
  EXPECT_EQ(config.poll_interval, milliseconds(5000));
  EXPECT_TRUE(config.label_pid);
  EXPECT_FALSE(config.label_port);
  EXPECT_FALSE(config.label_cgroup);
  EXPECT_EQ(config.cgroup_pattern, "");
  EXPECT_EQ(config.max_series, 16384u);
  EXPECT_EQ(config.exited_process_grace_period, std::nullopt);
  EXPECT_EQ(config.grace_period(), milliseconds(10000));  // twice poll_interval
  EXPECT_EQ(config.include_comm, "");
  EXPECT_EQ(config.exclude_comm, "");
  EXPECT_TRUE(config.pids.empty());
  EXPECT_TRUE(config.cgroup_path_prefixes.empty());
  EXPECT_EQ(config.attach_mode, AttachMode::kAuto);
  EXPECT_TRUE(config.bpf_stats);
}

TEST(ConfigTest, EmbeddedDefaultGivesTheDocumentedDefaults) {
  ExpectDocumentedDefaults(ParseConfig(kEmbeddedDefaultConfig, "embedded default"));
}

TEST(ConfigTest, EmptyPathLoadsTheEmbeddedDefault) { ExpectDocumentedDefaults(LoadConfig("")); }

TEST(ConfigTest, StructDefaultsAgreeWithTheEmbeddedFile) {
  // An empty file and a file without a key use the struct's defaults; they
  // must not drift from what config/default.yaml documents.
  ExpectDocumentedDefaults(Config{});
  ExpectDocumentedDefaults(ParseConfig("", "empty.yaml"));
  ExpectDocumentedDefaults(ParseConfig("# only a comment\n", "comment.yaml"));
}

TEST(ConfigTest, ParsesEveryKey) {
  const Config config = ParseConfig(R"(
poll_interval: 1m30s
labels: {pid: false, port: true, cgroup: true, cgroup_pattern: '.*/docker-([0-9a-f]+)\.scope'}
maps: {max_series: 4294967295}
exited_process_grace_period: 250ms
filters:
  include_comm: "nginx|envoy"
  exclude_comm: "sshd.*"
  pids: [1, 42]
  cgroup_path_prefixes: [/system.slice, /kubepods.slice/burstable]
attach_mode: fentry
bpf_stats: false
)",
                                    "all.yaml");
  EXPECT_EQ(config.poll_interval, milliseconds(90000));
  EXPECT_FALSE(config.label_pid);
  EXPECT_TRUE(config.label_port);
  EXPECT_TRUE(config.label_cgroup);
  EXPECT_EQ(config.cgroup_pattern, ".*/docker-([0-9a-f]+)\\.scope");
  EXPECT_EQ(config.max_series, 4294967295u);
  EXPECT_EQ(config.exited_process_grace_period, milliseconds(250));
  EXPECT_EQ(config.grace_period(), milliseconds(250));
  EXPECT_EQ(config.include_comm, "nginx|envoy");
  EXPECT_EQ(config.exclude_comm, "sshd.*");
  EXPECT_EQ(config.pids, (std::vector<uint32_t>{1, 42}));
  EXPECT_EQ(config.cgroup_path_prefixes,
            (std::vector<std::string>{"/system.slice", "/kubepods.slice/burstable"}));
  EXPECT_EQ(config.attach_mode, AttachMode::kFentry);
  EXPECT_FALSE(config.bpf_stats);
}

TEST(ConfigTest, BpfStatsTakesYamlBooleans) {
  const struct {
    const char* yaml;
    bool want;
  } cases[] = {
      {"bpf_stats: true", true}, {"bpf_stats: false", false}, {"bpf_stats: yes", true},
      {"bpf_stats: off", false}, {"bpf_stats: True", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseConfig(c.yaml, "test.yaml").bpf_stats, c.want) << c.yaml;
  }
}

TEST(ConfigTest, EmptySectionsKeepTheirDefaults) {
  const Config config = ParseConfig("labels:\nmaps:\nfilters:\nexited_process_grace_period:\n",
                                    "empty-sections.yaml");
  ExpectDocumentedDefaults(config);
}

TEST(ConfigTest, AttachModes) {
  const struct {
    const char* yaml;
    AttachMode want;
    const char* name;
  } cases[] = {
      {"attach_mode: auto", AttachMode::kAuto, "auto"},
      {"attach_mode: tracepoint", AttachMode::kTracepoint, "tracepoint"},
      {"attach_mode: fentry", AttachMode::kFentry, "fentry"},
  };
  for (const auto& c : cases) {
    const Config config = ParseConfig(c.yaml, "test.yaml");
    EXPECT_EQ(config.attach_mode, c.want) << c.yaml;
    EXPECT_STREQ(AttachModeName(config.attach_mode), c.name);
  }
}

TEST(ConfigTest, BadConfigsGiveOneExactError) {
  const std::string prefix = "config file \"test.yaml\": ";
  const struct {
    const char* yaml;
    std::string want;
  } cases[] = {
      // Structure and unknown keys: a typo must not be silently ignored.
      {"pol_interval: 5s",
       "key \"pol_interval\": unknown key (known: attach_mode, bpf_stats, "
       "exited_process_grace_period, filters, labels, maps, poll_interval)"},
      {"bpf_stat: false",
       "key \"bpf_stat\": unknown key (known: attach_mode, bpf_stats, "
       "exited_process_grace_period, filters, labels, maps, poll_interval)"},
      {"maps: {max_serie: 5}", "key \"maps.max_serie\": unknown key (known: max_series)"},
      {"filters: {include: x}",
       "key \"filters.include\": unknown key (known: cgroup_path_prefixes, exclude_comm, "
       "include_comm, pids)"},
      {"labels: {comm: true}",
       "key \"labels.comm\": unknown label (the optional labels are pid, port and "
       "cgroup, with cgroup_pattern)"},
      {"labels: {cgroup: 1}", "key \"labels.cgroup\": must be true or false, got \"1\""},
      {"labels: {cgroup: true, cgroup_pattern: '.*/docker-.*'}",
       "key \"labels.cgroup_pattern\": regex \".*/docker-.*\" needs a capture group, the part "
       "of the value to keep"},
      {"labels: {cgroup_pattern: '/(.*)'}",
       "key \"labels.cgroup_pattern\": is set but labels.cgroup is not true"},
      {"- poll_interval: 5s", "key \"(top level)\": must be a mapping"},
      {"just text", "key \"(top level)\": must be a mapping"},
      {"maps: 5", "key \"maps\": must be a mapping"},
      {"filters: [a]", "key \"filters\": must be a mapping"},
      {"labels: [pid]", "key \"labels\": must be a mapping such as {pid: true, port: false}"},
      // Wrong types.
      {"poll_interval: [5s]", "key \"poll_interval\": must be a single value"},
      {"attach_mode: {mode: auto}", "key \"attach_mode\": must be a single value"},
      {"filters: {include_comm: [a, b]}", "key \"filters.include_comm\": must be a single value"},
      {"labels: {pid: yes please}",
       "key \"labels.pid\": must be true or false, got \"yes please\""},
      {"labels: {port: 1}", "key \"labels.port\": must be true or false, got \"1\""},
      {"labels: {pid: [true]}", "key \"labels.pid\": must be true or false, got a list"},
      {"labels: {pid: {a: b}}", "key \"labels.pid\": must be true or false, got a mapping"},
      {"bpf_stats: 1", "key \"bpf_stats\": must be true or false, got \"1\""},
      {"bpf_stats: sometimes", "key \"bpf_stats\": must be true or false, got \"sometimes\""},
      {"bpf_stats: [true]", "key \"bpf_stats\": must be true or false, got a list"},
      {"bpf_stats:", "key \"bpf_stats\": must be true or false, got nothing"},
      {"labels: {pid: }", "key \"labels.pid\": must be true or false, got nothing"},
      {"filters: {pids: 5}", "key \"filters.pids\": must be a list"},
      {"filters: {pids: [[1]]}", "key \"filters.pids\": must be a single value"},
      {"filters: {cgroup_path_prefixes: /a}",
       "key \"filters.cgroup_path_prefixes\": must be a list"},
      // Map sizes.
      {"maps: {max_series: -5}",
       "key \"maps.max_series\": must be between 1 and 4294967295, got -5"},
      {"maps: {max_series: 0}", "key \"maps.max_series\": must be between 1 and 4294967295, got 0"},
      {"maps: {max_series: 4294967296}",
       "key \"maps.max_series\": must be between 1 and 4294967295, got 4294967296"},
      {"maps: {max_series: many}", "key \"maps.max_series\": must be an integer, got \"many\""},
      {"maps: {max_series: 1.5}", "key \"maps.max_series\": must be an integer, got \"1.5\""},
      {"maps: {max_series: 0x10}", "key \"maps.max_series\": must be an integer, got \"0x10\""},
      {"maps: {max_series: ''}", "key \"maps.max_series\": must be an integer, got \"\""},
      {"maps: {max_inflight_calls: 16384}",
       "key \"maps.max_inflight_calls\": unknown key (known: max_series)"},
      {"filters: {pids: [1, 0]}", "key \"filters.pids\": must be between 1 and 4294967295, got 0"},
      // Durations.
      {"poll_interval: 5", "key \"poll_interval\": bad duration \"5\" (use e.g. 500ms, 5s, 1m)"},
      {"poll_interval: 5x", "key \"poll_interval\": bad duration \"5x\" (use e.g. 500ms, 5s, 1m)"},
      {"poll_interval: -1s",
       "key \"poll_interval\": bad duration \"-1s\" (use e.g. 500ms, 5s, 1m)"},
      {"poll_interval: 0s", "key \"poll_interval\": must be longer than 0, got \"0s\""},
      {"poll_interval: ''", "key \"poll_interval\": bad duration \"\" (use e.g. 500ms, 5s, 1m)"},
      {"exited_process_grace_period: 0ms",
       "key \"exited_process_grace_period\": must be longer than 0, got \"0ms\""},
      {"exited_process_grace_period: 1.5s",
       "key \"exited_process_grace_period\": bad duration \"1.5s\" (use e.g. 500ms, 5s, 1m)"},
      // Filters.
      {"filters: {cgroup_path_prefixes: [system.slice]}",
       "key \"filters.cgroup_path_prefixes\": must be absolute cgroup paths such as "
       "/system.slice, got \"system.slice\""},
      {"filters: {cgroup_path_prefixes: ['']}",
       "key \"filters.cgroup_path_prefixes\": must be absolute cgroup paths such as "
       "/system.slice, got \"\""},
      {"attach_mode: kprobe",
       "key \"attach_mode\": must be auto, tracepoint or fentry, got \"kprobe\""},
      {"attach_mode: Auto",
       "key \"attach_mode\": must be auto, tracepoint or fentry, got \"Auto\""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseError(c.yaml), prefix + c.want) << c.yaml;
  }
}

TEST(ConfigTest, HugeMapSizeIsOutOfRangeNotAnInteger) {
  EXPECT_EQ(ParseError("maps: {max_series: 99999999999999999999}"),
            "config file \"test.yaml\": key \"maps.max_series\": must be between 1 and "
            "4294967295, got 99999999999999999999");
}

TEST(ConfigTest, BadRegexNamesThePatternAndTheProblem) {
  EXPECT_EQ(ParseError("filters: {include_comm: 'nginx('}"),
            "config file \"test.yaml\": key \"filters.include_comm\": bad regex \"nginx(\": " +
                RegexError("nginx("));
  EXPECT_EQ(ParseError("filters: {exclude_comm: '[a-'}"),
            "config file \"test.yaml\": key \"filters.exclude_comm\": bad regex \"[a-\": " +
                RegexError("[a-"));
  EXPECT_EQ(ParseError("labels: {cgroup: true, cgroup_pattern: '/(a'}"),
            "config file \"test.yaml\": key \"labels.cgroup_pattern\": bad regex \"/(a\": " +
                RegexError("/(a"));
}

TEST(ConfigTest, InvalidYamlNamesTheLine) {
  EXPECT_EQ(ParseError("poll_interval: 5s\nlabels: [pid\n"),
            "config file \"test.yaml\": not valid YAML: line 3: end of sequence flow not found");
  EXPECT_EQ(ParseError("poll_interval: 5s\n  labels: x\n"),
            "config file \"test.yaml\": not valid YAML: line 2: illegal map value");
}

TEST(ConfigTest, MissingFileCannotBeRead) {
  const std::string path = "/nonexistent/accept4_exporter/config/config.yaml";
  try {
    LoadConfig(path);
    FAIL() << "LoadConfig(\"" << path << "\") did not throw";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(
        e.what(),
        ("config file \"" + path + "\": cannot be read: No such file or directory").c_str());
  }
}

TEST(ConfigTest, LoadConfigNamesTheFileInErrors) {
  const std::string path = ::testing::TempDir() + "accept4_config_test.yaml";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("poll_interval: 2s\nattach_mode: tracepoint\n", file);
    std::fclose(file);
  }
  const Config config = LoadConfig(path);
  EXPECT_EQ(config.poll_interval, milliseconds(2000));
  EXPECT_EQ(config.attach_mode, AttachMode::kTracepoint);

  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("poll_interval: soon\n", file);
    std::fclose(file);
  }
  try {
    LoadConfig(path);
    ADD_FAILURE() << "a bad duration was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "config file \"" + path +
                                         "\": key \"poll_interval\": bad duration \"soon\" (use "
                                         "e.g. 500ms, 5s, 1m)");
  }
  std::remove(path.c_str());
}

TEST(ParseDurationTest, AcceptsPrometheusUnitsInOrder) {
  const struct {
    const char* text;
    long long want_ms;
  } cases[] = {
      {"500ms", 500},   {"5s", 5000},       {"1m", 60000},          {"1m30s", 90000},
      {"1h", 3600000},  {"1h30m", 5400000}, {"1h2m3s4ms", 3723004}, {"5s250ms", 5250},
      {"1m5ms", 60005}, {"0s", 0},          {"007s", 7000},         {"999999999ms", 999999999},
      {"1d", 86400000}, {"1w", 604800000},  {"1y", 31536000000},    {"1d12h", 129600000},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseDuration(c.text), milliseconds(c.want_ms)) << c.text;
  }
}

TEST(ParseDurationTest, RejectsEverythingElse) {
  const char* const cases[] = {
      "",     "5",  "5x", "-1s",   "1.5s",  " 5s",  "5s ",
      "5S",   "s",  "ms", "30s1m", "5ms5s", "1m1m", "1000000000ms",  // over nine digits
      "1h1d", "5D",
  };
  for (const char* text : cases) {
    EXPECT_EQ(ParseDuration(text), std::nullopt) << "\"" << text << "\"";
  }
}

}  // namespace
}  // namespace accept4_exporter
