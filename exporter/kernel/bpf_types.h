// The BPF/C++ contract (bpf/accept4.h) for the C++ side, with its layout
// pinned: the kernel writes these structs and we read them byte for byte.
#pragma once

#include <linux/types.h>

#include "accept4.h"

static_assert(sizeof(accept4_key) == 48, "accept4_key layout changed: update the BPF side too");
static_assert(sizeof(accept4_counts) ==
                  8 * (4 + ACCEPT4_DURATION_BUCKETS + ACCEPT4_BACKLOG_BUCKETS),
              "accept4_counts layout changed: update the BPF side too");
static_assert(sizeof(accept4_process_key) == 16, "accept4_process_key layout changed");
static_assert(sizeof(accept4_process) == 32, "accept4_process layout changed");
static_assert(sizeof(accept4_inflight) == 32, "accept4_inflight layout changed");
static_assert(sizeof(accept4_inflight_call) == 40, "accept4_inflight_call layout changed");
