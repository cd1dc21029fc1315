// Syscall tracepoints are found through tracefs, which minimal hosts and
// containers often leave unmounted.
#pragma once

namespace accept4_exporter {

// Mounts tracefs on /sys/kernel/tracing when no tracefs is reachable.
// Throws std::runtime_error when it is missing and cannot be mounted.
void EnsureTracefsMounted();

}  // namespace accept4_exporter
