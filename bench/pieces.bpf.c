// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pieces that accept4.bpf.c's programs are made of, each alone in a
 * program on sys_enter_accept4 (or, named exit_*, on sys_exit_accept4), so
 * that the kernel's run-time statistics say what each piece costs per call
 * (minus the empty program on the same tracepoint, the cost of any program
 * that stores its result). The benchmark prints them beside the
 * per-call figures, so that a missed target comes with where the time goes.
 *
 * describe_listener, the comm read and the inflight map are the exporter's
 * own (listener.bpf.h, listener_direct.bpf.h, task_comm.bpf.h,
 * shared_maps.bpf.h), each in the build the exporter loads on this kernel
 * and in the probe-read build it loads before Linux 6.2 (so this object
 * needs 6.2 or later); the stats pieces use maps of the same key and value
 * as accept4.bpf.c's stats.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "accept4.h"
#include "listener.bpf.h"
/* the exporter's own inflight task storage (and filter maps, unused here) */
#include "shared_maps.bpf.h"
#include "task_comm.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* like accept4.bpf.c's stats: one value shared by every CPU, atomic adds */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct accept4_key);
	__type(value, struct accept4_counts);
} stats SEC(".maps");

/* the layout it replaced: a copy of the value per CPU, plain adds */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct accept4_key);
	__type(value, struct accept4_counts);
} percpu_stats SEC(".maps");

/* stats with its entries allocated as series come (BPF_F_NO_PREALLOC) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct accept4_key);
	__type(value, struct accept4_counts);
} stats_no_prealloc SEC(".maps");

/* Results go here, so that the compiler keeps the work that makes them. */
__u64 sink;
/* the EAGAIN loop's listener, set by the benchmark: exit has no arguments */
int listener_fd = -1;

static const struct accept4_counts zero_value;

/*
 * The baseline every piece is measured against: no work, but the store to
 * `sink` that every piece makes. On a guest that empties the TLB at each
 * syscall, the first touch of the global's page costs a page walk (about
 * 20 ns on the guest of docs/benchmarks.md), which is no piece's own cost.
 * Pieces alone still read high: each is the first to touch its kernel
 * objects after the syscall's entry, where in the exporter's programs
 * those walks are shared (docs/benchmarks.md compares both).
 */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_empty(void *ctx)
{
	sink = 0;
	return 0;
}

/* one clock read, which enter and exit each make: its cost depends on the
 * clocksource (a TSC read on most hosts, more under a paravirtual clock) */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_clock(void *ctx)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

/* both programs take the time and the pid */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_clock_and_pid(void *ctx)
{
	sink = bpf_ktime_get_ns() + bpf_get_current_pid_tgid();
	return 0;
}

/* the listener read with direct loads (bpf_rdonly_cast), as from Linux 6.2... */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_describe_listener(struct trace_event_raw_sys_enter *ctx)
{
	struct accept4_inflight call = {};

	describe_listener_file_direct(task_fd_file(bpf_get_current_task_btf(), (int)ctx->args[0]),
				      &call);
	sink = call.family + call.listener + call.backlog;
	return 0;
}

/* ...and with a probe read per field, as the probe-read build does */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_describe_listener_probe_read(struct trace_event_raw_sys_enter *ctx)
{
	struct accept4_inflight call = {};

	describe_listener_file_probe_read(
		task_fd_file(bpf_get_current_task_btf(), (int)ctx->args[0]), &call);
	sink = call.family + call.listener + call.backlog;
	return 0;
}

/* the fd table look-up that describe_listener starts with... */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_fd_file(struct trace_event_raw_sys_enter *ctx)
{
	sink = (__u64)task_fd_file(bpf_get_current_task_btf(), (int)ctx->args[0]);
	return 0;
}

/* ...and the same with the readiness read on the file it found: the
 * difference is what the readiness label costs a call */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_fd_ready(struct trace_event_raw_sys_enter *ctx)
{
	struct file *file = task_fd_file(bpf_get_current_task_btf(), (int)ctx->args[0]);

	sink = file ? file_readiness(file) : 0;
	return 0;
}

/* enter's store into task storage, exit's look-up and close */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_inflight_storage(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct accept4_inflight call = {};
	struct accept4_inflight *open;

	open = bpf_task_storage_get(&inflight, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (open)
		*open = call;
	open = bpf_task_storage_get(&inflight, task, 0, 0);
	if (open)
		open->start_ns = 0;
	return 0;
}

/* the leader's comm with two loads from the BTF task pointer... */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_leader_comm(void *ctx)
{
	struct accept4_key key = {};

	read_leader_comm(bpf_get_current_task_btf(), key.comm);
	sink = key.comm[0];
	return 0;
}

/* ...and with bpf_probe_read_kernel_str, the helper call it replaces */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_leader_comm_probe_read(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct accept4_key key = {};

	bpf_probe_read_kernel_str(&key.comm, sizeof(key.comm), task->group_leader->comm);
	sink = key.comm[0];
	return 0;
}

/* The series of this process's EAGAIN calls in `map`, made at its first call. */
static __always_inline struct accept4_counts *existing_series(void *map)
{
	struct accept4_key key = {};
	struct accept4_counts *value;

	key.tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	key.result = -11;
	value = bpf_map_lookup_elem(map, &key);
	if (value)
		return value;
	bpf_map_update_elem(map, &key, &zero_value, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, &key);
}

/* what the exit does for each call: its series looked up, and one add */
static __always_inline int count_one_call(void *map)
{
	struct accept4_counts *value = existing_series(map);

	if (value)
		__sync_fetch_and_add(&value->untimed_calls, 1);
	return 0;
}

/* the exit's lookup of an existing series, and its count */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_stats_entry(void *ctx)
{
	return count_one_call(&stats);
}

/*
 * What atomic updates on a shared hash would cost against plain ones on a
 * per-CPU hash: the same look-up of an existing series, then four of the
 * value's counters added to, as count_call does for a timed call.
 */
SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_percpu_plain_adds(void *ctx)
{
	struct accept4_counts *value = existing_series(&percpu_stats);

	if (!value)
		return 0;
	value->duration_ns_sum += 1000;
	value->duration_buckets[1]++;
	value->backlog_sum += 3;
	value->backlog_buckets[2]++;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_shared_atomic_adds(void *ctx)
{
	struct accept4_counts *value = existing_series(&stats);

	if (!value)
		return 0;
	__sync_fetch_and_add(&value->duration_ns_sum, 1000);
	__sync_fetch_and_add(&value->duration_buckets[1], 1);
	__sync_fetch_and_add(&value->backlog_sum, 3);
	__sync_fetch_and_add(&value->backlog_buckets[2], 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int piece_stats_entry_no_prealloc(void *ctx)
{
	return count_one_call(&stats_no_prealloc);
}

/*
 * The same work on sys_exit_accept4, minus an empty program there: by then
 * the syscall itself has touched the fd table, the file, the socket and the
 * listen queue.
 */
SEC("tracepoint/syscalls/sys_exit_accept4")
int piece_exit_empty(void *ctx)
{
	sink = 0;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int piece_exit_describe_listener(void *ctx)
{
	struct accept4_inflight call = {};

	describe_listener_file_direct(task_fd_file(bpf_get_current_task_btf(), listener_fd), &call);
	sink = call.family + call.listener + call.backlog;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int piece_exit_stats_entry(void *ctx)
{
	return count_one_call(&stats);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int piece_exit_inflight_read(void *ctx)
{
	struct accept4_inflight *open;

	open = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	if (open)
		sink = open->start_ns;
	return 0;
}
