// The YAML config parser: any text either parses into a config within the
// documented ranges, whose patterns the comm filter can compile and match,
// or is refused with a ConfigError of one line naming the file. Any other
// exception (a yaml-cpp one above all) escapes and is a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "fuzz_check.h"
#include "metrics/comm_filter.h"

using accept4_fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace accept4_exporter;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Config config;
  try {
    config = ParseConfig(text, "fuzz.yaml");
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    Check(message.rfind("config file \"fuzz.yaml\": ", 0) == 0, "error names the file", message);
    return 0;
  }
  Check(config.poll_interval >= kMinPollInterval && config.poll_interval <= kMaxPollInterval,
        "poll_interval in range", text);
  Check(config.exited_process_grace_period >= kMinGracePeriod &&
            config.exited_process_grace_period <= kMaxGracePeriod,
        "grace period in range", text);
  Check(config.exited_process_unscraped_limit >= config.exited_process_grace_period &&
            config.exited_process_unscraped_limit <= kMaxGracePeriod,
        "unscraped limit in range", text);
  Check(config.max_series >= 1 && config.max_series <= kMaxSeriesLimit, "max_series in range",
        text);
  Check(config.max_series_per_uid <= config.max_series, "per-uid share within the map", text);
  // What the config accepts, the poller compiles and runs.
  CommFilter filter(config.include_comm, config.exclude_comm);
  for (const char* comm : {"nginx", "aaaaaaaaaaaaaaa", "\xEF\xBF\xBD", "unknown", ""}) {
    filter.Wanted(comm);
  }
  return 0;
}
