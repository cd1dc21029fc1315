// What a fuzz target does when a promise is broken: print why and abort, so
// that libFuzzer saves the input and reports a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace accept4_fuzz {

[[noreturn]] inline void Broken(std::string_view promise, std::string_view detail) {
  std::fprintf(stderr, "broken promise: %.*s: %.*s\n", static_cast<int>(promise.size()),
               promise.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void Check(bool kept, std::string_view promise, std::string_view detail = "") {
  if (!kept) Broken(promise, detail);
}

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates),
// as Prometheus requires of label values.
inline bool IsUtf8(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    const auto byte = static_cast<unsigned char>(text[at]);
    size_t length;
    unsigned min;
    unsigned code;
    if (byte < 0x80) {
      ++at;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2, min = 0x80, code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3, min = 0x800, code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, code = byte & 0x07;
    } else {
      return false;
    }
    if (at + length > text.size()) return false;
    for (size_t i = 1; i < length; ++i) {
      const auto next = static_cast<unsigned char>(text[at + i]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    at += length;
  }
  return true;
}

}  // namespace accept4_fuzz
