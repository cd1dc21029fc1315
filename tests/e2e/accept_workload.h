// The accept patterns the shipped rules and dashboards are about, made with
// real calls so that every query of the end-to-end test finds live data:
// an event loop on a non-blocking listener (accepts, EAGAIN, a queue), a
// blocking listener that epoll watches (the hazard) with a thread stuck in
// accept on it, a blocking listener without epoll with a thread waiting on
// it, a busy-spinning process, a herd of processes on one listener, and a
// process that runs out of fds (EMFILE). Every process it makes has a comm
// starting with "a4e_".
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "accept_calls.h"

namespace accept4_test {

// A child process named `comm` that runs `work(go_fd)` and is killed when
// destroyed. `go_fd` reads one byte each time the parent calls Go().
class ChildProcess {
 public:
  ChildProcess(const std::string& comm, const std::function<void(int go_fd)>& work);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Go();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;
};

class AcceptWorkload {
 public:
  // Starts the child processes: the spinner and the herd right away, the
  // fd-exhausted one waiting for FdExhaustionBurst().
  AcceptWorkload();
  // Lets the threads stuck in accept return, then ends the children.
  ~AcceptWorkload();
  AcceptWorkload(const AcceptWorkload&) = delete;
  AcceptWorkload& operator=(const AcceptWorkload&) = delete;

  // In the calling (test) process: on the non-blocking listener, 20 EAGAIN
  // and 5 connections accepted with SOCK_NONBLOCK, 3 of them taken from a
  // queue of 3; 25 calls in all.
  void EventLoopRound();
  // One accept with SOCK_NONBLOCK on the blocking listener that an epoll
  // set watches, and one on the blocking listener that none does.
  void BlockingAccepts();
  // Leaves a thread inside accept on each of the two blocking listeners,
  // until the destructor.
  void StartBlockedAccepts();
  // The fd child calls accept4 5 times with RLIMIT_NOFILE below its next
  // fd: 5 EMFILE.
  void FdExhaustionBurst();

  int event_loop_port() const { return event_loop_.port(); }
  // Processes in the herd: as many as the shipped herd alert needs.
  static constexpr int kHerdSize = 4;

 private:
  Listener event_loop_{AF_INET, /*nonblocking=*/true};
  Listener epoll_watched_{AF_INET, /*nonblocking=*/false};
  Listener acceptor_{AF_INET, /*nonblocking=*/false};
  Listener spin_{AF_INET, /*nonblocking=*/true};
  Listener herd_{AF_INET, /*nonblocking=*/true};
  int epoll_fd_ = -1;
  std::vector<std::thread> blocked_;
  std::vector<std::unique_ptr<ChildProcess>> children_;
  ChildProcess* fd_child_ = nullptr;
};

}  // namespace accept4_test
