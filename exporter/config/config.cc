#include "config/config.h"

#include <string.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace accept4_exporter {
namespace {

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const {
    throw ConfigError("config file \"" + source_ + "\": key \"" + key + "\": " + problem);
  }

  // Refuses keys the schema does not know, so a typo is not silently ignored.
  void CheckKeys(const YAML::Node& node, const std::string& prefix,
                 const std::set<std::string>& known) const {
    if (!node.IsMap()) Fail(prefix.empty() ? "(top level)" : prefix, "must be a mapping");
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      if (!known.count(key)) {
        std::string list;
        for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
        Fail(prefix.empty() ? key : prefix + "." + key, "unknown key (known: " + list + ")");
      }
    }
  }

  std::string Scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) Fail(key, "must be a single value");
    return node.Scalar();
  }

  bool Bool(const YAML::Node& node, const std::string& key) const {
    bool value;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      Fail(key, "must be true or false, got " + Shown(node));
    }
    return value;
  }

  uint32_t PositiveInt(const YAML::Node& node, const std::string& key) const {
    const std::string text = Scalar(node, key);
    const bool digits =
        !text.empty() && text.find_first_not_of("+-0123456789") == std::string::npos;
    size_t used = 0;
    long long value = 0;
    bool out_of_range = false;
    try {
      value = std::stoll(text, &used, 10);
    } catch (const std::out_of_range&) {
      out_of_range = digits;
    } catch (const std::exception&) {
      used = 0;
    }
    if (!out_of_range && (used != text.size() || text.empty())) {
      Fail(key, "must be an integer, got \"" + text + "\"");
    }
    if (out_of_range || value <= 0 || value > UINT32_MAX) {
      Fail(key, "must be between 1 and 4294967295, got " + text);
    }
    return static_cast<uint32_t>(value);
  }

  std::chrono::milliseconds Duration(const YAML::Node& node, const std::string& key) const {
    const std::string text = Scalar(node, key);
    const auto duration = ParseDuration(text);
    if (!duration) Fail(key, "bad duration \"" + text + "\" (use e.g. 500ms, 5s, 1m)");
    if (duration->count() <= 0) Fail(key, "must be longer than 0, got \"" + text + "\"");
    return *duration;
  }

  // With `capture_groups`, the regex must have at least that many.
  std::string Regex(const YAML::Node& node, const std::string& key,
                    unsigned capture_groups = 0) const {
    const std::string text = Scalar(node, key);
    unsigned groups = 0;
    try {
      groups = std::regex(text, std::regex::ECMAScript).mark_count();
    } catch (const std::regex_error& e) {
      Fail(key, "bad regex \"" + text + "\": " + e.what());
    }
    if (groups < capture_groups) {
      Fail(key, "regex \"" + text + "\" needs a capture group, the part of the value to keep");
    }
    return text;
  }

  std::vector<YAML::Node> List(const YAML::Node& node, const std::string& key) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) Fail(key, "must be a list");
    return {node.begin(), node.end()};
  }

 private:
  static std::string Shown(const YAML::Node& node) {
    if (node.IsScalar()) return "\"" + node.Scalar() + "\"";
    return node.IsSequence() ? "a list" : node.IsMap() ? "a mapping" : "nothing";
  }

  std::string source_;
};

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  static const std::regex kDuration(
      "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?"
      "(?:(\\d+)ms)?");
  std::smatch match;
  if (text.empty() || !std::regex_match(text, match, kDuration)) return std::nullopt;
  constexpr long long kDayMs = 86400000;
  constexpr long long kUnitsMs[] = {365 * kDayMs, 7 * kDayMs, kDayMs, 3600000, 60000, 1000, 1};
  long long total = 0;
  for (int i = 0; i < 7; ++i) {
    if (!match[i + 1].matched) continue;
    const std::string digits = match[i + 1].str();
    if (digits.size() > 9) return std::nullopt;
    total += std::stoll(digits) * kUnitsMs[i];
  }
  return std::chrono::milliseconds(total);
}

const char* AttachModeName(AttachMode mode) {
  switch (mode) {
    case AttachMode::kTracepoint:
      return "tracepoint";
    case AttachMode::kFentry:
      return "fentry";
    case AttachMode::kAuto:
      break;
  }
  return "auto";
}

