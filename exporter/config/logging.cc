#include "config/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace accept4_exporter {
namespace {

// %Q: the message as a logfmt value, quotes and backslashes escaped, so that
// a message quoting a file name stays one parseable field.
class QuotedMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    dest.push_back('"');
    for (char c : message.payload) {
      if (c == '"' || c == '\\') dest.push_back('\\');
      if (c == '\n') {
        dest.push_back('\\');
        c = 'n';
      }
      dest.push_back(c);
    }
    dest.push_back('"');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<QuotedMessageFlag>();
  }
};

}  // namespace

void SetUpLogging(const std::string& level) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<QuotedMessageFlag>('Q').set_pattern(
      "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l msg=%Q");
  auto logger = spdlog::stderr_logger_mt("accept4_exporter");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level == "warn" ? "warning" : level));
  spdlog::set_default_logger(logger);
}

}  // namespace accept4_exporter
