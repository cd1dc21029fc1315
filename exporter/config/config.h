// The exporter's YAML configuration: parsed, validated, and with defaults
// from the embedded config/default.yaml.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// ACCEPT4_DEFAULT_MAX_SERIES, the kernel map's own default size
#include "kernel/bpf_types.h"
#include "metrics/labels.h"

namespace accept4_exporter {

enum class AttachMode { kAuto, kTracepoint, kFentry };

struct Config {
  std::chrono::milliseconds poll_interval{5000};
  // labels.<key> for each optional label of the label table (labels.h).
  LabelSet labels;
  // With the cgroup label, its value is the first capture group of this
  // fully anchored regex when the cgroup path matches it.
  std::string cgroup_pattern;  // empty: the whole path
  // histograms.full_resolution: publish every kernel bucket (powers of two)
  // rather than every other one (powers of four).
  bool histograms_full_resolution = false;
  uint32_t max_series = ACCEPT4_DEFAULT_MAX_SERIES;
  // Series one uid may hold at once (0: no limit), so that no local user can
  // fill the map and push the others into [overflow]. Default: a quarter
  // of max_series.
  uint32_t max_series_per_uid = ACCEPT4_DEFAULT_MAX_SERIES / 4;
  // An exited process's series stay until a scrape has served their final
  // counts and this has passed since the exit...
  std::chrono::milliseconds exited_process_grace_period{60 * 1000};
  // ... or, when nothing scrapes, until this has passed.
  std::chrono::milliseconds exited_process_unscraped_limit{10 * 60 * 1000};
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
