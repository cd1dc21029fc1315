#include "kernel/tracefs.h"

#include <errno.h>
#include <sched.h>
#include <spdlog/spdlog.h>
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

std::string MountError(const std::string& step) {
  return step + ": " + strerror(errno) + " (mount tracefs on " + kTracefs +
         ", or run with CAP_SYS_ADMIN)";
}

// A mount namespace for this thread and those it starts, whose mounts no
// longer propagate to the host's (MS_SLAVE: the host's still reach it).
// In a chroot / may not be a mount point; /sys, where tracefs goes, is.
void EnterPrivateMountNamespace() {
  if (unshare(CLONE_NEWNS) != 0) throw std::runtime_error(MountError("unshare(CLONE_NEWNS)"));
  if (mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0 &&
      mount(nullptr, "/sys", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    throw std::runtime_error(MountError("making /sys a slave mount"));
  }
}

}  // namespace

void EnsureTracefsMounted() {
  if (access(kDebugfsEvents, F_OK) == 0 || access(kTracefsEvents, F_OK) == 0) return;
  // Mounted but closed to this user: mounting again would not help.
  if (errno == EACCES) {
    throw std::runtime_error(std::string("reading tracefs at ") + kTracefs +
                             ": Permission denied (root-only; mount it with gid=<a group of "
                             "this user>,mode=0750, see docs/capabilities.md)");
  }
  EnterPrivateMountNamespace();
  if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0 && errno != EBUSY) {
    throw std::runtime_error(MountError(std::string("mounting tracefs on ") + kTracefs));
  }
  spdlog::info(
      "tracefs was not mounted: mounted it on {} in the exporter's own mount namespace; the "
      "host's mounts are unchanged",
      kTracefs);
  if (access(kTracefsEvents, F_OK) != 0) {
    throw std::runtime_error(std::string(kTracefsEvents) +
                             " is missing: this kernel has no syscall tracepoints "
                             "(CONFIG_FTRACE_SYSCALLS)");
  }
}

}  // namespace accept4_exporter
