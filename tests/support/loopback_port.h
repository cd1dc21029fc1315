// Loopback TCP ports for tests: one held (listening) to provoke "address in
// use", or a free one for a server the test starts.
#pragma once

namespace accept4_test {

// Listens on 127.0.0.1 on a port the kernel picks, until destroyed.
class HeldLoopbackPort {
 public:
  HeldLoopbackPort();
  ~HeldLoopbackPort();
  HeldLoopbackPort(const HeldLoopbackPort&) = delete;
  HeldLoopbackPort& operator=(const HeldLoopbackPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port that was free a moment ago (another process may still take it).
int FreeLoopbackPort();

}  // namespace accept4_test
