// The decoders from raw BPF values to label values. Every input, known or
// not, must give a non-empty, readable label: these are the label values a
// user sees on /metrics and writes queries against.
#include "metrics/labels.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <set>
#include <string>

#include "kernel/bpf_types.h"

namespace accept4_exporter {
namespace {

template <typename Raw>
struct LabelCase {
  Raw raw;
  std::string want;
};

// U+FFFD REPLACEMENT CHARACTER in UTF-8.
constexpr const char* kReplacement = "\xEF\xBF\xBD";

// The flags label is a closed set of eight values, whatever the bits.
TEST(FlagsLabelTest, DecodesEveryBitCombinationToOneOfEightValues) {
  constexpr uint8_t kCloexec = ACCEPT4_FLAG_CLOEXEC;
  constexpr uint8_t kNonblock = ACCEPT4_FLAG_NONBLOCK;
  constexpr uint8_t kUnknown = ACCEPT4_FLAG_UNKNOWN;
  const LabelCase<uint8_t> cases[] = {
      {0, "none"},
      {kCloexec, "SOCK_CLOEXEC"},
      {kNonblock, "SOCK_NONBLOCK"},
      {kCloexec | kNonblock, "SOCK_CLOEXEC|SOCK_NONBLOCK"},
      {kUnknown, "unknown"},
      {kCloexec | kUnknown, "SOCK_CLOEXEC|unknown"},
      {kNonblock | kUnknown, "SOCK_NONBLOCK|unknown"},
      {kCloexec | kNonblock | kUnknown, "SOCK_CLOEXEC|SOCK_NONBLOCK|unknown"},
      // No other bit is defined; one that shows up is an unknown flag too.
      {0x8, "unknown"},
      {kCloexec | 0x80, "SOCK_CLOEXEC|unknown"},
      {0xff, "SOCK_CLOEXEC|SOCK_NONBLOCK|unknown"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FlagsLabel(c.raw), c.want) << "bits " << int{c.raw};
  }
  std::set<std::string> values;
  for (int bits = 0; bits <= 0xff; ++bits) values.insert(FlagsLabel(static_cast<uint8_t>(bits)));
  EXPECT_EQ(values.size(), 8u);
}

TEST(FamilyLabelTest, NamesKnownFamiliesAndNumbersTheRest) {
  const LabelCase<uint16_t> cases[] = {
      {AF_UNSPEC, "AF_UNSPEC"},
      {AF_UNIX, "AF_UNIX"},
      {AF_INET, "AF_INET"},
      {AF_INET6, "AF_INET6"},
      {AF_NETLINK, "AF_NETLINK"},
      {AF_PACKET, "AF_PACKET"},
      {AF_VSOCK, "AF_VSOCK"},
      {AF_XDP, "AF_XDP"},
      {45, "AF_MCTP"},  // the last family the table names
      {46, "AF_46"},
      {1000, "AF_1000"},
      {ACCEPT4_FAMILY_UNKNOWN, "unknown"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FamilyLabel(c.raw), c.want) << "family " << c.raw;
  }
}

TEST(ErrnoLabelTest, NamesLibcAndKernelInternalErrnos) {
  const LabelCase<int32_t> cases[] = {
      {EAGAIN, "EAGAIN"},
      {EMFILE, "EMFILE"},
      {ENFILE, "ENFILE"},
      {EINVAL, "EINVAL"},
      {ENOTSOCK, "ENOTSOCK"},
      {EBADF, "EBADF"},
      {ECONNABORTED, "ECONNABORTED"},
      {EINTR, "EINTR"},
      {EPERM, "EPERM"},
      {512, "ERESTARTSYS"},
      {516, "ERESTART_RESTARTBLOCK"},
      {531, "ENOGRACE"},
      {520, "E520"},  // a hole in include/linux/errno.h
      {1023, "E1023"},
      {4000, "E4000"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ErrnoLabel(c.raw), c.want) << "errno " << c.raw;
  }
}

TEST(ListenerLabelTest, DecodesEveryValue) {
  const LabelCase<uint8_t> cases[] = {
      {ACCEPT4_LISTENER_UNKNOWN, "unknown"},
      {ACCEPT4_LISTENER_BLOCKING, "blocking"},
      {ACCEPT4_LISTENER_NONBLOCKING, "nonblocking"},
      {ACCEPT4_LISTENER_MAX, "unknown"},
      {255, "unknown"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ListenerLabel(c.raw), c.want) << "listener " << int{c.raw};
  }
}

TEST(ReadinessLabelTest, DecodesEveryValue) {
  const LabelCase<uint8_t> cases[] = {
      {ACCEPT4_READINESS_UNKNOWN, "unknown"},
      {ACCEPT4_READINESS_NONE, "none"},
      {ACCEPT4_READINESS_EPOLL, "epoll"},
      {ACCEPT4_READINESS_MAX, "unknown"},
      {255, "unknown"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ReadinessLabel(c.raw), c.want) << "readiness " << int{c.raw};
  }
}

TEST(SyscallLabelTest, DecodesEveryValue) {
  const LabelCase<uint8_t> cases[] = {
      {ACCEPT4_SYSCALL_ACCEPT4, "accept4"},
      {ACCEPT4_SYSCALL_ACCEPT, "accept"},
      {ACCEPT4_SYSCALL_IO_URING, "io_uring"},
      {ACCEPT4_SYSCALL_MAX, "syscall_3"},
      {255, "syscall_255"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(SyscallLabel(c.raw), c.want) << "syscall " << int{c.raw};
  }
}

TEST(CommLabelTest, TrimsPaddingAndKeepsValidUtf8) {
  using namespace std::string_literals;  // for NULs inside literals
  const LabelCase<std::string> cases[] = {
      {"nginx\0\0\0\0\0\0\0\0\0\0\0"s, "nginx"},
      // The kernel pads with NULs but a 16-byte comm need not end in one.
      {"abcdefghijklmnop"s, "abcdefghijklmnop"},
      // Whatever follows the first NUL is stale bytes, not part of the name.
      {"sshd\0old-name\0\0\0"s, "sshd"},
      {""s, "unknown"},
      {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"s, "unknown"},
      {"kworker/0:1-ev"s, "kworker/0:1-ev"},
      {"caf\xC3\xA9"s, "caf\xC3\xA9"},  // 2-byte é
      {"\xE2\x82\xAC"
       "5"s,
       "\xE2\x82\xAC"
       "5"},  // 3-byte €
      {"\xF0\x9F\x90\xB3"
       "d"s,
       "\xF0\x9F\x90\xB3"
       "d"},  // 4-byte 🐳
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CommLabel(c.raw), c.want) << "comm \"" << c.raw << "\"";
  }
}

TEST(CommLabelTest, ReplacesControlCharactersAndInvalidUtf8) {
  using namespace std::string_literals;
  const std::string r = kReplacement;
  const LabelCase<std::string> cases[] = {
      {"a\tb\nc"s, "a?b?c"},
      {"\x01"s, "?"},  // a visible label, not "unknown"
      {"del\x7F"s, "del?"},
      {"bad\xFFname"s, "bad" + r + "name"},
      {"\x80"s, r},                          // lone continuation byte
      {"caf\xC3"s, "caf" + r},               // truncated at the end
      {"caf\xC3\0\0\0"s, "caf" + r},         // truncated, then padding
      {"x\xF0\x9F\x90"s, "x" + r + r + r},   // every byte of a cut sequence
      {"\xC3(x"s, r + "(x"},                 // lead byte without continuation
      {"\xC0\xAF"s, r + r},                  // overlong '/'
      {"\xED\xA0\x80"s, r + r + r},          // UTF-16 surrogate
      {"\xF4\x90\x80\x80"s, r + r + r + r},  // above U+10FFFF
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CommLabel(c.raw), c.want) << "comm \"" << c.raw << "\"";
  }
}

// The label table: each row where its id points, one name per label, and
// every optional label switched by a config key of its own.
TEST(LabelTableTest, RowsAreIndexedByIdWithDistinctNamesAndConfigKeys) {
  std::set<std::string> names, config_keys;
  for (size_t i = 0; i < kLabelTable.size(); ++i) {
    const LabelSpec& spec = kLabelTable[i];
    EXPECT_EQ(static_cast<size_t>(spec.id), i) << spec.name;
    EXPECT_TRUE(names.insert(spec.name).second) << "two labels named " << spec.name;
    ASSERT_NE(spec.value, nullptr) << spec.name;
    if (spec.config_key != nullptr) {
      EXPECT_TRUE(config_keys.insert(spec.config_key).second) << spec.config_key;
    } else {
      EXPECT_TRUE(spec.on_by_default) << spec.name << " has no config key to turn it on";
    }
  }
}

TEST(LabelTableTest, DefaultLabelSetIsPidOnPortAndCgroupOff) {
  const LabelSet on;
  EXPECT_TRUE(on.contains(LabelId::kPid));
  EXPECT_FALSE(on.contains(LabelId::kPort));
  EXPECT_FALSE(on.contains(LabelId::kCgroup));
  for (const LabelSpec& spec : kLabelTable) {
    if (spec.config_key == nullptr) {
      EXPECT_TRUE(on.contains(spec.id)) << spec.name;
    }
  }
}

}  // namespace
}  // namespace accept4_exporter
