// Questions to the running kernel's BTF (/sys/kernel/btf/vmlinux), asked
// before a BPF object is loaded: an object that calls a kfunc the kernel
// lacks does not load at all.
#pragma once

#include <string>

namespace accept4_exporter {

// Whether the kernel's BTF has a function (BTF_KIND_FUNC, as kfuncs are
// listed) named `name`; false when the BTF cannot be read.
bool KernelHasFunction(const std::string& name);

}  // namespace accept4_exporter
