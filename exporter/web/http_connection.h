// One HTTP/1.1 connection, plain or TLS, driven by asynchronous reads and
// writes on the server's socket thread: an idle or slow client costs a
// socket and a timer, never a thread. Each step has a deadline (handshake
// and header, keep-alive idle, response write) after which the connection
// is closed.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "web/connection_table.h"
#include "web/request_handler.h"
#include "web/web_defaults.h"

namespace accept4_exporter {

struct ServerLimits {
  // Connections open at once (also at most half the open-file limit). A new
  // one beyond it closes the connection that has waited longest for a
  // request; when all are being answered, the new one is closed.
  size_t max_connections = 512;
  // For the TLS handshake and the whole request header, from the first byte.
  std::chrono::seconds header_timeout{10};
  // Between requests on a kept-alive connection (Prometheus scrapes every
  // 15-60 s and reuses its connection).
  std::chrono::seconds idle_timeout{120};
  // For writing a whole response.
  std::chrono::seconds write_timeout{60};
  // Requests being answered at once (--web.max-requests); beyond it 503.
  unsigned max_requests = kDefaultMaxRequests;
};

// What the connections share: owned by the server, used on its socket
// thread.
struct ServerContext {
  RequestHandler* handler = nullptr;
  ConnectionTable connections;
  ServerLimits limits;
  unsigned requests_in_flight = 0;
};

// Status line and headers of `response`, whose body is `body_size` bytes.
std::string ResponseHead(const WebResponse& response, size_t body_size, bool keep_alive);

// The response for a request that could not be parsed.
WebResponse MalformedRequestResponse(const boost::beast::error_code& error);

template <class Stream>
class HttpConnection final : public Connection,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, boost::beast::tcp_stream>;

  HttpConnection(Stream stream, ServerContext& server)
      : stream_(std::move(stream)), server_(server) {
    server_.connections.Add(this);
  }
  ~HttpConnection() override {
    ReleaseRequestSlot();
    server_.connections.Remove(this);
  }

  void Start() {
    Lowest().expires_after(server_.limits.header_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::beast::error_code error) {
                                if (!error) self->ReadRequest();
                              });
    } else {
      ReadRequest();
    }
  }

  void Close() override {
    boost::beast::error_code ignored;
    Lowest().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

 private:
  static constexpr size_t kHeaderLimit = 8 * 1024;

  boost::beast::tcp_stream& Lowest() { return boost::beast::get_lowest_layer(stream_); }

  // Keep-alive: waits (idle deadline) for the first byte of the next
  // request, then gives its header the header deadline.
  void WaitForRequest() {
    waiting_ = true;
    if (buffer_.size() > 0) {
      Lowest().expires_after(server_.limits.header_timeout);
      return ReadRequest();
    }
    Lowest().expires_after(server_.limits.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kHeaderLimit),
        [self = this->shared_from_this()](boost::beast::error_code error, size_t bytes) {
          if (error) return;
          self->buffer_.commit(bytes);
          self->Lowest().expires_after(self->server_.limits.header_timeout);
          self->ReadRequest();
        });
  }

  void ReadRequest() {
    waiting_ = true;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    boost::beast::http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](boost::beast::error_code error, size_t) {
          self->OnRequest(error);
        });
  }

  void OnRequest(boost::beast::error_code error) {
    namespace http = boost::beast::http;
    if (error) {
      // A malformed request gets an answer; a client that went or timed
      // out does not.
      if (error.category() == http::make_error_code(http::error::bad_method).category() &&
          error != http::error::end_of_stream && error != http::error::partial_message) {
        keep_alive_ = false;
        head_ = false;
        Write(MalformedRequestResponse(error));
      }
      return;
    }
    waiting_ = false;
    Lowest().expires_never();  // the handler answers without waiting
    const auto& request = parser_->get();
    keep_alive_ = request.keep_alive();
    head_ = request.method() == http::verb::head;
    if (server_.requests_in_flight >= server_.limits.max_requests) {
      WebResponse busy;
      busy.status = 503;
      busy.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
      busy.headers.emplace_back("Retry-After", "1");
      busy.body.push_back(std::make_shared<const std::string>("Too many requests at once\n"));
      return Write(std::move(busy));
    }
    ++server_.requests_in_flight;
    holds_request_slot_ = true;

    WebRequest web_request;
    web_request.head = head_;
    web_request.known_method = head_ || request.method() == http::verb::get;
    const std::string_view target = request.target();
    web_request.path = std::string(target.substr(0, target.find('?')));
    web_request.authorization = std::string(request[http::field::authorization]);
    web_request.accepts_gzip = AcceptsGzip(std::string(request[http::field::accept_encoding]));
    // The handler may answer from a worker thread: the answer comes back to
    // this connection's thread, which holds the last reference to it.
    server_.handler->Handle(
        web_request, [self = this->shared_from_this()](WebResponse response) mutable {
          auto executor = self->stream_.get_executor();
          boost::asio::post(executor,
                            [self = std::move(self), response = std::move(response)]() mutable {
                              self->Write(std::move(response));
                            });
        });
  }

  void Write(WebResponse response) {
    size_t body_size = 0;
    for (const auto& piece : response.body) body_size += piece->size();
    if (response.close) keep_alive_ = false;
    response_ = std::move(response);
    head_text_ = ResponseHead(response_, body_size, keep_alive_);
    buffers_.clear();
    buffers_.push_back(boost::asio::buffer(head_text_));
    if (!head_) {
      for (const auto& piece : response_.body) buffers_.push_back(boost::asio::buffer(*piece));
    }
    Lowest().expires_after(server_.limits.write_timeout);
    boost::asio::async_write(stream_, buffers_,
                             [self = this->shared_from_this()](boost::beast::error_code error,
                                                               size_t) { self->OnWritten(error); });
  }

  void OnWritten(boost::beast::error_code error) {
    ReleaseRequestSlot();
    response_ = {};  // a shared body is released as soon as it is sent
    buffers_.clear();
    if (error) return;
    if (!keep_alive_) {
      boost::beast::error_code ignored;
      Lowest().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      return;
    }
    server_.connections.Touch(this);
    WaitForRequest();
  }

  void ReleaseRequestSlot() {
    if (!holds_request_slot_) return;
    holds_request_slot_ = false;
    --server_.requests_in_flight;
  }

  Stream stream_;
  ServerContext& server_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
  bool keep_alive_ = true;
  bool head_ = false;
  bool holds_request_slot_ = false;
  WebResponse response_;
  std::string head_text_;
  std::vector<boost::asio::const_buffer> buffers_;
};

}  // namespace accept4_exporter
