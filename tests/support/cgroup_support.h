// Real cgroups for the tests: where cgroup v2 is mounted, and a child
// process that moves itself into a cgroup and makes accept calls there.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

namespace accept4_test {

// Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or
// /sys/fs/cgroup/unified on hybrid hosts); "" when it is not.
std::string CgroupV2Mount();

// Runs `calls` EAGAIN accept4 calls in a child process named `comm`, which
// first moves itself to `cgroup_procs` when given; returns its pid once the
// calls are made (the child says so through a pipe). The child waits to be
// reaped, so that its series stay while the test scrapes.
pid_t ChildMakingCalls(const std::string& comm, int calls, const std::string& cgroup_procs = "");

// The same with the child's calls made by `calls`, after it moved to
// `cgroup_procs` and took the name `comm`.
pid_t ChildMaking(const std::string& comm, const std::string& cgroup_procs,
                  const std::function<void()>& calls);

// Kills and waits for a child of ChildMakingCalls or ChildMaking.
void Reap(pid_t child);

}  // namespace accept4_test
