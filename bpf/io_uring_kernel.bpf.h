/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The io_uring internals the io_uring hooks read (struct io_kiocb, struct
 * io_accept), which are not an ABI and move between kernel versions: each
 * difference is bridged here, with the change that made it.
 *
 * The tracepoint prototypes themselves (io_uring_submit_req(req) and
 * io_uring_complete(ctx, req, cqe); older kernels passed the fields one by
 * one) are checked by the exporter in the kernel's BTF before load; where
 * they differ the io_uring programs are not loaded at all.
 */
#ifndef ACCEPT4_EXPORTER_BPF_IO_URING_KERNEL_BPF_H_
#define ACCEPT4_EXPORTER_BPF_IO_URING_KERNEL_BPF_H_

#include "kernel_defs.bpf.h"

/* Linux 6.13 moved the submitting task from io_kiocb.task to io_kiocb.tctx->task. */
struct io_kiocb___task_in_req {
	struct task_struct *task;
} __attribute__((preserve_access_index));

/* The task that submitted the request; NULL if this kernel has neither field. */
static __always_inline struct task_struct *io_uring_submitter(struct io_kiocb *req)
{
	struct io_kiocb___task_in_req *old = (void *)req;

	if (bpf_core_field_exists(req->tctx))
		return BPF_CORE_READ(req, tctx, task);
	if (bpf_core_field_exists(old->task))
		return BPF_CORE_READ(old, task);
	return NULL;
}

/*
 * The accept's own arguments, which io_accept_prep copied from the SQE into
 * the command area of the request (io_kiocb_to_cmd, Linux 6.0).
 */
static __always_inline struct io_accept *io_uring_accept_of(struct io_kiocb *req)
{
	return (struct io_accept *)&req->cmd;
}

/*
 * Whether the accept may post several completions. io_accept.iou_flags
 * (Linux 6.10, with IORING_ACCEPT_DONTWAIT) holds IORING_ACCEPT_MULTISHOT;
 * before it the only trace is a REQ_F_ bit whose number is not in BTF, so
 * every accept is taken as possibly multishot there.
 */
static __always_inline bool io_uring_accept_multishot(struct io_accept *accept)
{
	if (!bpf_core_field_exists(accept->iou_flags))
		return true;
	return BPF_CORE_READ(accept, iou_flags) & IORING_ACCEPT_MULTISHOT;
}

/*
 * Whether the request posts no completion when it succeeds. io_init_req
 * copies the SQE's IOSQE_* flags into the low bits of req->flags, whose
 * REQ_F_*_BIT numbers are defined equal to the IOSQE_*_BIT ones.
 */
static __always_inline bool io_uring_skips_success(struct io_kiocb *req)
{
	return BPF_CORE_READ(req, flags) & (1ULL << IOSQE_CQE_SKIP_SUCCESS_BIT);
}

#endif /* ACCEPT4_EXPORTER_BPF_IO_URING_KERNEL_BPF_H_ */
