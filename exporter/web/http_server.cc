#include "web/http_server.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>

#include "web/civet_tls.h"
#include "web/web_config.h"

namespace accept4_exporter {
namespace {

// Read by the civetweb callbacks, which get no user data pointer of ours
// (prometheus-cpp passes its own); one server per process.
std::string g_telemetry_path;
std::function<void(std::string&)> g_write_metrics;
BasicAuth* g_basic_auth = nullptr;  // null: no basic auth
ClientAuth g_client_auth = ClientAuth::kNoClientCert;

// civetweb says why it could not start (a TLS set-up error above all) only
// through its log callback; the last message goes into the error line.
std::mutex g_civet_message_mutex;
std::string g_civet_message;

int RecordCivetMessage(const mg_connection*, const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  spdlog::debug("civetweb: {}", text);
  std::lock_guard<std::mutex> lock(g_civet_message_mutex);
  g_civet_message = text;
  return 1;  // handled: civetweb prints nothing itself
}

// Set while civetweb starts, on the starting thread.
std::string g_tls_problem;

int InitSsl(void* ssl_ctx, void*) { return InitCivetSsl(ssl_ctx, g_client_auth, &g_tls_problem); }

void SendText(mg_connection* conn, int status, const char* content_type, const std::string& body,
              const char* extra_headers = "") {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            status, mg_get_response_code_text(conn, status), extra_headers, content_type,
            body.size());
  mg_write(conn, body.data(), body.size());
}

bool Authorized(mg_connection* conn) {
  if (g_basic_auth == nullptr) return true;
  const char* header = mg_get_header(conn, "Authorization");
  if (header == nullptr) return false;
  const std::optional<BasicCredentials> credentials = ParseBasicAuthorization(header);
  return credentials && g_basic_auth->Verify(credentials->user, credentials->password);
}

// Sees every request before civetweb routes it: checks basic auth, then
// answers the paths the Exposer does not (the landing page and health
// checks). Returns 0 to let civetweb route the metrics path.
int HandleBuiltinPaths(mg_connection* conn) {
  if (!Authorized(conn)) {
    SendText(conn, 401, "text/plain; charset=utf-8", "Unauthorized\n",
             "WWW-Authenticate: Basic realm=\"accept4_exporter\"\r\n");
    return 401;
  }
  const mg_request_info* request = mg_get_request_info(conn);
  const std::string path = request->local_uri ? request->local_uri : "";
  if (path == g_telemetry_path) {
    // Served here rather than by the Exposer's handler: the accept metrics
    // are already text, made once per poll, and re-encoding them on every
    // scrape cost more than the rest of a scrape together (bench/).
    std::string body;
    if (g_write_metrics) g_write_metrics(body);
    SendText(conn, 200, "text/plain; version=0.0.4; charset=utf-8", body);
    return 200;
  }
  if (path == "/-/healthy" || path == "/-/ready") {
    SendText(conn, 200, "text/plain; charset=utf-8", "OK\n");
    return 200;
  }
  if (path == "/") {
    SendText(conn, 200, "text/html; charset=utf-8",
             "<!DOCTYPE html>\n<html><head><title>accept4_exporter</title></head><body>\n"
             "<h1>accept4_exporter</h1>\n<p>accept4(2) and accept(2) calls, counted in the "
             "kernel.</p>\n<ul><li><a href=\"" +
                 g_telemetry_path +
                 "\">Metrics</a></li><li><a href=\"/-/healthy\">Health</a></li></ul>\n"
                 "</body></html>\n");
    return 200;
  }
  SendText(conn, 404, "text/plain; charset=utf-8", "404 page not found\n");
  return 404;
}

// Binds the address once ourselves: civetweb only says that it failed, and
// the operator needs to know why (in use, no permission).
void CheckBindable(const std::string& civet_port, const std::string& listen_address) {
  const size_t colon = civet_port.rfind(':');
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::stoi(civet_port.substr(colon + 1))));
  if (inet_pton(AF_INET, civet_port.substr(0, colon).c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("listening on \"" + listen_address +
                             "\": host must be an IPv4 address");
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  const int err = errno;
  close(fd);
  if (rc != 0)
    throw std::runtime_error("listening on \"" + listen_address + "\": " + strerror(err));
}

}  // namespace

std::string CivetListeningPort(const std::string& listen_address) {
  const size_t colon = listen_address.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("listening on \"" + listen_address +
                             "\": missing port, use [host]:port");
  }
  const std::string host = colon == 0 ? "0.0.0.0" : listen_address.substr(0, colon);
  const std::string port = listen_address.substr(colon + 1);
  const bool numeric = !port.empty() && port.size() <= 5 &&
                       port.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric || std::stoi(port) > 65535) {
    throw std::runtime_error("listening on \"" + listen_address + "\": bad port \"" + port + "\"");
  }
  return host + ":" + port;
}

HttpServer::HttpServer(const HttpOptions& options) : options_(options) {
  WebConfig web;
  if (!options.web_config_file.empty()) web = LoadWebConfig(options.web_config_file);
  const std::string civet_port = CivetListeningPort(options.listen_address);
  CheckBindable(civet_port, options.listen_address);

  g_telemetry_path = options.telemetry_path;
  g_write_metrics = options.write_metrics;
  if (!web.basic_auth_users.empty()) {
    basic_auth_ = std::make_unique<BasicAuth>(web.basic_auth_users);
  }
  g_basic_auth = basic_auth_.get();
  std::vector<std::string> civet_options = {"listening_ports", civet_port + (web.tls ? "s" : ""),
                                            "num_threads", std::to_string(options.max_requests)};
  // Lives until the server has started: civetweb has read the PEM by then.
  std::unique_ptr<CivetTls> tls;
  if (web.tls) {
    tls = std::make_unique<CivetTls>(*web.tls);
    const std::vector<std::string> tls_options = tls->Options();
    civet_options.insert(civet_options.end(), tls_options.begin(), tls_options.end());
    g_client_auth = web.tls->client_auth;
  }
  static CivetCallbacks callbacks = [] {
    CivetCallbacks c = {};
    c.begin_request = HandleBuiltinPaths;
    c.init_ssl = InitSsl;
    c.log_message = RecordCivetMessage;
    return c;
  }();
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(civet_options, &callbacks);
  } catch (const std::exception& e) {
    // prometheus-cpp's text blames the port whatever happened; civetweb's
    // own message says what did.
    std::string reason = e.what();
    {
      std::lock_guard<std::mutex> lock(g_civet_message_mutex);
      if (!g_civet_message.empty()) reason = g_civet_message;
    }
    if (!g_tls_problem.empty()) reason = g_tls_problem;
    throw std::runtime_error("listening on \"" + options.listen_address + "\"" +
                             (web.tls ? " with TLS" : "") + ": " + reason);
  }
  if (!options.web_config_file.empty()) {
    spdlog::info("web config file={} tls={} min_version={} client_auth_type={} basic_auth_users={}",
                 options.web_config_file, web.tls ? "on" : "off",
                 web.tls ? TlsVersionName(web.tls->min_version) : "-",
                 web.tls ? ClientAuthName(web.tls->client_auth) : "-", web.basic_auth_users.size());
  }
}

HttpServer::~HttpServer() {
  exposer_.reset();  // stops civetweb's threads before the auth they use goes
  g_basic_auth = nullptr;
}

int HttpServer::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace accept4_exporter
