#include "kernel/cgroup_filter.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <linux/magic.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <stdexcept>

namespace accept4_exporter {
namespace {

// cgroup trees are shallow; the bound only guards against a loop.
constexpr int kMaxDepth = 64;

}  // namespace

std::string CgroupV2Root() {
  for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs info;
    if (statfs(path, &info) == 0 && info.f_type == CGROUP2_SUPER_MAGIC) return path;
  }
  throw std::runtime_error(
      "filters.cgroup_path_prefixes needs cgroup v2, mounted at /sys/fs/cgroup or "
      "/sys/fs/cgroup/unified; neither is");
}

CgroupFilter::CgroupFilter(int cgroup_filter_fd, std::vector<std::string> prefixes,
                           std::string root)
    : map_fd_(cgroup_filter_fd), prefixes_(std::move(prefixes)), root_(std::move(root)) {}

void CgroupFilter::Refresh() {
  seen_.clear();
  for (const std::string& prefix : prefixes_) Walk(root_ + prefix, 0);
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

void CgroupFilter::Walk(const std::string& path, int depth) {
  struct stat info;
  // On cgroup v2 a cgroup's directory inode number is its id, the value
  // bpf_get_current_cgroup_id() returns.
  if (depth > kMaxDepth || stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return;
  const uint64_t id = info.st_ino;
  seen_.insert(id);
  if (!known_.count(id)) {
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
  DIR* dir = opendir(path.c_str());
  if (!dir) return;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_type != DT_DIR || entry->d_name[0] == '.') continue;
    Walk(path + "/" + entry->d_name, depth + 1);
  }
  closedir(dir);
}

}  // namespace accept4_exporter
