// Wires the pieces: flags -> config -> BPF programs -> capability drop ->
// poll loop -> HTTP, then waits for signals. Set-up errors end in one line
// and a non-zero exit.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <malloc.h>
#include <prometheus/text_serializer.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "config/cli.h"
#include "config/config.h"
#include "config/logging.h"
#include "kernel/bpf_programs.h"
#include "kernel/capabilities.h"
#include "kernel/listener_reads.h"
#include "kernel/program_stats.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"
#include "pipeline.h"
#include "web/http_server.h"
#include "web/listen_address.h"
#include "web/web_config.h"

namespace {

constexpr int kExitSetupFailed = 1;
constexpr int kExitBadConfig = 2;

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Keeps what a reload needs to load and attach new programs, and what the
// HTTP server needs to bind, which it does afterwards: it starts threads,
// and capabilities are dropped per thread, so the drop has to come first.
void DropCapabilities(const accept4_exporter::CliOptions& cli) {
  const accept4_exporter::DroppedCapabilities dropped =
      accept4_exporter::DropCapabilitiesExcept(accept4_exporter::CapabilitiesToKeep(
          accept4_exporter::LastCapability(),
          accept4_exporter::ParseListenAddress(cli.listen_address).port));
  spdlog::info("dropped capabilities kept={} bounding_set={} no_new_privs=1",
               dropped.kept.empty() ? "none" : fmt::format("{}", fmt::join(dropped.kept, ",")),
               dropped.bounding_set_dropped ? "dropped" : "unchanged (no CAP_SETPCAP)");
  if (!dropped.missing.empty()) {
    spdlog::warn("not holding {}: a reload that rebuilds the BPF programs may fail",
                 fmt::join(dropped.missing, ","));
  }
}

// The kernel's accounting of the programs' run time; null, after a
// warning, when it refuses (without CAP_SYS_ADMIN): the rest still works.
std::shared_ptr<accept4_exporter::ProgramStats> EnableProgramStats() {
  try {
    return std::make_shared<accept4_exporter::ProgramStats>();
  } catch (const std::exception& e) {
    spdlog::warn("bpf_stats: {}; serving no accept4_exporter_bpf_program_* metrics", e.what());
    return nullptr;
  }
}

// SIGHUP: a bad new config is refused and the running one keeps going. BPF
// programs are rebuilt only when the new config changes what they count.
void Reload(const accept4_exporter::CliOptions& cli,
            std::unique_ptr<accept4_exporter::Pipeline>& pipeline,
            accept4_exporter::SnapshotCollector& collector, accept4_exporter::SelfMetrics& self,
            accept4_exporter::ProgramStats* program_stats, bool bpf_stats_at_start) {
  try {
    const accept4_exporter::Config config = accept4_exporter::LoadConfig(cli.config_file);
    if (config.bpf_stats != bpf_stats_at_start) {
      spdlog::warn("SIGHUP: bpf_stats is read at start only; restart to change it");
    }
    auto next = std::make_unique<accept4_exporter::Pipeline>(config, pipeline->programs(),
                                                             collector, self, program_stats);
    pipeline->poller().Stop();
    next->TakeOverFrom(*pipeline);
    pipeline = std::move(next);
    pipeline->poller().Start();
    self.SetAttachedHooks(pipeline->programs()->attached_hooks());
    self.SetReloadResult(true, UnixNow());
    spdlog::info("SIGHUP: config reloaded programs={}",
                 pipeline->reused_programs() ? "kept" : "reloaded");
  } catch (const std::exception& e) {
    self.SetReloadResult(false, UnixNow());
    spdlog::error("SIGHUP: keeping the running config: {}", e.what());
  }
}

int Run(const accept4_exporter::CliOptions& cli) {
  accept4_exporter::Config config;
  try {
    config = accept4_exporter::LoadConfig(cli.config_file);
    // Checked here too, so that a bad web config or a listen address that
    // does not resolve is refused before any BPF is loaded, and by
    // --config.check.
    if (!cli.web_config_file.empty()) accept4_exporter::LoadWebConfig(cli.web_config_file);
    accept4_exporter::ResolveListenAddress(cli.listen_address);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitBadConfig;
  }
  if (cli.config_check) {
    std::cout << "config "
              << (cli.config_file.empty() ? "(embedded default)" : "\"" + cli.config_file + "\"")
              << " is valid";
    if (!cli.web_config_file.empty())
      std::cout << ", web config \"" << cli.web_config_file << "\" is valid";
    std::cout << "\n";
    return 0;
  }

  // Signals are taken by sigwait below; block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    auto registry = std::make_shared<prometheus::Registry>();
    auto collector = std::make_shared<accept4_exporter::SnapshotCollector>();
    std::unique_ptr<accept4_exporter::SelfMetrics> self;
    std::shared_ptr<accept4_exporter::ProgramStats> program_stats;
    std::unique_ptr<accept4_exporter::Pipeline> pipeline;
    {
      auto programs = std::make_shared<accept4_exporter::BpfPrograms>(
          accept4_exporter::ProgramOptionsFor(config));
      spdlog::info("attached to the accept paths mode={} io_uring={}", programs->attach_mode(),
                   programs->io_uring_attached() ? "attached" : "off");
      spdlog::info("listener reads: {}", accept4_exporter::ListenerReadsDescription());
      // After the programs, so that a start without privileges ends in the
      // one line that says so; before the drop, which takes CAP_SYS_ADMIN.
      if (config.bpf_stats) program_stats = EnableProgramStats();
      self = std::make_unique<accept4_exporter::SelfMetrics>(*registry);
      self->SetAttachedHooks(programs->attached_hooks());
      pipeline = std::make_unique<accept4_exporter::Pipeline>(config, programs, *collector, *self,
                                                              program_stats.get());
    }
    DropCapabilities(cli);
    self->SetReloadResult(true, UnixNow());
    pipeline->poller().Start();

    // A scrape: the exporter's own few metrics, serialized now, then the
    // accept metrics as serialized by the last poll, shared, not copied. In
    // that order, so that the read timestamp served is never newer than the
    // accept metrics. It borrows what it reads: the server is stopped before
    // they go, and a copy that outlived this scope must not keep the BPF
    // programs (whose destructor logs) alive past the logger.
    auto metrics = [collector = collector.get(), registry = registry.get(),
                    program_stats = program_stats.get()] {
      std::vector<prometheus::MetricFamily> own = registry->Collect();
      if (program_stats) {
        for (auto& family : program_stats->Families()) own.push_back(std::move(family));
      }
      accept4_exporter::MetricsText text;
      text.own = prometheus::TextSerializer().Serialize(own);
      text.shared = collector->Text();
      return text;
    };
    auto server = std::make_unique<accept4_exporter::HttpServer>(accept4_exporter::HttpOptions{
        cli.listen_address, cli.telemetry_path, cli.max_requests, cli.web_config_file, metrics});
    spdlog::info("listening address={} port={} path={}", cli.listen_address, server->port(),
                 cli.telemetry_path);

    for (;;) {
      int signal = 0;
      sigwait(&signals, &signal);
      if (signal == SIGHUP) {
        Reload(cli, pipeline, *collector, *self, program_stats.get(), config.bpf_stats);
        continue;
      }
      spdlog::info("{}: shutting down", strsignal(signal));
      break;
    }
    // Stop serving first, then stop reading; the programs go last (RAII).
    server.reset();
    spdlog::debug("HTTP server stopped");
    pipeline->poller().Stop();
    spdlog::debug("poller stopped");
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitSetupFailed;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread its own arena and keeps what was freed there,
  // so resident memory grew with every thread that ever served a scrape
  // (bench/). Two arenas, and scrape-sized buffers (the text serialized per
  // poll, its gzip form) always mmapped, returned to the kernel on free.
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  const accept4_exporter::CliResult cli =
      accept4_exporter::ParseCommandLine({argv + 1, argv + argc});
  if (!cli.options) {
    std::fputs(cli.output.c_str(), cli.exit_code == 0 ? stdout : stderr);
    return cli.exit_code;
  }
  accept4_exporter::SetUpLogging(cli.options->log_level);
  return Run(*cli.options);
}
