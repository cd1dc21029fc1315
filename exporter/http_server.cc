#include "http_server.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace accept4_exporter {
namespace {

// The telemetry path is read by the civetweb callback, which takes no user
// data pointer at that point; one server per process.
std::string g_telemetry_path;

void SendText(mg_connection* conn, int status, const char* content_type, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            status, mg_get_response_code_text(conn, status), content_type, body.size());
  mg_write(conn, body.data(), body.size());
}

// Answers the paths the Exposer does not: the landing page and health
// checks. Returns 0 to let civetweb route everything else.
int HandleBuiltinPaths(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  const std::string path = request->local_uri ? request->local_uri : "";
  if (path == g_telemetry_path) return 0;
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
  const std::string civet_port = CivetListeningPort(options.listen_address);
  CheckBindable(civet_port, options.listen_address);
  g_telemetry_path = options.telemetry_path;
  static CivetCallbacks callbacks = [] {
    CivetCallbacks c = {};
    c.begin_request = HandleBuiltinPaths;
    return c;
  }();
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", civet_port, "num_threads",
                                 std::to_string(options.max_requests)},
        &callbacks);
  } catch (const std::exception& e) {
    throw std::runtime_error("listening on \"" + options.listen_address + "\": " + e.what());
  }
}

HttpServer::~HttpServer() = default;

void HttpServer::RegisterCollectable(const std::weak_ptr<prometheus::Collectable>& collectable) {
  exposer_->RegisterCollectable(collectable, options_.telemetry_path);
}

int HttpServer::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace accept4_exporter
