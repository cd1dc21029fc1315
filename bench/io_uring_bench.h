// The io_uring part of the benchmark: what counting io_uring accepts costs.
// Its two hooks fire on every io_uring request of the host, accept or not,
// so the figure that matters most is the cost per request that is not an
// accept (a NOP, which does no work of its own), beside the cost per
// io_uring accept. Four modes in alternating windows: nothing attached,
// the exporter with hooks.io_uring false, empty programs on all the
// exporter's hooks (the io_uring ones included: the floor), and the exporter
// with hooks.io_uring true (the default). The exporter's two modes differ
// only by the io_uring hooks.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "table.h"

namespace accept4_bench {

enum class IoUringMode { kNone, kHooksOff, kEmpty, kHooksOn };
inline constexpr IoUringMode kIoUringModes[] = {IoUringMode::kNone, IoUringMode::kHooksOff,
                                                IoUringMode::kEmpty, IoUringMode::kHooksOn};

enum class IoUringLoad { kNop, kAccept };
inline constexpr IoUringLoad kIoUringLoads[] = {IoUringLoad::kNop, IoUringLoad::kAccept};

struct IoUringWindow {
  // Median over the window's batches of this thread's CPU time per request,
  // BPF statistics off.
  std::map<IoUringLoad, double> ns_per_request;
  // kHooksOn and kEmpty: the kernel's accounting, ns per run of each
  // io_uring program under each load.
  std::map<IoUringLoad, std::map<std::string, double>> bpf_ns;
  // kHooksOn only: the same accounting for the accept4 syscall's enter and
  // exit programs under accept4 round trips, to compare side by side.
  double accept4_bpf_ns = 0;
};

struct IoUringBenchResult {
  int rounds = 0;
  std::map<IoUringMode, std::vector<IoUringWindow>> windows;  // one per round
};

IoUringBenchResult RunIoUringBench(int rounds, int batches);
void AddIoUringRows(const IoUringBenchResult& result, Table& table);

}  // namespace accept4_bench
