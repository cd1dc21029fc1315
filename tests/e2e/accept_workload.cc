#include "accept_workload.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace accept4_test {
namespace {

// Accepts in a loop on a listener nobody connects to: EAGAIN only, about a
// thousand calls a second (a spin by the alert's measure), until killed.
void Spin(int listener_fd) {
  const timespec pause = {0, 20'000'000};
  while (true) {
    for (int i = 0; i < 20; ++i) RawAccept4(listener_fd, SOCK_NONBLOCK);
    nanosleep(&pause, nullptr);
  }
}

}  // namespace

ChildProcess::ChildProcess(const std::string& comm, const std::function<void(int)>& work) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) throw std::runtime_error(strerror(errno));
  pid_ = fork();
  if (pid_ == 0) {
    close(go[1]);
    prctl(PR_SET_NAME, comm.c_str());
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    work(go[0]);
    while (true) pause();
  }
  close(go[0]);
  go_fd_ = go[1];
}

ChildProcess::~ChildProcess() {
  close(go_fd_);
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

void ChildProcess::Go() { ASSERT_EQ(write(go_fd_, "g", 1), 1); }

AcceptWorkload::AcceptWorkload() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.fd = epoll_watched_.fd();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, epoll_watched_.fd(), &event) != 0) {
    throw std::runtime_error(std::string("epoll_ctl: ") + strerror(errno));
  }
  const int spin_fd = spin_.fd();
  children_.push_back(std::make_unique<ChildProcess>("a4e_spin", [=](int) { Spin(spin_fd); }));
  // Processes on one listener, each finding nothing: a herd.
  const int herd_fd = herd_.fd();
  for (int i = 0; i < kHerdSize; ++i) {
    children_.push_back(std::make_unique<ChildProcess>("a4e_herd", [=](int) { Spin(herd_fd); }));
  }
  const int fd_listener = event_loop_.fd();
  children_.push_back(std::make_unique<ChildProcess>("a4e_fd", [=](int go_fd) {
    // The next fd would be this one: a limit of it leaves no fd to take.
    const int next = open("/dev/null", O_RDONLY | O_CLOEXEC);
    close(next);
    const rlimit limit = {static_cast<rlim_t>(next), static_cast<rlim_t>(next)};
    char byte;
    while (read(go_fd, &byte, 1) == 1) {
      setrlimit(RLIMIT_NOFILE, &limit);
      for (int i = 0; i < 5; ++i) RawAccept4(fd_listener, SOCK_CLOEXEC);
    }
  }));
  fd_child_ = children_.back().get();
}

AcceptWorkload::~AcceptWorkload() {
  // Each blocked thread returns with the connection made for it.
  std::vector<int> clients;
  if (!blocked_.empty()) {
    clients.push_back(epoll_watched_.Connect());
    clients.push_back(acceptor_.Connect());
  }
  for (std::thread& thread : blocked_) thread.join();
  for (int client : clients) close(client);
  children_.clear();
  close(epoll_fd_);
}

void AcceptWorkload::EventLoopRound() {
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(RawAccept4(event_loop_.fd(), SOCK_NONBLOCK), -1);
    EXPECT_EQ(errno, EAGAIN);
  }
  // Three connections wait in the queue before the loop gets to them.
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(event_loop_.Connect());
  for (int i = 0; i < 5; ++i) {
    if (i >= 3) clients.push_back(event_loop_.Connect());
    const int accepted = RawAccept4(event_loop_.fd(), SOCK_NONBLOCK);
    EXPECT_GE(accepted, 0) << strerror(errno);
    if (accepted >= 0) close(accepted);
  }
  for (int client : clients) close(client);
}

void AcceptWorkload::BlockingAccepts() {
  for (const Listener* listener : {&epoll_watched_, &acceptor_}) {
    const int client = listener->Connect();
    const int accepted = RawAccept4(listener->fd(), SOCK_NONBLOCK);
    EXPECT_GE(accepted, 0) << strerror(errno);
    if (accepted >= 0) close(accepted);
    close(client);
  }
}

void AcceptWorkload::StartBlockedAccepts() {
  // Stuck until the destructor connects.
  blocked_.emplace_back([fd = epoll_watched_.fd()] {
    const int accepted = RawAccept4(fd, SOCK_NONBLOCK);
    if (accepted >= 0) close(accepted);
  });
  blocked_.emplace_back([fd = acceptor_.fd()] {
    const int accepted = RawAccept4(fd, SOCK_NONBLOCK);
    if (accepted >= 0) close(accepted);
  });
}

void AcceptWorkload::FdExhaustionBurst() { fd_child_->Go(); }

}  // namespace accept4_test
