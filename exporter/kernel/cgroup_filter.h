// filters.cgroup_path_prefixes, applied in the kernel: the BPF programs count
// only tasks whose cgroup id is in the cgroup_filter map. This class fills
// the map with the ids of every cgroup under the prefixes, and refreshes it
// on each poll to take in cgroups created since (containers, services).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace accept4_exporter {

// The set of cgroup ids the kernel counts. An interface so that what the
// filter walks and keeps can be tested without BPF.
class CgroupIdMap {
 public:
  virtual ~CgroupIdMap() = default;
  // 0, or the errno of the refusal (E2BIG when the map is full).
  virtual int Add(uint64_t id) = 0;
  virtual void Remove(uint64_t id) = 0;
};

// The cgroup_filter BPF hash map behind `fd` (not owned).
class BpfCgroupIdMap : public CgroupIdMap {
 public:
  explicit BpfCgroupIdMap(int fd) : fd_(fd) {}
  int Add(uint64_t id) override;
  void Remove(uint64_t id) override;

 private:
  int fd_;
};

class CgroupFilter {
 public:
  // `root`: where the cgroup v2 hierarchy is mounted; each prefix is a path
  // below it.
  CgroupFilter(std::unique_ptr<CgroupIdMap> map, std::vector<std::string> prefixes,
               std::string root);

  // Adds the ids of cgroups under the prefixes that the map lacks, and
  // removes those of cgroups that are gone. Never throws: a directory that
  // is missing or unreadable is skipped, and a full map is logged once.
  void Refresh();

  // Cgroups in the map.
  size_t cgroups() const { return known_.size(); }

 private:
  void Add(const std::string& path, uint64_t id);

  std::unique_ptr<CgroupIdMap> map_;
  std::vector<std::string> prefixes_;
  std::string root_;
  // Ids in the map, and those found by the current walk.
  std::unordered_set<uint64_t> known_;
  std::unordered_set<uint64_t> seen_;
  bool warned_full_ = false;
};

}  // namespace accept4_exporter
