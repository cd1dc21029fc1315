// civetweb's accept thread sleeps in poll() for up to a second between
// looks at its stop flag, so stopping the server takes that long. Connecting
// to the listening port wakes it at once.
#pragma once

#include <functional>
#include <string>

namespace accept4_exporter {

// Runs `stop` while connecting to `host`:`port` (an IPv4 address; 0.0.0.0
// means loopback) every few milliseconds, until `stop` returns.
void RunWhileWakingListener(const std::string& host, int port, const std::function<void()>& stop);

}  // namespace accept4_exporter
