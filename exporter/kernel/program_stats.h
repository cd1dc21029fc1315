// What the exporter's BPF programs cost, from the kernel's own accounting:
// while a BPF_ENABLE_STATS fd is open the kernel times every BPF program run
// on the host and adds it to the program's run_time_ns and run_cnt. Each poll
// reads them back per program; a scrape serves the latest read.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/bpf_programs.h"

namespace accept4_exporter {

// Keeps BPF run-time stats on while it lives. They cost two clock reads
// around every BPF program run on the host, ours and everyone else's.
class RunTimeStatsSwitch {
 public:
  // Throws std::runtime_error when the kernel refuses: BPF_ENABLE_STATS
  // needs CAP_SYS_ADMIN and Linux 5.8.
  RunTimeStatsSwitch();
  ~RunTimeStatsSwitch();

  RunTimeStatsSwitch(const RunTimeStatsSwitch&) = delete;
  RunTimeStatsSwitch& operator=(const RunTimeStatsSwitch&) = delete;

 private:
  int fd_;
};

// Serves its own families beside the registry's, on each scrape.
class ProgramStats {
 public:
  // Turns the stats on, so it must run before capabilities are dropped.
  // Throws what RunTimeStatsSwitch throws.
  ProgramStats() = default;

  ProgramStats(const ProgramStats&) = delete;
  ProgramStats& operator=(const ProgramStats&) = delete;

  // Measures `programs` from now on, and reads them once. When they replace
  // other programs (a reload that rebuilt them), the old programs' totals
  // are read a last time and carried over per program name, so no counter
  // goes backwards. Never throws.
  void Track(std::shared_ptr<const BpfPrograms> programs);

  // Reads the tracked programs' counters; on each poll. Never throws: a
  // program that cannot be read keeps its previous values, and is logged.
  void Refresh();

  // accept4_exporter_bpf_program_run_{seconds,count}_total, from the latest
  // read and the totals carried over.
  std::vector<prometheus::MetricFamily> Families() const;

 private:
  struct Totals {
    uint64_t run_time_ns = 0;
    uint64_t run_count = 0;
  };

  // Reads every tracked program into latest_; the caller holds mutex_.
  void ReadLocked();

  RunTimeStatsSwitch stats_on_;
  mutable std::mutex mutex_;
  std::shared_ptr<const BpfPrograms> programs_;
  // Totals of the programs that the tracked ones replaced, by name.
  std::map<std::string, Totals> carried_;
  // The tracked programs at the latest read, by name.
  std::map<std::string, Totals> latest_;
};

}  // namespace accept4_exporter
