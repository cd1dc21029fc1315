/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the BPF programs and the exporter: map keys, map
 * values and the enums that index them. Fixed-width types only, so that
 * clang -target bpf and g++ lay every struct out the same way; the C++ side
 * checks the sizes with static_assert.
 *
 * The BPF side gets the __u* types from vmlinux.h, the C++ side from
 * <linux/types.h>; include one of those before this header.
 */
#ifndef ACCEPT4_EXPORTER_BPF_ACCEPT4_H_
#define ACCEPT4_EXPORTER_BPF_ACCEPT4_H_

#define ACCEPT4_COMM_LEN 16

/*
 * accept4_key.flags: the accept4 flags collapsed into these bits, so that
 * the flags label is a closed set and junk flag bits (EINVAL calls) cannot
 * mint series. ACCEPT4_FLAG_UNKNOWN stands for any other flag bit.
 */
#define ACCEPT4_FLAG_CLOEXEC 0x1
#define ACCEPT4_FLAG_NONBLOCK 0x2
#define ACCEPT4_FLAG_UNKNOWN 0x4

/* family value when the fd is not an open socket */
#define ACCEPT4_FAMILY_UNKNOWN 0xffff

/*
 * Duration buckets are powers of two of nanoseconds, with inclusive upper
 * bounds as in Prometheus: bucket 0 holds every call of at most
 * 2^ACCEPT4_DURATION_MIN_SHIFT ns (about 1 us), bucket i the calls of at most
 * 2^(ACCEPT4_DURATION_MIN_SHIFT + i) ns; the last one holds everything longer
 * (over about 34 s), and becomes le="+Inf".
 */
#define ACCEPT4_DURATION_MIN_SHIFT 10
#define ACCEPT4_DURATION_BUCKETS 27

/*
 * Backlog buckets: bucket 0 holds a queue length of 0, bucket i a length
 * below 2^i (upper bound 2^i - 1); the last one holds everything longer.
 */
#define ACCEPT4_BACKLOG_BUCKETS 18

/*
 * The overflow array counts calls that got no series of their own, one slot
 * per reason, syscall and errno, so that totals per syscall and errno stay
 * exact: index (reason * ACCEPT4_SYSCALL_MAX + syscall) *
 * ACCEPT4_OVERFLOW_ERRNO_SLOTS + errno. Slot 0 is success; an errno at or
 * above the last slot is clamped to it.
 */
#define ACCEPT4_OVERFLOW_ERRNO_SLOTS 1024

enum accept4_overflow_reason {
	/* the stats map was full */
	ACCEPT4_OVERFLOW_MAP_FULL = 0,
	/* the calling user had used up its share of the stats map */
	ACCEPT4_OVERFLOW_UID_SHARE = 1,
	ACCEPT4_OVERFLOW_REASON_MAX,
};

enum accept4_syscall {
	ACCEPT4_SYSCALL_ACCEPT4 = 0,
	ACCEPT4_SYSCALL_ACCEPT = 1,
	/* IORING_OP_ACCEPT: one call per completion (bpf/io_uring.bpf.h) */
	ACCEPT4_SYSCALL_IO_URING = 2,
	ACCEPT4_SYSCALL_MAX,
};

/* whether the listening *file* would block (its O_NONBLOCK), not the new socket */
enum accept4_listener {
	ACCEPT4_LISTENER_UNKNOWN = 0,
	ACCEPT4_LISTENER_BLOCKING = 1,
	ACCEPT4_LISTENER_NONBLOCKING = 2,
	ACCEPT4_LISTENER_MAX,
};

/*
 * Whether an epoll set watched the listening file at the call. A blocking
 * listener that epoll watches is the event-loop stall hazard: the loop is
 * woken, another waiter takes the connection, and the loop blocks in accept.
 */
enum accept4_readiness {
	ACCEPT4_READINESS_UNKNOWN = 0, /* the fd is not an open socket */
	ACCEPT4_READINESS_NONE = 1,
	ACCEPT4_READINESS_EPOLL = 2,
	ACCEPT4_READINESS_MAX,
};

/*
 * Key of the stats map: one entry per series. Zeroed before it is filled.
 * With the pid label, a process is its tgid and its start time, so that a
 * new process that reuses a pid never shares the old one's entries, and its
 * name is kept once per process (struct accept4_process) rather than in the
 * key, so that renames cannot mint series.
 */
