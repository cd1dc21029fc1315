// Which capabilities the exporter keeps after start-up, by kernel and listen
// port, and the refusal to drop them while other threads run (each thread
// has its own capabilities, so those threads would keep everything).
#include "kernel/capabilities.h"

#include <gtest/gtest.h>
#include <linux/capability.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace accept4_exporter {
namespace {

TEST(CapabilitiesToKeepTest, ByKernelAndListenPort) {
  const struct {
    int last_cap;
    int port;
    std::vector<int> want;
  } cases[] = {
      // Linux 5.8 added CAP_PERFMON (38) and CAP_BPF (39).
      {40, 10044, {CAP_PERFMON, CAP_BPF}},
      {39, 10044, {CAP_PERFMON, CAP_BPF}},
      {37, 10044, {CAP_SYS_ADMIN}},
      // The server binds after the drop: a privileged port needs its cap.
      {40, 80, {CAP_NET_BIND_SERVICE, CAP_PERFMON, CAP_BPF}},
      {40, 1023, {CAP_NET_BIND_SERVICE, CAP_PERFMON, CAP_BPF}},
      {37, 443, {CAP_NET_BIND_SERVICE, CAP_SYS_ADMIN}},
      {40, 1024, {CAP_PERFMON, CAP_BPF}},
      // Port 0: the kernel picks an unprivileged one.
      {40, 0, {CAP_PERFMON, CAP_BPF}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CapabilitiesToKeep(c.last_cap, c.port), c.want)
        << "cap_last_cap " << c.last_cap << ", port " << c.port;
  }
}

TEST(CapabilitiesToKeepTest, LastCapabilityIsTheKernels) {
  int kernel_last_cap = -1;
  std::ifstream("/proc/sys/kernel/cap_last_cap") >> kernel_last_cap;
  ASSERT_GE(kernel_last_cap, 0) << "/proc/sys/kernel/cap_last_cap is not readable";
  EXPECT_EQ(LastCapability(), kernel_last_cap);
}

TEST(DropCapabilitiesTest, RefusesWhileAnotherThreadRuns) {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  std::thread other([&] {
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return finished; });
  });
  try {
    DropCapabilitiesExcept({});
    ADD_FAILURE() << "dropped capabilities with two threads running";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(),
                 "dropping capabilities with 2 threads running: the others would keep theirs");
  }
  {
    std::lock_guard lock(mutex);
    finished = true;
  }
  done.notify_all();
  other.join();
}

}  // namespace
}  // namespace accept4_exporter
