#include "metrics/bucket_bound_text.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace accept4_exporter {

std::string WithExactBucketBounds(const std::string& text) {
  constexpr std::string_view kLabel = "le=\"";
  std::string out;
  out.reserve(text.size());
  size_t from = 0;
  for (;;) {
    const size_t label = text.find(kLabel, from);
    const size_t value = label == std::string::npos ? label : label + kLabel.size();
    const size_t quote = value == std::string::npos ? value : text.find('"', value);
    if (quote == std::string::npos) break;
    out.append(text, from, value - from);
    const std::string bound = text.substr(value, quote - value);
    char* end = nullptr;
    const double parsed = std::strtod(bound.c_str(), &end);
    char exact[32];
    if (!bound.empty() && end == bound.c_str() + bound.size() && parsed - parsed == 0) {
      std::snprintf(exact, sizeof(exact), "%.*g", kBucketBoundDigits, parsed);
      out += exact;
    } else {
      out += bound;  // +Inf
    }
    from = quote;
  }
  out.append(text, from, std::string::npos);
  return out;
}

}  // namespace accept4_exporter
