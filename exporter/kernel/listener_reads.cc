#include "kernel/listener_reads.h"

#include <stdlib.h>

#include "kernel/kernel_btf.h"

namespace accept4_exporter {
namespace {

struct Choice {
  ListenerReads reads;
  std::string description;
};

Choice Decide() {
  if (ProbeReadForced()) {
    return {ListenerReads::kProbeRead,
            std::string("probe_read (forced by ") + kForceProbeReadVariable + "=1)"};
  }
  if (!KernelHasFunction("bpf_rdonly_cast")) {
    return {ListenerReads::kProbeRead,
            "probe_read (no bpf_rdonly_cast kfunc in the kernel's BTF; Linux 6.2 added it)"};
  }
  return {ListenerReads::kDirect, "direct (bpf_rdonly_cast)"};
}

const Choice& Chosen() {
  static const Choice chosen = Decide();
  return chosen;
}

}  // namespace

bool ProbeReadForced() {
  const char* forced = getenv(kForceProbeReadVariable);
  return forced && std::string(forced) == "1";
}

ListenerReads ChooseListenerReads() { return Chosen().reads; }

const std::string& ListenerReadsDescription() { return Chosen().description; }

}  // namespace accept4_exporter
