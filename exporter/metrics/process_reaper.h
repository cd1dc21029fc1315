// Drops the series of processes that have exited, from /metrics and from the
// kernel's maps, so that pid churn does not grow memory or cardinality
// without bound, and not before Prometheus has seen their final counts.
//
// With the pid label a process is its tgid and its start time: the kernel
// records each process with series (map `processes`) and its
// sched_process_exit hook stamps the exit. An exited process's series go
// once a scrape has served a pass that holds its final counts and the
// grace period has passed since its exit; or, when nothing scrapes,
// after the unscraped limit, so that an unwatched exporter still frees
// the map.
//
// A new process may reuse a pid while the old one's series are still
// served, and with the same name its series have the same labels: they are
// summed. When the old one's series go, their counts are carried into the
// new one's, so that no served counter ever goes backwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "kernel/map_snapshot.h"

namespace accept4_exporter {

// The maps the reaper deletes from.
struct ReaperMapFds {
  int stats = -1;
  int processes = -1;
  int uid_series_deleted = -1;
};

struct ReaperSettings {
  std::chrono::nanoseconds grace_period{std::chrono::minutes(1)};
  std::chrono::nanoseconds unscraped_limit{std::chrono::minutes(10)};
};

// The series a label set is shown as: the key without the process's start
// time (comm already filled in). Plain bytes: accept4_key has no padding.
struct LabelSetKey {
  accept4_key key;
  bool operator==(const LabelSetKey& other) const {
    return std::memcmp(&key, &other.key, sizeof(key)) == 0;
  }
};
struct LabelSetKeyHash {
  size_t operator()(const LabelSetKey& k) const;
};
LabelSetKey LabelSetOf(const accept4_key& key);

class ProcessReaper {
 public:
  // CLOCK_MONOTONIC ns, the clock of bpf_ktime_get_ns().
  using Clock = std::function<uint64_t()>;
  // Whether a process with this tgid and start time still runs; asked only
  // for series whose process the kernel could not record.
  using Liveness = std::function<bool(const accept4_process_key&)>;

  ProcessReaper(ReaperMapFds fds, ReaperSettings settings, Clock now, Liveness alive);
  // With the real clock and /proc.
  ProcessReaper(ReaperMapFds fds, ReaperSettings settings);

  // `pass` numbers the publish this snapshot is for; `served_pass` is the
  // latest pass a scrape has served. Removes from `snapshot` (and deletes
  // from the kernel's maps) the series of processes that may go, and adds
  // the counts carried for label sets still shown. Returns the series left
  // in the kernel's map: the snapshot's before the carried ones.
  size_t Reap(MapSnapshot& snapshot, uint64_t pass, uint64_t served_pass);

  // Takes what `previous` (the reaper a reload replaces, stopped, on the
  // same maps) knew: exits seen and counts carried, so that a reload does
  // not make a carried counter go backwards.
  void TakeOver(ProcessReaper& previous);

  // Exited processes whose series are still kept.
  size_t exited_processes() const { return exited_.size(); }

 private:
  struct Exit {
    uint64_t exited_ns;
    // the first pass whose counts are final for the process
    uint64_t final_pass;
  };

  void NoteExits(const MapSnapshot& snapshot, uint64_t pass);
  bool MayGo(const Exit& exit, uint64_t now, uint64_t served_pass) const;
  void ReleaseShare(uint32_t uid, uint64_t series);

  ReaperMapFds fds_;
  ReaperSettings settings_;
  Clock now_;
  Liveness alive_;
  std::unordered_map<accept4_process_key, Exit, ProcessKeyHash, ProcessKeyEqual> exited_;
  // Counts of deleted series whose label set another process still shows.
  std::unordered_map<LabelSetKey, accept4_value, LabelSetKeyHash> carried_;
};

// Whether the process `key` names runs: its tgid exists and started at
// key.start (/proc/<tgid>/stat). When /proc cannot tell (hidepid=, another
// pid namespace), whether the tgid exists at all.
bool ProcessRuns(const accept4_process_key& key);

}  // namespace accept4_exporter
