// Resolves the cgroup v2 ids that the BPF programs record to cgroup paths
// (/system.slice/nginx.service), the names cAdvisor and the kubelet use.
// The kernel only hands out ids; the path of an id is the directory of the
// v2 hierarchy whose inode number it is, so the hierarchy is walked and the
// map cached, and walked again when an id it lacks shows up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace accept4_exporter {

class CgroupPaths {
 public:
  // `root`: where the cgroup v2 hierarchy is mounted (CgroupV2Root()).
  explicit CgroupPaths(std::string root);

  // The path of cgroup `id` below the root ("/" for the root itself), or
  // nothing when no cgroup has that id (it was removed before it was
  // seen). Never throws.
  std::optional<std::string> Path(uint64_t id);

  size_t walks() const { return walks_; }

 private:
  void Walk();

  std::string root_;
  std::unordered_map<uint64_t, std::string> paths_;
  // Ids that a walk did not find. Cgroup ids are never reused, so walking
  // again for them would not help; bounded, as removed cgroups add up.
  std::unordered_set<uint64_t> missing_;
  size_t walks_ = 0;
};

}  // namespace accept4_exporter
