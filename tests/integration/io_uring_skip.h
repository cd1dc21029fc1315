// Why the io_uring accept tests cannot run here, or "": the kernel must let
// this process make io_uring requests, and the exporter must be able to
// hook them.
#pragma once

#include <string>

#include "io_uring_calls.h"
#include "kernel/io_uring_hooks.h"

namespace accept4_test {

inline std::string IoUringAcceptsUnavailableReason() {
  if (std::string reason = IoUringUnavailableReason(); !reason.empty()) {
    return "io_uring unavailable: " + reason;
  }
  if (std::string reason = accept4_exporter::IoUringHooksUnavailableReason(); !reason.empty()) {
    return "io_uring hooks unavailable: " + reason;
  }
  return "";
}

}  // namespace accept4_test
