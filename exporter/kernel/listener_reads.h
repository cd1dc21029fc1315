// Which build of the counting programs to load. Each is built twice
// (bpf/CMakeLists.txt): reading the listening socket with direct loads
// through the bpf_rdonly_cast kfunc (Linux 6.2 and later), or with one
// bpf_probe_read_kernel per field. Both count the same; the direct build
// costs less per call but does not load on a kernel without the kfunc.
#pragma once

#include <string>

namespace accept4_exporter {

enum class ListenerReads { kDirect, kProbeRead };

// The environment variable that forces kProbeRead where kDirect would load,
// so that tests and the benchmark can run both builds on one kernel.
inline constexpr const char* kForceProbeReadVariable = "ACCEPT4_EXPORTER_FORCE_PROBE_READ";

// Whether this process's environment sets ACCEPT4_EXPORTER_FORCE_PROBE_READ=1.
bool ProbeReadForced();

// kDirect where the kernel's BTF has bpf_rdonly_cast, unless
// ACCEPT4_EXPORTER_FORCE_PROBE_READ is set to 1. Decided once per process:
// neither the kernel nor the environment changes under it.
ListenerReads ChooseListenerReads();

// The choice and why, for the log once the programs are attached (a start
// that fails ends in one line): "direct (bpf_rdonly_cast)",
// "probe_read (forced by ...)", "probe_read (no bpf_rdonly_cast ...)".
const std::string& ListenerReadsDescription();

}  // namespace accept4_exporter
