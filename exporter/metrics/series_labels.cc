#include "metrics/series_labels.h"

namespace accept4_exporter {

std::vector<std::string> LabelNames(std::span<const LabelId> family, const LabelSet& on) {
  std::vector<std::string> names;
  names.reserve(family.size());
  for (const LabelId id : family) {
    if (on.contains(id)) names.push_back(Spec(id).name);
  }
  return names;
}

std::vector<std::string> SeriesLabels::Values(std::span<const LabelId> family) {
  std::vector<std::string> values;
  values.reserve(family.size());
  for (const LabelId id : family) {
    if (options_.labels.contains(id)) values.push_back(Value(id));
  }
  return values;
}

const std::string& SeriesLabels::Value(LabelId id) {
  std::optional<std::string>& value = decoded_[static_cast<size_t>(id)];
  if (value) return *value;
  const LabelSpec& spec = Spec(id);
  if (kind_ == Kind::kOverflow && spec.overflow_value != nullptr) {
    value = spec.overflow_value;
  } else {
    value = spec.value(key_, options_);
  }
  return *value;
}

}  // namespace accept4_exporter
