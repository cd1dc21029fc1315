#include "web/request_handler.h"

#include <strings.h>

#include <cstdlib>
#include <sstream>

namespace accept4_exporter {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";
constexpr char kExposition[] = "text/plain; version=0.0.4; charset=utf-8";

WebResponse Text(unsigned status, const char* content_type, std::string body) {
  WebResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", content_type);
  response.body.push_back(std::make_shared<const std::string>(std::move(body)));
  return response;
}

WebResponse Unauthorized() {
  WebResponse response = Text(401, kTextPlain, "Unauthorized\n");
  response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"accept4_exporter\"");
  return response;
}

std::string LandingPage(const std::string& telemetry_path) {
  return "<!DOCTYPE html>\n<html><head><title>accept4_exporter</title></head><body>\n"
         "<h1>accept4_exporter</h1>\n<p>accept4(2) and accept(2) calls, counted in the "
         "kernel.</p>\n<ul><li><a href=\"" +
         telemetry_path +
         "\">Metrics</a></li><li><a href=\"/-/healthy\">Health</a></li></ul>\n"
         "</body></html>\n";
}

std::string Trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

bool AcceptsGzip(const std::string& accept_encoding) {
  std::istringstream codings(accept_encoding);
  for (std::string coding; std::getline(codings, coding, ',');) {
    const size_t semicolon = coding.find(';');
    const std::string name = Trimmed(coding.substr(0, semicolon));
    if (strcasecmp(name.c_str(), "gzip") != 0 && name != "*") continue;
    if (semicolon == std::string::npos) return true;
    const std::string parameter = Trimmed(coding.substr(semicolon + 1));
    if (parameter.size() < 2 || strncasecmp(parameter.c_str(), "q=", 2) != 0) return true;
    return std::strtod(parameter.c_str() + 2, nullptr) > 0;
  }
  return false;
}

RequestHandler::RequestHandler(std::string telemetry_path, std::function<MetricsText()> metrics,
                               std::unique_ptr<BasicAuth> auth, HandlerLimits limits)
    : telemetry_path_(std::move(telemetry_path)),
      metrics_(std::move(metrics)),
      auth_(std::move(auth)),
      // One bcrypt at a time, as exporter-toolkit does: a flood of wrong
      // passwords takes one core at most.
      password_checks_("web-bcrypt", 1, limits.pending_password_checks),
      compressions_("web-gzip", 1, limits.pending_compressions) {}

RequestHandler::~RequestHandler() = default;

void RequestHandler::Handle(const WebRequest& request, Respond respond) {
  if (!auth_) return Route(request, respond);
  const std::optional<BasicCredentials> credentials =
      ParseBasicAuthorization(request.authorization);
  if (!credentials) return respond(Unauthorized());
  if (auth_->IsCached(credentials->user, credentials->password)) return Route(request, respond);
  // Unknown credentials cost a bcrypt run: on the pool, never on the
  // thread serving sockets, and refused at once when the pool is busy.
  const bool queued = password_checks_.TryPost([this, request, credentials, respond] {
    if (auth_->Verify(credentials->user, credentials->password)) {
      Route(request, respond);
    } else {
      respond(Unauthorized());
    }
  });
  if (!queued) {
    WebResponse busy = Text(429, kTextPlain, "Too many password checks at once, retry later\n");
    busy.headers.emplace_back("Retry-After", "1");
    busy.close = true;
    respond(std::move(busy));
  }
}

void RequestHandler::Route(const WebRequest& request, const Respond& respond) {
  if (!request.known_method) {
    WebResponse response = Text(405, kTextPlain, "Method Not Allowed\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return respond(std::move(response));
  }
  if (request.path == telemetry_path_) return ServeMetrics(request.accepts_gzip, respond);
  if (request.path == "/-/healthy" || request.path == "/-/ready") {
    return respond(Text(200, kTextPlain, "OK\n"));
  }
  if (request.path == "/") {
    return respond(Text(200, "text/html; charset=utf-8", LandingPage(telemetry_path_)));
  }
  respond(Text(404, kTextPlain, "404 page not found\n"));
}

void RequestHandler::ServeMetrics(bool gzip, const Respond& respond) {
  MetricsText text = metrics_ ? metrics_() : MetricsText{};
  WebResponse response;
  response.headers.emplace_back("Content-Type", kExposition);
  response.headers.emplace_back("Vary", "Accept-Encoding");
  if (!gzip) {
    response.body.push_back(std::make_shared<const std::string>(std::move(text.own)));
    if (text.shared) response.body.push_back(std::move(text.shared));
    return respond(std::move(response));
  }
  response.headers.emplace_back("Content-Encoding", "gzip");
  // Joins the per-scrape part with the shared body's compressed form.
  auto answer = [](WebResponse response, const std::string& own,
                   std::shared_ptr<const Deflated> shared) {
    GzipPieces pieces = GzipJoin(own, std::move(shared));
    response.body.push_back(std::make_shared<const std::string>(std::move(pieces.before)));
    if (pieces.tail) {
      // Points into the shared Deflated and keeps it alive.
      response.body.emplace_back(pieces.tail, &pieces.tail->data);
    }
    response.body.push_back(std::make_shared<const std::string>(std::move(pieces.trailer)));
    return response;
  };
  if (!text.shared) return respond(answer(std::move(response), text.own, nullptr));
  if (auto deflated = CachedDeflate(text.shared)) {
    return respond(answer(std::move(response), text.own, std::move(deflated)));
  }
  // A new body: compressed once, off the socket thread; the scrapes that
  // ask meanwhile queue behind that compression and then find it cached.
  const bool queued = compressions_.TryPost([this, text, response, respond, answer] {
    respond(answer(response, text.own, Deflate(text.shared)));
  });
  if (!queued) respond(Text(503, kTextPlain, "Too many scrapes at once, retry later\n"));
}

std::shared_ptr<const Deflated> RequestHandler::CachedDeflate(
    const std::shared_ptr<const std::string>& text) {
  std::lock_guard lock(deflate_mutex_);
  const bool same = !deflated_text_.owner_before(text) && !text.owner_before(deflated_text_);
  return same ? deflated_ : nullptr;
}

// Runs on the one compression thread only, so that a body is never
// compressed twice; the lock is held only to swap the result in, never while
// compressing, since the socket thread takes it to look.
std::shared_ptr<const Deflated> RequestHandler::Deflate(
    const std::shared_ptr<const std::string>& text) {
  if (auto cached = CachedDeflate(text)) return cached;
  auto deflated = std::make_shared<const Deflated>(DeflateLast(*text));
  std::lock_guard lock(deflate_mutex_);
  deflated_text_ = text;
  deflated_ = deflated;
  return deflated;
}

}  // namespace accept4_exporter
