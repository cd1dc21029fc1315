#include "kernel/map_reader.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include <algorithm>
#include <system_error>

#include "kernel/monotonic_clock.h"

namespace accept4_exporter {
namespace {

[[noreturn]] void ThrowErrno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// Reads every entry of a hash or array map in batches, calling
// `take(keys, values, count)` for each batch. `keys` and `values` are the
// caller's buffers, grown when one hash bucket holds more than fit.
template <typename Key, typename Value, typename Take>
void ReadBatches(int fd, const char* map_name, std::vector<Key>& keys, std::vector<Value>& values,
                 size_t batch_size, const Take& take) {
  // The batch token of hash maps is a bucket index, of arrays an index: a
  // u64 holds either.
  uint64_t token = 0;
  bool first = true;
  batch_size = std::max<size_t>(batch_size, 64);
  for (;;) {
    keys.resize(batch_size);
    values.resize(batch_size);
    auto count = static_cast<__u32>(batch_size);
    const int rc = bpf_map_lookup_batch(fd, first ? nullptr : &token, &token, keys.data(),
                                        values.data(), &count, nullptr);
    const int err = rc == 0 ? 0 : errno;
    if (err == ENOSPC) {  // one hash bucket holds more keys than fit
      batch_size *= 2;
      continue;
    }
    if (err != 0 && err != ENOENT) ThrowErrno(err, std::string("batch-reading map ") + map_name);
    take(keys, values, count);
    if (err == ENOENT) return;
    first = false;
  }
}

}  // namespace

void accept4_value::Add(const accept4_value& other) {
  calls += other.calls;
  timed_calls += other.timed_calls;
  duration_ns_sum += other.duration_ns_sum;
  for (int i = 0; i < ACCEPT4_DURATION_BUCKETS; ++i)
    duration_buckets[i] += other.duration_buckets[i];
  backlog_samples += other.backlog_samples;
  backlog_sum += other.backlog_sum;
  backlog_limit = std::max(backlog_limit, other.backlog_limit);
  for (int i = 0; i < ACCEPT4_BACKLOG_BUCKETS; ++i) backlog_buckets[i] += other.backlog_buckets[i];
}

accept4_value ValueOf(const accept4_counts& counts) {
  accept4_value value;
  for (int i = 0; i < ACCEPT4_DURATION_BUCKETS; ++i) {
    value.duration_buckets[i] = counts.duration_buckets[i];
    value.timed_calls += counts.duration_buckets[i];
  }
  value.calls = value.timed_calls + counts.untimed_calls;
  value.duration_ns_sum = counts.duration_ns_sum;
  for (int i = 0; i < ACCEPT4_BACKLOG_BUCKETS; ++i) {
    value.backlog_buckets[i] = counts.backlog_buckets[i];
    value.backlog_samples += counts.backlog_buckets[i];
  }
  value.backlog_sum = counts.backlog_sum;
  value.backlog_limit = counts.backlog_limit;
  return value;
}

MapReader::MapReader(CountingMapFds fds) : fds_(fds) {}

MapSnapshot MapReader::Read() {
  MapSnapshot snapshot;
  snapshot.read_ns = MonotonicNs();
  ReadStats(snapshot.stats);
  ReadOverflow(snapshot);
  // After the series: the kernel records a process before its first
  // series, so every series read above finds its process here.
  if (fds_.processes >= 0) ReadProcesses(snapshot.processes);
  last_stats_entries_ = snapshot.stats.size();
  return snapshot;
}

void MapReader::ReadStats(std::vector<StatsEntry>& out) {
  out.reserve(last_stats_entries_);
  ReadBatches(fds_.stats, "stats", keys_, counts_, 1024,
              [&](const std::vector<accept4_key>& keys, const std::vector<accept4_counts>& counts,
                  __u32 count) {
                for (__u32 i = 0; i < count; ++i) out.push_back({keys[i], ValueOf(counts[i])});
              });
}

void MapReader::ReadOverflow(MapSnapshot& snapshot) {
  constexpr __u32 kSlotsPerReason = ACCEPT4_SYSCALL_MAX * ACCEPT4_OVERFLOW_ERRNO_SLOTS;
  constexpr __u32 kSlots = ACCEPT4_OVERFLOW_REASON_MAX * kSlotsPerReason;
  snapshot.overflow.assign(kSlotsPerReason, 0);
  std::vector<__u32> keys;
  std::vector<__u64> values;
  ReadBatches(fds_.overflow, "overflow", keys, values, kSlots,
              [&](const std::vector<__u32>& slots, const std::vector<__u64>& counts, __u32 count) {
                for (__u32 i = 0; i < count; ++i) {
                  if (counts[i] == 0 || slots[i] >= kSlots) continue;
                  snapshot.overflow[slots[i] % kSlotsPerReason] += counts[i];
                  snapshot.overflow_by_reason[slots[i] / kSlotsPerReason] += counts[i];
                }
              });
}

void MapReader::ReadProcesses(ProcessTable& out) {
  std::vector<accept4_process_key> keys;
  std::vector<accept4_process> records;
  ReadBatches(fds_.processes, "processes", keys, records, 1024,
              [&](const std::vector<accept4_process_key>& process_keys,
                  const std::vector<accept4_process>& processes, __u32 count) {
                for (__u32 i = 0; i < count; ++i) out.emplace(process_keys[i], processes[i]);
              });
}

void NameProcesses(MapSnapshot& snapshot) {
  for (StatsEntry& entry : snapshot.stats) {
    if (entry.key.tgid == 0) continue;  // no pid label: the name is in the key
    const auto found = snapshot.processes.find(ProcessKeyOf(entry.key));
    if (found == snapshot.processes.end()) continue;
    memcpy(entry.key.comm, found->second.comm, sizeof(entry.key.comm));
  }
}

}  // namespace accept4_exporter