struct accept4_key {
	__u64 cgroup_id;     /* task's cgroup v2 id at exit; 0 when the cgroup label is disabled */
	__u64 process_start; /* leader's start_boottime; 0 when the pid label is disabled */
	__u32 tgid;          /* 0 when the pid label is disabled */
	__s32 result;        /* 0 on success, -errno on failure */
	__u16 family;        /* listener's sk_family, or ACCEPT4_FAMILY_UNKNOWN */
	__u16 port;          /* listener's local port for inet, 0 otherwise or when disabled */
	__u8 syscall;        /* enum accept4_syscall */
	__u8 listener;       /* enum accept4_listener */
	__u8 readiness;      /* enum accept4_readiness */
	__u8 flags;          /* ACCEPT4_FLAG_* bits */
	/* thread-group leader's comm without the pid label; with it, all zero
	 * in the kernel and filled from struct accept4_process by user space */
	char comm[ACCEPT4_COMM_LEN];
};

/*
 * Value of the stats map: one copy shared by every CPU, updated with atomic
 * adds, so that its memory does not grow with the CPU count. Call and sample
 * counts are the sums of the buckets: one add less per call.
 */
struct accept4_counts {
	/* calls whose enter was not seen (they began before the programs
	 * attached), counted without a duration */
	__u64 untimed_calls;
	__u64 duration_ns_sum;
	/* calls on a listening inet or unix stream socket, whose queue was read */
	__u64 backlog_sum;
	/* sk_max_ack_backlog seen by the latest sample */
	__u64 backlog_limit;
	__u64 duration_buckets[ACCEPT4_DURATION_BUCKETS];
	__u64 backlog_buckets[ACCEPT4_BACKLOG_BUCKETS];
};

/* Key of the processes map: a process is its tgid and its start time. */
struct accept4_process_key {
	__u32 tgid;
	__u32 pad;
	__u64 start; /* the leader's start_boottime */
};

/*
 * One process that has series (with the pid label), written when its first
 * series is made. The sched_process_exit hook stamps its exit; the exporter
 * deletes the entry when it deletes the process's series.
 */
struct accept4_process {
	__u64 exited_ns; /* bpf_ktime_get_ns() when its last thread exited; 0 while alive */
	__u32 uid;       /* the real uid that made its first series, whose share it uses */
	__u32 pad;
	char comm[ACCEPT4_COMM_LEN]; /* the leader's comm then */
};

/* What the enter program learns about a call, kept per thread until exit. */
struct accept4_inflight {
	__u64 start_ns;
	__u32 backlog;
	__u32 backlog_limit;
	__s32 flags;
	__u16 family;
	__u16 port;
	__u8 syscall;
	__u8 listener;
	__u8 has_backlog;
	__u8 readiness; /* enum accept4_readiness, read with the listener */
};

/*
 * An io_uring accept from its submission to its final completion, keyed by
 * the kernel's request pointer (struct io_kiocb *). What is known at
 * submission: the listening file is only resolved when the request is issued,
 * so family and listener are read at each completion instead. An entry is an
 * accept in progress, including an armed multishot one.
 */
struct accept4_io_uring_request {
	/* submission, or for a multishot request its previous completion */
	__u64 start_ns;
	/* the ring (struct io_ring_ctx *) and user_data, which name a multishot
	 * request's completions: the kernel posts them without the request */
	__u64 ring;
	__u64 user_data;
	__s32 flags;  /* accept flags of the request, as for accept4 */
	__u32 tgid;   /* the submitting process */
	__u64 process_start; /* its leader's start_boottime */
	char comm[ACCEPT4_COMM_LEN]; /* its thread-group leader's comm */
	__u8 multishot;
	__u8 pad[7];
};

/* Key of the map from a multishot request's completions to the request. */
struct accept4_io_uring_ring_key {
	__u64 ring;
	__u64 user_data;
};

/*
 * One call in progress at a poll, as bpf/inflight_iter.bpf.c writes it to
 * the task iterator's output: one record per thread inside accept/accept4.
 */
struct accept4_inflight_call {
	/* bpf_ktime_get_ns() at entry; 0 when the call began before the programs attached */
	__u64 start_ns;
	__u32 tgid;
	__u16 family;  /* listener's sk_family, or ACCEPT4_FAMILY_UNKNOWN */
	__u16 port;    /* listener's local port for inet, 0 otherwise */
	__u8 syscall;  /* enum accept4_syscall */
	__u8 listener; /* enum accept4_listener */
	__u8 readiness; /* enum accept4_readiness */
	__u8 pad[5];
	char comm[ACCEPT4_COMM_LEN]; /* thread-group leader's comm */
};

/*
 * Map sizes, shared by the map definitions and the exporter, which sets
 * every size again before load (from the config where it has a key).
 */
/* stats, unless maps.max_series says otherwise */
#define ACCEPT4_DEFAULT_MAX_SERIES 16384
/* uid_series, uid_series_deleted: uids that may hold series at once */
#define ACCEPT4_MAX_UIDS 4096
/* io_uring_requests and io_uring_multishot: io_uring accepts in progress */
#define ACCEPT4_MAX_IO_URING_REQUESTS 16384

#endif /* ACCEPT4_EXPORTER_BPF_ACCEPT4_H_ */
