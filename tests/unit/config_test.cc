// The YAML config: the embedded default, and the one-line error each bad
// file gets. The error is all an operator sees when the exporter refuses to
// start, so every case asserts it in full.
#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
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

// Runs LoadConfig and returns the ConfigError text, or "" if it loaded.
std::string LoadError(const std::string& path) {
  try {
    LoadConfig(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

void ExpectDocumentedDefaults(const Config& config) {
  EXPECT_EQ(config.poll_interval, milliseconds(5000));
  EXPECT_TRUE(config.labels.contains(LabelId::kPid));
  EXPECT_FALSE(config.labels.contains(LabelId::kPort));
  EXPECT_FALSE(config.labels.contains(LabelId::kCgroup));
  // A label added to the table is documented with the default it has there.
  for (const LabelSpec& spec : kLabelTable) {
    EXPECT_EQ(config.labels.contains(spec.id), spec.on_by_default) << spec.name;
  }
  EXPECT_EQ(config.cgroup_pattern, "");
  EXPECT_EQ(config.max_series, 16384u);
  EXPECT_EQ(config.max_series_per_uid, 4096u);
  EXPECT_EQ(config.exited_process_grace_period, milliseconds(60000));
  EXPECT_EQ(config.exited_process_unscraped_limit, milliseconds(600000));
  EXPECT_EQ(config.include_comm, "");
  EXPECT_EQ(config.exclude_comm, "");
  EXPECT_TRUE(config.pids.empty());
  EXPECT_TRUE(config.cgroup_path_prefixes.empty());
  EXPECT_EQ(config.attach_mode, AttachMode::kAuto);
  EXPECT_TRUE(config.hook_io_uring);
  EXPECT_FALSE(config.bpf_stats);
  EXPECT_FALSE(config.histograms_full_resolution);
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
maps: {max_series: 1048576, max_series_per_uid: 0}
exited_process_grace_period: 250ms
exited_process_unscraped_limit: 2s
filters:
  include_comm: "nginx|envoy"
  exclude_comm: "sshd.*"
  pids: [1, 42]
  cgroup_path_prefixes: [/system.slice, /kubepods.slice/burstable]
attach_mode: fentry
hooks: {io_uring: false}
bpf_stats: true
histograms: {full_resolution: true}
)",
                                    "all.yaml");
  EXPECT_EQ(config.poll_interval, milliseconds(90000));
  EXPECT_FALSE(config.labels.contains(LabelId::kPid));
  EXPECT_TRUE(config.labels.contains(LabelId::kPort));
  EXPECT_TRUE(config.labels.contains(LabelId::kCgroup));
  EXPECT_EQ(config.cgroup_pattern, ".*/docker-([0-9a-f]+)\\.scope");
  EXPECT_EQ(config.max_series, 1048576u);
  EXPECT_EQ(config.max_series_per_uid, 0u);
  EXPECT_EQ(config.exited_process_grace_period, milliseconds(250));
  EXPECT_EQ(config.exited_process_unscraped_limit, milliseconds(2000));
  EXPECT_EQ(config.include_comm, "nginx|envoy");
  EXPECT_EQ(config.exclude_comm, "sshd.*");
  EXPECT_EQ(config.pids, (std::vector<uint32_t>{1, 42}));
  EXPECT_EQ(config.cgroup_path_prefixes,
            (std::vector<std::string>{"/system.slice", "/kubepods.slice/burstable"}));
  EXPECT_EQ(config.attach_mode, AttachMode::kFentry);
  EXPECT_FALSE(config.hook_io_uring);
  EXPECT_TRUE(config.bpf_stats);
  EXPECT_TRUE(config.histograms_full_resolution);
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
  const Config config =
      ParseConfig("labels:\nmaps:\nfilters:\nhooks:\nhistograms:\nexited_process_grace_period:\n",
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
       "exited_process_grace_period, exited_process_unscraped_limit, filters, histograms, hooks, "
       "labels, maps, poll_interval)"},
      {"bpf_stat: false",
       "key \"bpf_stat\": unknown key (known: attach_mode, bpf_stats, "
       "exited_process_grace_period, exited_process_unscraped_limit, filters, histograms, hooks, "
       "labels, maps, poll_interval)"},
      {"maps: {max_serie: 5}",
       "key \"maps.max_serie\": unknown key (known: max_series, max_series_per_uid)"},
      {"filters: {include: x}",
       "key \"filters.include\": unknown key (known: cgroup_path_prefixes, exclude_comm, "
       "include_comm, pids)"},
      {"labels: {comm: true}",
       "key \"labels.comm\": unknown label (the optional labels are pid, cgroup and "
       "port, with cgroup_pattern)"},
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
      {"hooks: {io_uring: maybe}", "key \"hooks.io_uring\": must be true or false, got \"maybe\""},
      {"hooks: {iouring: true}", "key \"hooks.iouring\": unknown key (known: io_uring)"},
      {"hooks: [io_uring]", "key \"hooks\": must be a mapping"},
      {"histograms: {full_resolution: 4}",
       "key \"histograms.full_resolution\": must be true or false, got \"4\""},
      {"histograms: {full: true}", "key \"histograms.full\": unknown key (known: full_resolution)"},
      {"histograms: true", "key \"histograms\": must be a mapping"},
      {"filters: {cgroup_path_prefixes: /a}",
       "key \"filters.cgroup_path_prefixes\": must be a list"},
      // Map sizes.
      {"maps: {max_series: -5}", "key \"maps.max_series\": must be between 1 and 1048576, got -5"},
      {"maps: {max_series: 0}", "key \"maps.max_series\": must be between 1 and 1048576, got 0"},
      {"maps: {max_series: 1048577}",
       "key \"maps.max_series\": must be between 1 and 1048576, got 1048577"},
      {"maps: {max_series: 4294967295}",
       "key \"maps.max_series\": must be between 1 and 1048576, got 4294967295"},
      {"maps: {max_series: 4294967296}",
       "key \"maps.max_series\": must be between 1 and 1048576, got 4294967296"},
      {"maps: {max_series: many}", "key \"maps.max_series\": must be an integer, got \"many\""},
      {"maps: {max_series: 1.5}", "key \"maps.max_series\": must be an integer, got \"1.5\""},
      {"maps: {max_series: 0x10}", "key \"maps.max_series\": must be an integer, got \"0x10\""},
      {"maps: {max_series: ''}", "key \"maps.max_series\": must be an integer, got \"\""},
      {"maps: {max_inflight_calls: 16384}",
       "key \"maps.max_inflight_calls\": unknown key (known: max_series, max_series_per_uid)"},
      {"filters: {pids: [1, 0]}", "key \"filters.pids\": must be between 1 and 4294967295, got 0"},
      // Durations.
      {"poll_interval: 5", "key \"poll_interval\": bad duration \"5\" (use e.g. 500ms, 5s, 1m)"},
      {"poll_interval: 5x", "key \"poll_interval\": bad duration \"5x\" (use e.g. 500ms, 5s, 1m)"},
      {"poll_interval: -1s",
       "key \"poll_interval\": bad duration \"-1s\" (use e.g. 500ms, 5s, 1m)"},
      {"poll_interval: 0s", "key \"poll_interval\": must be between 100ms and 1h, got \"0s\""},
      {"poll_interval: ''", "key \"poll_interval\": bad duration \"\" (use e.g. 500ms, 5s, 1m)"},
      {"exited_process_grace_period: 0ms",
       "key \"exited_process_grace_period\": must be between 1ms and 1d, got \"0ms\""},
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
            "1048576, got 99999999999999999999");
}

