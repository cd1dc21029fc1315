// CLOCK_MONOTONIC in nanoseconds: the clock of the BPF programs'
// bpf_ktime_get_ns(), so that user space can compare its own times with
// theirs.
#pragma once

#include <time.h>

#include <cstdint>

namespace accept4_exporter {

inline uint64_t MonotonicNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000ULL + static_cast<uint64_t>(now.tv_nsec);
}

}  // namespace accept4_exporter
