#include "idle_bench.h"

#include <unistd.h>

#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include "child_guard.h"
#include "exporter_process.h"
#include "process_stats.h"

namespace accept4_bench {

IdleResult RunIdleBench(std::chrono::seconds window) {
  std::cerr << "idle: " << window.count() << " s window\n";
  // The default config, but counting only this process, which makes no
  // calls meanwhile: other work on a shared machine must not make it busy.
  accept4_test::ExporterProcess exporter("filters:\n  pids: [" + std::to_string(getpid()) + "]\n");
  if (!exporter.running()) {
    throw std::runtime_error("starting accept4_exporter: " + exporter.StderrText());
  }
  ChildGuard guard(exporter.pid());
  // Let start-up (loading, the first poll) finish before the window opens.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double cpu_before = CpuSeconds(exporter.pid());
  const double scheduled_before = ScheduledSeconds(exporter.pid());
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(window);
  const double cpu = CpuSeconds(exporter.pid()) - cpu_before;
  const double scheduled = ScheduledSeconds(exporter.pid()) - scheduled_before;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {seconds, cpu * 60 / seconds, scheduled * 60 / seconds};
}

}  // namespace accept4_bench
