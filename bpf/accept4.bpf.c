// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Counts every accept4(2) and accept(2) on the host, aggregated in the kernel,
 * through the syscall tracepoints (attach_mode: tracepoint, or auto where
 * fentry is refused).
 *
 * sys_enter_* notes per thread what the call is about (flags, listener
 * family and mode, queue length) and when it started; sys_exit_* adds the
 * result and folds the call into a per-CPU hash keyed by process and labels.
 * User space only reads and sums the maps.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "accept4_common.bpf.h"
#include "io_uring.bpf.h"

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
