#include "metrics/self_metrics.h"

#include <chrono>

#include "version.h"

namespace accept4_exporter {
namespace {

prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& registry,
                                                   const std::string& name,
                                                   const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

SelfMetrics::SelfMetrics(prometheus::Registry& registry)
    : map_read_duration_(
          GaugeFamily(registry, "accept4_exporter_map_read_duration_seconds",
                      "Time the latest read of the BPF maps took (batch lookups and per-CPU sums, "
                      "and the task iterator's walk over the threads).")
              .Add({})),
      last_map_read_(
          GaugeFamily(registry, "accept4_exporter_last_map_read_timestamp_seconds",
                      "Unix time at which the latest successful read of the BPF maps began.")
              .Add({})),
      map_read_errors_(prometheus::BuildCounter()
                           .Name("accept4_exporter_map_read_errors_total")
                           .Help("Passes over the BPF maps that failed; /metrics kept the "
                                 "previous pass.")
                           .Register(registry)
                           .Add({})),
      stats_entries_(GaugeFamily(registry, "accept4_exporter_map_entries",
                                 "Entries in a BPF map at the latest pass.")
                         .Add({{"map", "stats"}})),
      stats_capacity_(
          GaugeFamily(registry, "accept4_exporter_map_capacity", "Maximum entries of a BPF map.")
              .Add({{"map", "stats"}})),
      reload_successful_(GaugeFamily(registry, "accept4_exporter_config_last_reload_successful",
                                     "Whether the latest config load (start or SIGHUP) succeeded.")
                             .Add({})),
      reload_time_(GaugeFamily(registry,
                               "accept4_exporter_config_last_reload_success_timestamp_seconds",
                               "Unix time of the latest successful config load.")
                       .Add({})),
      attach_info_(GaugeFamily(registry, "accept4_exporter_attach_info",
                               "A metric with a constant '1' value per attached group of hooks, "
                               "labeled by the hooks and how they are attached.")),
      map_memory_(GaugeFamily(registry, "accept4_exporter_map_memory_bytes",
                              "Kernel memory of a BPF map, as the kernel accounts it (fdinfo "
                              "memlock).")) {
  GaugeFamily(registry, "accept4_exporter_build_info",
              "A metric with a constant '1' value labeled by version and revision.")
      .Add({{"version", kVersion}, {"revision", kRevision}})
      .Set(1);
  // A restart shows as a change of this value (dashboards annotate it);
  // counters alone cannot tell a restart from a process that went away.
  const std::chrono::duration<double> since_epoch =
      std::chrono::system_clock::now().time_since_epoch();
  GaugeFamily(registry, "accept4_exporter_start_time_seconds",
              "Unix time at which this exporter process attached its programs.")
      .Add({})
      .Set(since_epoch.count());
}

void SelfMetrics::SetAttachedHooks(const AttachedHooks& hooks) {
  for (prometheus::Gauge* gauge : attached_) attach_info_.Remove(gauge);
  attached_.clear();
  for (const auto& [hook, mode] : hooks) {
    prometheus::Gauge& gauge = attach_info_.Add({{"hook", hook}, {"mode", mode}});
    gauge.Set(1);
    attached_.push_back(&gauge);
  }
}

void SelfMetrics::RecordRead(double seconds, double unix_time, double series_entries) {
  map_read_duration_.Set(seconds);
  last_map_read_.Set(unix_time);
  stats_entries_.Set(series_entries);
}

void SelfMetrics::RecordReadError() { map_read_errors_.Increment(); }

void SelfMetrics::SetCapacity(double series_capacity) { stats_capacity_.Set(series_capacity); }

void SelfMetrics::SetMapMemory(const std::vector<std::pair<std::string, uint64_t>>& bytes_by_map) {
  for (prometheus::Gauge* gauge : map_memory_series_) map_memory_.Remove(gauge);
  map_memory_series_.clear();
  for (const auto& [map, bytes] : bytes_by_map) {
    prometheus::Gauge& gauge = map_memory_.Add({{"map", map}});
    gauge.Set(static_cast<double>(bytes));
    map_memory_series_.push_back(&gauge);
  }
}

void SelfMetrics::SetReloadResult(bool successful, double unix_time) {
  reload_successful_.Set(successful ? 1 : 0);
  if (successful) reload_time_.Set(unix_time);
}

}  // namespace accept4_exporter
