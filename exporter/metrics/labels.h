// Every label of the accept metrics: its decoder, from the raw value the BPF
// programs record to a Prometheus label value, and its row in the label
// table, which declares each label once. Every decoder is total: an unknown
// value becomes a readable label, never an exception and never an empty
// string.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct accept4_key;  // bpf/accept4.h

namespace accept4_exporter {

class CgroupLabel;

// accept4 flags as ACCEPT4_FLAG_* bits (bpf/accept4.h), one of a closed set:
// "none", "SOCK_CLOEXEC", "SOCK_NONBLOCK" or "SOCK_CLOEXEC|SOCK_NONBLOCK",
// each followed by "|unknown" when ACCEPT4_FLAG_UNKNOWN (or any bit beyond
// the three) is set, and "unknown" when only that is.
std::string FlagsLabel(uint8_t bits);

// Address family name (AF_INET), AF_<n> without a name, "unknown" when the
// fd was not an open socket.
std::string FamilyLabel(uint16_t family);

// Symbolic errno (EAGAIN, kernel-internal ERESTARTSYS), or E<n>.
std::string ErrnoLabel(int32_t errnum);

std::string ListenerLabel(uint8_t listener);
// epoll, none, or unknown when the fd was not an open socket.
std::string ReadinessLabel(uint8_t readiness);
std::string SyscallLabel(uint8_t syscall);

// A task comm (NUL-padded, possibly not terminated) as valid UTF-8; bytes
// that are not valid UTF-8 become U+FFFD, control characters '?'.
std::string CommLabel(std::string_view raw);

// The label table. A label's id is its row; a family lists the ids of the
// labels it carries, in their order on /metrics (the lists below).
enum class LabelId : uint8_t {
  kComm,
  kPid,
  kCgroup,
  kSyscall,
  kFlags,
  kFamily,
  kListener,
  kReadiness,
  kPort,
  kErrno,
  kCount,  // not a label: how many there are
};
inline constexpr size_t kLabelCount = static_cast<size_t>(LabelId::kCount);

// The labels that are on: every label without a config key, and the
// optional ones as the config sets them (by default as the table says).
class LabelSet {
 public:
  LabelSet();
  bool contains(LabelId id) const { return on_[static_cast<size_t>(id)]; }
  LabelSet& Set(LabelId id, bool on) {
    on_[static_cast<size_t>(id)] = on;
    return *this;
  }

 private:
  std::bitset<kLabelCount> on_;
};

// What the config decides about the accept families: their labels, and the
// le label of their histograms.
struct LabelOptions {
  LabelSet labels;
  // The cgroup decoder's cache of cgroup paths; set when labels has kCgroup.
  CgroupLabel* cgroup = nullptr;
  // The le label of the histograms: the bound of every kernel bucket
  // (histograms.full_resolution), or of every other one (histogram_buckets.h).
  bool full_resolution_histograms = false;
};

// The comm, pid and cgroup of the series that count calls which found the
// stats map full.
inline constexpr const char* kOverflowLabel = "[overflow]";

struct LabelSpec {
  LabelId id;
  const char* name;  // on /metrics
  // Reads the accept4_key field the label comes from and decodes it.
  std::string (*value)(const accept4_key& key, const LabelOptions& options);
  // labels.<config_key> turns the label on or off; nullptr: always on.
  const char* config_key = nullptr;
  bool on_by_default = true;
  // Its value on the [overflow] series, whose key holds only syscall and
  // result; nullptr: decoded from that key like any other.
  const char* overflow_value = nullptr;
};

// Indexed by LabelId.
extern const std::array<LabelSpec, kLabelCount> kLabelTable;

inline const LabelSpec& Spec(LabelId id) { return kLabelTable[static_cast<size_t>(id)]; }

// The labels of each family, in their order on /metrics (the metrics
// contract: dashboards and rules match on the names, and the golden file
// on the order).
inline constexpr LabelId kCallsLabels[] = {
    LabelId::kComm,   LabelId::kPid,      LabelId::kCgroup,    LabelId::kSyscall, LabelId::kFlags,
    LabelId::kFamily, LabelId::kListener, LabelId::kReadiness, LabelId::kPort,
};
// Those of the calls, with errno last, after port.
inline constexpr LabelId kErrorsLabels[] = {
    LabelId::kComm,   LabelId::kPid,      LabelId::kCgroup,    LabelId::kSyscall, LabelId::kFlags,
    LabelId::kFamily, LabelId::kListener, LabelId::kReadiness, LabelId::kPort,    LabelId::kErrno,
};
inline constexpr LabelId kDurationLabels[] = {
    LabelId::kComm,     LabelId::kPid,       LabelId::kCgroup, LabelId::kSyscall,
    LabelId::kListener, LabelId::kReadiness, LabelId::kPort,
};
// The backlog histogram and the backlog limit gauge.
inline constexpr LabelId kBacklogLabels[] = {
    LabelId::kComm,   LabelId::kPid,      LabelId::kCgroup,
    LabelId::kFamily, LabelId::kListener, LabelId::kPort,
};
// The calls in progress: the task iterator's records carry no cgroup.
inline constexpr LabelId kInflightLabels[] = {
    LabelId::kComm,     LabelId::kPid,       LabelId::kSyscall,
    LabelId::kListener, LabelId::kReadiness, LabelId::kPort,
};

}  // namespace accept4_exporter
