// What can be attached to the accept path while the benchmark measures:
// nothing, the real exporter binary, the bpftrace one-liner, or programs
// that do nothing on the exporter's hooks (the floor). Two more run the
// exporter as it was before two changes, for a before and after in the same
// run: with its probe-read build (as on kernels before 6.2), and with
// bpf_stats on (the default before).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace accept4_bench {

enum class Mode { kNone, kExporter, kBpftrace, kEmpty, kExporterProbeRead, kExporterBpfStats };
inline constexpr Mode kModes[] = {Mode::kNone,  Mode::kExporter,          Mode::kBpftrace,
                                  Mode::kEmpty, Mode::kExporterProbeRead, Mode::kExporterBpfStats};

const char* ModeName(Mode mode);

// The bpftrace program the issue compares with, as users would type it.
inline constexpr const char* kBpftraceOneLiner =
    "tracepoint:syscalls:sys_enter_accept4 { @[pid, comm, args->flags] = count(); }";

// Owns one attachment; destroying it detaches.
class Attachment {
 public:
  virtual ~Attachment() = default;
  // The BPF programs it runs, by kernel program id.
  virtual std::vector<uint32_t> ProgramIds() const = 0;
};

// Attaches `mode` (nullptr for kNone). Throws with context when it cannot.
// The caller checks that the programs fire before it measures.
std::unique_ptr<Attachment> Attach(Mode mode);

// Names of the programs of `mode` that run once per accept4 call, by the
// names ProgramRuns reports; empty: all of the mode's programs.
std::vector<std::string> Accept4ProgramNames(Mode mode);

}  // namespace accept4_bench
