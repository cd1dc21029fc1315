#include "kernel/cgroup_paths.h"

#include "kernel/cgroup_tree.h"

namespace accept4_exporter {
namespace {

// Far more than the cgroups that can have series at once (removed ones go
// with their processes); only bounds on memory.
constexpr size_t kMaxPaths = 262144;
constexpr size_t kMaxMissing = 65536;

}  // namespace

CgroupPaths::CgroupPaths(std::string root) : root_(std::move(root)) {}

std::optional<std::string> CgroupPaths::Path(uint64_t id) {
  if (auto found = paths_.find(id); found != paths_.end()) return found->second;
  if (missing_.count(id)) return std::nullopt;
  Walk();
  if (auto found = paths_.find(id); found != paths_.end()) return found->second;
  if (missing_.size() >= kMaxMissing) missing_.clear();
  missing_.insert(id);
  return std::nullopt;
}

void CgroupPaths::Walk() {
  ++walks_;
  // Paths of removed cgroups stay: ids are never reused, and the series of
  // their processes are served for a while after they exit.
  if (paths_.size() >= kMaxPaths) paths_.clear();
  WalkCgroups(root_, [this](const std::string& path, uint64_t id) {
    const std::string relative = path.substr(root_.size());
    paths_[id] = relative.empty() ? "/" : relative;
  });
}

}  // namespace accept4_exporter
