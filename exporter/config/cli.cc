#include "config/cli.h"

#include <CLI/CLI.hpp>
#include <stdexcept>

#include "version.h"
#include "web/listen_address.h"

namespace accept4_exporter {

std::string VersionString() {
  return std::string("accept4_exporter, version ") + kVersion + " (revision: " + kRevision + ")";
}

CliResult ParseCommandLine(const std::vector<std::string>& args) {
  CliOptions options;
  CLI::App app{"Prometheus exporter of accept4(2) and accept(2) calls, counted in the kernel.",
               "accept4_exporter"};
  app.option_defaults()->always_capture_default();
  app.add_option("--web.listen-address", options.listen_address,
                 "Address to listen on for HTTP, as [host]:port: host an IPv4 address, an IPv6 "
                 "address in brackets, a host name, or empty for every address")
      ->check([](const std::string& address) {
        try {
          ParseListenAddress(address);
          return std::string();
        } catch (const std::runtime_error& e) {
          return std::string(e.what());
        }
      });
  app.add_option("--web.telemetry-path", options.telemetry_path,
                 "Path under which to serve metrics")
      ->check([](const std::string& path) {
        return !path.empty() && path[0] == '/' && path != "/" ? std::string()
                                                              : "must start with / and not be /";
      });
  app.add_option("--web.config.file", options.web_config_file,
                 "exporter-toolkit web config file (TLS, basic auth)")
      ->check(CLI::ExistingFile);
  app.add_option("--web.max-requests", options.max_requests,
                 "Maximum number of HTTP requests answered at once; more get 503")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--config.file", options.config_file,
                 "YAML config file; the embedded default when not given")
      // An empty value (an unset variable in a unit file) must not quietly
      // mean the default config, which has no filters.
      ->check([](const std::string& path) {
        return path.empty() ? std::string("must name a file") : std::string();
      });
  app.add_flag("--config.check", options.config_check, "Validate the config and exit");
  app.add_option("--log.level", options.log_level, "Only log messages at or above this level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.set_version_flag("--version", VersionString());

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  CliResult result;
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    result.output = app.help();
    return result;
  } catch (const CLI::CallForVersion&) {
    result.output = VersionString() + "\n";
    return result;
  } catch (const CLI::ParseError& e) {
    result.exit_code = 2;
    result.output = std::string("accept4_exporter: error: ") + e.what() + " (see --help)\n";
    return result;
  }
  result.options = options;
  return result;
}

}  // namespace accept4_exporter
