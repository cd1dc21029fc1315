// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs that do nothing, on the hooks that accept4.bpf.c uses. What they
 * cost is what any BPF program on these tracepoints costs (the syscall slow
 * path, the tracepoint, the program call), so the benchmarks use them as the
 * floor that the exporter's own work is measured above.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tracepoint/syscalls/sys_enter_accept4")
int empty_enter_accept4(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int empty_exit_accept4(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int empty_enter_accept(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int empty_exit_accept(void *ctx)
{
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int empty_process_exit(void *ctx)
{
	return 0;
}

/* typed, as bpf/io_uring.bpf.h's: every io_uring request of the host runs them */
SEC("tp_btf/io_uring_submit_req")
int empty_io_uring_submit(void *ctx)
{
	return 0;
}

SEC("tp_btf/io_uring_complete")
int empty_io_uring_complete(void *ctx)
{
	return 0;
}
