#include "bpf_support.h"

#include <bpf/libbpf.h>
#include <string.h>
#include <unistd.h>

namespace accept4_test {

std::string BpfUnavailableReason() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    return "/sys/kernel/btf/vmlinux is not readable (kernel without BTF)";
  }
  const int supported = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, nullptr);
  if (supported < 0) {
    return std::string("loading a tracepoint program failed: ") + strerror(-supported) +
           (geteuid() != 0 ? " (not running as root)" : "");
  }
  if (supported == 0) return "the kernel does not support tracepoint programs";
  return "";
}

}  // namespace accept4_test
