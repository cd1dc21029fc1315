/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Accepts made through io_uring (IORING_OP_ACCEPT), counted in the same
 * series as accept4(2) with syscall ACCEPT4_SYSCALL_IO_URING.
 *
 * Two typed tracepoints: io_uring_submit_req notes the request (who submitted
 * it, its flags, when) in io_uring_requests, keyed by the request pointer;
 * io_uring_complete counts every completion of it as one call, through the
 * same count_call as the syscall exits. Both fire for every io_uring
 * request of the host, so each returns at once unless the opcode is
 * IORING_OP_ACCEPT.
 *
 * The process is the one that submitted, read in its own context at
 * submission: completions run in whatever task the kernel picks (the
 * submitter's task work, an io-wq worker, another task's interrupt). An
 * SQPOLL ring submits from its iou-sqp thread, a thread of the process that
 * created the ring, which is the process counted.
 *
 * The listening file is resolved when the request is issued, after the
 * submission tracepoint, so family, listener and backlog are read from
 * req->file at each completion; a fixed (registered) file is read the same way.
 *
 * A multishot accept posts a completion per connection without its request
 * pointer (only ring and user_data), so io_uring_multishot maps those to the
 * request until the final completion, the one without IORING_CQE_F_MORE.
 *
 * Included by accept4.bpf.c after accept4_common.bpf.h, whose maps, filters
 * and counting it shares.
 */
#ifndef ACCEPT4_EXPORTER_BPF_IO_URING_BPF_H_
#define ACCEPT4_EXPORTER_BPF_IO_URING_BPF_H_

#include "accept4.h"
#include "io_uring_kernel.bpf.h"
#include "task_comm.bpf.h"

/*
 * Accepts between submission and final completion. LRU so that a request
 * whose completion we never see (submitted with IOSQE_CQE_SKIP_SUCCESS and
 * one we missed at detach) cannot hold a slot forever; max_entries is set
 * by the exporter, and to 1 when the io_uring hooks are off.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ACCEPT4_MAX_IO_URING_REQUESTS);
	__type(key, __u64);
	__type(value, struct accept4_io_uring_request);
} io_uring_requests SEC(".maps");

/* (ring, user_data) of an armed multishot accept -> its request pointer */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ACCEPT4_MAX_IO_URING_REQUESTS);
	__type(key, struct accept4_io_uring_ring_key);
	__type(value, __u64);
} io_uring_multishot SEC(".maps");

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(handle_io_uring_submit, struct io_kiocb *req)
{
	struct accept4_io_uring_request request = {};
	struct accept4_io_uring_ring_key ring_key = {};
	__u64 pid_tgid, request_key;
	struct io_accept *accept;

	/* every io_uring submission of the host comes here: accepts only, first */
	if (req->opcode != bpf_core_enum_value(enum io_uring_op, IORING_OP_ACCEPT))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	/* a success posts no completion: only its errors are counted, untimed */
	if (!wanted(pid_tgid) || io_uring_skips_success(req))
		return 0;

	accept = io_uring_accept_of(req);
	request.flags = BPF_CORE_READ(accept, flags);
	request.multishot = io_uring_accept_multishot(accept);
	request.ring = (__u64)req->ctx;
	request.user_data = req->cqe.user_data;
	request.tgid = (__u32)(pid_tgid >> 32);
	request.process_start = process_start(bpf_get_current_task_btf());
	read_leader_comm(bpf_get_current_task_btf(), request.comm);
	request.start_ns = bpf_ktime_get_ns();

	request_key = (__u64)req;
	bpf_map_update_elem(&io_uring_requests, &request_key, &request, BPF_ANY);
	if (request.multishot) {
		ring_key.ring = request.ring;
		ring_key.user_data = request.user_data;
		bpf_map_update_elem(&io_uring_multishot, &ring_key, &request_key, BPF_ANY);
	}
	return 0;
}

/* The request a completion belongs to, if it is an accept; 0 otherwise. */
static __always_inline __u64 completed_accept(struct io_ring_ctx *ring, void *req,
					      struct io_uring_cqe *cqe)
{
	struct accept4_io_uring_ring_key ring_key = {};
	__u64 *found;

