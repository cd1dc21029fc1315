#include "syscall_loops.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace accept4_bench {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error(what + ": " + strerror(errno));
}

}  // namespace

double ThreadCpuNs() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kEagain:
      return "EAGAIN accept4";
    case Workload::kRoundTrip:
      return "connect+accept4 round trip";
    case Workload::kGetppid:
      return "getppid (untraced syscall)";
  }
  return "?";
}

// Listeners on loopback: a client connection is queued by the time
// connect() returns, so the blocking listener's accept4 never waits.
SyscallLoops::SyscallLoops() : nonblocking_(AF_INET, true), blocking_(AF_INET, false, 128) {}

double SyscallLoops::NsPerCall(Workload workload, uint64_t calls) {
  const double start = ThreadCpuNs();
  switch (workload) {
    case Workload::kEagain:
      RunEagain(calls);
      break;
    case Workload::kRoundTrip:
      RunRoundTrips(calls);
      break;
    case Workload::kGetppid:
      RunGetppid(calls);
      break;
  }
  return (ThreadCpuNs() - start) / static_cast<double>(std::max<uint64_t>(calls, 1));
}

uint64_t SyscallLoops::Calibrate(Workload workload, std::chrono::milliseconds duration) {
  // Grow a probe until it is long enough to time, then scale it.
  const double wanted_ns = std::chrono::duration<double, std::nano>(duration).count();
  uint64_t calls = 16;
  for (;;) {
    const double ns = NsPerCall(workload, calls) * static_cast<double>(calls);
    if (ns >= wanted_ns / 8 || calls >= (uint64_t{1} << 30)) {
      return std::max<uint64_t>(1,
                                static_cast<uint64_t>(static_cast<double>(calls) * wanted_ns / ns));
    }
    calls *= 2;
  }
}

void SyscallLoops::RunEagain(uint64_t calls) {
  const int fd = nonblocking_.fd();
  for (uint64_t i = 0; i < calls; ++i) {
    if (accept4_test::RawAccept4(fd, SOCK_CLOEXEC) != -1 || errno != EAGAIN) {
      Fail("accept4 on the empty non-blocking listener did not fail with EAGAIN");
    }
  }
}

void SyscallLoops::RunRoundTrips(uint64_t calls) {
  // Closing the accepted side with SO_LINGER 0 resets the connection, so
  // neither side is left in TIME_WAIT and the ephemeral ports never run out.
  const linger reset = {1, 0};
  for (uint64_t i = 0; i < calls; ++i) {
    const int client = blocking_.Connect();
    const int accepted = accept4_test::RawAccept4(blocking_.fd(), SOCK_CLOEXEC);
    if (accepted < 0) Fail("accept4 of a queued loopback connection");
    setsockopt(accepted, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    close(accepted);
    close(client);
  }
}

void SyscallLoops::RunGetppid(uint64_t calls) {
  for (uint64_t i = 0; i < calls; ++i) {
    // through syscall(): glibc could otherwise serve it without the kernel
    if (syscall(SYS_getppid) <= 0) Fail("getppid");
  }
}

}  // namespace accept4_bench
