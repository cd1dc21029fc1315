// Part 4: the exporter's CPU time with no accept traffic, over one window.
#pragma once

#include <chrono>

namespace accept4_bench {

struct IdleResult {
  double window_s = 0;
  double cpu_s_per_minute = 0;        // utime + stime, scaled to a minute
  double scheduled_s_per_minute = 0;  // schedstat, the same at ns resolution
};

IdleResult RunIdleBench(std::chrono::seconds window);

}  // namespace accept4_bench
