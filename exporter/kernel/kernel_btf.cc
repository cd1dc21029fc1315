#include "kernel/kernel_btf.h"

#include <bpf/btf.h>

#include <memory>

namespace accept4_exporter {

bool KernelHasFunction(const std::string& name) {
  std::unique_ptr<btf, decltype(&btf__free)> kernel(btf__load_vmlinux_btf(), btf__free);
  return kernel && btf__find_by_name_kind(kernel.get(), name.c_str(), BTF_KIND_FUNC) > 0;
}

}  // namespace accept4_exporter
