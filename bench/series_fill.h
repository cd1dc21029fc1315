// Fills the exporter's series map with real calls: accept4 with unknown
// flag bits fails with EINVAL, and every distinct flags value is a series
// of its own, so one process makes N series with N calls.
#pragma once

#include <cstdint>

namespace accept4_bench {

// The i-th (i >= 1) flags value with no SOCK_CLOEXEC or SOCK_NONBLOCK bit:
// distinct for distinct i, and never accepted by the kernel.
int32_t UnknownFlags(uint32_t i);

// accept4(fd, UnknownFlags(i)) for i in [first, last]; throws unless each
// fails with EINVAL.
void MakeSeries(int fd, uint32_t first, uint32_t last);

}  // namespace accept4_bench
