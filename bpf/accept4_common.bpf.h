/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every accept4_exporter BPF object shares, whichever way it hooks the
 * accept path (accept4.bpf.c: syscall tracepoints; accept4_fentry.bpf.c:
 * fentry/fexit): the maps, the settings, what enter and exit do with a call,
 * and the process-exit hook. Included once per object.
 */
#ifndef ACCEPT4_EXPORTER_BPF_ACCEPT4_COMMON_BPF_H_
#define ACCEPT4_EXPORTER_BPF_ACCEPT4_COMMON_BPF_H_

#include "accept4.h"
#include "buckets.bpf.h"
#include "listener.bpf.h"
#include "shared_maps.bpf.h"
#include "task_comm.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the exporter through the skeleton's rodata before load. */
const volatile bool with_pid = true;
const volatile bool with_port = false;
const volatile bool with_cgroup = false;

/* One entry per series; max_entries is set from the config before load. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct accept4_key);
	__type(value, struct accept4_value);
} stats SEC(".maps");

/* Calls that found stats full, by syscall * ACCEPT4_OVERFLOW_ERRNO_SLOTS + errno. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ACCEPT4_SYSCALL_MAX * ACCEPT4_OVERFLOW_ERRNO_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} overflow SEC(".maps");

/*
 * Processes that have series, put here by the exporter; the exit hook stamps
 * the time their last thread exits so the exporter can drop their series.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} watched_tgids SEC(".maps");

static const struct accept4_value zero_value;

/* false when the config's filters leave the current process out */
static __always_inline bool wanted(__u64 pid_tgid)
{
	__u32 tgid = (__u32)(pid_tgid >> 32);

	__u64 cgroup_id;

	if (filter_tgids && !bpf_map_lookup_elem(&tgid_filter, &tgid))
		return false;
	if (filter_cgroups) {
		cgroup_id = bpf_get_current_cgroup_id();
		if (!bpf_map_lookup_elem(&cgroup_filter, &cgroup_id))
			return false;
	}
	return true;
}

static __always_inline int on_enter(int fd, int flags, enum accept4_syscall syscall)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct accept4_inflight call = {};
	struct accept4_inflight *open;

	/* the pid is for the filters only: without them, no helper call for it */
	if ((filter_tgids || filter_cgroups) && !wanted(bpf_get_current_pid_tgid()))
		return 0;
	open = bpf_task_storage_get(&inflight, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!open)
		return 0;
	call.syscall = syscall;
	call.flags = flags;
	describe_task_listener(task, fd, &call);
	/* taken last, so the duration leaves out our own work */
	call.start_ns = bpf_ktime_get_ns();
	*open = call;
	return 0;
}

/*
 * A call that was already running when we attached has no enter record. Its
 * arguments are still in the registers saved at syscall entry, so it keeps
 * its real flags and listener; only its duration is unknown.
 */
static __always_inline void describe_unmatched_call(enum accept4_syscall syscall,
						    struct accept4_inflight *call)
{
	struct pt_regs *regs;

	call->syscall = syscall;
	call->family = ACCEPT4_FAMILY_UNKNOWN;
	call->listener = ACCEPT4_LISTENER_UNKNOWN;
	call->readiness = ACCEPT4_READINESS_UNKNOWN;
	/* bpf_task_pt_regs came with Linux 5.15; older kernels keep the unknowns */
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		return;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (syscall == ACCEPT4_SYSCALL_ACCEPT4)
		call->flags = (int)PT_REGS_PARM4_CORE_SYSCALL(regs);
	describe_listener((int)PT_REGS_PARM1_CORE_SYSCALL(regs), call);
}

