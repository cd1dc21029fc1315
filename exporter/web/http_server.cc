#include "web/http_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/status.hpp>
#include <stdexcept>
#include <thread>

#include "web/http_connection.h"
#include "web/listen_address.h"
#include "web/tls_context.h"
#include "web/web_config.h"

namespace accept4_exporter {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::string ResponseHead(const WebResponse& response, size_t body_size, bool keep_alive) {
  const auto status = beast::http::int_to_status(response.status);
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                     std::string(beast::http::obsolete_reason(status)) + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(body_size) + "\r\n";
  head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return head;
}

WebResponse MalformedRequestResponse(const beast::error_code& error) {
  WebResponse response;
  const bool too_long = error == beast::http::error::header_limit;
  response.status = too_long ? 431 : 400;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.body.push_back(std::make_shared<const std::string>(
      too_long ? "Request header too large\n" : "Bad request: " + error.message() + "\n"));
  response.close = true;
  return response;
}

namespace {

// Half the open-file limit at most, so that connections never take the
// descriptors the rest of the exporter needs.
size_t ConnectionBound(size_t wanted) {
  rlimit limit = {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return wanted;
  return std::max<size_t>(1, std::min<size_t>(wanted, limit.rlim_cur / 2));
}

}  // namespace

struct HttpServer::Impl {
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  // Declared in the order they must outlive each other: connections left in
  // the io_context when it goes use the context and the TLS context.
  std::unique_ptr<asio::ssl::context> tls;
  ServerContext context;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::unique_ptr<RequestHandler> handler;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (error == asio::error::no_descriptors ||
          error == boost::system::errc::too_many_files_open_in_system) {
        // Out of descriptors: make room, and try again shortly rather than
        // spin on the pending connection.
        context.connections.CloseOldestWaiting();
        accept_retry.expires_after(std::chrono::milliseconds(10));
        accept_retry.async_wait([this](beast::error_code wait_error) {
          if (!wait_error) Accept();
        });
        return;
      }
      if (!error) Admit(std::move(socket));
      Accept();
    });
  }

  void Admit(tcp::socket socket) {
    if (context.connections.size() >= context.limits.max_connections &&
        !context.connections.CloseOldestWaiting()) {
      return;  // every connection is being answered: this one is refused
    }
    if (tls) {
      std::make_shared<HttpConnection<TlsStream>>(TlsStream(std::move(socket), *tls), context)
          ->Start();
    } else {
      std::make_shared<HttpConnection<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                          context)
          ->Start();
    }
  }

  void Listen(const std::string& listen_address) {
    const BindAddress bind = ResolveListenAddress(listen_address);
    const tcp::endpoint endpoint(asio::ip::make_address(bind.ip), bind.port);
    beast::error_code error;
    acceptor.open(endpoint.protocol(), error);
    if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
    if (!error && endpoint.address().is_v6()) {
      acceptor.set_option(asio::ip::v6_only(!bind.dual_stack), error);
    }
    if (!error) acceptor.bind(endpoint, error);
    if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      throw std::runtime_error("listening on \"" + listen_address + "\": " + error.message());
    }
  }
};

HttpServer::HttpServer(const HttpOptions& options) : impl_(std::make_unique<Impl>()) {
  WebConfig web;
  if (!options.web_config_file.empty()) web = LoadWebConfig(options.web_config_file);
  std::unique_ptr<BasicAuth> auth;
  if (!web.basic_auth_users.empty()) auth = std::make_unique<BasicAuth>(web.basic_auth_users);
  if (web.tls) {
    try {
      impl_->tls = MakeTlsContext(*web.tls);
    } catch (const std::exception& e) {
      throw std::runtime_error("listening on \"" + options.listen_address +
                               "\" with TLS: " + e.what());
    }
  }
  HandlerLimits handler_limits;
  handler_limits.pending_compressions = options.max_requests;
  impl_->handler = std::make_unique<RequestHandler>(options.telemetry_path, options.metrics,
                                                    std::move(auth), handler_limits);
  impl_->context.handler = impl_->handler.get();
  impl_->context.limits.max_requests = options.max_requests;
  impl_->context.limits.max_connections = ConnectionBound(impl_->context.limits.max_connections);
  impl_->Listen(options.listen_address);
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  pthread_setname_np(impl_->thread.native_handle(), "web-io");

  if (!options.web_config_file.empty()) {
    spdlog::info("web config file={} tls={} min_version={} client_auth_type={} basic_auth_users={}",
                 options.web_config_file, web.tls ? "on" : "off",
                 web.tls ? TlsVersionName(web.tls->min_version) : "-",
                 web.tls ? ClientAuthName(web.tls->client_auth) : "-", web.basic_auth_users.size());
  }
}

HttpServer::~HttpServer() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // The pools finish what they run (their answers are posted to the stopped
  // io_context and dropped with it), then the connections go with it.
  impl_->handler.reset();
}

int HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace accept4_exporter
