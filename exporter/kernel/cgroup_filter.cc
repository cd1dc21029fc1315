#include "kernel/cgroup_filter.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <spdlog/spdlog.h>
#include <string.h>

#include "kernel/cgroup_tree.h"

namespace accept4_exporter {

int BpfCgroupIdMap::Add(uint64_t id) {
  const uint8_t wanted = 1;
  return bpf_map_update_elem(fd_, &id, &wanted, BPF_ANY) == 0 ? 0 : errno;
}

void BpfCgroupIdMap::Remove(uint64_t id) { bpf_map_delete_elem(fd_, &id); }

CgroupFilter::CgroupFilter(std::unique_ptr<CgroupIdMap> map, std::vector<std::string> prefixes,
                           std::string root)
    : map_(std::move(map)), prefixes_(std::move(prefixes)), root_(std::move(root)) {}

void CgroupFilter::Refresh() {
  seen_.clear();
  for (const std::string& prefix : prefixes_) {
    WalkCgroups(root_ + prefix, [this](const std::string& path, uint64_t id) { Add(path, id); });
  }
  // Cgroups removed since: their ids are never reused, but they would fill
  // the map as containers come and go.
  for (auto it = known_.begin(); it != known_.end();) {
    if (seen_.count(*it)) {
      ++it;
      continue;
    }
    map_->Remove(*it);
    it = known_.erase(it);
  }
}

void CgroupFilter::Add(const std::string& path, uint64_t id) {
  seen_.insert(id);
  if (known_.count(id)) return;
  if (const int err = map_->Add(id); err == 0) {
    known_.insert(id);
  } else if (!warned_full_) {
    warned_full_ = true;
    spdlog::warn(
        "adding cgroup {} to the cgroup filter: {}; calls in newer cgroups are not "
        "counted",
        path, strerror(err));
  }
}

}  // namespace accept4_exporter
