// logfmt lines on stderr, like the Go exporters: ts=... level=... msg="...".
#pragma once

#include <string>

namespace accept4_exporter {

// level: debug, info, warn or error (validated by the CLI).
void SetUpLogging(const std::string& level);

}  // namespace accept4_exporter
