// The optional cgroup label (labels.cgroup): the task's cgroup v2 path, or
// the part of it that labels.cgroup_pattern keeps, e.g. a container id.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "config/pattern.h"
#include "kernel/cgroup_paths.h"

namespace accept4_exporter {

class CgroupLabel {
 public:
  // `pattern`: a fully anchored RE2 regex with a capture group,
  // already validated by the config; empty: the whole path.
  CgroupLabel(std::string root, const std::string& pattern);

  // The first capture group when the path matches the pattern, else the
  // whole path; "unknown" when the id has no path (the cgroup was removed
  // before it was seen). Never throws.
  const std::string& Value(uint64_t id);

 private:
  std::string Shortened(const std::string& path) const;

  CgroupPaths paths_;
  std::unique_ptr<Pattern> pattern_;  // null: the whole path
  // Few cgroups per host: one answer per id.
  std::unordered_map<uint64_t, std::string> values_;
};

}  // namespace accept4_exporter