// Durations far too long for a timer: refused by range, never overflowing
// (106752d is 2^63 ns; 999999999y overflowed to a negative count).
TEST(ConfigTest, DurationsOutOfRangeNameTheRange) {
  const std::string prefix = "config file \"test.yaml\": ";
  const struct {
    const char* yaml;
    std::string want;
  } cases[] = {
      {"poll_interval: 106752d",
       "key \"poll_interval\": must be between 100ms and 1h, got \"106752d\""},
      {"poll_interval: 999999999y",
       "key \"poll_interval\": must be between 100ms and 1h, got \"999999999y\""},
      {"poll_interval: 99999999999999999999999999ms",
       "key \"poll_interval\": must be between 100ms and 1h, got "
       "\"99999999999999999999999999ms\""},
      {"poll_interval: 99ms", "key \"poll_interval\": must be between 100ms and 1h, got \"99ms\""},
      {"poll_interval: 1h1ms",
       "key \"poll_interval\": must be between 100ms and 1h, got \"1h1ms\""},
      {"exited_process_grace_period: 1d1ms",
       "key \"exited_process_grace_period\": must be between 1ms and 1d, got \"1d1ms\""},
      {"exited_process_grace_period: 106752d",
       "key \"exited_process_grace_period\": must be between 1ms and 1d, got \"106752d\""},
      {"exited_process_grace_period: 999999999y",
       "key \"exited_process_grace_period\": must be between 1ms and 1d, got \"999999999y\""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseError(c.yaml), prefix + c.want) << c.yaml;
  }
  const Config edges = ParseConfig("poll_interval: 1h\nexited_process_grace_period: 1d\n", "t");
  EXPECT_EQ(edges.poll_interval, std::chrono::hours(1));
  EXPECT_EQ(edges.exited_process_grace_period, std::chrono::hours(24));
  // without a limit of its own, the unscraped limit grows to the grace period
  EXPECT_EQ(edges.exited_process_unscraped_limit, std::chrono::hours(24));
  EXPECT_EQ(ParseConfig("poll_interval: 100ms\n", "t").poll_interval, milliseconds(100));
}

