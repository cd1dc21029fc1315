// Where the exporter's BPF time goes: bench/pieces.bpf.c runs each piece of
// accept4.bpf.c alone in a program on sys_enter_accept4 (exit_* pieces on
// sys_exit_accept4), attached one at a time, and the kernel's run-time statistics give each one's
// cost per call under the EAGAIN loop.
#pragma once

#include <string>
#include <vector>

#include "syscall_loops.h"

namespace accept4_bench {

struct PieceCost {
  std::string name;  // the program's name without "piece_"
  // median ns per run, minus the empty program's on the same tracepoint
  // (pieces named exit_* run on sys_exit_accept4, the others on enter)
  double ns = 0;
  // ns per run in each repeat, in repeat order, for differences between
  // two pieces measured in neighbouring windows
  std::vector<double> per_repeat;
};

struct PiecesResult {
  int repeats = 0;
  double empty_ns = 0;       // what any program costs (median)
  double exit_empty_ns = 0;  // the same on sys_exit_accept4
  std::vector<PieceCost> pieces;
};

PiecesResult RunPiecesBench(SyscallLoops& loops, uint64_t calls_per_repeat, int repeats);

}  // namespace accept4_bench
