// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The same counting as accept4.bpf.c, hooked with fentry/fexit on the
 * syscall entry points instead of the syscall tracepoints: BPF trampolines
 * cost less than tracepoints, and do not put every syscall of the host on the
 * tracing slow path. Needs a kernel that allows fentry (CONFIG_FUNCTION_TRACER,
 * BPF trampolines); where it refuses, attach_mode auto falls back to
 * accept4.bpf.c.
 *
 * The x86_64 names below are replaced with the running architecture's
 * (__arm64_sys_accept4, ...) by the exporter before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "accept4_common.bpf.h"
#include "io_uring.bpf.h"

/* The syscall wrappers take the user registers; the arguments are in them. */
SEC("fentry/__x64_sys_accept4")
int BPF_PROG(handle_enter_accept4, struct pt_regs *regs)
{
	return on_enter((int)PT_REGS_PARM1_CORE_SYSCALL(regs), (int)PT_REGS_PARM4_CORE_SYSCALL(regs),
			ACCEPT4_SYSCALL_ACCEPT4);
}

SEC("fexit/__x64_sys_accept4")
int BPF_PROG(handle_exit_accept4, struct pt_regs *regs, long ret)
{
	return on_exit(ret, ACCEPT4_SYSCALL_ACCEPT4);
}

SEC("fentry/__x64_sys_accept")
int BPF_PROG(handle_enter_accept, struct pt_regs *regs)
{
	return on_enter((int)PT_REGS_PARM1_CORE_SYSCALL(regs), 0, ACCEPT4_SYSCALL_ACCEPT);
}

SEC("fexit/__x64_sys_accept")
int BPF_PROG(handle_exit_accept, struct pt_regs *regs, long ret)
{
	return on_exit(ret, ACCEPT4_SYSCALL_ACCEPT);
}