TEST(ConfigTest, PerUidShareDefaultsToAQuarterOfTheMapAndStaysWithinIt) {
  EXPECT_EQ(ParseConfig("maps: {max_series: 1000}\n", "t").max_series_per_uid, 250u);
  EXPECT_EQ(ParseConfig("maps: {max_series: 3}\n", "t").max_series_per_uid, 1u);
  EXPECT_EQ(
      ParseConfig("maps: {max_series: 1000, max_series_per_uid: 1000}\n", "t").max_series_per_uid,
      1000u);
  EXPECT_EQ(ParseError("maps: {max_series: 1000, max_series_per_uid: 1001}\n"),
            "config file \"test.yaml\": key \"maps.max_series_per_uid\": must be between 0 and "
            "1000, got 1001");
  EXPECT_EQ(ParseError("maps: {max_series_per_uid: -1}\n"),
            "config file \"test.yaml\": key \"maps.max_series_per_uid\": must be between 0 and "
            "16384, got -1");
}

TEST(ConfigTest, UnscrapedLimitIsNoShorterThanTheGracePeriod) {
  EXPECT_EQ(ParseError("exited_process_grace_period: 5m\nexited_process_unscraped_limit: 1m\n"),
            "config file \"test.yaml\": key \"exited_process_unscraped_limit\": must be at "
            "least exited_process_grace_period (5m), got 1m");
}

// yaml-cpp keeps every duplicate and answers with the first: the second
// value would be silently ignored. A complex key made yaml-cpp throw its
// own message, which named no file.
TEST(ConfigTest, DuplicateAndComplexKeysAreRefusedWithTheLine) {
  const std::string prefix = "config file \"test.yaml\": ";
  const struct {
    const char* yaml;
    std::string want;
  } cases[] = {
      {"poll_interval: 5s\npoll_interval: 10s\n",
       "key \"poll_interval\": given twice (lines 1 and 2)"},
      {"attach_mode: auto\nbpf_stats: true\nattach_mode: fentry\n",
       "key \"attach_mode\": given twice (lines 1 and 3)"},
      {"labels:\n  pid: true\n  pid: false\n", "key \"labels.pid\": given twice (lines 2 and 3)"},
      {"maps: {max_series: 5, max_series: 6}",
       "key \"maps.max_series\": given twice (lines 1 and 1)"},
      {"filters:\n  include_comm: a\n\n  include_comm: b\n",
       "key \"filters.include_comm\": given twice (lines 2 and 4)"},
      {"? [a, b]\n: 1\n", "key \"(top level)\": line 1: a key must be a plain name, got a list"},
      {"poll_interval: 5s\n? {a: b}\n: 1\n",
       "key \"(top level)\": line 2: a key must be a plain name, got a mapping"},
      {"labels:\n  ? [pid]\n  : true\n",
       "key \"labels\": line 2: a key must be a plain name, got a list"},
      {"filters:\n  ? {x: y}\n  : 1\n",
       "key \"filters\": line 2: a key must be a plain name, got a mapping"},
      {"maps:\n  ? [1]\n  : 1\n", "key \"maps\": line 2: a key must be a plain name, got a list"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseError(c.yaml), prefix + c.want) << c.yaml;
  }
}

