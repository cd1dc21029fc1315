// Wires the pieces: flags -> config -> BPF programs -> HTTP -> poll loop,
// then waits for signals. Set-up errors end in one line and a non-zero exit.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "bpf_programs.h"
#include "cli.h"
#include "config.h"
#include "http_server.h"
#include "listener_waker.h"
#include "logging.h"
#include "map_reader.h"
#include "poller.h"
#include "self_metrics.h"
#include "snapshot_collector.h"

namespace {

constexpr int kExitSetupFailed = 1;
constexpr int kExitBadConfig = 2;

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int Run(const accept4_exporter::CliOptions& cli) {
  accept4_exporter::Config config;
  try {
    config = accept4_exporter::LoadConfig(cli.config_file);
  } catch (const accept4_exporter::ConfigError& e) {
    spdlog::error("{}", e.what());
    return kExitBadConfig;
  }
  if (cli.config_check) {
    std::cout << "config "
              << (cli.config_file.empty() ? "(embedded default)" : "\"" + cli.config_file + "\"")
              << " is valid\n";
    return 0;
  }

  // Signals are taken by sigwait below; block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    accept4_exporter::ProgramOptions program_options;
    program_options.with_pid = config.label_pid;
    program_options.with_port = config.label_port;
    program_options.max_series = config.max_series;
    program_options.max_inflight_calls = config.max_inflight_calls;
    program_options.pids = config.pids;
    accept4_exporter::BpfPrograms programs(program_options);
    spdlog::info("attached to the accept paths mode={}", programs.attach_mode());

    auto registry = std::make_shared<prometheus::Registry>();
    accept4_exporter::SelfMetrics self(*registry, programs.attach_mode());
    self.SetCapacity(programs.stats_capacity(), programs.inflight_capacity());
    self.SetReloadResult(true, UnixNow());
    auto collector = std::make_shared<accept4_exporter::SnapshotCollector>();
    accept4_exporter::MapReader reader(programs.stats_fd(), programs.overflow_fd(),
                                       accept4_exporter::ReadMethod::kBatch);
    accept4_exporter::ProcessReaper reaper(programs.stats_fd(), programs.watched_tgids_fd(),
                                           config.grace_period());
    accept4_exporter::Poller poller(reader, config.label_pid ? &reaper : nullptr,
                                    programs.inflight_fd(), *collector, self,
                                    {config.label_pid, config.label_port}, config.poll_interval);
    poller.Start();

    auto server = std::make_unique<accept4_exporter::HttpServer>(accept4_exporter::HttpOptions{
        cli.listen_address, cli.telemetry_path, cli.max_requests, cli.web_config_file});
    server->RegisterCollectable(collector);
    server->RegisterCollectable(registry);
    spdlog::info("listening address={} port={} path={}", cli.listen_address, server->port(),
                 cli.telemetry_path);

    for (;;) {
      int signal = 0;
      sigwait(&signals, &signal);
      if (signal == SIGHUP) {
        spdlog::warn("SIGHUP: config reload is not supported yet; keeping the running config");
        continue;
      }
      spdlog::info("{}: shutting down", strsignal(signal));
      break;
    }
    // Stop serving first, then stop reading; the programs go last (RAII).
    accept4_exporter::RunWhileWakingListener(server->port(), [&] { server.reset(); });
    spdlog::debug("HTTP server stopped");
    poller.Stop();
    spdlog::debug("poller stopped");
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitSetupFailed;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const accept4_exporter::CliResult cli =
      accept4_exporter::ParseCommandLine({argv + 1, argv + argc});
  if (!cli.options) {
    std::fputs(cli.output.c_str(), cli.exit_code == 0 ? stdout : stderr);
    return cli.exit_code;
  }
  accept4_exporter::SetUpLogging(cli.options->log_level);
  return Run(*cli.options);
}
