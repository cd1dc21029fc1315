// Decoders from the raw values the BPF programs record to Prometheus label
// values. Every decoder is total: an unknown value becomes a readable label,
// never an exception and never an empty string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace accept4_exporter {

// accept4 flags: known bits by name in alphabetical order joined by '|',
// unknown bits as one hex number after them, "none" for 0.
std::string FlagsLabel(int32_t flags);

// Address family name (AF_INET), AF_<n> without a name, "unknown" when the
// fd was not an open socket.
std::string FamilyLabel(uint16_t family);

// Symbolic errno (EAGAIN, kernel-internal ERESTARTSYS), or E<n>.
std::string ErrnoLabel(int32_t errnum);

std::string ListenerLabel(uint8_t listener);
// epoll, none, or unknown when the fd was not an open socket.
std::string ReadinessLabel(uint8_t readiness);
std::string SyscallLabel(uint8_t syscall);

// A task comm (NUL-padded, possibly not terminated) as valid UTF-8; bytes
// that are not valid UTF-8 become U+FFFD, control characters '?'.
std::string CommLabel(std::string_view raw);

}  // namespace accept4_exporter
