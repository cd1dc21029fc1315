/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A process name, copied from a BTF task pointer with two 8-byte loads
 * instead of a bpf_probe_read_kernel_str call.
 */
#ifndef ACCEPT4_EXPORTER_BPF_TASK_COMM_BPF_H_
#define ACCEPT4_EXPORTER_BPF_TASK_COMM_BPF_H_

#include "accept4.h"

/*
 * The high bit of every zero byte of `word` set (the word-at-a-time strlen
 * test), and perhaps of bytes above the first zero byte, where a borrow
 * reaches; never of a byte below it, so the lowest flag is exact.
 */
static __always_inline __u64 zero_byte_flags(__u64 word)
{
	return (word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL;
}

/*
 * `word` with its bytes from the first zero byte on cleared, `flags` being
 * its zero_byte_flags. Little-endian, as every target of this exporter
 * (x86_64, arm64): byte 0 is the lowest.
 */
static __always_inline __u64 bytes_before_nul(__u64 word, __u64 flags)
{
	return flags ? word & (((flags & -flags) >> 7) - 1) : word;
}

/*
 * The comm of `task`'s thread-group leader (threads may rename
 * themselves), as bpf_probe_read_kernel_str would copy it into a zeroed
 * ACCEPT4_COMM_LEN buffer: at most 15 bytes, then zeros. The kernel does
 * not always clear what follows the NUL (set_task_comm used strlcpy before
 * it used strscpy_pad), and a stale byte there would make another map key
 * for the same name.
 */
static __always_inline void read_leader_comm(struct task_struct *task,
					     char comm[ACCEPT4_COMM_LEN])
{
	const __u64 *name = (const __u64 *)task->group_leader->comm;
	__u64 low = name[0];
	/* byte 15 ends the name, as it ends a TASK_COMM_LEN (16) comm */
	__u64 high = name[1] & 0x00ffffffffffffffULL;
	__u64 low_zeros = zero_byte_flags(low);
	__u64 words[2];

	_Static_assert(ACCEPT4_COMM_LEN == sizeof(words), "comm is copied as two words");
	words[0] = bytes_before_nul(low, low_zeros);
	words[1] = low_zeros ? 0 : bytes_before_nul(high, zero_byte_flags(high));
	/* memcpy, as `comm` need not be 8-byte aligned in its struct */
	__builtin_memcpy(comm, words, sizeof(words));
}

#endif /* ACCEPT4_EXPORTER_BPF_TASK_COMM_BPF_H_ */
