// Parses the Prometheus text exposition format, enough to assert on
// samples: name, labels and value of every sample line.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace accept4_test {

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

class MetricsText {
 public:
  explicit MetricsText(const std::string& text);

  // Sum of the samples named `name` whose labels include all of `match`.
  double Sum(const std::string& name, const Labels& match = {}) const;
  // Samples named `name` whose labels include all of `match`.
  std::vector<Sample> Find(const std::string& name, const Labels& match = {}) const;
  // The value of the single sample that matches; NaN when none matches.
  double Value(const std::string& name, const Labels& match = {}) const;

  const std::vector<Sample>& samples() const { return samples_; }

 private:
  std::vector<Sample> samples_;
};

}  // namespace accept4_test
