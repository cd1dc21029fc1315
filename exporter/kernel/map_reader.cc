#include "kernel/map_reader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>

#include <algorithm>
#include <system_error>

namespace accept4_exporter {
namespace {

[[noreturn]] void ThrowErrno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

}  // namespace

accept4_value SumPerCpu(const accept4_value* per_cpu, int cpus) {
  accept4_value sum = {};
  for (int cpu = 0; cpu < cpus; ++cpu) {
    const accept4_value& v = per_cpu[cpu];
    sum.calls += v.calls;
    sum.timed_calls += v.timed_calls;
    sum.duration_ns_sum += v.duration_ns_sum;
    for (int i = 0; i < ACCEPT4_DURATION_BUCKETS; ++i)
      sum.duration_buckets[i] += v.duration_buckets[i];
    sum.backlog_samples += v.backlog_samples;
    sum.backlog_sum += v.backlog_sum;
    sum.backlog_limit = std::max(sum.backlog_limit, v.backlog_limit);
    for (int i = 0; i < ACCEPT4_BACKLOG_BUCKETS; ++i)
      sum.backlog_buckets[i] += v.backlog_buckets[i];
  }
  return sum;
}

MapReader::MapReader(int stats_fd, int overflow_fd, ReadMethod method)
    : stats_fd_(stats_fd), overflow_fd_(overflow_fd), method_(method) {
  possible_cpus_ = libbpf_num_possible_cpus();
  if (possible_cpus_ <= 0) ThrowErrno(-possible_cpus_, "counting possible CPUs");
}

MapSnapshot MapReader::Read() {
  MapSnapshot snapshot;
  ReadStats(snapshot.stats);
  ReadOverflow(snapshot.overflow);
  last_stats_entries_ = snapshot.stats.size();
  return snapshot;
}

void MapReader::ReadStats(std::vector<StatsEntry>& out) {
  out.reserve(last_stats_entries_);
  if (method_ == ReadMethod::kIterate) {
    values_.resize(possible_cpus_);
    accept4_key key;
    const void* previous = nullptr;
    while (bpf_map_get_next_key(stats_fd_, previous, &key) == 0) {
      previous = &key;
      // ENOENT: deleted between the two calls; the next key is still valid.
      if (bpf_map_lookup_elem(stats_fd_, &key, values_.data()) != 0) {
        if (errno == ENOENT) continue;
        ThrowErrno(errno, "reading stats map entry");
      }
      out.push_back({key, SumPerCpu(values_.data(), possible_cpus_)});
    }
    if (errno != ENOENT) ThrowErrno(errno, "iterating stats map");
    return;
  }

  // The batch token of hash maps is a bucket index; a key is large enough.
  accept4_key token = {};
  bool first = true;
  for (;;) {
    keys_.resize(batch_size_);
    values_.resize(batch_size_ * possible_cpus_);
    auto count = static_cast<__u32>(batch_size_);
    const int rc = bpf_map_lookup_batch(stats_fd_, first ? nullptr : &token, &token, keys_.data(),
                                        values_.data(), &count, nullptr);
    const int err = rc == 0 ? 0 : errno;
    if (err != 0 && err != ENOENT) {
      // ENOSPC: one hash bucket holds more keys than fit; retry bigger.
      if (err == ENOSPC) {
        batch_size_ *= 2;
        continue;
      }
      ThrowErrno(err, "batch-reading stats map");
    }
    for (__u32 i = 0; i < count; ++i) {
      out.push_back({keys_[i], SumPerCpu(&values_[i * possible_cpus_], possible_cpus_)});
    }
    if (err == ENOENT) return;
    first = false;
  }
}

void MapReader::ReadOverflow(std::vector<uint64_t>& out) {
  constexpr __u32 kSlots = ACCEPT4_SYSCALL_MAX * ACCEPT4_OVERFLOW_ERRNO_SLOTS;
  out.assign(kSlots, 0);
  // Per-CPU array slots are almost always zero; a lookup each costs 2048
  // syscalls, so read them in one batch.
  std::vector<__u32> keys(kSlots);
  std::vector<__u64> values(static_cast<size_t>(kSlots) * possible_cpus_);
  __u32 count = kSlots;
  __u32 token = 0;
  if (bpf_map_lookup_batch(overflow_fd_, nullptr, &token, keys.data(), values.data(), &count,
                           nullptr) != 0 &&
      errno != ENOENT) {
    ThrowErrno(errno, "batch-reading overflow map");
  }
  for (__u32 i = 0; i < count; ++i) {
    if (keys[i] >= kSlots) continue;
    for (int cpu = 0; cpu < possible_cpus_; ++cpu) out[keys[i]] += values[i * possible_cpus_ + cpu];
  }
}

}  // namespace accept4_exporter
