// A regular expression the user gives in the config (filters.include_comm,
// filters.exclude_comm, labels.cgroup_pattern), compiled by RE2: the syntax Prometheus users know
// from Go, matched in time linear in the text with bounded memory, so no
// pattern can freeze the poller or exhaust its stack the way a
// backtracking engine can.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace accept4_exporter {

class Pattern {
 public:
  // Longest pattern accepted, in bytes: a comm is at most 15 bytes, and the
  // parse takes memory in proportion to the pattern.
  static constexpr size_t kMaxLength = 4096;
  // Largest compiled program accepted, in RE2 instructions (Code Search's
  // limit, which RE2's own memory budget is modelled on).
  static constexpr int kMaxProgramSize = 10000;

  // Throws std::invalid_argument with the problem (RE2's words, or the limit
  // it exceeds), without the pattern itself. `capture`: keep the capture
  // groups, for FirstGroup (otherwise every group is non-capturing).
  explicit Pattern(const std::string& pattern, bool capture = false);
  ~Pattern();

  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  // Fully anchored: the whole of `text` must match.
  bool FullMatch(std::string_view text) const;
  // The first capture group when the whole of `text` matches; nothing when
  // it does not match or the pattern was compiled without captures.
  std::optional<std::string> FirstGroup(std::string_view text) const;
  // Capture groups kept (0 without `capture`).
  int CaptureGroups() const;

 private:
  std::unique_ptr<re2::RE2> compiled_;
};

// `text` cut to about `max_bytes` for an error line, saying how long it was.
std::string Abbreviated(const std::string& text, size_t max_bytes);

}  // namespace accept4_exporter
