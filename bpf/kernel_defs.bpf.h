/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Constants that the kernel defines as preprocessor macros, which BTF (and so
 * vmlinux.h) does not carry. Values are the kernel's uapi ones.
 */
#ifndef ACCEPT4_EXPORTER_BPF_KERNEL_DEFS_BPF_H_
#define ACCEPT4_EXPORTER_BPF_KERNEL_DEFS_BPF_H_

/* include/uapi/linux/stat.h */
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/*
 * include/uapi/asm-generic/fcntl.h. alpha, mips, parisc and sparc use other
 * values; this exporter is built for x86_64 and arm64, which use these.
 */
#define O_NONBLOCK 00004000
#define O_CLOEXEC 02000000

/* include/linux/sched.h */
#define TASK_INTERRUPTIBLE 0x00000001
#define PF_KTHREAD 0x00200000

/* include/linux/socket.h */
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/* include/uapi/linux/io_uring.h */
#define IORING_ACCEPT_MULTISHOT (1U << 0)
#define IORING_CQE_F_MORE (1U << 1)

#endif /* ACCEPT4_EXPORTER_BPF_KERNEL_DEFS_BPF_H_ */
