// Syscall tracepoints are found through tracefs, which minimal hosts and
// containers often leave unmounted.
#pragma once

namespace accept4_exporter {

// Makes tracefs reachable at /sys/kernel/tracing for the loading thread.
// When no tracefs is mounted, it mounts one, but only in a mount namespace
// of the exporter's own (with CAP_SYS_ADMIN): the host's mounts are left as
// they were, and the mount goes away with the exporter, however it exits.
// Threads started afterwards share that namespace. Throws
// std::runtime_error when tracefs is missing and cannot be mounted, or
// cannot be read.
void EnsureTracefsMounted();

}  // namespace accept4_exporter
