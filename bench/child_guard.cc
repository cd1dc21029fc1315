#include "child_guard.h"

#include <signal.h>

#include <atomic>

namespace accept4_bench {
namespace {

// Lock-free slots, because the signal handler reads them.
constexpr int kSlots = 8;
std::atomic<pid_t> g_children[kSlots];

void StopChildren(int signal) {
  for (std::atomic<pid_t>& child : g_children) {
    const pid_t pid = child.load();
    if (pid > 0) kill(pid, SIGTERM);
  }
  ::signal(signal, SIG_DFL);
  raise(signal);
}

}  // namespace

ChildGuard::ChildGuard(pid_t pid) : slot_(-1) {
  if (pid <= 0) return;
  for (int i = 0; i < kSlots; ++i) {
    pid_t empty = 0;
    if (g_children[i].compare_exchange_strong(empty, pid)) {
      slot_ = i;
      return;
    }
  }
}

ChildGuard::~ChildGuard() {
  if (slot_ >= 0) g_children[slot_].store(0);
}

void StopChildrenOnFatalSignals() {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) ::signal(signal, StopChildren);
  ::signal(SIGPIPE, SIG_IGN);
}

}  // namespace accept4_bench
