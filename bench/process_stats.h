// What /proc says about another process: its CPU time and peak memory.
#pragma once

#include <sys/types.h>

namespace accept4_bench {

// utime + stime from /proc/<pid>/stat, in seconds (clock-tick resolution).
double CpuSeconds(pid_t pid);

// Time on CPU of all the process's threads from /proc/<pid>/task/*/schedstat,
// in seconds (nanosecond resolution): a check on CpuSeconds.
double ScheduledSeconds(pid_t pid);

// VmHWM (peak resident set) from /proc/<pid>/status, in bytes.
double PeakRssBytes(pid_t pid);

}  // namespace accept4_bench
