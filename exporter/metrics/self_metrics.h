// Metrics about the exporter itself, registered in a prometheus::Registry.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace accept4_exporter {

class SelfMetrics {
 public:
  SelfMetrics(prometheus::Registry& registry, const std::string& attach_mode);

  // After each pass over the maps.
  void RecordRead(double seconds, double unix_time, double series_entries);
  void RecordReadError();
  void SetCapacity(double series_capacity);
  void SetReloadResult(bool successful, double unix_time);

 private:
  prometheus::Gauge& map_read_duration_;
  prometheus::Gauge& last_map_read_;
  prometheus::Counter& map_read_errors_;
  prometheus::Gauge& stats_entries_;
  prometheus::Gauge& stats_capacity_;
  prometheus::Gauge& reload_successful_;
  prometheus::Gauge& reload_time_;
};

}  // namespace accept4_exporter
