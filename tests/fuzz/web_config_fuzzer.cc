// The web config parser (--web.config.file): any text is either a web
// config or refused with one error that names the file. File names in it
// resolve against a directory that does not exist.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz_check.h"
#include "web/web_config.h"

using accept4_fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    accept4_exporter::ParseWebConfig(text, "/nonexistent/accept4-fuzz/web.yml");
  } catch (const std::exception& e) {
    const std::string message = e.what();
    Check(message.rfind("web config file \"/nonexistent/accept4-fuzz/web.yml\"", 0) == 0,
          "error names the file", message);
  }
  return 0;
}
