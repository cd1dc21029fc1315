// filters.include_comm / filters.exclude_comm: which commands' series are
// served. A regex cannot run in a BPF program, so this one is applied in
// user space, to each map read.
#pragma once

#include <regex>
#include <string>
#include <unordered_map>

#include "kernel/inflight_snapshot.h"
#include "kernel/map_snapshot.h"

namespace accept4_exporter {

class CommFilter {
 public:
  // Empty patterns: include everything, exclude nothing. Both are fully
  // anchored ECMAScript regexes, already validated by the config.
  CommFilter(const std::string& include, const std::string& exclude);

  bool Wanted(const std::string& comm);
  // Drops the entries of unwanted commands; overflow counts stay.
  void Apply(MapSnapshot& snapshot);
  // Drops the calls in progress of unwanted commands.
  void Apply(InflightSnapshot& snapshot);

 private:
  bool active_;
  std::regex include_;
  std::regex exclude_;
  bool has_include_;
  bool has_exclude_;
  // A host has few distinct commands and regexes are slow: remember answers.
  std::unordered_map<std::string, bool> verdicts_;
};

}  // namespace accept4_exporter
