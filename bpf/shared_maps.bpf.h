/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps and settings that the counting object (accept4.bpf.c) and the
 * task iterator (inflight_iter.bpf.c) both use. Each object declares them through this header; the exporter loads
 * the counting object first and hands its maps to the iterator
 * (bpf_map__reuse_fd), so both see the same calls and the same filters.
 */
#ifndef ACCEPT4_EXPORTER_BPF_SHARED_MAPS_BPF_H_
#define ACCEPT4_EXPORTER_BPF_SHARED_MAPS_BPF_H_

#include "accept4.h"

/* Set by the exporter through each skeleton's rodata before load, the same in both. */
/* count only the processes in tgid_filter (filters.pids) */
const volatile bool filter_tgids = false;
/* count only the tasks whose cgroup is in cgroup_filter (filters.cgroup_path_prefixes) */
const volatile bool filter_cgroups = false;

/*
 * The call between enter and exit, per thread. Task storage rather than a
 * hash by thread id: no hashing on the hot path (bench/ measured 18 ns
 * against about 100 for the hash), no limit on threads blocked in accept,
 * and the kernel frees it with the thread. start_ns 0: no call open.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct accept4_inflight);
} inflight SEC(".maps");

/* filters.pids; only looked at when filter_tgids is set */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} tgid_filter SEC(".maps");

/*
 * Cgroup v2 ids under filters.cgroup_path_prefixes, kept up to date by the
 * exporter as cgroups come and go; only looked at when filter_cgroups is set.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u8);
} cgroup_filter SEC(".maps");

/*
 * Whether filters.pids and filters.cgroup_path_prefixes keep process `tgid`
 * in cgroup `cgroup_id`, for a task other than the current one (the task
 * iterator, an io_uring submitter). cgroup_id is only looked at when
 * filter_cgroups is set: pass filtered_cgroup_id(task).
 */
static __always_inline bool filters_keep(__u32 tgid, __u64 cgroup_id)
{
	if (filter_tgids && !bpf_map_lookup_elem(&tgid_filter, &tgid))
		return false;
	if (filter_cgroups && !bpf_map_lookup_elem(&cgroup_filter, &cgroup_id))
		return false;
	return true;
}

/*
 * The cgroup v2 id of `task`, what bpf_get_current_cgroup_id() gives for
 * the current task, for a task that may not be the current one.
 */
static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/* The same, or 0 without reading it when no cgroup filter is set. */
static __always_inline __u64 filtered_cgroup_id(struct task_struct *task)
{
	return filter_cgroups ? task_cgroup_id(task) : 0;
}

#endif /* ACCEPT4_EXPORTER_BPF_SHARED_MAPS_BPF_H_ */
