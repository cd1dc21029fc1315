// filters.cgroup_path_prefixes, applied in the kernel: the BPF programs count
// only tasks whose cgroup id is in the cgroup_filter map. This class fills
// the map with the ids of every cgroup under the prefixes, and refreshes it
// on each poll to take in cgroups created since (containers, services).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace accept4_exporter {

class CgroupFilter {
 public:
  // `root`: where the cgroup v2 hierarchy is mounted.
  CgroupFilter(int cgroup_filter_fd, std::vector<std::string> prefixes, std::string root);

  // Adds the ids of cgroups under the prefixes that the map lacks, and
  // removes those of cgroups that are gone. Never throws: an unreadable
  // directory or a full map is logged once.
  void Refresh();

  size_t cgroups() const { return known_.size(); }

 private:
  void Add(const std::string& path, uint64_t id);

  int map_fd_;
  std::vector<std::string> prefixes_;
  std::string root_;
  // Ids in the map, and those found by the current walk.
  std::unordered_set<uint64_t> known_;
  std::unordered_set<uint64_t> seen_;
  bool warned_full_ = false;
};

}  // namespace accept4_exporter
