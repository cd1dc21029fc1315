// A file descriptor closed when its owner goes, however a function ends:
// for the short-lived BPF fds (a probe's program and link, an iterator).
#pragma once

#include <unistd.h>

namespace accept4_exporter {

class OwnedFd {
 public:
  // A negative `fd` (a failed call's result) is kept, to be tested, and not closed.
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;

  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace accept4_exporter
