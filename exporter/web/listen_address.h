// --web.listen-address in node_exporter's form: [host]:port, where host is an
// IPv4 address, an IPv6 address in brackets, a host name, or empty (every
// address). Checked before anything else starts, so that a typo stops the
// exporter with one line instead of after the BPF programs are attached.
#pragma once

#include <cstdint>
#include <string>

namespace accept4_exporter {

struct ListenAddress {
  std::string host;  // without brackets; empty: every address
  uint16_t port = 0;
};

// Splits `address`. Throws std::runtime_error naming it and the problem
// ("listening on \"abc\": missing port, use [host]:port").
ListenAddress ParseListenAddress(const std::string& address);

// The numeric address to bind. An empty host or "::" is the dual-stack
// "::" (IPv4 too, as Go servers do), or "0.0.0.0" on a host without IPv6.
// A host name is resolved, its first IPv4 address preferred, as Go's
// net.Listen does. Throws std::runtime_error naming `address` when it is
// bad or does not resolve.
struct BindAddress {
  std::string ip;  // numeric, e.g. "127.0.0.1", "::1"
  uint16_t port = 0;
  bool dual_stack = false;  // "::" accepting IPv4 too
};
BindAddress ResolveListenAddress(const std::string& address);

}  // namespace accept4_exporter
