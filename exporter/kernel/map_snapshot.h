// One read of the BPF maps, with per-CPU values already summed.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "kernel/bpf_types.h"

namespace accept4_exporter {

struct StatsEntry {
  accept4_key key;
  accept4_value value;
};

struct MapSnapshot {
  std::vector<StatsEntry> stats;
  // Indexed by syscall * ACCEPT4_OVERFLOW_ERRNO_SLOTS + errno slot.
  std::vector<uint64_t> overflow;
};

}  // namespace accept4_exporter
