// io_uring requests for the tests and benchmarks, through liburing: accepts
// (single-shot, multishot, into fixed files), NOPs and reads, each waited
// for by its completion.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <string>

namespace accept4_test {

// IORING_ACCEPT_DONTWAIT (Linux 6.10): return -EAGAIN instead of waiting for
// a connection. liburing 2.3's header predates it.
inline constexpr uint16_t kAcceptDontWait = 1U << 1;

// Empty when this process can create an io_uring; otherwise why not.
std::string IoUringUnavailableReason();

struct Completion {
  uint64_t user_data = 0;
  int32_t res = 0;
  uint32_t flags = 0;
};

class Ring {
 public:
  // Throws std::runtime_error when the ring cannot be set up.
  explicit Ring(unsigned entries = 64, unsigned setup_flags = 0);
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  io_uring* get() { return &ring_; }

  // A fresh SQE with `user_data`; throws when the queue is full.
  io_uring_sqe* Sqe(uint64_t user_data);
  // Submits what is queued; throws on failure.
  void Submit();
  // Waits for the next completion.
  Completion Wait();

  // Submits one accept on `fd` with accept4 `flags` and waits for it.
  // `ioprio` carries IORING_ACCEPT_* bits, `sqe_flags` IOSQE_* ones.
  int32_t Accept(int fd, int flags, uint16_t ioprio = 0, uint8_t sqe_flags = 0);

 private:
  io_uring ring_ = {};
};

}  // namespace accept4_test
