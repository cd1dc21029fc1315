// The BPF objects a process holds, as the kernel lists them in the fdinfo
// of its fds: for checking what the exporter loaded, and that it is gone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>

namespace accept4_test {

// Ids of the BPF programs a process holds through program or link fds.
std::set<uint32_t> ProgramIdsHeldBy(pid_t pid);

// Ids of the BPF maps named `name` that a process holds.
std::set<uint32_t> MapIdsHeldBy(pid_t pid, const std::string& name);

bool ProgramLoaded(uint32_t id);

}  // namespace accept4_test
