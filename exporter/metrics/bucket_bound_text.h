// Histogram bucket bounds as Prometheus users read them: le="8.192e-06",
// not le="8.192000000000001e-06". prometheus-cpp prints every value with 16
// significant digits, which shows the binary-to-decimal error of bounds
// such as 2^13 ns in seconds.
#pragma once

#include <string>

namespace accept4_exporter {

// Every bound the exporter uses (powers of two of nanoseconds in seconds,
// powers of two less one) has at most 11 significant digits; 15 are always
// exact for a double, so printing 15 keeps the value and drops the noise.
inline constexpr int kBucketBoundDigits = 15;

// Rewrites each finite le="..." label value of `text` (text exposition
// format) with kBucketBoundDigits significant digits; +Inf and anything
// that is not a number are kept as they are.
std::string WithExactBucketBounds(const std::string& text);

}  // namespace accept4_exporter
