#include "logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace accept4_exporter {

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("accept4_exporter");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l msg=\"%v\"", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level == "warn" ? "warning" : level));
  spdlog::set_default_logger(logger);
}

}  // namespace accept4_exporter
