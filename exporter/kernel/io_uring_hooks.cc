#include "kernel/io_uring_hooks.h"

#include <bpf/btf.h>

#include <memory>
#include <vector>

namespace accept4_exporter {
namespace {

using BtfPtr = std::unique_ptr<btf, decltype(&btf__free)>;

// The struct a pointer parameter points to, "" when it is not one.
std::string PointeeName(const btf* kernel, uint32_t type_id) {
  const btf_type* type = btf__type_by_id(kernel, type_id);
  if (!type || !btf_is_ptr(type)) return "";
  const int target = btf__resolve_type(kernel, type->type);
  if (target < 0) return "";
  const btf_type* pointee = btf__type_by_id(kernel, target);
  return pointee && btf_is_struct(pointee) ? btf__name_by_offset(kernel, pointee->name_off) : "";
}

// Checks that tracepoint `name` takes pointers to `structs` at the given
// argument positions (after the hidden first argument); "" when it does.
std::string CheckPrototype(const btf* kernel, const std::string& name,
                           const std::vector<std::pair<size_t, std::string>>& structs,
                           size_t arguments) {
  const std::string typedef_name = "btf_trace_" + name;
  const int id = btf__find_by_name_kind(kernel, typedef_name.c_str(), BTF_KIND_TYPEDEF);
  if (id < 0) return "tracepoint io_uring:" + name + " is not in the kernel's BTF";
  const btf_type* pointer = btf__type_by_id(kernel, btf__resolve_type(kernel, id));
  const btf_type* proto =
      pointer && btf_is_ptr(pointer) ? btf__type_by_id(kernel, pointer->type) : nullptr;
  const std::string other_shape =
      "tracepoint io_uring:" + name + " has another prototype than the one the programs read";
  if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) != arguments + 1) return other_shape;
  const btf_param* params = btf_params(proto);
  for (const auto& [position, struct_name] : structs) {
    if (PointeeName(kernel, params[position + 1].type) != struct_name) return other_shape;
  }
  return "";
}

}  // namespace

std::string IoUringHooksUnavailableReason() {
  BtfPtr kernel(btf__load_vmlinux_btf(), btf__free);
  if (!kernel) return "the kernel's BTF cannot be read";
  if (std::string reason =
          CheckPrototype(kernel.get(), "io_uring_submit_req", {{0, "io_kiocb"}}, 1);
      !reason.empty()) {
    return reason;
  }
  return CheckPrototype(kernel.get(), "io_uring_complete",
                        {{0, "io_ring_ctx"}, {2, "io_uring_cqe"}}, 3);
}

}  // namespace accept4_exporter
