#include "accept_calls.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace accept4_test {

ScopedComm::ScopedComm(const std::string& comm) {
  prctl(PR_GET_NAME, saved_);
  prctl(PR_SET_NAME, comm.c_str());
}

ScopedComm::~ScopedComm() { prctl(PR_SET_NAME, saved_); }

Listener::Listener(int family, bool nonblocking, int backlog) : family_(family) {
  fd_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + strerror(errno));
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address_);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address_length_ = sizeof(*in);
  } else if (family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address_);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    address_length_ = sizeof(*in6);
  } else {
    static std::atomic<int> counter{0};
    auto* un = reinterpret_cast<sockaddr_un*>(&address_);
    un->sun_family = AF_UNIX;
    // abstract address: no file to clean up
    const std::string name =
        "accept4_test." + std::to_string(getpid()) + "." + std::to_string(counter++);
    memcpy(un->sun_path + 1, name.data(), name.size());
    address_length_ = offsetof(sockaddr_un, sun_path) + 1 + name.size();
  }
  if (bind(fd_, reinterpret_cast<sockaddr*>(&address_), address_length_) != 0 ||
      listen(fd_, backlog) != 0) {
    throw std::runtime_error(std::string("bind/listen: ") + strerror(errno));
  }
  address_length_ = sizeof(address_);
  getsockname(fd_, reinterpret_cast<sockaddr*>(&address_), &address_length_);
}

Listener::~Listener() { close(fd_); }

int Listener::port() const {
  if (family_ == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address_)->sin_port);
  if (family_ == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address_)->sin6_port);
  }
  return 0;
}

int Listener::Connect() const {
  const int client = socket(family_, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(client, reinterpret_cast<const sockaddr*>(&address_), address_length_) != 0) {
    throw std::runtime_error(std::string("connect: ") + strerror(errno));
  }
  return client;
}

void AcceptConnection(const Listener& listener, int flags) {
  const int client = listener.Connect();
  const int accepted = RawAccept4(listener.fd(), flags);
  EXPECT_GE(accepted, 0) << "accept4: " << strerror(errno);
  if (accepted >= 0) close(accepted);
  close(client);
}

int RawAccept4(int fd, int flags) {
  return static_cast<int>(syscall(SYS_accept4, fd, nullptr, nullptr, flags));
}

int RawAccept(int fd) { return static_cast<int>(syscall(SYS_accept, fd, nullptr, nullptr)); }

void AcceptConnectionAs(const std::string& comm, const Listener& listener) {
  const pid_t child = fork();
  ASSERT_GE(child, 0) << "fork: " << strerror(errno);
  if (child == 0) {
    prctl(PR_SET_NAME, comm.c_str());
    const int client = listener.Connect();
    const int accepted = RawAccept4(listener.fd(), SOCK_CLOEXEC);
    _exit(client >= 0 && accepted >= 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << comm << " could not accept";
}

}  // namespace accept4_test
