#include "metrics/process_reaper.h"

#include <bpf/bpf.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <string>
#include <unordered_set>

#include "kernel/monotonic_clock.h"

namespace accept4_exporter {
namespace {

// kill(0) rather than a look at /proc, which hidepid= or another pid
// namespace would make every process seem gone; EPERM means it exists.
bool ProcessExists(uint32_t tgid) {
  return kill(static_cast<pid_t>(tgid), 0) == 0 || errno == EPERM;
}

}  // namespace

ProcessReaper::ProcessReaper(int stats_fd, int watched_tgids_fd,
                             std::chrono::milliseconds grace_period)
    : stats_fd_(stats_fd), watched_tgids_fd_(watched_tgids_fd), grace_period_(grace_period) {}

uint64_t ProcessReaper::ExitTime(uint32_t tgid) {
  __u64 exited_ns = 0;
  if (bpf_map_lookup_elem(watched_tgids_fd_, &tgid, &exited_ns) == 0) {
    // Watched from now on, but it may have exited before the watch began.
    if (exited_ns == 0 && !ProcessExists(tgid)) {
      exited_ns = MonotonicNs();
      bpf_map_update_elem(watched_tgids_fd_, &tgid, &exited_ns, BPF_EXIST);
    }
    return exited_ns;
  }
  const __u64 alive = 0;
  if (bpf_map_update_elem(watched_tgids_fd_, &tgid, &alive, BPF_NOEXIST) == 0) {
    return ExitTime(tgid);
  }
  // The watch map is full: fall back to /proc for this one.
  auto [it, inserted] = unwatched_exits_.try_emplace(tgid, 0);
  if (it->second == 0 && !ProcessExists(tgid)) it->second = MonotonicNs();
  return it->second;
}

void ProcessReaper::Reap(MapSnapshot& snapshot) {
  const auto grace_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(grace_period_).count());
  std::unordered_map<uint32_t, bool> expired;  // by tgid: past the grace period
  for (const StatsEntry& entry : snapshot.stats) {
    const uint32_t tgid = entry.key.tgid;
    // tgid 0: the pid label is off and series are per command.
    if (tgid == 0 || expired.count(tgid)) continue;
    const uint64_t exited_ns = ExitTime(tgid);
    // Read after ExitTime, which may stamp an exit it just noticed: an
    // earlier `now` would make now - exited_ns wrap and reap at once.
    const uint64_t now = MonotonicNs();
    expired[tgid] = exited_ns != 0 && now >= exited_ns && now - exited_ns >= grace_ns;
  }

  size_t kept = 0;
  std::unordered_set<uint32_t> reaped;
  for (StatsEntry& entry : snapshot.stats) {
    const auto found = expired.find(entry.key.tgid);
    if (found == expired.end() || !found->second) {
      snapshot.stats[kept++] = entry;
      continue;
    }
    if (bpf_map_delete_elem(stats_fd_, &entry.key) != 0 && errno != ENOENT) {
      spdlog::warn("deleting the series of exited process {}: {}", entry.key.tgid, strerror(errno));
    }
    reaped.insert(entry.key.tgid);
  }
  snapshot.stats.resize(kept);
  for (uint32_t tgid : reaped) {
    bpf_map_delete_elem(watched_tgids_fd_, &tgid);
    unwatched_exits_.erase(tgid);
  }
  reaped_processes_ += reaped.size();
}

}  // namespace accept4_exporter
