// Whether this machine can load and attach the exporter's BPF programs. Tests
// that need BPF skip with this reason instead of passing silently.
#pragma once

#include <string>

namespace accept4_test {

// Empty when BPF tracepoint programs can be loaded here; otherwise why not.
std::string BpfUnavailableReason();

}  // namespace accept4_test

#define SKIP_WITHOUT_BPF()                                              \
  do {                                                                  \
    const std::string reason = accept4_test::BpfUnavailableReason();    \
    if (!reason.empty()) GTEST_SKIP() << "BPF unavailable: " << reason; \
  } while (0)
