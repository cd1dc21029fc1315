// What the exporter answers, apart from how bytes travel: basic auth, the
// metrics path (plain or gzip), the landing page, the health checks and
// 404s. Owned by the HTTP server; holds no sockets and no globals, so that it
// reads in one sitting and serves tests as it serves the exporter.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "web/basic_auth.h"
#include "web/gzip_body.h"
#include "web/work_pool.h"

namespace accept4_exporter {

// The body of a scrape: the exporter's own metrics, made for this scrape,
// then the accept metrics the last poll published, one string shared by every
// scrape that serves it (null before the first poll).
struct MetricsText {
  std::string own;
  std::shared_ptr<const std::string> shared;
};

struct WebRequest {
  bool head = false;          // HEAD: the headers GET would get, no body
  bool known_method = true;   // GET or HEAD
  std::string path;           // without the query
  std::string authorization;  // the header's value, empty when absent
  bool accepts_gzip = false;  // Accept-Encoding allows gzip
};

struct WebResponse {
  unsigned status = 200;
  // Besides Content-Length and Connection, which the server adds.
  std::vector<std::pair<std::string, std::string>> headers;
  // Written one after the other; shared pieces are sent, never copied.
  std::vector<std::shared_ptr<const std::string>> body;
  bool close = false;  // close the connection after this response
};

struct HandlerLimits {
  // bcrypt checks running or queued; beyond it unknown credentials get 429.
  size_t pending_password_checks = 4;
  // gzip compressions running or queued; beyond it 503.
  size_t pending_compressions = 64;
};

class RequestHandler {
 public:
  using Respond = std::function<void(WebResponse)>;

  // `metrics`: called once per scrape of `telemetry_path`, on any thread.
  // `auth`: null for no basic auth.
  RequestHandler(std::string telemetry_path, std::function<MetricsText()> metrics,
                 std::unique_ptr<BasicAuth> auth, HandlerLimits limits = {});
  // Waits for the password checks and compressions running now; the queued
  // ones are dropped and never respond.
  ~RequestHandler();

  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  // Calls `respond` exactly once: at once, or from a worker thread when the
  // answer needs bcrypt or compressing a new body. Never blocks on them.
  void Handle(const WebRequest& request, Respond respond);

 private:
  void Route(const WebRequest& request, const Respond& respond);
  void ServeMetrics(bool gzip, const Respond& respond);
  // The shared body compressed, from the cache when it is that version's.
  std::shared_ptr<const Deflated> CachedDeflate(const std::shared_ptr<const std::string>& text);
  std::shared_ptr<const Deflated> Deflate(const std::shared_ptr<const std::string>& text);

  const std::string telemetry_path_;
  const std::function<MetricsText()> metrics_;
  const std::unique_ptr<BasicAuth> auth_;

  // The last body compressed, and the text it was compressed from (weak:
  // the cache must not keep an old body alive).
  std::mutex deflate_mutex_;
  std::weak_ptr<const std::string> deflated_text_;
  std::shared_ptr<const Deflated> deflated_;

  // Last, so that their threads stop before anything they use goes.
  WorkPool password_checks_;
  WorkPool compressions_;
};

// Whether an Accept-Encoding value admits gzip (a "gzip" or "*" coding
// whose q is not 0).
bool AcceptsGzip(const std::string& accept_encoding);

}  // namespace accept4_exporter