TEST(ConfigTest, BadRegexNamesThePatternAndTheProblem) {
  const std::string prefix = "config file \"test.yaml\": key \"filters.";
  const struct {
    std::string yaml;
    std::string want;
  } cases[] = {
      {"filters: {include_comm: 'nginx('}", "include_comm\": bad regex \"nginx(\": missing )"},
      {"filters: {exclude_comm: '[a-'}", "exclude_comm\": bad regex \"[a-\": missing ]"},
      {"filters: {include_comm: 'x**'}",
       "include_comm\": bad regex \"x**\": bad repetition operator: **"},
      // RE2 has no backtracking features: no lookaround, no backreferences.
      {"filters: {include_comm: '(?!sshd).*'}",
       "include_comm\": bad regex \"(?!sshd).*\": invalid perl operator: (?!"},
      {"filters: {include_comm: '(a)\\1'}",
       "include_comm\": bad regex \"(a)\\1\": invalid escape sequence: \\1"},
      // Finding: 100,000 characters crashed std::regex (stack overflow).
      {"filters: {include_comm: '" + std::string(100000, 'a') + "'}",
       "include_comm\": bad regex \"" + std::string(64, 'a') +
           "... (100000 bytes)\": longer than 4096 bytes"},
      {"filters: {exclude_comm: '" + std::string(30000, '(') + std::string(30000, ')') + "'}",
       "exclude_comm\": bad regex \"" + std::string(64, '(') +
           "... (60000 bytes)\": longer than 4096 bytes"},
      {"filters: {include_comm: 'a{1001}'}",
       "include_comm\": bad regex \"a{1001}\": invalid repetition size: {1001}"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseError(c.yaml), prefix + c.want) << c.yaml.substr(0, 80);
  }
}

// Short patterns can compile to huge programs; RE2's program size is what
// is bounded. Its exact count is RE2's, so only the shape is asserted.
TEST(ConfigTest, BadCgroupPatternIsRefusedLikeTheCommPatterns) {
  EXPECT_EQ(ParseError("labels: {cgroup: true, cgroup_pattern: '/(a'}"),
            "config file \"test.yaml\": key \"labels.cgroup_pattern\": bad regex \"/(a\": "
            "missing )");
}

TEST(ConfigTest, RegexThatCompilesTooLargeIsRefused) {
  const std::string error = ParseError("filters: {include_comm: '\\pL{50}'}");
  EXPECT_EQ(error.rfind("config file \"test.yaml\": key \"filters.include_comm\": bad regex "
                        "\"\\pL{50}\": too complex: compiles to ",
                        0),
            0u)
      << error;
  EXPECT_NE(error.find(" RE2 instructions, more than 10000"), std::string::npos) << error;
}

TEST(ConfigTest, RegexesThatBacktrackingEnginesChokeOnAreAccepted) {
  // Linear-time matching makes these harmless (comm_filter_test matches them).
  const Config config =
      ParseConfig("filters: {include_comm: '((a*)*)*b|a4.*', exclude_comm: '(x+x+)+y'}", "t");
  EXPECT_EQ(config.include_comm, "((a*)*)*b|a4.*");
  EXPECT_EQ(config.exclude_comm, "(x+x+)+y");
  const std::string nested = std::string(2000, '(') + "a" + std::string(2000, ')');
  EXPECT_EQ(ParseConfig("filters: {include_comm: '" + nested + "'}", "t").include_comm, nested);
}

TEST(ConfigTest, InvalidYamlNamesTheLine) {
  EXPECT_EQ(ParseError("poll_interval: 5s\nlabels: [pid\n"),
            "config file \"test.yaml\": not valid YAML: line 3: end of sequence flow not found");
  EXPECT_EQ(ParseError("poll_interval: 5s\n  labels: x\n"),
            "config file \"test.yaml\": not valid YAML: line 2: illegal map value");
}

