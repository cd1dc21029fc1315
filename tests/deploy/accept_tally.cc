// Makes a known number of accept calls from the host and keeps its own
// tally, for the deployment tests to compare with what an exporter in a
// container or a pod counted:
//
//   accept_tally <accept4 ok> <accept4 EAGAIN> <accept ok>
//
// Successful calls take a real loopback connection from a blocking listener;
// EAGAIN calls find a non-blocking listener's queue empty. It names itself
// "a4tally", prints one line with its pid and the calls that returned what
// was asked, and stays alive until its standard input closes, so that its
// series stay on /metrics while they are checked.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

constexpr const char* kComm = "a4tally";

[[noreturn]] void Die(const char* what) {
  fprintf(stderr, "accept_tally: %s: %s\n", what, strerror(errno));
  exit(1);
}

// A listener on 127.0.0.1 and an ephemeral port.
int Listen(bool nonblocking, sockaddr_in* address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) Die("socket");
  *address = {};
  address->sin_family = AF_INET;
  address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(*address);
  if (bind(fd, reinterpret_cast<sockaddr*>(address), length) != 0) Die("bind");
  if (listen(fd, 16) != 0) Die("listen");
  if (getsockname(fd, reinterpret_cast<sockaddr*>(address), &length) != 0) Die("getsockname");
  return fd;
}

// Connects to the listener so that one accept finds a connection waiting.
int Connect(const sockaddr_in& address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Die("socket");
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    Die("connect");
  }
  return fd;
}

// Through the raw syscalls, so that libc picks neither accept4 for accept
// nor other flags.
long RawAccept4(int fd, int flags) { return syscall(SYS_accept4, fd, nullptr, nullptr, flags); }
long RawAccept(int fd) { return syscall(SYS_accept, fd, nullptr, nullptr); }

long Count(const char* text) {
  char* end = nullptr;
  const long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 0 || value > 1000000) {
    fprintf(stderr, "accept_tally: \"%s\" is not a count (0 to 1000000)\n", text);
    exit(2);
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: accept_tally <accept4 ok> <accept4 EAGAIN> <accept ok>\n");
    return 2;
  }
  const long want_accept4_ok = Count(argv[1]);
  const long want_accept4_eagain = Count(argv[2]);
  const long want_accept_ok = Count(argv[3]);
  if (prctl(PR_SET_NAME, kComm) != 0) Die("prctl(PR_SET_NAME)");

  sockaddr_in blocking_address;
  sockaddr_in nonblocking_address;
  const int blocking = Listen(false, &blocking_address);
  const int nonblocking = Listen(true, &nonblocking_address);
  long accept4_ok = 0;
  long accept4_eagain = 0;
  long accept_ok = 0;
  for (long i = 0; i < want_accept4_ok; ++i) {
    const int client = Connect(blocking_address);
    const long fd = RawAccept4(blocking, SOCK_CLOEXEC);
    if (fd < 0) Die("accept4 on the blocking listener");
    ++accept4_ok;
    close(static_cast<int>(fd));
    close(client);
  }
  for (long i = 0; i < want_accept4_eagain; ++i) {
    if (RawAccept4(nonblocking, SOCK_CLOEXEC) >= 0 || errno != EAGAIN) {
      Die("accept4 on the empty non-blocking listener did not fail with EAGAIN");
    }
    ++accept4_eagain;
  }
  for (long i = 0; i < want_accept_ok; ++i) {
    const int client = Connect(blocking_address);
    const long fd = RawAccept(blocking);
    if (fd < 0) Die("accept on the blocking listener");
    ++accept_ok;
    close(static_cast<int>(fd));
    close(client);
  }
  printf("pid=%d comm=%s accept4_ok=%ld accept4_eagain=%ld accept_ok=%ld\n", getpid(), kComm,
         accept4_ok, accept4_eagain, accept_ok);
  fflush(stdout);

  // Alive until told otherwise: the exporter drops the series of a process
  // that exited once its grace period ends.
  char buffer[64];
  while (read(STDIN_FILENO, buffer, sizeof(buffer)) > 0) {
  }
  return 0;
}
