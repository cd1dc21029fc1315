// The cgroup v2 hierarchy as the BPF side sees it: where it is mounted, and
// a walk that gives each cgroup's path with its id, the value
// bpf_get_current_cgroup_id() returns for tasks in it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace accept4_exporter {

// Where cgroup v2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified on
// hybrid hosts. Throws std::runtime_error naming `needed_by` (the config key
// that needs it) when there is none.
std::string CgroupV2Root(const std::string& needed_by);

// Calls `visit(path, id)` for the cgroup at `path` (a directory of the v2
// mount) and every cgroup below it, parents first. Directories that vanish
// or cannot be read during the walk are skipped: cgroups come and go.
void WalkCgroups(const std::string& path,
                 const std::function<void(const std::string& path, uint64_t id)>& visit);

}  // namespace accept4_exporter
