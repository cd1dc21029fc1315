// The label decoders, fed any raw value the BPF programs could record:
// each is total, never empty, and valid UTF-8 (Prometheus refuses a scrape
// with one invalid label value); a comm has no control characters.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "metrics/labels.h"

using accept4_fuzz::Check;

namespace {

void CheckLabel(const std::string& label, const char* decoder) {
  Check(!label.empty(), decoder, "empty label");
  Check(accept4_fuzz::IsUtf8(label), decoder, label);
}

template <typename T>
T Take(const uint8_t*& data, size_t& size) {
  T value = 0;
  const size_t n = size < sizeof(T) ? size : sizeof(T);
  std::memcpy(&value, data, n);
  data += n;
  size -= n;
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace accept4_exporter;
  CheckLabel(FlagsLabel(Take<uint8_t>(data, size)), "FlagsLabel");
  CheckLabel(FlagsLabel(Take<uint8_t>(data, size)), "FlagsLabel");
  CheckLabel(FamilyLabel(Take<uint16_t>(data, size)), "FamilyLabel");
  CheckLabel(ErrnoLabel(Take<int32_t>(data, size)), "ErrnoLabel");
  CheckLabel(ListenerLabel(Take<uint8_t>(data, size)), "ListenerLabel");
  CheckLabel(SyscallLabel(Take<uint8_t>(data, size)), "SyscallLabel");
  // The rest is a comm as the kernel map holds it: any bytes, NUL-padded
  // or not terminated.
  const std::string comm = CommLabel(std::string_view(reinterpret_cast<const char*>(data), size));
  CheckLabel(comm, "CommLabel");
  for (const char c : comm) {
    const auto byte = static_cast<unsigned char>(c);
    Check(byte >= 0x20 && byte != 0x7F, "CommLabel has no control characters", comm);
  }
  return 0;
}
