#include "kernel/bpf_error.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

namespace accept4_exporter {

std::string BpfErrorText(int err) {
  if (err < 0) err = -err;
  std::string text = strerror(err);
  if ((err == EPERM || err == EACCES) && geteuid() != 0) {
    text += " (needs root, or CAP_BPF and CAP_PERFMON; see docs/capabilities.md)";
  }
  return text;
}

}  // namespace accept4_exporter
