// One run of the task iterator: the accept calls in progress at a poll.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/bpf_types.h"

namespace accept4_exporter {

struct InflightSnapshot {
  // One per thread inside accept/accept4.
  std::vector<accept4_inflight_call> calls;
  // CLOCK_MONOTONIC ns when the walk ended: the moment the ages are taken at.
  uint64_t read_ns = 0;
  // CLOCK_MONOTONIC ns when the counting programs had attached. A call
  // with start_ns 0 began before that, so has been running at least
  // read_ns - attached_ns.
  uint64_t attached_ns = 0;
};

}  // namespace accept4_exporter
