// filters.include_comm / filters.exclude_comm: which commands' series are
// served. A regex cannot run in a BPF program, so this one is applied in
// user space, to each map read.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "config/pattern.h"
#include "kernel/inflight_snapshot.h"
#include "kernel/map_snapshot.h"

namespace accept4_exporter {

class CommFilter {
 public:
  // Empty patterns: include everything, exclude nothing. Both are fully
  // anchored RE2 patterns, already validated by the config (throws
  // std::invalid_argument otherwise).
  CommFilter(const std::string& include, const std::string& exclude);

  bool Wanted(const std::string& comm);
  // Drops the entries of unwanted commands; overflow counts stay.
  void Apply(MapSnapshot& snapshot);
  // Drops the calls in progress of unwanted commands.
  void Apply(InflightSnapshot& snapshot);

 private:
  std::unique_ptr<Pattern> include_;  // null: everything
  std::unique_ptr<Pattern> exclude_;  // null: nothing
  // A host has few distinct commands: remember answers.
  std::unordered_map<std::string, bool> verdicts_;
};

}  // namespace accept4_exporter
