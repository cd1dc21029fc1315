#include "metrics_text.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace accept4_test {
namespace {

bool Matches(const Sample& sample, const std::string& name, const Labels& match) {
  if (sample.name != name) return false;
  for (const auto& [key, value] : match) {
    auto found = sample.labels.find(key);
    if (found == sample.labels.end() || found->second != value) return false;
  }
  return true;
}

// Parses `{a="x",b="y\"z"}` starting at text[pos] == '{'; returns the index after '}'.
size_t ParseLabels(const std::string& line, size_t pos, Labels& labels) {
  ++pos;
  while (pos < line.size() && line[pos] != '}') {
    const size_t equals = line.find('=', pos);
    if (equals == std::string::npos || line[equals + 1] != '"') {
      throw std::runtime_error("bad labels in: " + line);
    }
    const std::string key = line.substr(pos, equals - pos);
    std::string value;
    size_t i = equals + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        value += line[i] == 'n' ? '\n' : line[i];
      } else {
        value += line[i];
      }
    }
    labels[key] = value;
    pos = i + 1;
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  return pos + 1;
}

}  // namespace

MetricsText::MetricsText(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample sample;
    size_t pos = line.find_first_of("{ ");
    sample.name = line.substr(0, pos);
    if (pos != std::string::npos && line[pos] == '{') pos = ParseLabels(line, pos, sample.labels);
    std::istringstream rest(line.substr(pos));
    std::string value;
    rest >> value;
    sample.value = value == "+Inf" ? INFINITY : value == "-Inf" ? -INFINITY : std::stod(value);
    samples_.push_back(std::move(sample));
  }
}

std::vector<Sample> MetricsText::Find(const std::string& name, const Labels& match) const {
  std::vector<Sample> found;
  for (const Sample& sample : samples_) {
    if (Matches(sample, name, match)) found.push_back(sample);
  }
  return found;
}

double MetricsText::Sum(const std::string& name, const Labels& match) const {
  double sum = 0;
  for (const Sample& sample : Find(name, match)) sum += sample.value;
  return sum;
}

double MetricsText::Value(const std::string& name, const Labels& match) const {
  const std::vector<Sample> found = Find(name, match);
  if (found.size() != 1) return NAN;
  return found.front().value;
}

}  // namespace accept4_test
