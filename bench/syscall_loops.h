// The calls whose cost the benchmark measures, each timed over a batch in a
// tight loop on the calling thread:
//   kEagain     accept4 on an empty non-blocking listener: returns EAGAIN, so
//               the syscall does almost nothing and the tracing cost shows;
//   kRoundTrip  loopback TCP connect + accept4 + close, what a server does;
//   kGetppid    a syscall that nothing here traces, which still pays for the
//               syscall slow path that any syscall tracepoint turns on.
#pragma once

#include <chrono>
#include <cstdint>

#include "accept_calls.h"

namespace accept4_bench {

enum class Workload { kEagain, kRoundTrip, kGetppid };
inline constexpr Workload kWorkloads[] = {Workload::kEagain, Workload::kRoundTrip,
                                          Workload::kGetppid};

const char* WorkloadName(Workload workload);

// CPU time of this thread, syscalls included: what the calls cost the
// caller. Wall time would also count the slices other engineers' builds
// take from us on a shared 2-core machine, which is noise, not cost.
double ThreadCpuNs();

class SyscallLoops {
 public:
  SyscallLoops();

  SyscallLoops(const SyscallLoops&) = delete;
  SyscallLoops& operator=(const SyscallLoops&) = delete;

  // Runs `calls` iterations of `workload`; returns nanoseconds of this
  // thread's CPU time per call.
  // Throws when a call does not return what it should (then the figure
  // would measure something else).
  double NsPerCall(Workload workload, uint64_t calls);

  // Iterations of `workload` that take about `duration` of CPU time now.
  uint64_t Calibrate(Workload workload, std::chrono::milliseconds duration);

  // The non-blocking listener the EAGAIN loop accepts on.
  int eagain_fd() const { return nonblocking_.fd(); }

 private:
  void RunEagain(uint64_t calls);
  void RunRoundTrips(uint64_t calls);
  void RunGetppid(uint64_t calls);

  accept4_test::Listener nonblocking_;
  accept4_test::Listener blocking_;
};

}  // namespace accept4_bench
