#include "web/listen_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

namespace accept4_exporter {
namespace {

[[noreturn]] void Refuse(const std::string& address, const std::string& problem) {
  throw std::runtime_error("listening on \"" + address + "\": " + problem);
}

bool HostHasIpv6() {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  close(fd);
  return true;
}

// RFC 1123 host name characters; anything else is a typo, not a name to
// send to the resolver.
bool IsHostName(const std::string& host) {
  return host.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
             std::string::npos &&
         host.front() != '-' && host.front() != '.';
}

}  // namespace

ListenAddress ParseListenAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) Refuse(address, "missing port, use [host]:port");
  ListenAddress parsed;
  parsed.host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (!parsed.host.empty() && parsed.host.front() == '[') {
    if (parsed.host.size() < 3 || parsed.host.back() != ']') {
      Refuse(address, "bad host \"" + parsed.host + "\"");
    }
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
    in6_addr ignored;
    if (inet_pton(AF_INET6, parsed.host.c_str(), &ignored) != 1) {
      Refuse(address, "bad IPv6 address \"" + parsed.host + "\"");
    }
  } else if (parsed.host.find(':') != std::string::npos) {
    Refuse(address, "an IPv6 address needs brackets, as in [::1]:port");
  } else if (!parsed.host.empty() && !IsHostName(parsed.host)) {
    Refuse(address, "bad host \"" + parsed.host + "\"");
  }
  const bool numeric = !port.empty() && port.size() <= 5 &&
                       port.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric || std::stoi(port) > 65535) Refuse(address, "bad port \"" + port + "\"");
  parsed.port = static_cast<uint16_t>(std::stoi(port));
  return parsed;
}

BindAddress ResolveListenAddress(const std::string& address) {
  const ListenAddress parsed = ParseListenAddress(address);
  BindAddress bind;
  bind.port = parsed.port;
  if (parsed.host.empty() || parsed.host == "::") {
    bind.dual_stack = HostHasIpv6();
    bind.ip = bind.dual_stack ? "::" : "0.0.0.0";
    return bind;
  }
  addrinfo hints = {};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(parsed.host.c_str(), nullptr, &hints, &found);
  if (rc != 0) Refuse(address, "cannot resolve \"" + parsed.host + "\": " + gai_strerror(rc));
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  const addrinfo* chosen = found;
  for (const addrinfo* info = found; info; info = info->ai_next) {
    if (info->ai_family == AF_INET) {
      chosen = info;
      break;
    }
  }
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw = chosen->ai_family == AF_INET
                        ? static_cast<const void*>(
                              &reinterpret_cast<const sockaddr_in*>(chosen->ai_addr)->sin_addr)
                        : static_cast<const void*>(
                              &reinterpret_cast<const sockaddr_in6*>(chosen->ai_addr)->sin6_addr);
  if (inet_ntop(chosen->ai_family, raw, text, sizeof(text)) == nullptr) {
    Refuse(address, "\"" + parsed.host + "\" resolves to no IPv4 or IPv6 address");
  }
  bind.ip = text;
  return bind;
}

}  // namespace accept4_exporter
