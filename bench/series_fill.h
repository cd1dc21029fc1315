// Fills the exporter's series map with real calls. Flags are a closed set
// and, with the pid label, a process's name is kept once, so the way one
// process makes N series is the pid label off (series per name), a new name
// before each call (PR_SET_NAME on the leader) and no per-uid share:
// configs that use this say labels.pid: false and maps.max_series_per_uid: 0.
#pragma once

#include <cstdint>

namespace accept4_bench {

// Renames this process (its leader thread) to the i-th name and calls
// accept4 on the nonblocking listener `fd`, for i in [first, last]; throws
// unless each call fails with EAGAIN. Restores the name after.
void MakeSeries(int fd, uint32_t first, uint32_t last);

}  // namespace accept4_bench
