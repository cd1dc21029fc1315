// Whether the kernel lets BPF programs hook a kernel function with
// fentry/fexit. Asked before the counting object is loaded: a refused fentry
// program fails the load of the whole object, so attach_mode auto decides
// here which of the object's accept programs to load, as libbpf-tools'
// fentry_can_attach() does. The probe attaches too, as some kernels load a
// trampoline program and refuse it only then.
#pragma once

#include <string>

namespace accept4_exporter {

// Empty when a minimal fentry program and a minimal fexit program both load
// and attach on kernel function `function` (attached for an instant and
// detached at once); otherwise one line naming the step the kernel refused
// and why.
std::string FentryUnavailableReason(const std::string& function);

}  // namespace accept4_exporter
