#include "metrics/cgroup_label.h"

namespace accept4_exporter {
namespace {

// The cache is per id and ids of removed cgroups never come back: start
// over now and then rather than grow without end.
constexpr size_t kMaxValues = 65536;

}  // namespace

CgroupLabel::CgroupLabel(std::string root, const std::string& pattern)
    : paths_(std::move(root)),
      pattern_(pattern.empty() ? nullptr : std::make_unique<Pattern>(pattern, true)) {}

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
  if (!pattern_) return path;
  std::optional<std::string> group = pattern_->FirstGroup(path);
  return group && !group->empty() ? *group : path;
}

}  // namespace accept4_exporter