TEST(ConfigTest, MissingFileCannotBeRead) {
  const std::string path = "/nonexistent/accept4_exporter/config/config.yaml";
  EXPECT_EQ(LoadError(path),
            "config file \"" + path + "\": cannot be read: No such file or directory");
}

// Only a regular file of bounded size is a config: a directory or
// /proc/self/mem used to load as an empty file (the defaults, dropping
// every filter), and /dev/zero was read until memory ran out.
TEST(ConfigTest, OnlyABoundedRegularFileIsAConfig) {
  const std::string dir = ::testing::TempDir() + "accept4_config_kinds";
  std::system(("rm -rf " + dir).c_str());
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string big = dir + "/big.yaml";
  {
    std::ofstream out(big);
    out << "# " << std::string(kMaxConfigBytes, 'x') << "\n";
  }
  const std::string largest = dir + "/largest.yaml";
  {
    std::ofstream out(largest);
    out << "poll_interval: 1s\n# " << std::string(kMaxConfigBytes - 21, 'x') << "\n";
  }
  ASSERT_EQ(symlink(largest.c_str(), (dir + "/link.yaml").c_str()), 0);
  const struct {
    std::string path;
    std::string problem;  // "" for a file that loads
  } cases[] = {
      {dir, "is a directory, not a regular file"},
      {"/dev/zero", "is a character device, not a regular file"},
      {"/dev/null", "is a character device, not a regular file"},
      {fifo, "is a FIFO, not a regular file"},
      {"/proc/self/mem", "cannot be read: Input/output error"},
      {big, "is larger than 1048576 bytes"},
      {largest, ""},
      {dir + "/link.yaml", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(LoadError(c.path),
              c.problem.empty() ? "" : "config file \"" + c.path + "\": " + c.problem)
        << c.path;
  }
  EXPECT_EQ(LoadConfig(largest).poll_interval, milliseconds(1000));
  std::system(("rm -rf " + dir).c_str());
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
      {"500ms", 500},
      {"5s", 5000},
      {"1m", 60000},
      {"1m30s", 90000},
      {"1h", 3600000},
      {"1h30m", 5400000},
      {"1h2m3s4ms", 3723004},
      {"5s250ms", 5250},
      {"1m5ms", 60005},
      {"0s", 0},
      {"007s", 7000},
      {"999999999ms", 999999999},
      {"1d", 86400000},
      {"1w", 604800000},
      {"1y", 31536000000},
      {"1d12h", 129600000},
      {"1000000000ms", 1000000000},
      {"106751d", 106751LL * 86400000},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseDuration(c.text), milliseconds(c.want_ms)) << c.text;
  }
}

TEST(ParseDurationTest, SaturatesInsteadOfOverflowing) {
  for (const char* text : {"999999999y", "9223372036854775807ms", "9223372036854775808ms",
                           "99999999999999999999999999s", "292471209y", "106752000000000d1ms"}) {
    EXPECT_EQ(ParseDuration(text), milliseconds::max()) << text;
  }
}

TEST(ParseDurationTest, RejectsEverythingElse) {
  const char* const cases[] = {
      "",      "5",     "5x",   "-1s",  "1.5s", " 5s",  "5s ",  "5S",  "s",    "ms",
      "30s1m", "5ms5s", "1m1m", "1h1d", "5D",   "1sms", "1mss", "1µs", "1s\n", "+1s",
  };
  for (const char* text : cases) {
    EXPECT_EQ(ParseDuration(text), std::nullopt) << "\"" << text << "\"";
  }
}

TEST(FormatDurationTest, UsesTheLargestUnits) {
  const struct {
    long long ms;
    const char* want;
  } cases[] = {
      {0, "0s"},           {1, "1ms"},
      {100, "100ms"},      {1000, "1s"},
      {90000, "1m30s"},    {3600000, "1h"},
      {86400000, "1d"},    {604800000, "1w"},
      {31536000000, "1y"}, {3723004, "1h2m3s4ms"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FormatDuration(milliseconds(c.ms)), c.want) << c.ms;
    EXPECT_EQ(ParseDuration(c.want), milliseconds(c.ms)) << c.want;
  }
}

}  // namespace
}  // namespace accept4_exporter
