/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The listener read with direct loads, for kernels that have the
 * bpf_rdonly_cast kfunc (Linux 6.2, a35b9af4ec2c "bpf: Add a kfunc for
 * generic type cast"). The file pointer comes out of the fd array as a
 * plain number, which the verifier lets a program dereference only through
 * bpf_probe_read_kernel, one helper call per field. bpf_rdonly_cast makes it
 * a read-only BTF pointer instead: each field is then one load, which the
 * JIT guards against faults as it does a probe read, and which libbpf still
 * relocates for the running kernel (vmlinux.h marks its structs
 * preserve_access_index). The verifier turns the kfunc call itself into a
 * register move.
 *
 * Only the objects built with ACCEPT4_DIRECT_LOADS call it (listener.bpf.h),
 * and the exporter loads those only where the kernel's BTF has the kfunc.
 * One object with the call pruned by a rodata flag would not do: libbpf 1.1
 * (Debian 12) refuses an object whose kfunc is missing, and with the extern
 * __weak it still searches the module BTFs, which needs CAP_SYS_ADMIN, then
 * leaves a call to kfunc id 0 that kernels before 5.16 refuse even as dead
 * code (fixed by a5d827275241).
 */
#ifndef ACCEPT4_EXPORTER_BPF_LISTENER_DIRECT_BPF_H_
#define ACCEPT4_EXPORTER_BPF_LISTENER_DIRECT_BPF_H_

#include "accept4.h"
#include "epoll_watch.bpf.h"
#include "kernel_defs.bpf.h"

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* Same contract as describe_listener_file_probe_read in listener.bpf.h. */
static __always_inline void describe_listener_file_direct(struct file *file_address,
							  struct accept4_inflight *call)
{
	struct file *file;
	struct socket *sock;
	struct sock *sk;

	if (!file_address)
		return;
	file = bpf_rdonly_cast(file_address, bpf_core_type_id_kernel(struct file));
	/* O_PATH fds of socket inodes are S_IFSOCK too but have no struct socket */
	if ((file->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return;
	/* private_data is a void *, so the verifier needs its type again */
	sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	if (!sock)
		return;
	sk = sock->sk;
	if (!sk)
		return;

	/* the listening file's O_NONBLOCK decides whether accept waits */
	call->listener = (file->f_flags & O_NONBLOCK) ? ACCEPT4_LISTENER_NONBLOCKING :
							 ACCEPT4_LISTENER_BLOCKING;
	call->readiness = file_readiness_direct(file);
	call->family = sk->__sk_common.skc_family;
	if (call->family == AF_INET || call->family == AF_INET6)
		call->port = sk->__sk_common.skc_num;
	if (sk->__sk_common.skc_state == TCP_LISTEN) {
		/* see describe_listener_file_probe_read */
		call->backlog = call->family == AF_UNIX ? sk->sk_receive_queue.qlen :
							  sk->sk_ack_backlog;
		call->backlog_limit = sk->sk_max_ack_backlog;
		call->has_backlog = 1;
	}
}

#endif /* ACCEPT4_EXPORTER_BPF_LISTENER_DIRECT_BPF_H_ */
