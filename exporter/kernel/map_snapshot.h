// One read of the BPF maps, in the form the rest of the exporter uses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <unordered_map>
#include <vector>

#include "kernel/bpf_types.h"

namespace accept4_exporter {

// The counts of one series, with the totals that the kernel leaves implied
// (struct accept4_counts keeps only what a call must add to).
struct accept4_value {
  uint64_t calls = 0;
  // calls whose enter was seen, so whose duration is known
  uint64_t timed_calls = 0;
  uint64_t duration_ns_sum = 0;
  __u64 duration_buckets[ACCEPT4_DURATION_BUCKETS] = {};
  uint64_t backlog_samples = 0;
  uint64_t backlog_sum = 0;
  uint64_t backlog_limit = 0;
  __u64 backlog_buckets[ACCEPT4_BACKLOG_BUCKETS] = {};

  // Adds `other`'s counts; the backlog limit is the larger one.
  void Add(const accept4_value& other);
};

// The kernel's counts with their implied totals filled in.
accept4_value ValueOf(const accept4_counts& counts);

struct StatsEntry {
  // With the pid label, comm is filled from the process's record.
  accept4_key key;
  accept4_value value;
};

struct ProcessKeyHash {
  size_t operator()(const accept4_process_key& key) const {
    return std::hash<uint64_t>()(key.start * 31 + key.tgid);
  }
};
struct ProcessKeyEqual {
  bool operator()(const accept4_process_key& a, const accept4_process_key& b) const {
    return a.tgid == b.tgid && a.start == b.start;
  }
};
using ProcessTable =
    std::unordered_map<accept4_process_key, accept4_process, ProcessKeyHash, ProcessKeyEqual>;

inline accept4_process_key ProcessKeyOf(const accept4_key& key) {
  accept4_process_key process = {};
  process.tgid = key.tgid;
  process.start = key.process_start;
  return process;
}

// The key as the kernel holds it: with the pid label, without the name that
// NameProcesses filled in.
inline accept4_key KernelKeyOf(const accept4_key& key) {
  accept4_key kernel = key;
  if (kernel.tgid != 0) std::fill(std::begin(kernel.comm), std::end(kernel.comm), '\0');
  return kernel;
}

struct MapSnapshot {
  std::vector<StatsEntry> stats;
  // Calls without a series of their own, summed over the reasons, indexed
  // by syscall * ACCEPT4_OVERFLOW_ERRNO_SLOTS + errno slot.
  std::vector<uint64_t> overflow;
  // The same calls by reason (enum accept4_overflow_reason).
  uint64_t overflow_by_reason[ACCEPT4_OVERFLOW_REASON_MAX] = {};
  // With the pid label: the processes that have series.
  ProcessTable processes;
  // CLOCK_MONOTONIC ns when the read began: an exit stamped before it is
  // in this read's counts for good.
  uint64_t read_ns = 0;
};

}  // namespace accept4_exporter
