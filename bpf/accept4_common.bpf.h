/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the counting programs of accept4.bpf.c share, whichever way they hook
 * the accept path (syscall tracepoints or fentry/fexit): the maps, the
 * settings, what enter and exit do with a call, and the process-exit hook.
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
/* maps.max_series_per_uid; 0: no per-uid share */
const volatile __u64 max_series_per_uid = 0;

/*
 * One entry per series; max_entries is set from the config before load.
 * Shared by every CPU (atomic adds) rather than per CPU: a per-CPU value
 * would cost max_entries x CPUs x its size, over a gigabyte on 192 CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ACCEPT4_DEFAULT_MAX_SERIES);
	__type(key, struct accept4_key);
	__type(value, struct accept4_counts);
} stats SEC(".maps");

/* Calls that got no series, by reason, syscall and errno (see accept4.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ACCEPT4_OVERFLOW_REASON_MAX * ACCEPT4_SYSCALL_MAX *
				    ACCEPT4_OVERFLOW_ERRNO_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} overflow SEC(".maps");

/*
 * With the pid label: every process that has series, by tgid and start
 * time, with its name and uid; sized like stats, since each process has at
 * least one series.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ACCEPT4_DEFAULT_MAX_SERIES);
	__type(key, struct accept4_process_key);
	__type(value, struct accept4_process);
} processes SEC(".maps");

/* Series made per uid (added to here) and deleted per uid (by the exporter). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ACCEPT4_MAX_UIDS);
	__type(key, __u32);
	__type(value, __u64);
} uid_series SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ACCEPT4_MAX_UIDS);
	__type(key, __u32);
	__type(value, __u64);
} uid_series_deleted SEC(".maps");

static const struct accept4_counts zero_counts;
static const __u64 zero_count;

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

static __always_inline __u8 flag_bits(int flags)
{
	__u8 bits = 0;

	if (flags & O_CLOEXEC)
		bits |= ACCEPT4_FLAG_CLOEXEC;
	if (flags & O_NONBLOCK)
		bits |= ACCEPT4_FLAG_NONBLOCK;
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		bits |= ACCEPT4_FLAG_UNKNOWN;
	return bits;
}

static __always_inline void count_overflow(enum accept4_overflow_reason reason,
					   enum accept4_syscall syscall, long ret)
{
	__u32 slot = ret < 0 ? (__u32)-ret : 0;
	__u32 index;
	__u64 *count;

	if (slot >= ACCEPT4_OVERFLOW_ERRNO_SLOTS)
		slot = ACCEPT4_OVERFLOW_ERRNO_SLOTS - 1;
	index = (reason * ACCEPT4_SYSCALL_MAX + syscall) * ACCEPT4_OVERFLOW_ERRNO_SLOTS + slot;
	count = bpf_map_lookup_elem(&overflow, &index);
	if (count)
		__sync_fetch_and_add(count, 1);
}

/*
 * Whether `uid` may make one more series: it holds fewer than
 * max_series_per_uid, so that no local user can fill the map and push
 * everyone else into [overflow]. A uid the table has no room for may not.
 */
static __always_inline bool uid_has_share(__u32 uid)
{
	__u64 *made, *deleted;

	if (!max_series_per_uid)
		return true;
	made = bpf_map_lookup_elem(&uid_series, &uid);
	if (!made) {
		bpf_map_update_elem(&uid_series, &uid, &zero_count, BPF_NOEXIST);
		made = bpf_map_lookup_elem(&uid_series, &uid);
		if (!made)
			return false;
	}
	deleted = bpf_map_lookup_elem(&uid_series_deleted, &uid);
	return *made - (deleted ? *deleted : 0) < max_series_per_uid;
}

/*
 * Makes the series of `key`, the first call of its label set: the slow path.
 * `task` made the call (for io_uring, submitted it): its uid pays for the
 * series from its share, and with the pid label its process is recorded
 * with its name. Returns the reason it could not, or -1 when it did.
 */
