// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Counts every accept4(2) and accept(2) on the host, aggregated in the kernel.
 *
 * The enter hook notes per thread what the call is about (flags, listener
 * family and mode, queue length) and when it started; the exit hook adds the
 * result and folds the call into a per-CPU hash keyed by process and labels.
 * User space only reads and sums the maps.
 *
 * One object, every hook the exporter may use; it loads only the programs
 * it attaches (bpf_program__set_autoload), chosen before load:
 *
 *   accept      the syscalls, in one of two ways:
 *               - syscall tracepoints (attach_mode tracepoint, or auto where
 *                 the kernel refuses fentry): handle_enter_* / handle_exit_*
 *               - fentry/fexit on the syscall entry points: BPF trampolines
 *                 cost less and do not put every syscall of the host on the
 *                 tracing slow path: handle_fentry_* / handle_fexit_*
 *   process_exit  sched_process_exit (accept4_common.bpf.h), for reaping
 *   io_uring    IORING_OP_ACCEPT (io_uring.bpf.h), optional
 *
 * The fentry targets below are x86_64's; the exporter names the running
 * architecture's (__arm64_sys_accept4, ...) before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "accept4_common.bpf.h"
#include "io_uring.bpf.h"

/* accept, attach_mode tracepoint */

SEC("tracepoint/syscalls/sys_enter_accept4")
int handle_enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((int)ctx->args[0], (int)ctx->args[3], ACCEPT4_SYSCALL_ACCEPT4);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int handle_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret, ACCEPT4_SYSCALL_ACCEPT4);
}

SEC("tracepoint/syscalls/sys_enter_accept")
int handle_enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((int)ctx->args[0], 0, ACCEPT4_SYSCALL_ACCEPT);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int handle_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret, ACCEPT4_SYSCALL_ACCEPT);
}

/* accept, attach_mode fentry. The syscall wrappers take the user registers. */

SEC("fentry/__x64_sys_accept4")
int BPF_PROG(handle_fentry_accept4, struct pt_regs *regs)
{
	return on_enter((int)PT_REGS_PARM1_CORE_SYSCALL(regs), (int)PT_REGS_PARM4_CORE_SYSCALL(regs),
			ACCEPT4_SYSCALL_ACCEPT4);
}

SEC("fexit/__x64_sys_accept4")
int BPF_PROG(handle_fexit_accept4, struct pt_regs *regs, long ret)
{
	return on_exit(ret, ACCEPT4_SYSCALL_ACCEPT4);
}

SEC("fentry/__x64_sys_accept")
int BPF_PROG(handle_fentry_accept, struct pt_regs *regs)
{
	return on_enter((int)PT_REGS_PARM1_CORE_SYSCALL(regs), 0, ACCEPT4_SYSCALL_ACCEPT);
}

SEC("fexit/__x64_sys_accept")
int BPF_PROG(handle_fexit_accept, struct pt_regs *regs, long ret)
{
	return on_exit(ret, ACCEPT4_SYSCALL_ACCEPT);
}
