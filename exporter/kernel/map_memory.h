// What each BPF map costs in kernel memory, as the kernel accounts it.
#pragma once

#include <cstdint>
#include <string>

namespace accept4_exporter {

// The map's memory as the kernel reports it (the `memlock:` line of its
// fdinfo: what it charges, preallocated entries and per-CPU copies
// included); throws std::runtime_error naming the fd when it cannot tell.
uint64_t MapMemoryBytes(int map_fd);

}  // namespace accept4_exporter
