// Command-line flags, named like node_exporter's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "web/web_defaults.h"

namespace accept4_exporter {

struct CliOptions {
  std::string listen_address = kDefaultListenAddress;
  std::string telemetry_path = kDefaultTelemetryPath;
  std::string config_file;  // empty: the embedded default
  bool config_check = false;
  std::string web_config_file;
  unsigned max_requests = kDefaultMaxRequests;
  std::string log_level = "info";
};

struct CliResult {
  std::optional<CliOptions> options;  // empty: exit with exit_code
  int exit_code = 0;
  std::string output;  // --help / --version text, or the error line
};

CliResult ParseCommandLine(const std::vector<std::string>& args);

std::string VersionString();

}  // namespace accept4_exporter
