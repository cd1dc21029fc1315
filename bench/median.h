// Every figure the benchmark prints is a median over repeated runs: single
// runs on a shared 2-core machine are too noisy to mean anything.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace accept4_bench {

inline double Median(std::vector<double> values) {
  if (values.empty()) return NAN;
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + middle);
  return (lower + upper) / 2;
}

}  // namespace accept4_bench