static __always_inline void count_overflow(enum accept4_syscall syscall, long ret)
{
	__u32 slot = ret < 0 ? (__u32)-ret : 0;
	__u32 index;
	__u64 *count;

	if (slot >= ACCEPT4_OVERFLOW_ERRNO_SLOTS)
		slot = ACCEPT4_OVERFLOW_ERRNO_SLOTS - 1;
	index = syscall * ACCEPT4_OVERFLOW_ERRNO_SLOTS + slot;
	count = bpf_map_lookup_elem(&overflow, &index);
	if (count)
		(*count)++;
}

static __always_inline struct accept4_value *stats_entry(const struct accept4_key *key)
{
	struct accept4_value *value = bpf_map_lookup_elem(&stats, key);

	if (value)
		return value;
	/* fails with E2BIG when full; the caller then counts an overflow */
	bpf_map_update_elem(&stats, key, &zero_value, BPF_NOEXIST);
	return bpf_map_lookup_elem(&stats, key);
}

/*
 * Folds one finished call into its series. The caller has set key->tgid and
 * key->comm (the process the call belongs to); the rest comes from the call.
 * Shared by the syscall exits and the io_uring completions.
 */
static __always_inline void count_call(struct accept4_key *key,
				       const struct accept4_inflight *call, long ret,
				       bool timed, __u64 now)
{
	struct accept4_value *value;
	__u32 bucket;

	key->flags = call->flags;
	key->result = ret < 0 ? (__s32)ret : 0;
	key->family = call->family;
	key->port = with_port ? call->port : 0;
	key->syscall = call->syscall;
	key->listener = call->listener;
	key->readiness = call->readiness;

	value = stats_entry(key);
	if (!value) {
		count_overflow(call->syscall, ret);
		return;
	}
	/* per-CPU value, and tracepoint programs do not nest on a CPU: no atomics */
	value->calls++;
	if (timed) {
		__u64 ns = now - call->start_ns;

		value->timed_calls++;
		value->duration_ns_sum += ns;
		bucket = duration_bucket(ns);
		/* the verifier cannot see the clamp inside the helper: check again */
		barrier_var(bucket);
		if (bucket < ACCEPT4_DURATION_BUCKETS)
			value->duration_buckets[bucket]++;
	}
	if (call->has_backlog) {
		value->backlog_samples++;
		value->backlog_sum += call->backlog;
		value->backlog_limit = call->backlog_limit;
		bucket = backlog_bucket(call->backlog);
		barrier_var(bucket);
		if (bucket < ACCEPT4_BACKLOG_BUCKETS)
			value->backlog_buckets[bucket]++;
	}
}

static __always_inline int on_exit(long ret, enum accept4_syscall syscall)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();
	struct accept4_inflight call = {};
	struct accept4_inflight *entered;
	struct accept4_key key = {};
	bool timed = false;

	if (!wanted(pid_tgid))
		return 0;
	entered = bpf_task_storage_get(&inflight, task, 0, 0);
	if (entered && entered->start_ns && entered->syscall == syscall) {
		call = *entered;
		timed = true;
	} else {
		describe_unmatched_call(syscall, &call);
	}
	/* closed; the storage stays with the thread for its next call */
	if (entered)
		entered->start_ns = 0;

	/* a constant false when the label is off: the verifier drops the call */
	key.cgroup_id = with_cgroup ? bpf_get_current_cgroup_id() : 0;
	key.tgid = with_pid ? (__u32)(pid_tgid >> 32) : 0;
	/* the process name: the leader's, as threads may rename themselves */
	read_leader_comm(task, key.comm);
	count_call(&key, &call, ret, timed, now);
	return 0;
}

/* Fires for every exiting thread; only the last one of a watched process matters. */
SEC("tracepoint/sched/sched_process_exit")
int handle_process_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	__u64 *exited_ns = bpf_map_lookup_elem(&watched_tgids, &tgid);

	if (!exited_ns || BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	*exited_ns = bpf_ktime_get_ns();
	return 0;
}

#endif /* ACCEPT4_EXPORTER_BPF_ACCEPT4_COMMON_BPF_H_ */
