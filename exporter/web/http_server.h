// The HTTP side: one thread that accepts, reads and writes every connection
// asynchronously (Boost.Beast on Boost.Asio, TLS through OpenSSL), and the
// request handler it owns. Slow work (bcrypt, gzip) runs in small bounded
// pools, so no client can hold the thread that answers scrapes.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "web/request_handler.h"
#include "web/web_defaults.h"

namespace accept4_exporter {

struct HttpOptions {
  std::string listen_address = kDefaultListenAddress;  // [host]:port
  std::string telemetry_path = kDefaultTelemetryPath;
  unsigned max_requests = kDefaultMaxRequests;  // requests answered at once; beyond it 503
  // exporter-toolkit web config (TLS, basic auth); empty: plain HTTP.
  std::string web_config_file;
  // The body of a scrape of the telemetry path; called on the server's
  // threads, once per scrape.
  std::function<MetricsText()> metrics;
};

class HttpServer {
 public:
  // Loads the web config, binds and starts serving. Throws
  // std::runtime_error naming the web config file and key when the config is
  // wrong, or the address when it cannot be used (bad syntax, in use, no
  // permission).
  explicit HttpServer(const HttpOptions& options);
  // Stops at once: open connections are closed, answers in progress dropped.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually bound (differs from the requested one for port 0).
  int port() const;

 private:
  struct Impl;  // keeps Boost out of the files that include this one
  std::unique_ptr<Impl> impl_;
};

}  // namespace accept4_exporter
