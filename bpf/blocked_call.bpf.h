/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which accept call another thread is in, read from the user registers the
 * kernel saved when that thread entered the syscall: the syscall number and
 * the arguments stay there for the whole call. Used by the task iterator,
 * for calls that began before the programs attached and so have no record.
 */
#ifndef ACCEPT4_EXPORTER_BPF_BLOCKED_CALL_BPF_H_
#define ACCEPT4_EXPORTER_BPF_BLOCKED_CALL_BPF_H_

#include "accept4.h"
#include "kernel_defs.bpf.h"
#include "listener.bpf.h"

/*
 * Syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl,
 * include/uapi/asm-generic/unistd.h for arm64) and where the entry code
 * keeps the number: orig_ax on x86_64, syscallno on arm64.
 */
#if defined(bpf_target_x86)
#define ACCEPT4_NR_ACCEPT 43
#define ACCEPT4_NR_ACCEPT4 288
static __always_inline long saved_syscall_nr(struct pt_regs *regs)
{
	return BPF_CORE_READ(regs, orig_ax);
}
#elif defined(bpf_target_arm64)
#define ACCEPT4_NR_ACCEPT 202
#define ACCEPT4_NR_ACCEPT4 242
/* arm64's struct pt_regs, which an x86 vmlinux.h does not have */
struct pt_regs___arm64_syscallno {
	int syscallno;
} __attribute__((preserve_access_index));
static __always_inline long saved_syscall_nr(struct pt_regs *regs)
{
	return BPF_CORE_READ((struct pt_regs___arm64_syscallno *)regs, syscallno);
}
#else
#error "unsupported architecture: add its accept syscall numbers"
#endif

/* task_struct::state was renamed __state in Linux 5.14 (commit 2f064a59a11f) */
struct task_struct___pre_5_14 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline unsigned int task_state(struct task_struct *task)
{
	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ((struct task_struct___pre_5_14 *)task, state);
}

/* bpf_task_pt_regs came with Linux 5.15; older kernels cannot look */
static __always_inline bool can_read_saved_regs(void)
{
	return bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs);
}

static __always_inline struct pt_regs *saved_regs(struct task_struct *task)
{
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

/*
 * The accept syscall whose entry saved `regs`, or -1 for any other. Only
 * meaningful while the task is in the kernel: a task running user code
 * still shows its last entry.
 */
static __always_inline int saved_accept_syscall(struct pt_regs *regs)
{
	long nr = saved_syscall_nr(regs);

	if (nr == ACCEPT4_NR_ACCEPT4)
		return ACCEPT4_SYSCALL_ACCEPT4;
	if (nr == ACCEPT4_NR_ACCEPT)
		return ACCEPT4_SYSCALL_ACCEPT;
	return -1;
}

/*
 * Describes the accept call that `task` is asleep in, from its saved
 * registers and its own fd table; false when it is not asleep in one.
 * accept waits TASK_INTERRUPTIBLE (inet_csk_wait_for_connect, unix's
 * skb_recv_datagram); a stopped or traced task is in another state, even
 * if its registers still name accept.
 */
static __always_inline bool describe_blocked_call(struct task_struct *task,
						  struct accept4_inflight *call)
{
	struct pt_regs *regs;
	int syscall;

	if (!can_read_saved_regs() || task_state(task) != TASK_INTERRUPTIBLE)
		return false;
	regs = saved_regs(task);
	syscall = saved_accept_syscall(regs);
	if (syscall < 0)
		return false;
	call->syscall = syscall;
	describe_task_listener(task, (int)PT_REGS_PARM1_CORE_SYSCALL(regs), call);
	return true;
}

#endif /* ACCEPT4_EXPORTER_BPF_BLOCKED_CALL_BPF_H_ */