static __always_inline int make_series(const struct accept4_key *key, struct task_struct *task)
{
	struct accept4_process_key process_key = {};
	struct accept4_process process = {};
	__u32 uid = BPF_CORE_READ(task, cred, uid.val);
	__u64 *made;

	if (!uid_has_share(uid))
		return ACCEPT4_OVERFLOW_UID_SHARE;
	if (with_pid) {
		/*
		 * Before the series, so that a reader that finds the series
		 * finds its process; only the first series of a process
		 * records it.
		 */
		process_key.tgid = key->tgid;
		process_key.start = key->process_start;
		process.uid = uid;
		bpf_probe_read_kernel_str(&process.comm, sizeof(process.comm),
					  BPF_CORE_READ(task, group_leader, comm));
		bpf_map_update_elem(&processes, &process_key, &process, BPF_NOEXIST);
	}
	/* fails with E2BIG when full, EEXIST when another CPU just made it */
	if (bpf_map_update_elem(&stats, key, &zero_counts, BPF_NOEXIST) != 0)
		return bpf_map_lookup_elem(&stats, key) ? -1 : ACCEPT4_OVERFLOW_MAP_FULL;
	made = bpf_map_lookup_elem(&uid_series, &uid);
	if (made)
		__sync_fetch_and_add(made, 1);
	return -1;
}

/*
 * Folds one finished call into its series. The caller has set the process
 * part of the key (tgid, process_start, comm); the rest comes from the call.
 * Shared by the syscall exits and the io_uring completions.
 */
static __always_inline void count_call(struct accept4_key *key,
				       const struct accept4_inflight *call, long ret,
				       bool timed, __u64 now, struct task_struct *task)
{
	struct accept4_counts *counts;
	__u32 bucket;
	int refused;

	key->flags = flag_bits(call->flags);
	key->result = ret < 0 ? (__s32)ret : 0;
	key->family = call->family;
	key->port = with_port ? call->port : 0;
	key->syscall = call->syscall;
	key->listener = call->listener;
	key->readiness = call->readiness;

	counts = bpf_map_lookup_elem(&stats, key);
	if (!counts) {
		refused = make_series(key, task);
		if (refused >= 0) {
			count_overflow(refused, call->syscall, ret);
			return;
		}
		counts = bpf_map_lookup_elem(&stats, key);
		if (!counts)
			return;
	}
	/* one value for every CPU: atomic adds, as few as the histograms allow */
	if (timed) {
		__u64 ns = now - call->start_ns;

		__sync_fetch_and_add(&counts->duration_ns_sum, ns);
		bucket = duration_bucket(ns);
		/* the verifier cannot see the clamp inside the helper: check again */
		barrier_var(bucket);
		if (bucket < ACCEPT4_DURATION_BUCKETS)
			__sync_fetch_and_add(&counts->duration_buckets[bucket], 1);
	} else {
		__sync_fetch_and_add(&counts->untimed_calls, 1);
	}
	if (call->has_backlog) {
		__sync_fetch_and_add(&counts->backlog_sum, call->backlog);
		/* a plain store, and only on a change: the limit seldom moves */
		if (counts->backlog_limit != call->backlog_limit)
			counts->backlog_limit = call->backlog_limit;
		bucket = backlog_bucket(call->backlog);
		barrier_var(bucket);
		if (bucket < ACCEPT4_BACKLOG_BUCKETS)
			__sync_fetch_and_add(&counts->backlog_buckets[bucket], 1);
	}
}

/*
 * When the process of `task` started (its leader's start_boottime, what
 * /proc/<pid>/stat's starttime counts): with the tgid, it names the process
 * for good, where a tgid alone may be reused. `task` is a BTF pointer here,
 * so the loads are direct.
 */
static __always_inline __u64 process_start(struct task_struct *task)
{
	return task->group_leader->start_boottime;
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
	if (with_pid) {
		key.tgid = (__u32)(pid_tgid >> 32);
		key.process_start = process_start(task);
	} else {
		/* the process name: the leader's, as threads may rename themselves */
		read_leader_comm(task, key.comm);
	}
	count_call(&key, &call, ret, timed, now, task);
	return 0;
}

/* Fires for every exiting thread; only the last one of a recorded process matters. */
SEC("tracepoint/sched/sched_process_exit")
int handle_process_exit(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct accept4_process_key process_key = {};
	struct accept4_process *process;

	if (!with_pid || BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	process_key.tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	process_key.start = process_start(task);
	process = bpf_map_lookup_elem(&processes, &process_key);
	if (process)
		process->exited_ns = bpf_ktime_get_ns();
	return 0;
}

#endif /* ACCEPT4_EXPORTER_BPF_ACCEPT4_COMMON_BPF_H_ */
