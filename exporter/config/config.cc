#include "config/config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <limits>
#include <map>
#include <set>

#include "config/pattern.h"

namespace accept4_exporter {
namespace {

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const {
    throw ConfigError("config file \"" + source_ + "\": key \"" + key + "\": " + problem);
  }

  // The keys of a mapping, each a plain name given once. yaml-cpp keeps
  // every duplicate and answers lookups with the first, so a second value
  // would be silently ignored.
  std::vector<std::string> Keys(const YAML::Node& node, const std::string& prefix) const {
    const std::string where = prefix.empty() ? "(top level)" : prefix;
    if (!node.IsMap()) Fail(where, "must be a mapping");
    std::map<std::string, int> lines;
    std::vector<std::string> keys;
    for (const auto& item : node) {
      const int line = item.first.Mark().line + 1;
      if (!item.first.IsScalar()) {
        Fail(where, "line " + std::to_string(line) + ": a key must be a plain name, got " +
                        Shown(item.first));
      }
      const std::string key = item.first.Scalar();
      const std::string name = prefix.empty() ? key : prefix + "." + key;
      if (const auto [first, added] = lines.emplace(key, line); !added) {
        Fail(name, "given twice (lines " + std::to_string(first->second) + " and " +
                       std::to_string(line) + ")");
      }
      keys.push_back(key);
    }
    return keys;
  }

  // Refuses keys the schema does not know, so a typo is not silently ignored.
  void CheckKeys(const YAML::Node& node, const std::string& prefix,
                 const std::set<std::string>& known) const {
    for (const std::string& key : Keys(node, prefix)) {
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

  // An integer in [1, max].
  uint32_t PositiveInt(const YAML::Node& node, const std::string& key, uint32_t max) const {
    return IntIn(node, key, 1, max);
  }

  // An integer in [min, max].
  uint32_t IntIn(const YAML::Node& node, const std::string& key, uint32_t min, uint32_t max) const {
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
      Fail(key, "must be an integer, got \"" + Abbreviated(text, 64) + "\"");
    }
    if (out_of_range || value < min || value > max) {
      Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                    ", got " + Abbreviated(text, 64));
    }
    return static_cast<uint32_t>(value);
  }

  // A duration in [min, max]; both ends are named in the error.
  std::chrono::milliseconds Duration(const YAML::Node& node, const std::string& key,
                                     std::chrono::milliseconds min,
                                     std::chrono::milliseconds max) const {
    const std::string text = Scalar(node, key);
    const auto duration = ParseDuration(text);
    if (!duration) {
      Fail(key, "bad duration \"" + Abbreviated(text, 64) + "\" (use e.g. 500ms, 5s, 1m)");
    }
    if (*duration < min || *duration > max) {
      Fail(key, "must be between " + FormatDuration(min) + " and " + FormatDuration(max) +
                    ", got \"" + Abbreviated(text, 64) + "\"");
    }
    return *duration;
  }

