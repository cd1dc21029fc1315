#include "metrics/process_reaper.h"

#include <bpf/bpf.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "kernel/monotonic_clock.h"

namespace accept4_exporter {
namespace {

uint64_t Ns(std::chrono::nanoseconds d) { return static_cast<uint64_t>(d.count()); }

// /proc/<tgid>/stat's starttime (clock ticks since boot), or -1.
long long StartTicks(uint32_t tgid) {
  std::ifstream stat("/proc/" + std::to_string(tgid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return -1;
  // The name (field 2) may hold spaces and parentheses: count from the last ')'.
  const size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return -1;
  std::istringstream fields(line.substr(name_end + 1));
  std::string field;
  // fields 3 to 21, then starttime
  for (int i = 3; i <= 21; ++i) fields >> field;
  long long ticks = -1;
  fields >> ticks;
  return fields ? ticks : -1;
}

}  // namespace

bool ProcessRuns(const accept4_process_key& key) {
  // EPERM: it exists, and belongs to someone we may not signal.
  if (kill(static_cast<pid_t>(key.tgid), 0) != 0 && errno != EPERM) return false;
  const long long ticks = StartTicks(key.tgid);
  if (ticks < 0) return true;  // /proc does not tell: trust kill
  const uint64_t ns_per_tick = 1000000000ULL / static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
  return key.start / ns_per_tick == static_cast<uint64_t>(ticks);
}

size_t LabelSetKeyHash::operator()(const LabelSetKey& k) const {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(&k.key), sizeof(k.key)));
}

LabelSetKey LabelSetOf(const accept4_key& key) {
  LabelSetKey label_set{key};
  label_set.key.process_start = 0;
  return label_set;
}

ProcessReaper::ProcessReaper(ReaperMapFds fds, ReaperSettings settings, Clock now, Liveness alive)
    : fds_(fds), settings_(settings), now_(std::move(now)), alive_(std::move(alive)) {}

ProcessReaper::ProcessReaper(ReaperMapFds fds, ReaperSettings settings)
    : ProcessReaper(fds, settings, MonotonicNs, ProcessRuns) {}

void ProcessReaper::TakeOver(ProcessReaper& previous) {
  exited_ = std::move(previous.exited_);
  carried_ = std::move(previous.carried_);
}

void ProcessReaper::NoteExits(const MapSnapshot& snapshot, uint64_t pass) {
  // An exit stamped before the read began is in this pass's counts for
  // good; one stamped during the read may not be, so the next pass is final.
  auto note = [&](const accept4_process_key& process, uint64_t exited_ns) {
    const uint64_t final_pass = exited_ns < snapshot.read_ns ? pass : pass + 1;
    exited_.try_emplace(process, Exit{exited_ns, final_pass});
  };
  for (const auto& [process, record] : snapshot.processes) {
    if (record.exited_ns != 0) note(process, record.exited_ns);
  }
  // Series whose process the kernel had no room to record: ask /proc.
  std::unordered_set<accept4_process_key, ProcessKeyHash, ProcessKeyEqual> asked;
  for (const StatsEntry& entry : snapshot.stats) {
    if (entry.key.tgid == 0) continue;  // no pid label: kept for ever
    const accept4_process_key process = ProcessKeyOf(entry.key);
    if (snapshot.processes.count(process) || exited_.count(process)) continue;
    if (!asked.insert(process).second) continue;
    if (!alive_(process)) note(process, now_());
  }
}

bool ProcessReaper::MayGo(const Exit& exit, uint64_t now, uint64_t served_pass) const {
  if (now < exit.exited_ns) return false;
  const uint64_t since_exit = now - exit.exited_ns;
  const bool served = served_pass >= exit.final_pass;
  return (served && since_exit >= Ns(settings_.grace_period)) ||
         since_exit >= Ns(settings_.unscraped_limit);
}

void ProcessReaper::ReleaseShare(uint32_t uid, uint64_t series) {
  // The exporter is the only writer of this map: read, add, write is exact.
  __u64 deleted = 0;
  bpf_map_lookup_elem(fds_.uid_series_deleted, &uid, &deleted);
  deleted += series;
  if (bpf_map_update_elem(fds_.uid_series_deleted, &uid, &deleted, BPF_ANY) != 0) {
    spdlog::warn("returning {} series to uid {}'s share: {}", series, uid, strerror(errno));
  }
}

size_t ProcessReaper::Reap(MapSnapshot& snapshot, uint64_t pass, uint64_t served_pass) {
  NoteExits(snapshot, pass);
  const uint64_t now = now_();
  std::unordered_set<accept4_process_key, ProcessKeyHash, ProcessKeyEqual> going;
  for (const auto& [process, exit] : exited_) {
    if (MayGo(exit, now, served_pass)) going.insert(process);
  }

  // Keep the series of the others, and note the label sets they show.
  std::vector<StatsEntry> gone;
  size_t kept = 0;
  std::unordered_set<LabelSetKey, LabelSetKeyHash> shown;
  for (StatsEntry& entry : snapshot.stats) {
    if (entry.key.tgid != 0 && going.count(ProcessKeyOf(entry.key))) {
      gone.push_back(entry);
      continue;
    }
    shown.insert(LabelSetOf(entry.key));
    snapshot.stats[kept++] = entry;
  }
  snapshot.stats.resize(kept);

  std::unordered_map<uint32_t, uint64_t> released;  // series per uid
  for (const StatsEntry& entry : gone) {
    const accept4_key kernel_key = KernelKeyOf(entry.key);
    if (bpf_map_delete_elem(fds_.stats, &kernel_key) != 0 && errno != ENOENT) {
      spdlog::warn("deleting a series of exited process {}: {}", entry.key.tgid, strerror(errno));
      continue;
    }
    const auto record = snapshot.processes.find(ProcessKeyOf(entry.key));
    if (record != snapshot.processes.end()) ++released[record->second.uid];
    // Another process (a reused pid) shows the same labels: carry the counts.
    const LabelSetKey label_set = LabelSetOf(entry.key);
    if (shown.count(label_set)) carried_[label_set].Add(entry.value);
  }
  for (const accept4_process_key& process : going) {
    bpf_map_delete_elem(fds_.processes, &process);
    snapshot.processes.erase(process);
    exited_.erase(process);
  }
  for (const auto& [uid, series] : released) ReleaseShare(uid, series);

  const size_t in_kernel = snapshot.stats.size();
  // Carried counts go with the last series of their label set.
  for (auto it = carried_.begin(); it != carried_.end();) {
    if (!shown.count(it->first)) {
      it = carried_.erase(it);
      continue;
    }
    snapshot.stats.push_back({it->first.key, it->second});
    ++it;
  }
  return in_kernel;
}

}  // namespace accept4_exporter
