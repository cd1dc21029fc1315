// The text of an error from a BPF system call, for set-up error lines.
#pragma once

#include <string>

namespace accept4_exporter {

// strerror of `err` (either sign), and, for a refusal to a process that is
// not root, the privileges it lacks: as root, EPERM is the kernel's own
// refusal (lockdown, no trampolines), not a missing privilege.
std::string BpfErrorText(int err);

}  // namespace accept4_exporter
