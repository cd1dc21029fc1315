#include "kernel/fentry_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>

#include <iterator>
#include <memory>

#include "kernel/bpf_error.h"
#include "kernel/owned_fd.h"

namespace accept4_exporter {
namespace {

using BtfPtr = std::unique_ptr<btf, decltype(&btf__free)>;

// Loads "return 0" as a tracing program of `type` on the kernel function
// with BTF id `btf_id`, and attaches it; "" when both work.
std::string TryHook(int btf_id, bpf_attach_type type, const std::string& function) {
  const char* kind = type == BPF_TRACE_FENTRY ? "fentry" : "fexit";
  const bpf_insn return_zero[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
  };
  bpf_prog_load_opts options = {};
  options.sz = sizeof(options);
  options.expected_attach_type = type;
  options.attach_btf_id = btf_id;
  const OwnedFd program(bpf_prog_load(BPF_PROG_TYPE_TRACING, "a4_fentry_probe", "Dual BSD/GPL",
                                      return_zero, std::size(return_zero), &options));
  if (program.get() < 0) {
    return std::string("loading a ") + kind + " program on " + function + ": " +
           BpfErrorText(program.get());
  }
  const OwnedFd link(bpf_raw_tracepoint_open(nullptr, program.get()));
  if (link.get() < 0) {
    return std::string("attaching a ") + kind + " program on " + function + ": " +
           BpfErrorText(link.get());
  }
  return "";
}

}  // namespace

std::string FentryUnavailableReason(const std::string& function) {
  const BtfPtr kernel(btf__load_vmlinux_btf(), btf__free);
  if (!kernel) return "the kernel's BTF cannot be read: " + BpfErrorText(errno);
  const int btf_id = btf__find_by_name_kind(kernel.get(), function.c_str(), BTF_KIND_FUNC);
  if (btf_id < 0) return function + " is not a function in the kernel's BTF";
  for (const bpf_attach_type type : {BPF_TRACE_FENTRY, BPF_TRACE_FEXIT}) {
    if (std::string reason = TryHook(btf_id, type, function); !reason.empty()) return reason;
  }
  return "";
}

}  // namespace accept4_exporter
