// Runs the real accept4_exporter binary for a test: a config file of the
// test's own, an ephemeral port, stderr captured, stopped with a signal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "http_get.h"
#include "metrics_text.h"

namespace accept4_test {

// Path of the binary under test, set by CMake.
std::string ExporterBinary();

// Waits up to 20 s for the exporter `pid`, whose stderr goes to
// `stderr_path`, to log that it listens; returns the port it bound. On exit
// or time-out: fails the calling test, returns 0, and sets `pid` to -1 if
// the process is gone.
int WaitForListening(pid_t& pid, const std::string& stderr_path);

// Runs the binary to completion (for --help, bad flags, --config.check).
struct ExitResult {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
};
ExitResult RunExporterToExit(const std::vector<std::string>& args);

class ExporterProcess {
 public:
  // Writes `config_yaml` (when not empty) to a file, starts the exporter
  // with it on 127.0.0.1:0 (unless `extra_args` has a --web.listen-address)
  // plus `extra_args`, with `environment` ("NAME=value") added to ours, and
  // waits until it listens.
  // Fails the calling test (ADD_FAILURE) if it exits or does not listen.
  explicit ExporterProcess(const std::string& config_yaml,
                           const std::vector<std::string>& extra_args = {},
                           const std::vector<std::string>& environment = {});
  ~ExporterProcess();

  ExporterProcess(const ExporterProcess&) = delete;
  ExporterProcess& operator=(const ExporterProcess&) = delete;

  bool running() const { return port_ != 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string url(const std::string& path) const;
  const std::string& config_path() const { return config_path_; }

  // Scrapes /metrics once a map read has started after `after` (system
  // clock), so everything done before `after` is in it.
  MetricsText ScrapeAfter(std::chrono::system_clock::time_point after);
  // Same, waiting for a read that starts from now.
  MetricsText ScrapeFresh() { return ScrapeAfter(std::chrono::system_clock::now()); }

  // Writes `config` over the config file, sends SIGHUP, and returns the
  // first scrape that shows the outcome: a newer successful reload, or
  // accept4_exporter_config_last_reload_successful 0 when `want_success`
  // is false. Fails the calling test if it does not show.
  MetricsText Reload(const std::string& config, bool want_success = true);

  // Sends `signal` and waits up to `timeout` for the exit; the exit code, or
  // -1 when it had to be killed.
  int Stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::string StderrText() const;

 private:
  std::string dir_;
  std::string config_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace accept4_test

namespace accept4_test {

// Runs any command to completion with stdout/stderr captured.
ExitResult RunCommandToExit(const std::vector<std::string>& argv);

}  // namespace accept4_test
