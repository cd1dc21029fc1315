// The label names and values of a family's series, from the label table
// (labels.h): both come from the same list of label ids, so a value can
// never land under another label's name.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel/bpf_types.h"
#include "metrics/labels.h"

namespace accept4_exporter {

// The names of the labels in `family` that `on` contains, in that order.
std::vector<std::string> LabelNames(std::span<const LabelId> family, const LabelSet& on);

// The label values of one key, each decoded at most once however many
// families ask for it.
class SeriesLabels {
 public:
  enum class Kind {
    kKey,
    // The calls that found the stats map full: labels with an overflow
    // value take it, the others are decoded from the key.
    kOverflow,
  };

  SeriesLabels(const accept4_key& key, const LabelOptions& options, Kind kind = Kind::kKey)
      : key_(key), options_(options), kind_(kind) {}

  // The values of the labels in `family` that are on, in its order: the
  // order of LabelNames(family, options.labels).
  std::vector<std::string> Values(std::span<const LabelId> family);

 private:
  const std::string& Value(LabelId id);

  const accept4_key& key_;
  const LabelOptions& options_;
  Kind kind_;
  std::array<std::optional<std::string>, kLabelCount> decoded_;
};

}  // namespace accept4_exporter
