// civetweb's accept thread sleeps in poll() for up to a second between
// looks at its stop flag, so stopping the server takes that long. Connecting
// to the listening port wakes it at once.
#pragma once

#include <functional>

namespace accept4_exporter {

// Runs `stop` while connecting to 127.0.0.1:`port` every few milliseconds,
// until `stop` returns.
void RunWhileWakingListener(int port, const std::function<void()>& stop);

}  // namespace accept4_exporter