  // With `capture_groups`, the regex must have at least that many.
  std::string Regex(const YAML::Node& node, const std::string& key,
                    unsigned capture_groups = 0) const {
    const std::string text = Scalar(node, key);
    unsigned groups = 0;
    try {
      Pattern compiled(text, capture_groups > 0);
      groups = compiled.CaptureGroups();
    } catch (const std::invalid_argument& e) {
      Fail(key, "bad regex \"" + Abbreviated(text, 64) + "\": " + e.what());
    }
    if (groups < capture_groups) {
      Fail(key, "regex \"" + Abbreviated(text, 64) +
                    "\" needs a capture group, the part of the value to keep");
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
    if (node.IsScalar()) return "\"" + Abbreviated(node.Scalar(), 64) + "\"";
    return node.IsSequence() ? "a list" : node.IsMap() ? "a mapping" : "nothing";
  }

  std::string source_;
};

}  // namespace

namespace {

struct DurationUnit {
  std::string_view name;
  long long ms;
};

// Largest first: the order in which a duration must give them.
constexpr long long kDayMs = 86400000;
constexpr DurationUnit kDurationUnits[] = {
    {"y", 365 * kDayMs}, {"w", 7 * kDayMs}, {"d", kDayMs}, {"h", 3600000},
    {"m", 60000},        {"s", 1000},       {"ms", 1}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerLetter(char c) { return c >= 'a' && c <= 'z'; }

// a * b + c, or the largest value when that does not fit.
long long SaturatingMulAdd(long long a, long long b, long long c) {
  long long product;
  long long sum;
  if (__builtin_mul_overflow(a, b, &product) || __builtin_add_overflow(product, c, &sum)) {
    return std::numeric_limits<long long>::max();
  }
  return sum;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t next_unit = 0;  // units must come largest first, each at most once
  long long total = 0;
  for (size_t at = 0; at < text.size();) {
    long long count = 0;
    const size_t digits = at;
    for (; at < text.size() && IsDigit(text[at]); ++at) {
      count = SaturatingMulAdd(count, 10, text[at] - '0');
    }
    const size_t letters = at;
    for (; at < text.size() && IsLowerLetter(text[at]); ++at) {
    }
    if (digits == letters || letters == at) return std::nullopt;
    const std::string_view name = std::string_view(text).substr(letters, at - letters);
    size_t unit = next_unit;
    while (unit < std::size(kDurationUnits) && kDurationUnits[unit].name != name) ++unit;
    if (unit == std::size(kDurationUnits)) return std::nullopt;
    next_unit = unit + 1;
    total = SaturatingMulAdd(count, kDurationUnits[unit].ms, total);
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  long long left = duration.count();
  if (left <= 0) return "0s";
  std::string text;
  for (const DurationUnit& unit : kDurationUnits) {
    if (left >= unit.ms) {
      text += std::to_string(left / unit.ms) + std::string(unit.name);
      left %= unit.ms;
    }
  }
  return text;
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

namespace {

// The row of the optional label that labels.<key> turns on or off; null
// for any other key.
const LabelSpec* OptionalLabel(const std::string& key) {
  for (const LabelSpec& spec : kLabelTable) {
    if (spec.config_key != nullptr && key == spec.config_key) return &spec;
  }
  return nullptr;
}

// "pid, cgroup and port": the keys under labels, in the table's order.
std::string OptionalLabelKeys() {
  std::vector<std::string> keys;
  for (const LabelSpec& spec : kLabelTable) {
    if (spec.config_key != nullptr) keys.push_back(spec.config_key);
  }
  std::string text;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) text += i + 1 == keys.size() ? " and " : ", ";
    text += keys[i];
  }
  return text;
}

Config ParseConfigNode(const YAML::Node& root, const Parser& parser) {
  Config config;
  if (root.IsNull()) return config;
  parser.CheckKeys(
      root, "",
      {"poll_interval", "labels", "histograms", "maps", "exited_process_grace_period",
       "exited_process_unscraped_limit", "filters", "attach_mode", "hooks", "bpf_stats"});

  if (root["poll_interval"]) {
    config.poll_interval =
        parser.Duration(root["poll_interval"], "poll_interval", kMinPollInterval, kMaxPollInterval);
  }
  if (const YAML::Node labels = root["labels"]; labels && !labels.IsNull()) {
    if (!labels.IsMap())
      parser.Fail("labels", "must be a mapping such as {pid: true, port: false}");
    for (const std::string& name : parser.Keys(labels, "labels")) {
      if (name == "cgroup_pattern") continue;  // below, once labels.cgroup is known
      const LabelSpec* spec = OptionalLabel(name);
      if (spec == nullptr) {
        parser.Fail("labels." + name, "unknown label (the optional labels are " +
                                          OptionalLabelKeys() + ", with cgroup_pattern)");
      }
      config.labels.Set(spec->id, parser.Bool(labels[name], "labels." + name));
    }
    if (labels["cgroup_pattern"]) {
      config.cgroup_pattern =
          parser.Regex(labels["cgroup_pattern"], "labels.cgroup_pattern", /*capture_groups=*/1);
      if (!config.labels.contains(LabelId::kCgroup))
        parser.Fail("labels.cgroup_pattern", "is set but labels.cgroup is not true");
    }
  }
  if (const YAML::Node histograms = root["histograms"]; histograms && !histograms.IsNull()) {
    parser.CheckKeys(histograms, "histograms", {"full_resolution"});
    if (histograms["full_resolution"]) {
      config.histograms_full_resolution =
          parser.Bool(histograms["full_resolution"], "histograms.full_resolution");
    }
  }
  if (const YAML::Node maps = root["maps"]; maps && !maps.IsNull()) {
    parser.CheckKeys(maps, "maps", {"max_series", "max_series_per_uid"});
    if (maps["max_series"]) {
      config.max_series =
          parser.PositiveInt(maps["max_series"], "maps.max_series", kMaxSeriesLimit);
      // a quarter of the map unless said otherwise
      config.max_series_per_uid = std::max<uint32_t>(1, config.max_series / 4);
    }
    if (maps["max_series_per_uid"]) {
      config.max_series_per_uid =
          parser.IntIn(maps["max_series_per_uid"], "maps.max_series_per_uid", 0, config.max_series);
    }
  }
  if (const YAML::Node grace = root["exited_process_grace_period"]; grace && !grace.IsNull()) {
    config.exited_process_grace_period =
        parser.Duration(grace, "exited_process_grace_period", kMinGracePeriod, kMaxGracePeriod);
  }
  if (const YAML::Node limit = root["exited_process_unscraped_limit"]; limit && !limit.IsNull()) {
    config.exited_process_unscraped_limit =
        parser.Duration(limit, "exited_process_unscraped_limit", kMinGracePeriod, kMaxGracePeriod);
  }
  if (!root["exited_process_unscraped_limit"]) {
    config.exited_process_unscraped_limit =
        std::max(config.exited_process_unscraped_limit, config.exited_process_grace_period);
  }
  if (config.exited_process_unscraped_limit < config.exited_process_grace_period) {
    parser.Fail("exited_process_unscraped_limit",
                "must be at least exited_process_grace_period (" +
                    FormatDuration(config.exited_process_grace_period) + "), got " +
                    FormatDuration(config.exited_process_unscraped_limit));
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
        config.pids.push_back(
            parser.PositiveInt(pid, "filters.pids", std::numeric_limits<uint32_t>::max()));
      }
    }
    if (filters["cgroup_path_prefixes"]) {
      for (const YAML::Node& prefix :
           parser.List(filters["cgroup_path_prefixes"], "filters.cgroup_path_prefixes")) {
        const std::string path = parser.Scalar(prefix, "filters.cgroup_path_prefixes");
        if (path.empty() || path[0] != '/') {
          parser.Fail("filters.cgroup_path_prefixes",
                      "must be absolute cgroup paths such as /system.slice, got \"" +
                          Abbreviated(path, 64) + "\"");
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
      parser.Fail("attach_mode",
                  "must be auto, tracepoint or fentry, got \"" + Abbreviated(mode, 64) + "\"");
    }
  }
  if (const YAML::Node hooks = root["hooks"]; hooks && !hooks.IsNull()) {
    parser.CheckKeys(hooks, "hooks", {"io_uring"});
    if (hooks["io_uring"]) config.hook_io_uring = parser.Bool(hooks["io_uring"], "hooks.io_uring");
  }
  if (root["bpf_stats"]) config.bpf_stats = parser.Bool(root["bpf_stats"], "bpf_stats");
  return config;
}

// Closes the fd it owns.
struct FdCloser {
  int fd;
  ~FdCloser() { close(fd); }
};

const char* FileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The whole of a regular file of at most kMaxConfigBytes. Anything else (a
// directory, a device such as /dev/zero, a FIFO that would block) is
// refused rather than read as an empty config or without end.
std::string ReadConfigFile(const std::string& path) {
  const std::string what = "config file \"" + path + "\": ";
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
  // below like every file that is not a regular one.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) throw ConfigError(what + "cannot be read: " + strerror(errno));
  const FdCloser closer{fd};
  struct stat status;
  if (fstat(fd, &status) != 0) throw ConfigError(what + "cannot be read: " + strerror(errno));
  if (!S_ISREG(status.st_mode)) {
    throw ConfigError(what + "is " + FileKind(status.st_mode) + ", not a regular file");
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    // /proc/self/mem, for one, is a regular file that fails every read.
    if (got < 0) throw ConfigError(what + "cannot be read: " + strerror(errno));
    if (got == 0) return text;
    if (text.size() + static_cast<size_t>(got) > kMaxConfigBytes) {
      throw ConfigError(what + "is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
    }
    text.append(buffer, static_cast<size_t>(got));
  }
}

}  // namespace

Config ParseConfig(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file \"" + source + "\": not valid YAML: line " +
                      std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  // The checks look at each node's kind before converting it; this is for
  // what they miss, so that no yaml-cpp message goes out without the file.
  try {
    return ParseConfigNode(root, Parser(source));
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file \"" + source + "\": line " + std::to_string(e.mark.line + 1) +
                      ": " + e.msg);
  }
}

Config LoadConfig(const std::string& path) {
  if (path.empty()) return ParseConfig(kEmbeddedDefaultConfig, "embedded default");
  return ParseConfig(ReadConfigFile(path), path);
}

}  // namespace accept4_exporter
