#include "raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <cctype>
#include <cstring>

namespace accept4_test {

int ConnectTcp(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  sockaddr_storage address = {};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v4);
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v6);
  } else {
    return -1;
  }
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv = {};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

namespace {

// Appends what one recv gives; false on close, error or time-out.
bool ReceiveMore(int fd, std::string& buffered) {
  char chunk[65536];
  const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffered.append(chunk, static_cast<size_t>(n));
  return true;
}

}  // namespace

RawResponse ReadResponse(int fd, std::string& buffered, bool head_request) {
  RawResponse response;
  size_t end;
  while ((end = buffered.find("\r\n\r\n")) == std::string::npos) {
    if (!ReceiveMore(fd, buffered)) return response;
  }
  const std::string head = buffered.substr(0, end + 2);
  buffered.erase(0, end + 4);
  if (head.compare(0, 9, "HTTP/1.1 ") != 0 || head.size() < 12) return response;
  const int status = std::atoi(head.c_str() + 9);
  for (size_t at = head.find("\r\n") + 2; at < head.size();) {
    const size_t line_end = head.find("\r\n", at);
    const std::string line = head.substr(at, line_end - at);
    at = line_end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t value = line.find_first_not_of(' ', colon + 1);
    response.headers[name] = value == std::string::npos ? "" : line.substr(value);
  }
  const auto length = response.headers.find("content-length");
  const size_t body_size =
      head_request || length == response.headers.end() ? 0 : std::stoull(length->second);
  while (buffered.size() < body_size) {
    if (!ReceiveMore(fd, buffered)) return response;
  }
  response.body = buffered.substr(0, body_size);
  buffered.erase(0, body_size);
  response.status = status;
  return response;
}

std::string Gunzip(const std::string& data, std::string* error) {
  z_stream stream = {};
  inflateInit2(&stream, 16 + MAX_WBITS);  // gzip wrapper only
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int rc = Z_OK;
  char chunk[65536];
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - stream.avail_out);
  }
  const size_t left = stream.avail_in;
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    *error = std::string("inflate: ") + (stream.msg ? stream.msg : std::to_string(rc));
    return "";
  }
  if (left != 0) {
    *error = std::to_string(left) + " bytes after the gzip member";
    return "";
  }
  return out;
}

}  // namespace accept4_test
