/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether an epoll set watches a file, from the file's own record of the
 * epoll items that point at it. That record changed shape in Linux 5.11
 * (commit 319c15174757, "epoll: take epitem list out of struct file"): the
 * embedded list_head f_ep_links became the pointer f_ep, NULL while no epoll
 * set watches the file. Both are kept up to date by epoll_ctl(ADD/DEL) and by
 * closing the epoll fd, so one load tells the state at the call.
 */
#ifndef ACCEPT4_EXPORTER_BPF_EPOLL_WATCH_BPF_H_
#define ACCEPT4_EXPORTER_BPF_EPOLL_WATCH_BPF_H_

#include "accept4.h"

/* struct file before Linux 5.11, for CO-RE: libbpf drops the ___old suffix */
struct file___old {
	struct list_head f_ep_links;
} __attribute__((preserve_access_index));

static __always_inline __u8 file_readiness(struct file *file)
{
	struct file___old *old = (void *)file;
	struct list_head *first;

	if (bpf_core_field_exists(file->f_ep))
		return BPF_CORE_READ(file, f_ep) ? ACCEPT4_READINESS_EPOLL : ACCEPT4_READINESS_NONE;
	/* an empty list_head points at itself */
	first = BPF_CORE_READ(old, f_ep_links.next);
	return first && first != &old->f_ep_links ? ACCEPT4_READINESS_EPOLL : ACCEPT4_READINESS_NONE;
}

/*
 * The same with a direct load, for a `file` the verifier knows as a BTF
 * pointer (listener_direct.bpf.h). Only used on Linux 6.2 and later, which
 * all have f_ep.
 */
static __always_inline __u8 file_readiness_direct(struct file *file)
{
	return file->f_ep ? ACCEPT4_READINESS_EPOLL : ACCEPT4_READINESS_NONE;
}

#endif /* ACCEPT4_EXPORTER_BPF_EPOLL_WATCH_BPF_H_ */
