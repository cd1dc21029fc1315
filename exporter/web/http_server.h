// The HTTP side: prometheus-cpp's Exposer (civetweb) serving the metrics
// path, plus the landing page and health endpoints that exporters serve.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <functional>
#include <memory>
#include <string>

#include "web/basic_auth.h"

namespace accept4_exporter {

struct HttpOptions {
  std::string listen_address = ":10044";  // [host]:port
  std::string telemetry_path = "/metrics";
  unsigned max_requests = 40;
  // exporter-toolkit web config (TLS, basic auth); empty: plain HTTP.
  std::string web_config_file;
  // Appends the body of the metrics path (text exposition format). Called on
  // civetweb's threads, once per scrape.
  std::function<void(std::string& out)> write_metrics;
};

class HttpServer {
 public:
  // Loads the web config, binds and starts serving. Throws
  // std::runtime_error naming the web config file and key when the config is
  // wrong, or the address when it cannot be used (bad syntax, in use, no
  // permission).
  explicit HttpServer(const HttpOptions& options);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually bound (differs from the requested one for port 0).
  int port() const;

 private:
  HttpOptions options_;
  // Declared before exposer_ so that it outlives the requests checking it.
  std::unique_ptr<BasicAuth> basic_auth_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

// ":10044" -> "0.0.0.0:10044"; "host:port" kept. Throws on bad syntax.
std::string CivetListeningPort(const std::string& listen_address);

}  // namespace accept4_exporter
