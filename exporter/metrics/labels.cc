#include "metrics/labels.h"

#include <string.h>

#include <array>
#include <utility>

#include "kernel/bpf_types.h"
#include "metrics/cgroup_label.h"

namespace accept4_exporter {
namespace {

// Alphabetical, so that one set of flags is one label whatever the bit order.
constexpr std::array<std::pair<uint8_t, const char*>, 2> kFlagNames = {{
    {ACCEPT4_FLAG_CLOEXEC, "SOCK_CLOEXEC"},
    {ACCEPT4_FLAG_NONBLOCK, "SOCK_NONBLOCK"},
}};

// include/linux/socket.h, indexed by value.
constexpr std::array<const char*, 46> kFamilyNames = {
    "AF_UNSPEC",     "AF_UNIX",      "AF_INET",     "AF_AX25",  "AF_IPX",     "AF_APPLETALK",
    "AF_NETROM",     "AF_BRIDGE",    "AF_ATMPVC",   "AF_X25",   "AF_INET6",   "AF_ROSE",
    "AF_DECnet",     "AF_NETBEUI",   "AF_SECURITY", "AF_KEY",   "AF_NETLINK", "AF_PACKET",
    "AF_ASH",        "AF_ECONET",    "AF_ATMSVC",   "AF_RDS",   "AF_SNA",     "AF_IRDA",
    "AF_PPPOX",      "AF_WANPIPE",   "AF_LLC",      "AF_IB",    "AF_MPLS",    "AF_CAN",
    "AF_TIPC",       "AF_BLUETOOTH", "AF_IUCV",     "AF_RXRPC", "AF_ISDN",    "AF_PHONET",
    "AF_IEEE802154", "AF_CAIF",      "AF_ALG",      "AF_NFC",   "AF_VSOCK",   "AF_KCM",
    "AF_QIPCRTR",    "AF_SMC",       "AF_XDP",      "AF_MCTP",
};

// Kernel-internal errnos (include/linux/errno.h) that may reach a tracepoint
// before the syscall layer turns them into EINTR; libc does not name them.
constexpr std::array<std::pair<int, const char*>, 19> kKernelErrnoNames = {{
    {512, "ERESTARTSYS"},
    {513, "ERESTARTNOINTR"},
    {514, "ERESTARTNOHAND"},
    {515, "ENOIOCTLCMD"},
    {516, "ERESTART_RESTARTBLOCK"},
    {517, "EPROBE_DEFER"},
    {518, "EOPENSTALE"},
    {519, "ENOPARAM"},
    {521, "EBADHANDLE"},
    {522, "ENOTSYNC"},
    {523, "EBADCOOKIE"},
    {524, "ENOTSUPP"},
    {525, "ETOOSMALL"},
    {526, "ESERVERFAULT"},
    {527, "EBADTYPE"},
    {528, "EJUKEBOX"},
    {529, "EIOCBQUEUED"},
    {530, "ERECALLCONFLICT"},
    {531, "ENOGRACE"},
}};

// Length of the valid UTF-8 sequence starting at s[0], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s) {
  const auto lead = static_cast<unsigned char>(s[0]);
  size_t length;
  uint32_t min_code_point;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    min_code_point = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    min_code_point = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    min_code_point = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  uint32_t code_point = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(s[i]);
    if ((next & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < min_code_point || code_point > 0x10FFFF || surrogate) return 0;
  return length;
}

}  // namespace

std::string FlagsLabel(uint8_t bits) {
  if (bits == 0) return "none";
  std::string label;
  for (const auto& [bit, name] : kFlagNames) {
    if ((bits & bit) == 0) continue;
    if (!label.empty()) label += '|';
    label += name;
    bits &= ~bit;
  }
  if (bits != 0) label += label.empty() ? "unknown" : "|unknown";
  return label;
}

std::string FamilyLabel(uint16_t family) {
  if (family == ACCEPT4_FAMILY_UNKNOWN) return "unknown";
  if (family < kFamilyNames.size()) return kFamilyNames[family];
  return "AF_" + std::to_string(family);
}

std::string ErrnoLabel(int32_t errnum) {
  for (const auto& [value, name] : kKernelErrnoNames) {
    if (value == errnum) return name;
  }
  if (const char* name = strerrorname_np(errnum)) return name;
  return "E" + std::to_string(errnum);
}

std::string ListenerLabel(uint8_t listener) {
  switch (listener) {
    case ACCEPT4_LISTENER_BLOCKING:
      return "blocking";
    case ACCEPT4_LISTENER_NONBLOCKING:
      return "nonblocking";
    default:
      return "unknown";
  }
}

std::string ReadinessLabel(uint8_t readiness) {
  switch (readiness) {
    case ACCEPT4_READINESS_EPOLL:
      return "epoll";
    case ACCEPT4_READINESS_NONE:
      return "none";
    default:
      return "unknown";
  }
}

std::string SyscallLabel(uint8_t syscall) {
  switch (syscall) {
    case ACCEPT4_SYSCALL_ACCEPT4:
      return "accept4";
    case ACCEPT4_SYSCALL_ACCEPT:
      return "accept";
    case ACCEPT4_SYSCALL_IO_URING:
      return "io_uring";
    default:
      return "syscall_" + std::to_string(syscall);
  }
}

std::string CommLabel(std::string_view raw) {
  raw = raw.substr(0, raw.find('\0'));
  std::string label;
  while (!raw.empty()) {
    const size_t length = Utf8SequenceLength(raw);
    if (length == 0) {
      label += "\xEF\xBF\xBD";  // U+FFFD
      raw.remove_prefix(1);
      continue;
    }
    const auto byte = static_cast<unsigned char>(raw[0]);
    label += (length == 1 && (byte < 0x20 || byte == 0x7F)) ? std::string("?")
                                                            : std::string(raw.substr(0, length));
    raw.remove_prefix(length);
  }
  return label.empty() ? "unknown" : label;
}

// Each row reads one field of the key and decodes it. To add a label, see
// "Adding a label" in docs/design.md. constinit: LabelSet() reads it, and a
// static initializer elsewhere may construct one.
constinit const std::array<LabelSpec, kLabelCount> kLabelTable = {{
    {.id = LabelId::kComm,
     .name = "comm",
     .value =
         [](const accept4_key& key, const LabelOptions&) {
           return CommLabel(std::string_view(key.comm, sizeof(key.comm)));
         },
     .overflow_value = kOverflowLabel},
    // The BPF side records tgid 0 while the label is off.
    {.id = LabelId::kPid,
     .name = "pid",
     .value = [](const accept4_key& key, const LabelOptions&) { return std::to_string(key.tgid); },
     .config_key = "pid",
     .overflow_value = kOverflowLabel},
    {.id = LabelId::kCgroup,
     .name = "cgroup",
     .value =
         [](const accept4_key& key, const LabelOptions& options) {
           return options.cgroup ? options.cgroup->Value(key.cgroup_id) : std::string("unknown");
         },
     .config_key = "cgroup",
     .on_by_default = false,
     .overflow_value = kOverflowLabel},
    {.id = LabelId::kSyscall,
     .name = "syscall",
     .value = [](const accept4_key& key,
                 const LabelOptions&) { return SyscallLabel(key.syscall); }},
    // the kernel collapses the flags argument into ACCEPT4_FLAG_* bits
    {.id = LabelId::kFlags,
     .name = "flags",
     .value = [](const accept4_key& key, const LabelOptions&) { return FlagsLabel(key.flags); },
     .overflow_value = "unknown"},
    {.id = LabelId::kFamily,
     .name = "family",
     .value = [](const accept4_key& key, const LabelOptions&) { return FamilyLabel(key.family); },
     .overflow_value = "unknown"},
    {.id = LabelId::kListener,
     .name = "listener",
     .value = [](const accept4_key& key,
                 const LabelOptions&) { return ListenerLabel(key.listener); },
     .overflow_value = "unknown"},
    {.id = LabelId::kReadiness,
     .name = "readiness",
     .value = [](const accept4_key& key,
                 const LabelOptions&) { return ReadinessLabel(key.readiness); },
     .overflow_value = "unknown"},
    // The BPF side records port 0 while the label is off.
    {.id = LabelId::kPort,
     .name = "port",
     .value = [](const accept4_key& key, const LabelOptions&) { return std::to_string(key.port); },
     .config_key = "port",
     .on_by_default = false,
     .overflow_value = "0"},
    // Only the errors family has it, so it is decoded for failed calls only.
    {.id = LabelId::kErrno,
     .name = "errno",
     .value = [](const accept4_key& key, const LabelOptions&) { return ErrnoLabel(-key.result); }},
}};

LabelSet::LabelSet() {
  for (const LabelSpec& spec : kLabelTable) Set(spec.id, spec.on_by_default);
}

}  // namespace accept4_exporter
