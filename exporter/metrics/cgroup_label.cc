#include "metrics/cgroup_label.h"

namespace accept4_exporter {
namespace {

// The cache is per id and ids of removed cgroups never come back: start
// over now and then rather than grow without end.
constexpr size_t kMaxValues = 65536;

}  // namespace

CgroupLabel::CgroupLabel(std::string root, const std::string& pattern)
    : paths_(std::move(root)),
      has_pattern_(!pattern.empty()),
      pattern_(pattern.empty() ? "" : pattern, std::regex::ECMAScript) {}

const std::string& CgroupLabel::Value(uint64_t id) {
  if (auto found = values_.find(id); found != values_.end()) return found->second;
  if (values_.size() >= kMaxValues) values_.clear();
  const std::optional<std::string> path = paths_.Path(id);
  // not cached here: CgroupPaths remembers the ids it could not find
  if (!path) {
    static const std::string kUnknown = "unknown";
    return kUnknown;
  }
  return values_.emplace(id, Shortened(*path)).first->second;
}

std::string CgroupLabel::Shortened(const std::string& path) const {
  std::smatch match;
  if (has_pattern_ && std::regex_match(path, match, pattern_) && match.size() > 1 &&
      match[1].matched && match[1].length() > 0) {
    return match[1].str();
  }
  return path;
}

}  // namespace accept4_exporter
