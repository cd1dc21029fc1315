#include "metrics/comm_filter.h"

#include <algorithm>

#include "metrics/labels.h"

namespace accept4_exporter {

CommFilter::CommFilter(const std::string& include, const std::string& exclude)
    : active_(!include.empty() || !exclude.empty()),
      include_(include.empty() ? ".*" : include),
      exclude_(exclude.empty() ? "$^" : exclude),
      has_include_(!include.empty()),
      has_exclude_(!exclude.empty()) {}

bool CommFilter::Wanted(const std::string& comm) {
  if (!active_) return true;
  if (auto found = verdicts_.find(comm); found != verdicts_.end()) return found->second;
  const bool wanted = (!has_include_ || std::regex_match(comm, include_)) &&
                      !(has_exclude_ && std::regex_match(comm, exclude_));
  if (verdicts_.size() > 65536) verdicts_.clear();
  verdicts_.emplace(comm, wanted);
  return wanted;
}

void CommFilter::Apply(MapSnapshot& snapshot) {
  if (!active_) return;
  std::erase_if(snapshot.stats, [this](const StatsEntry& entry) {
    return !Wanted(CommLabel(std::string_view(entry.key.comm, sizeof(entry.key.comm))));
  });
}

void CommFilter::Apply(InflightSnapshot& snapshot) {
  if (!active_) return;
  std::erase_if(snapshot.calls, [this](const accept4_inflight_call& call) {
    return !Wanted(CommLabel(std::string_view(call.comm, sizeof(call.comm))));
  });
}

}  // namespace accept4_exporter
