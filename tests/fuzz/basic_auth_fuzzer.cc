// The Authorization header parser, which every unauthenticated client
// reaches: any header either decodes into a user without ':' and a
// password that encode back to the same credentials, or is refused.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "web/basic_auth.h"

using accept4_fuzz::Check;

namespace {

std::string Base64(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t at = 0;
  for (; at + 2 < bytes.size(); at += 3) {
    const uint32_t n = (uint32_t(uint8_t(bytes[at])) << 16) |
                       (uint32_t(uint8_t(bytes[at + 1])) << 8) | uint8_t(bytes[at + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (const size_t left = bytes.size() - at; left > 0) {
    uint32_t n = uint32_t(uint8_t(bytes[at])) << 16;
    if (left == 2) n |= uint32_t(uint8_t(bytes[at + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += left == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string header(reinterpret_cast<const char*>(data), size);
  const auto credentials = accept4_exporter::ParseBasicAuthorization(header);
  if (!credentials) return 0;
  Check(credentials->user.find(':') == std::string::npos, "user has no ':'", header);
  const auto again = accept4_exporter::ParseBasicAuthorization(
      "Basic " + Base64(credentials->user + ":" + credentials->password));
  Check(again && again->user == credentials->user && again->password == credentials->password,
        "credentials encode back to themselves", header);
  return 0;
}
