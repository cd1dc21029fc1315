// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lists the accept(2)/accept4(2) calls in progress, for the
 * accept4_inflight_* gauges. The exporter runs this task iterator at each
 * poll: it walks every thread of the host once and writes one
 * accept4_inflight_call per thread that is inside an accept call.
 *
 * A call that began after the counting programs attached has the record its
 * enter program keeps in the `inflight` task storage. A call that began
 * before has none; a thread asleep in it is found by its saved registers
 * (bpf/blocked_call.bpf.h), and reported with start_ns 0.
 *
 * Its own object, loaded after the counting one (accept4.bpf.c) with that
 * object's maps handed over by fd: it runs at poll time on the exporter's
 * thread, never on the accept path, so the counting programs stay exactly
 * what bench/ measures, and neither object depends on how the other hooks
 * the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "accept4.h"
#include "blocked_call.bpf.h"
#include "shared_maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The enter program's record of the call `task` is in, or NULL. A record
 * whose exit was never seen (the exit hook attached after the enter hook,
 * or the thread left the filters mid-call) stays open; the saved syscall
 * number tells it from a call that is really running.
 */
static __always_inline struct accept4_inflight *open_record(struct task_struct *task)
{
	struct accept4_inflight *call = bpf_task_storage_get(&inflight, task, 0, 0);

	if (!call || !call->start_ns)
		return NULL;
	if (can_read_saved_regs() && saved_accept_syscall(saved_regs(task)) != call->syscall)
		return NULL;
	return call;
}

SEC("iter/task")
int list_inflight_calls(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct accept4_inflight_call out = {};
	struct accept4_inflight blocked = {};
	struct accept4_inflight *call;

	/* a NULL task ends the walk; kernel threads and zombies make no syscalls */
	if (!task || (task->flags & PF_KTHREAD) || task->exit_state)
		return 0;
	if (!filters_keep(task->tgid, filtered_cgroup_id(task)))
		return 0;
	call = open_record(task);
	if (call) {
		out.start_ns = call->start_ns;
	} else {
		if (!describe_blocked_call(task, &blocked))
			return 0;
		call = &blocked;
	}
	out.syscall = call->syscall;
	out.listener = call->listener;
	out.readiness = call->readiness;
	out.family = call->family;
	out.port = call->port;
	out.tgid = task->tgid;
	/* the process name: the leader's, as for the counters */
	bpf_probe_read_kernel_str(&out.comm, sizeof(out.comm), task->group_leader->comm);
	bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
	return 0;
}
