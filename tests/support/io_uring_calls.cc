#include "io_uring_calls.h"

#include <string.h>

#include <stdexcept>

namespace accept4_test {

std::string IoUringUnavailableReason() {
  io_uring ring;
  const int err = io_uring_queue_init(2, &ring, 0);
  if (err < 0) return std::string("io_uring_setup: ") + strerror(-err);
  io_uring_queue_exit(&ring);
  return "";
}

Ring::Ring(unsigned entries, unsigned setup_flags) {
  if (int err = io_uring_queue_init(entries, &ring_, setup_flags); err < 0) {
    throw std::runtime_error(std::string("io_uring_queue_init: ") + strerror(-err));
  }
}

Ring::~Ring() { io_uring_queue_exit(&ring_); }

io_uring_sqe* Ring::Sqe(uint64_t user_data) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) throw std::runtime_error("io_uring submission queue is full");
  io_uring_sqe_set_data64(sqe, user_data);
  return sqe;
}

void Ring::Submit() {
  if (int err = io_uring_submit(&ring_); err < 0) {
    throw std::runtime_error(std::string("io_uring_submit: ") + strerror(-err));
  }
}

Completion Ring::Wait() {
  io_uring_cqe* cqe = nullptr;
  if (int err = io_uring_wait_cqe(&ring_, &cqe); err < 0) {
    throw std::runtime_error(std::string("io_uring_wait_cqe: ") + strerror(-err));
  }
  const Completion completion{cqe->user_data, cqe->res, cqe->flags};
  io_uring_cqe_seen(&ring_, cqe);
  return completion;
}

int32_t Ring::Accept(int fd, int flags, uint16_t ioprio, uint8_t sqe_flags) {
  io_uring_sqe* sqe = Sqe(0);
  io_uring_prep_accept(sqe, fd, nullptr, nullptr, flags);
  sqe->ioprio |= ioprio;
  sqe->flags |= sqe_flags;
  Submit();
  return Wait().res;
}

}  // namespace accept4_test
