#include "inflight_bench.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "accept_calls.h"
#include "kernel/bpf_programs.h"
#include "kernel/inflight_reader.h"
#include "median.h"

namespace accept4_bench {
namespace {

// Threads on the host, from the fourth field of /proc/loadavg ("2/345").
uint32_t HostThreads() {
  std::ifstream loadavg("/proc/loadavg");
  std::string field;
  for (int i = 0; i < 4; ++i) loadavg >> field;
  return static_cast<uint32_t>(std::stoul(field.substr(field.find('/') + 1)));
}

}  // namespace

InflightResult RunInflightBench(uint32_t blocked_threads, int passes) {
  accept4_exporter::ProgramOptions options;
  options.pids = {static_cast<uint32_t>(getpid())};
  accept4_exporter::BpfPrograms programs(options);
  accept4_exporter::InflightReader reader(programs);
  accept4_test::Listener listener(AF_INET, /*nonblocking=*/false);

  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < blocked_threads; ++i) {
    threads.emplace_back([&] { accept4_test::RawAccept4(listener.fd(), 0); });
  }
  // Wait until the kernel has every one of them inside accept.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (reader.Read().calls.size() < blocked_threads) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("inflight: the threads did not all block in accept within 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::cerr << "inflight: " << blocked_threads << " threads blocked in accept\n";

  std::vector<double> walks;
  for (int i = 0; i < passes; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const size_t found = reader.Read().calls.size();
    walks.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    if (found != blocked_threads) {
      throw std::runtime_error("inflight: a walk found " + std::to_string(found) + " calls, not " +
                               std::to_string(blocked_threads));
    }
  }
  InflightResult result{passes, blocked_threads, HostThreads(), Median(walks)};
  // Shutting the listener down wakes every accept on it (EINVAL).
  shutdown(listener.fd(), SHUT_RDWR);
  for (std::thread& thread : threads) thread.join();
  return result;
}

}  // namespace accept4_bench
