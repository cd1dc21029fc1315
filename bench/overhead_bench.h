// Parts 1 and 2 of the benchmark, measured together in alternating windows:
// each round attaches every mode in turn (nothing, the exporter, bpftrace,
// empty programs, and the exporter as it was before two changes: its
// probe-read build and bpf_stats on), times the syscall loops with BPF
// statistics off (but for the mode that turns them on), then
// turns the statistics on and reads what the mode's programs cost per run
// under the EAGAIN and round-trip loads, and detaches. Neighbouring windows
// of one round see the same machine, so differences and ratios are taken
// within a round and their medians reported.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "attachments.h"
#include "syscall_loops.h"

namespace accept4_bench {

struct OverheadOptions {
  int rounds = 15;
  // Timed batches per workload per window, and the CPU time of one. Many
  // short batches and their median leave out the occasional slow one
  // (interrupts, deferred work) that would swamp a 50 ns difference.
  int batches = 25;
  std::chrono::milliseconds batch{4};
  // Batches of load while BPF statistics are on: the kernel averages
  // over all of them.
  int kernel_batches = 25;
};

// One mode in one round.
struct Window {
  // Median over the window's batches, statistics off.
  std::map<Workload, double> ns_per_call;
  // Kernel accounting, ns per run summed over the mode's accept4 programs
  // (enter + exit, or bpftrace's one), under each load; none for kNone.
  std::map<Workload, double> kernel_ns;
  // The same, program by program (for the enter/exit split).
  std::map<Workload, std::map<std::string, double>> kernel_ns_by_program;
  // Someone else's tracing programs came or went during it.
  bool disturbed = false;
  // The mode's programs never ran on our calls (a loader that hung in its
  // start-up): nothing was measured, and the round is run again.
  bool silent = false;
};

struct OverheadResults {
  OverheadOptions options;
  std::map<Workload, uint64_t> batch_calls;
  std::map<Mode, std::vector<Window>> windows;  // one per round, in round order
  // If so, every figure includes the statistics' cost.
  bool stats_sysctl_on = false;
  // Rounds measured again because someone else's tracing programs came or
  // went during them, and disturbed rounds kept after too many attempts.
  int repeated_rounds = 0;
  int disturbed_rounds_kept = 0;
  // Rounds with someone else's tracing programs loaded throughout: they
  // add the same to every mode, "nothing attached" included.
  int rounds_with_foreign_programs = 0;
};

OverheadResults RunOverheadRounds(const OverheadOptions& options, SyscallLoops& loops);

}  // namespace accept4_bench