	/* every io_uring completion of the host comes here: accepts only, first */
	if (req) {
		if (BPF_CORE_READ((struct io_kiocb *)req, opcode) !=
		    bpf_core_enum_value(enum io_uring_op, IORING_OP_ACCEPT))
			return 0;
		return (__u64)req;
	}
	/* posted for a multishot request, which only ring and user_data name */
	ring_key.ring = (__u64)ring;
	ring_key.user_data = cqe->user_data;
	found = bpf_map_lookup_elem(&io_uring_multishot, &ring_key);
	return found ? *found : 0;
}

/*
 * A completion whose submission we did not see: submitted before we
 * attached, refused before submission (bad SQE fields), or skipping its
 * success CQE. The request still names its submitter and its flags.
 */
static __always_inline bool describe_unseen_submission(struct io_kiocb *req,
						       struct task_struct *task,
						       struct accept4_key *key,
						       struct accept4_inflight *call)
{
	__u32 tgid;

	if (!task)
		return false;
	tgid = BPF_CORE_READ(task, tgid);
	if (!filters_keep(tgid, filtered_cgroup_id(task)))
		return false;
	key->tgid = tgid;
	key->process_start = BPF_CORE_READ(task, group_leader, start_boottime);
	bpf_probe_read_kernel_str(&key->comm, sizeof(key->comm),
				  BPF_CORE_READ(task, group_leader, comm));
	call->flags = BPF_CORE_READ(io_uring_accept_of(req), flags);
	return true;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(handle_io_uring_complete, struct io_ring_ctx *ring, void *req,
	     struct io_uring_cqe *cqe)
{
	__u64 request_key = completed_accept(ring, req, cqe);
	struct accept4_io_uring_ring_key ring_key = {};
	struct accept4_io_uring_request *request;
	struct accept4_inflight call = {};
	struct accept4_key key = {};
	struct task_struct *submitter;
	bool more, timed = false;
	__u64 now;
	int res;

	if (!request_key)
		return 0;
	/* the task that submitted: whose uid pays for a new series */
	submitter = io_uring_submitter((struct io_kiocb *)request_key);
	if (!submitter)
		return 0;
	res = cqe->res;
	more = cqe->flags & IORING_CQE_F_MORE;
	call.syscall = ACCEPT4_SYSCALL_IO_URING;
	/* resolved at issue, the descriptor table's file or a fixed one */
	describe_listener_file(BPF_CORE_READ((struct io_kiocb *)request_key, file), &call);

	request = bpf_map_lookup_elem(&io_uring_requests, &request_key);
	if (request) {
		key.tgid = request->tgid;
		key.process_start = request->process_start;
		__builtin_memcpy(key.comm, request->comm, sizeof(key.comm));
		call.flags = request->flags;
		call.start_ns = request->start_ns;
		timed = true;
	} else if (!describe_unseen_submission((struct io_kiocb *)request_key, submitter, &key,
					       &call)) {
		return 0;
	}
	/*
	 * The completion may run in another task (task work, an io-wq
	 * worker): the cgroup is the submitter's, as the tgid is.
	 */
	key.cgroup_id = with_cgroup ? task_cgroup_id(submitter) : 0;
	/* the same key as the syscalls': the process, or its name, not both */
	if (with_pid) {
		__builtin_memset(key.comm, 0, sizeof(key.comm));
	} else {
		key.tgid = 0;
		key.process_start = 0;
	}
	now = bpf_ktime_get_ns();
	count_call(&key, &call, res, timed, now, submitter);

	if (!request)
		return 0;
	if (more) {
		/* still armed: the next completion's wait starts now */
		request->start_ns = now;
		return 0;
	}
	if (request->multishot) {
		ring_key.ring = request->ring;
		ring_key.user_data = request->user_data;
		bpf_map_delete_elem(&io_uring_multishot, &ring_key);
	}
	bpf_map_delete_elem(&io_uring_requests, &request_key);
	return 0;
}

#endif /* ACCEPT4_EXPORTER_BPF_IO_URING_BPF_H_ */