Config ParseConfig(const std::string& text, const std::string& source) {
  Parser parser(source);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file \"" + source + "\": not valid YAML: line " +
                      std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Config config;
  if (root.IsNull()) return config;
  parser.CheckKeys(root, "",
                   {"poll_interval", "labels", "maps", "exited_process_grace_period", "filters",
                    "attach_mode", "bpf_stats"});

  if (root["poll_interval"])
    config.poll_interval = parser.Duration(root["poll_interval"], "poll_interval");
  if (const YAML::Node labels = root["labels"]; labels && !labels.IsNull()) {
    if (!labels.IsMap())
      parser.Fail("labels", "must be a mapping such as {pid: true, port: false}");
    for (const auto& item : labels) {
      const std::string name = item.first.as<std::string>();
      if (name != "pid" && name != "port" && name != "cgroup" && name != "cgroup_pattern") {
        parser.Fail("labels." + name,
                    "unknown label (the optional labels are pid, port and cgroup, "
                    "with cgroup_pattern)");
      }
    }
    if (labels["pid"]) config.label_pid = parser.Bool(labels["pid"], "labels.pid");
    if (labels["port"]) config.label_port = parser.Bool(labels["port"], "labels.port");
    if (labels["cgroup"]) config.label_cgroup = parser.Bool(labels["cgroup"], "labels.cgroup");
    if (labels["cgroup_pattern"]) {
      config.cgroup_pattern =
          parser.Regex(labels["cgroup_pattern"], "labels.cgroup_pattern", /*capture_groups=*/1);
      if (!config.label_cgroup)
        parser.Fail("labels.cgroup_pattern", "is set but labels.cgroup is not true");
    }
  }
  if (const YAML::Node maps = root["maps"]; maps && !maps.IsNull()) {
    parser.CheckKeys(maps, "maps", {"max_series"});
    if (maps["max_series"])
      config.max_series = parser.PositiveInt(maps["max_series"], "maps.max_series");
  }
  if (const YAML::Node grace = root["exited_process_grace_period"]; grace && !grace.IsNull()) {
    config.exited_process_grace_period = parser.Duration(grace, "exited_process_grace_period");
  }
  if (const YAML::Node filters = root["filters"]; filters && !filters.IsNull()) {
    parser.CheckKeys(filters, "filters",
                     {"include_comm", "exclude_comm", "pids", "cgroup_path_prefixes"});
    if (filters["include_comm"]) {
      config.include_comm = parser.Regex(filters["include_comm"], "filters.include_comm");
    }
    if (filters["exclude_comm"]) {
      config.exclude_comm = parser.Regex(filters["exclude_comm"], "filters.exclude_comm");
    }
    if (filters["pids"]) {
      for (const YAML::Node& pid : parser.List(filters["pids"], "filters.pids")) {
        config.pids.push_back(parser.PositiveInt(pid, "filters.pids"));
      }
    }
    if (filters["cgroup_path_prefixes"]) {
      for (const YAML::Node& prefix :
           parser.List(filters["cgroup_path_prefixes"], "filters.cgroup_path_prefixes")) {
        const std::string path = parser.Scalar(prefix, "filters.cgroup_path_prefixes");
        if (path.empty() || path[0] != '/') {
          parser.Fail("filters.cgroup_path_prefixes",
                      "must be absolute cgroup paths such as /system.slice, got \"" + path + "\"");
        }
        config.cgroup_path_prefixes.push_back(path);
      }
    }
  }
  if (root["attach_mode"]) {
    const std::string mode = parser.Scalar(root["attach_mode"], "attach_mode");
    if (mode == "auto") {
      config.attach_mode = AttachMode::kAuto;
    } else if (mode == "tracepoint") {
      config.attach_mode = AttachMode::kTracepoint;
    } else if (mode == "fentry") {
      config.attach_mode = AttachMode::kFentry;
    } else {
      parser.Fail("attach_mode", "must be auto, tracepoint or fentry, got \"" + mode + "\"");
    }
  }
  if (root["bpf_stats"]) config.bpf_stats = parser.Bool(root["bpf_stats"], "bpf_stats");
  return config;
}

Config LoadConfig(const std::string& path) {
  if (path.empty()) return ParseConfig(kEmbeddedDefaultConfig, "embedded default");
  std::ifstream file(path);
  if (!file) {
    throw ConfigError("config file \"" + path + "\": cannot be read: " + strerror(errno));
  }
  std::stringstream text;
  text << file.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace accept4_exporter
