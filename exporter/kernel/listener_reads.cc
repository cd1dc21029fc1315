#include "kernel/listener_reads.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <string>

#include "kernel/kernel_btf.h"

namespace accept4_exporter {
namespace {

ListenerReads Decide() {
  const char* forced = getenv(kForceProbeReadVariable);
  if (forced && std::string(forced) == "1") {
    spdlog::info("listener reads: probe_read (forced by {}=1)", kForceProbeReadVariable);
    return ListenerReads::kProbeRead;
  }
  if (!KernelHasFunction("bpf_rdonly_cast")) {
    spdlog::info(
        "listener reads: probe_read (no bpf_rdonly_cast kfunc in the kernel's BTF; "
        "Linux 6.2 added it)");
    return ListenerReads::kProbeRead;
  }
  spdlog::info("listener reads: direct (bpf_rdonly_cast)");
  return ListenerReads::kDirect;
}

}  // namespace

ListenerReads ChooseListenerReads() {
  static const ListenerReads chosen = Decide();
  return chosen;
}

}  // namespace accept4_exporter
