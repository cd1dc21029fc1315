#include "kernel/tracefs.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace accept4_exporter {
namespace {

// libbpf looks in the debugfs copy first, then in tracefs proper.
constexpr const char* kDebugfsEvents = "/sys/kernel/debug/tracing/events/syscalls";
constexpr const char* kTracefs = "/sys/kernel/tracing";
constexpr const char* kTracefsEvents = "/sys/kernel/tracing/events/syscalls";

}  // namespace

void EnsureTracefsMounted() {
  if (access(kDebugfsEvents, F_OK) == 0 || access(kTracefsEvents, F_OK) == 0) return;
  // Mounted but closed to this user: mounting again would not help.
  if (errno == EACCES) {
    throw std::runtime_error(std::string("reading tracefs at ") + kTracefs +
                             ": Permission denied (root-only; mount it with gid=<a group of "
                             "this user>,mode=0750, see docs/capabilities.md)");
  }
  if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0 && errno != EBUSY) {
    throw std::runtime_error(std::string("mounting tracefs on ") + kTracefs + ": " +
                             strerror(errno) + " (mount it, or run with CAP_SYS_ADMIN)");
  }
  if (access(kTracefsEvents, F_OK) != 0) {
    throw std::runtime_error(std::string(kTracefsEvents) +
                             " is missing: this kernel has no syscall tracepoints "
                             "(CONFIG_FTRACE_SYSCALLS)");
  }
}

}  // namespace accept4_exporter
