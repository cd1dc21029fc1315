// Least privilege: once the programs are attached, the exporter gives up
// every capability except what a SIGHUP reload needs to load and attach new
// programs. See docs/capabilities.md.
#pragma once

#include <string>
#include <vector>

namespace accept4_exporter {

// What is kept after start-up, as capability numbers: CAP_BPF and
// CAP_PERFMON on kernels that have them (`last_cap`, the kernel's
// cap_last_cap, is 39 or more from Linux 5.8), CAP_SYS_ADMIN before that;
// plus CAP_NET_BIND_SERVICE when `listen_port` is below 1024, because the
// HTTP server binds after the drop.
std::vector<int> CapabilitiesToKeep(int last_cap, int listen_port);

// The kernel's highest capability number (/proc/sys/kernel/cap_last_cap).
int LastCapability();

struct DroppedCapabilities {
  std::vector<std::string> kept;      // names of the kept capabilities held
  std::vector<std::string> missing;   // names of those to keep not held
  bool bounding_set_dropped = false;  // false without CAP_SETPCAP
};

// Drops every capability not in `keep` from the effective, permitted and
// inheritable sets and, with CAP_SETPCAP, from the bounding set; clears the
// ambient set and sets no_new_privs. Only drops: a capability to keep that
// the process does not hold is reported in `missing`, not an error.
//
// Capabilities belong to threads, not processes: this must run before any
// other thread starts, and throws std::logic_error otherwise. Throws
// std::runtime_error with context when the kernel refuses a drop.
DroppedCapabilities DropCapabilitiesExcept(const std::vector<int>& keep);

}  // namespace accept4_exporter
