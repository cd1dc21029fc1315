// Children the benchmark starts (the exporter, bpftrace) outlive it when it
// is killed, and a left-over exporter would add its programs to every
// accept4 on the machine, other people's measurements included. So each
// child is registered while it runs, and a fatal signal takes them along.
#pragma once

#include <sys/types.h>

namespace accept4_bench {

// Registers `pid` for as long as it lives.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid);
  ~ChildGuard();

  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;

 private:
  int slot_;
};

// On SIGINT, SIGTERM and SIGHUP: SIGTERM to every registered child, then
// die of the signal. SIGPIPE is ignored, so that a closed stdout ends the
// run through errors and destructors rather than at once.
void StopChildrenOnFatalSignals();

}  // namespace accept4_bench
