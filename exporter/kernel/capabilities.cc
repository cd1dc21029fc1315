#include "kernel/capabilities.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <type_traits>

namespace accept4_exporter {
namespace {

// cap_t and the strings libcap returns are freed with cap_free.
struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};
using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

std::string Name(int cap) {
  std::unique_ptr<char, CapFree> name(cap_to_name(cap));
  return name ? name.get() : "cap_" + std::to_string(cap);
}

std::runtime_error Refused(const std::string& what, int err) {
  return std::runtime_error("dropping capabilities: " + what + ": " + strerror(err));
}

int ThreadCount() {
  DIR* tasks = opendir("/proc/self/task");
  if (!tasks) return -1;
  int count = 0;
  while (const dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(tasks);
  return count;
}

bool Has(cap_t state, int cap, cap_flag_t set) {
  cap_flag_value_t value = CAP_CLEAR;
  return cap_get_flag(state, cap, set, &value) == 0 && value == CAP_SET;
}

bool Kept(const std::vector<int>& keep, int cap) {
  return std::find(keep.begin(), keep.end(), cap) != keep.end();
}

// PR_CAPBSET_DROP needs CAP_SETPCAP in the effective set, so this goes
// before the process sets lose it. Returns false when it cannot drop.
bool DropBoundingSet(const std::vector<int>& keep, cap_t current) {
  if (!Has(current, CAP_SETPCAP, CAP_EFFECTIVE)) return false;
  for (int cap = 0; cap <= LastCapability(); ++cap) {
    if (Kept(keep, cap) || cap_get_bound(cap) != 1) continue;
    if (cap_drop_bound(cap) != 0) {
      const int err = errno;  // before Name() can change it
      throw Refused("bounding set " + Name(cap), err);
    }
  }
  return true;
}

}  // namespace

std::vector<int> CapabilitiesToKeep(int last_cap, int listen_port) {
  // CAP_BPF loads programs and creates maps; CAP_PERFMON attaches them to
  // tracepoints and lets them read kernel memory. Before Linux 5.8 both
  // were part of CAP_SYS_ADMIN.
  std::vector<int> keep;
  if (last_cap >= CAP_BPF) {
    keep = {CAP_PERFMON, CAP_BPF};
  } else {
    keep = {CAP_SYS_ADMIN};
  }
  if (listen_port > 0 && listen_port < 1024) keep.insert(keep.begin(), CAP_NET_BIND_SERVICE);
  return keep;
}

int LastCapability() { return cap_max_bits() - 1; }

DroppedCapabilities DropCapabilitiesExcept(const std::vector<int>& keep) {
  const int threads = ThreadCount();
  if (threads < 0) throw Refused("counting the threads in /proc/self/task", errno);
  if (threads != 1) {
    throw std::logic_error("dropping capabilities with " + std::to_string(threads) +
                           " threads running: the others would keep theirs");
  }
  CapState current(cap_get_proc());
  if (!current) throw Refused("reading the process's capabilities", errno);

  DroppedCapabilities result;
  result.bounding_set_dropped = DropBoundingSet(keep, current.get());

  CapState next(cap_init());
  if (!next) throw Refused("cap_init", errno);
  for (int cap : keep) {
    // Only drops: a capability can be kept only if it is held.
    if (!Has(current.get(), cap, CAP_PERMITTED)) {
      result.missing.push_back(Name(cap));
      continue;
    }
    const cap_value_t value = cap;
    if (cap_set_flag(next.get(), CAP_PERMITTED, 1, &value, CAP_SET) != 0 ||
        cap_set_flag(next.get(), CAP_EFFECTIVE, 1, &value, CAP_SET) != 0) {
      const int err = errno;
      throw Refused("building the kept set with " + Name(cap), err);
    }
    result.kept.push_back(Name(cap));
  }
  // The inheritable set stays empty: nothing the exporter might run gets any.
  if (cap_set_proc(next.get()) != 0) throw Refused("setting the kept set", errno);
  // Dropping a capability from permitted already removes it from the
  // ambient set; this clears the rest, which only execve would pass on.
  if (cap_reset_ambient() != 0 && errno != EINVAL) throw Refused("clearing the ambient set", errno);
  // execve gains no capabilities from setuid bits or file capabilities.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw Refused("setting no_new_privs", errno);
  return result;
}

}  // namespace accept4_exporter
