/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Histogram bucket indexes, computed without loops so the verifier stays cheap. */
#ifndef ACCEPT4_EXPORTER_BPF_BUCKETS_BPF_H_
#define ACCEPT4_EXPORTER_BPF_BUCKETS_BPF_H_

#include "accept4.h"

/* floor(log2(v)) for v > 0, by halving the search window: five compares. */
static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 result = (v > 0xFFFF) << 4;
	__u32 shift;

	v >>= result;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	result |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	result |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	result |= shift;
	return result | (v >> 1);
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 high = v >> 32;

	return high ? log2_u32(high) + 32 : log2_u32((__u32)v);
}

/* See ACCEPT4_DURATION_* in accept4.h for the bucket bounds. */
static __always_inline __u32 duration_bucket(__u64 ns)
{
	__u32 bucket;

	/* Prometheus bounds are inclusive: 2^k ns belongs to the bucket le=2^k */
	if (ns <= (1ULL << ACCEPT4_DURATION_MIN_SHIFT))
		return 0;
	bucket = log2_u64(ns - 1) - ACCEPT4_DURATION_MIN_SHIFT + 1;
	return bucket < ACCEPT4_DURATION_BUCKETS ? bucket : ACCEPT4_DURATION_BUCKETS - 1;
}

/* See ACCEPT4_BACKLOG_BUCKETS in accept4.h for the bucket bounds. */
static __always_inline __u32 backlog_bucket(__u32 queued)
{
	__u32 bucket;

	if (queued == 0)
		return 0;
	bucket = log2_u32(queued) + 1;
	return bucket < ACCEPT4_BACKLOG_BUCKETS ? bucket : ACCEPT4_BACKLOG_BUCKETS - 1;
}

#endif /* ACCEPT4_EXPORTER_BPF_BUCKETS_BPF_H_ */
