// HTTP/1.1 over a plain socket, for tests that need what curl hides:
// several requests on one connection, HEAD, gzip bytes as sent, clients that
// stay idle or send a header one byte at a time.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace accept4_test {

// Connects to `ip` (numeric IPv4 or IPv6) port `port`, with `timeout` for
// every later send and receive; -1 when it cannot.
int ConnectTcp(const std::string& ip, int port,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

bool SendAll(int fd, const std::string& data);

struct RawResponse {
  int status = 0;  // 0: no complete response (closed, timed out, malformed)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// Reads one response from `fd`; `buffered` keeps bytes read past it for the
// next call on the same connection. A response to HEAD has no body, whatever
// its Content-Length says.
RawResponse ReadResponse(int fd, std::string& buffered, bool head_request = false);

// Inflates a gzip member; empty with `error` set when it is not exactly one
// valid member.
std::string Gunzip(const std::string& data, std::string* error);

}  // namespace accept4_test
