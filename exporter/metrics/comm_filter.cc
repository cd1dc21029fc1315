#include "metrics/comm_filter.h"

#include <algorithm>

#include "metrics/labels.h"

namespace accept4_exporter {
namespace {

std::unique_ptr<Pattern> CompiledUnlessEmpty(const std::string& pattern) {
  return pattern.empty() ? nullptr : std::make_unique<Pattern>(pattern);
}

}  // namespace

CommFilter::CommFilter(const std::string& include, const std::string& exclude)
    : include_(CompiledUnlessEmpty(include)), exclude_(CompiledUnlessEmpty(exclude)) {}

bool CommFilter::Wanted(const std::string& comm) {
  if (!include_ && !exclude_) return true;
  if (auto found = verdicts_.find(comm); found != verdicts_.end()) return found->second;
  const bool wanted =
      (!include_ || include_->FullMatch(comm)) && !(exclude_ && exclude_->FullMatch(comm));
  if (verdicts_.size() > 65536) verdicts_.clear();
  verdicts_.emplace(comm, wanted);
  return wanted;
}

void CommFilter::Apply(MapSnapshot& snapshot) {
  if (!include_ && !exclude_) return;
  std::erase_if(snapshot.stats, [this](const StatsEntry& entry) {
    return !Wanted(CommLabel(std::string_view(entry.key.comm, sizeof(entry.key.comm))));
  });
}

void CommFilter::Apply(InflightSnapshot& snapshot) {
  if (!include_ && !exclude_) return;
  std::erase_if(snapshot.calls, [this](const accept4_inflight_call& call) {
    return !Wanted(CommLabel(std::string_view(call.comm, sizeof(call.comm))));
  });
}

}  // namespace accept4_exporter
