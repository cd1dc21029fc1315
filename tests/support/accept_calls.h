// Real accept4(2)/accept(2) calls for the integration tests: listeners of
// each family on loopback, clients that connect to them, and a guard that
// gives the test process a unique comm so its series can be picked out.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <string>

namespace accept4_test {

// Sets the comm of the calling thread (the test's main thread is the
// thread-group leader, whose comm the exporter reports) and restores it.
class ScopedComm {
 public:
  explicit ScopedComm(const std::string& comm);
  ~ScopedComm();

 private:
  char saved_[16] = {};
};

// A listening socket on loopback (AF_INET, AF_INET6) or an abstract unix
// address (AF_UNIX). Closes its fd on destruction.
class Listener {
 public:
  Listener(int family, bool nonblocking, int backlog = 16);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int fd() const { return fd_; }
  int family() const { return family_; }
  int port() const;  // 0 for AF_UNIX
  // Opens a client connection to it; returns the client fd (caller closes).
  int Connect() const;

 private:
  int family_;
  int fd_ = -1;
  sockaddr_storage address_ = {};
  socklen_t address_length_ = 0;
};

// Connects a client to `listener`, takes the connection with
// accept4(`flags`) and closes both; a failure fails the calling test.
void AcceptConnection(const Listener& listener, int flags = SOCK_CLOEXEC);

// AcceptConnection from a child process named `comm`, waited for. With the
// pid label a process keeps the name its first series was made under, so a
// call under another name has to come from another process.
void AcceptConnectionAs(const std::string& comm, const Listener& listener);

// accept4 through the raw syscall, so libc cannot rewrite flags.
int RawAccept4(int fd, int flags);
int RawAccept(int fd);

}  // namespace accept4_test
