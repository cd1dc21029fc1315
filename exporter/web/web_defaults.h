// Defaults of the --web.* flags, which the HTTP server's own options start
// from too, so that a server built without the flags behaves the same.
#pragma once

namespace accept4_exporter {

// Every address, on the exporter's port.
inline constexpr const char* kDefaultListenAddress = ":10044";
inline constexpr const char* kDefaultTelemetryPath = "/metrics";
// Requests answered at once (--web.max-requests); beyond it 503.
inline constexpr unsigned kDefaultMaxRequests = 40;

}  // namespace accept4_exporter
