#include "kernel/cgroup_tree.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <stdexcept>

namespace accept4_exporter {
namespace {

// cgroup trees are shallow; the bound only guards against a loop.
constexpr int kMaxDepth = 64;

void Walk(const std::string& path, int depth,
          const std::function<void(const std::string&, uint64_t)>& visit) {
  struct stat info;
  // On cgroup v2 a cgroup's directory inode number is its id.
  if (depth > kMaxDepth || stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return;
  visit(path, info.st_ino);
  DIR* dir = opendir(path.c_str());
  if (!dir) return;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_type != DT_DIR || entry->d_name[0] == '.') continue;
    Walk(path + "/" + entry->d_name, depth + 1, visit);
  }
  closedir(dir);
}

}  // namespace

std::string CgroupV2Root(const std::string& needed_by) {
  for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs info;
    if (statfs(path, &info) == 0 && info.f_type == CGROUP2_SUPER_MAGIC) return path;
  }
  throw std::runtime_error(needed_by +
                           " needs cgroup v2, mounted at /sys/fs/cgroup or "
                           "/sys/fs/cgroup/unified; neither is");
}

void WalkCgroups(const std::string& path,
                 const std::function<void(const std::string& path, uint64_t id)>& visit) {
  Walk(path, 0, visit);
}

}  // namespace accept4_exporter
