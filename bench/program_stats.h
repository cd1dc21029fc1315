// The kernel's own accounting of BPF program run time: while a
// BPF_ENABLE_STATS fd is held, every program run adds to its run_time_ns
// and run_cnt, which bpf_obj_get_info_by_fd reads back per program.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace accept4_bench {

// Keeps BPF run-time statistics on while it lives (they cost two clock
// reads per program run, so they are off while overhead is timed).
class RunTimeStats {
 public:
  RunTimeStats();  // throws when the kernel refuses
  ~RunTimeStats();

  RunTimeStats(const RunTimeStats&) = delete;
  RunTimeStats& operator=(const RunTimeStats&) = delete;

 private:
  int fd_;
};

struct ProgramRuns {
  uint32_t id = 0;
  // The full function name from the program's BTF: the kernel's own name
  // is cut at 15 characters, which makes handle_enter_accept4 and
  // handle_enter_accept the same "handle_enter_ac".
  std::string name;
  uint64_t run_time_ns = 0;
  uint64_t run_count = 0;
};

// Ids of the BPF programs that process `pid` holds an fd of (programs and
// links both name theirs in /proc/<pid>/fdinfo), without duplicates.
std::vector<uint32_t> ProgramIdsHeldBy(pid_t pid);

// The id of the program behind `prog_fd`; throws.
uint32_t ProgramIdOf(int prog_fd);

// Current counters of each program that is still loaded; throws when one
// cannot be read.
std::vector<ProgramRuns> ReadProgramRuns(const std::vector<uint32_t>& ids);

// Nanoseconds per run between two readings of the same programs, summed
// over the programs whose name is in `names` (all of them when `names` is
// empty): the cost per call of a set of programs that all run once per call.
// NaN when one of them did not run.
double NsPerRun(const std::vector<ProgramRuns>& before, const std::vector<ProgramRuns>& after,
                const std::vector<std::string>& names);

// Tracing programs (kprobe, tracepoint, raw tracepoint, fentry, perf
// event) loaded on the machine that are not in `ours`: someone else's, which
// may run on the same syscalls and so skew a window. Their ids.
std::vector<uint32_t> ForeignTracingPrograms(const std::vector<uint32_t>& ours);

// kernel.bpf_stats_enabled: when someone left it on, it is on for every
// figure, overhead included.
bool StatsSysctlEnabled();

}  // namespace accept4_bench
