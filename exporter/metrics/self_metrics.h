// Metrics about the exporter itself, registered in a prometheus::Registry.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace accept4_exporter {

class SelfMetrics {
 public:
  // One accept4_exporter_attach_info series per attached group of hooks:
  // {hook, how it is hooked}, e.g. {"accept", "tracepoint"}.
  using AttachedHooks = std::vector<std::pair<std::string, std::string>>;

  explicit SelfMetrics(prometheus::Registry& registry);

  // At start and after each reload, which may load other programs.
  void SetAttachedHooks(const AttachedHooks& hooks);

  // After each pass over the maps.
  void RecordRead(double seconds, double unix_time, double series_entries);
  void RecordReadError();
  void SetCapacity(double series_capacity);
  // Kernel memory of each BPF map, by name; replaces the previous set.
  void SetMapMemory(const std::vector<std::pair<std::string, uint64_t>>& bytes_by_map);
  void SetReloadResult(bool successful, double unix_time);

 private:
  prometheus::Gauge& map_read_duration_;
  prometheus::Gauge& last_map_read_;
  prometheus::Counter& map_read_errors_;
  prometheus::Gauge& stats_entries_;
  prometheus::Gauge& stats_capacity_;
  prometheus::Gauge& reload_successful_;
  prometheus::Gauge& reload_time_;
  prometheus::Family<prometheus::Gauge>& attach_info_;
  prometheus::Family<prometheus::Gauge>& map_memory_;
  std::vector<prometheus::Gauge*> map_memory_series_;
  std::vector<prometheus::Gauge*> attached_;
};

}  // namespace accept4_exporter
