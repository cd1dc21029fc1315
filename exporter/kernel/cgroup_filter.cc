#include "kernel/cgroup_filter.h"

#include <bpf/bpf.h>
#include <spdlog/spdlog.h>
#include <string.h>

#include "kernel/cgroup_tree.h"

namespace accept4_exporter {

CgroupFilter::CgroupFilter(int cgroup_filter_fd, std::vector<std::string> prefixes,
                           std::string root)
    : map_fd_(cgroup_filter_fd), prefixes_(std::move(prefixes)), root_(std::move(root)) {}

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
    const uint64_t id = *it;
    bpf_map_delete_elem(map_fd_, &id);
    it = known_.erase(it);
  }
}

void CgroupFilter::Add(const std::string& path, uint64_t id) {
  seen_.insert(id);
  if (known_.count(id)) return;
  const uint8_t wanted = 1;
  if (bpf_map_update_elem(map_fd_, &id, &wanted, BPF_ANY) == 0) {
    known_.insert(id);
  } else if (!warned_full_) {
    warned_full_ = true;
    spdlog::warn(
        "adding cgroup {} to the cgroup filter: {}; calls in newer cgroups are not "
        "counted",
        path, strerror(errno));
  }
}

}  // namespace accept4_exporter
