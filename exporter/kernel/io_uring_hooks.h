// Whether the running kernel can take the io_uring hooks of
// bpf/io_uring.bpf.h. They are typed tracepoints (tp_btf), checked by the
// verifier against the tracepoint's prototype in the kernel's BTF; a kernel
// whose prototypes differ would refuse the whole BPF object, so the exporter
// asks the BTF first and leaves the io_uring programs out there.
#pragma once

#include <string>

namespace accept4_exporter {

// Empty when io_uring_submit_req(struct io_kiocb *) and
// io_uring_complete(ctx, req, struct io_uring_cqe *) are in the kernel's
// BTF; otherwise one line saying what is missing.
std::string IoUringHooksUnavailableReason();

}  // namespace accept4_exporter
