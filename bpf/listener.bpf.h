/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the listening fd is, read from kernel memory through the task's fd
 * table. The accept4 addr/addrlen arguments are user memory that may be NULL
 * or change under us, so they are never read.
 */
#ifndef ACCEPT4_EXPORTER_BPF_LISTENER_BPF_H_
#define ACCEPT4_EXPORTER_BPF_LISTENER_BPF_H_

#include "accept4.h"
#include "epoll_watch.bpf.h"
#include "kernel_defs.bpf.h"
#include "listener_direct.bpf.h"

/*
 * `task` is the current task in the accept hooks, and any thread in the task
 * iterator; an exiting thread has no fd table, which reads as an empty one.
 */
static __always_inline struct file *task_fd_file(struct task_struct *task, int fd)
{
	/*
	 * Loads through the BTF task pointer are direct (fault-safe, CO-RE
	 * relocated) instead of one bpf_probe_read_kernel call per field; the
	 * fd array has a variable index, which only a probe read may take.
	 */
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

/*
 * Fills family, listener mode, readiness, port and backlog of the call from
 * the listening file, one bpf_probe_read_kernel per field: the build for
 * kernels without bpf_rdonly_cast (before 6.2), and for the task iterator,
 * which runs once per poll rather than once per call.
 */
static __always_inline void describe_listener_file_probe_read(struct file *file,
							      struct accept4_inflight *call)
{
	struct socket *sock;
	struct sock *sk;

	/* O_PATH fds of socket inodes are S_IFSOCK too but have no struct socket */
	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sock || !sk)
		return;

	/* the listening file's O_NONBLOCK decides whether accept waits */
	call->listener = (BPF_CORE_READ(file, f_flags) & O_NONBLOCK) ?
		ACCEPT4_LISTENER_NONBLOCKING : ACCEPT4_LISTENER_BLOCKING;
	call->readiness = file_readiness(file);
	call->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (call->family == AF_INET || call->family == AF_INET6)
		call->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN) {
		/*
		 * TCP counts its accept queue in sk_ack_backlog; a unix stream
		 * listener leaves that at 0 and queues each connection as an
		 * skb on its receive queue (unix_stream_connect), which is
		 * what listen()'s limit bounds there.
		 */
		call->backlog = call->family == AF_UNIX ?
			BPF_CORE_READ(sk, sk_receive_queue.qlen) : BPF_CORE_READ(sk, sk_ack_backlog);
		call->backlog_limit = BPF_CORE_READ(sk, sk_max_ack_backlog);
		call->has_backlog = 1;
	}
}

/*
 * Fills family, listener mode, readiness, port and backlog of the call from
 * the listening file. A file that is not a socket (or none) leaves family,
 * listener and readiness unknown. Objects built with ACCEPT4_DIRECT_LOADS
 * read it with direct loads (listener_direct.bpf.h), the others with probe
 * reads; the exporter picks the build the kernel can load.
 */
static __always_inline void describe_listener_file(struct file *file,
						   struct accept4_inflight *call)
{
	call->family = ACCEPT4_FAMILY_UNKNOWN;
	call->listener = ACCEPT4_LISTENER_UNKNOWN;
	call->readiness = ACCEPT4_READINESS_UNKNOWN;
#ifdef ACCEPT4_DIRECT_LOADS
	describe_listener_file_direct(file, call);
#else
	describe_listener_file_probe_read(file, call);
#endif
}

/* The same, for the call that `task` makes on `fd`, from its own fd table. */
static __always_inline void describe_task_listener(struct task_struct *task, int fd,
						   struct accept4_inflight *call)
{
	describe_listener_file(task_fd_file(task, fd), call);
}

/* The same, for the call the current task is making. */
static __always_inline void describe_listener(int fd, struct accept4_inflight *call)
{
	describe_task_listener(bpf_get_current_task_btf(), fd, call);
}

#endif /* ACCEPT4_EXPORTER_BPF_LISTENER_BPF_H_ */
