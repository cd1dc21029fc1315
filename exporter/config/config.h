// The exporter's YAML configuration: parsed, validated, and with defaults
// from the embedded config/default.yaml.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace accept4_exporter {

enum class AttachMode { kAuto, kTracepoint, kFentry };

struct Config {
  std::chrono::milliseconds poll_interval{5000};
  bool label_pid = true;
  bool label_port = false;
  // The task's cgroup v2 path as a label, shortened to the first capture
  // group of cgroup_pattern (fully anchored regex) when that matches.
  bool label_cgroup = false;
  std::string cgroup_pattern;  // empty: the whole path
  uint32_t max_series = 16384;
  // Unset: twice poll_interval.
  std::optional<std::chrono::milliseconds> exited_process_grace_period;
  std::string include_comm;  // regex, fully anchored; empty: all
  std::string exclude_comm;  // regex, fully anchored; empty: none
  std::vector<uint32_t> pids;
  std::vector<std::string> cgroup_path_prefixes;
  AttachMode attach_mode = AttachMode::kAuto;
  // Count accepts made through io_uring (hooks.io_uring).
  bool hook_io_uring = true;
  // Serve the kernel's run-time accounting of the BPF programs. Off by
  // default: while on, the kernel reads the clock twice around every BPF
  // program run on the host. Read at start only: turning it on needs
  // CAP_SYS_ADMIN, which is dropped then.
  bool bpf_stats = false;

  std::chrono::milliseconds grace_period() const {
    return exited_process_grace_period.value_or(2 * poll_interval);
  }
};

// Ranges that the config enforces. A poll reads every map entry, so polling
// faster than this costs CPU for nothing; slower, /metrics goes stale.
inline constexpr std::chrono::milliseconds kMinPollInterval{100};
inline constexpr std::chrono::milliseconds kMaxPollInterval{3600 * 1000};
inline constexpr std::chrono::milliseconds kMinGracePeriod{1};
inline constexpr std::chrono::milliseconds kMaxGracePeriod{86400 * 1000};
// The stats map is per CPU (entries x CPUs x ~400 bytes), and each series is
// some 40 lines of /metrics: far more than this is no longer servable.
inline constexpr uint32_t kMaxSeriesLimit = 1 << 20;
// A config file is a few hundred bytes; refuse anything near this.
inline constexpr size_t kMaxConfigBytes = 1 << 20;

// One line: `config file "<source>": key "<key>": <problem>`.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The documented default config compiled into the binary.
extern const char* const kEmbeddedDefaultConfig;

// Parses YAML text; `source` names it in errors (a path or "embedded default").
Config ParseConfig(const std::string& text, const std::string& source);

// Reads and parses a regular file of at most kMaxConfigBytes; an empty path
// gives the embedded default.
Config LoadConfig(const std::string& path);

// "5s", "250ms", "1m30s", "1d" in Prometheus' duration syntax (y w d h m s ms,
// largest first, each at most once); nullopt for anything else. A duration
// too long for 64-bit milliseconds saturates at milliseconds::max(), which
// every range check refuses.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// The other way, in the largest units that divide it: "1h", "1m30s", "100ms".
std::string FormatDuration(std::chrono::milliseconds duration);

const char* AttachModeName(AttachMode mode);

}  // namespace accept4_exporter
