#include "scrape_pieces_bench.h"

#include <errno.h>
#include <prometheus/text_serializer.h>
#include <string.h>
#include <sys/socket.h>

#include <chrono>
#include <iostream>
#include <sstream>

#include "median.h"
#include "metrics/metrics_builder.h"
#include "series_fill.h"

namespace accept4_bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

accept4_exporter::MapSnapshot EinvalSnapshot(uint32_t series) {
  accept4_exporter::MapSnapshot snapshot;
  snapshot.overflow.assign(ACCEPT4_SYSCALL_MAX * ACCEPT4_OVERFLOW_ERRNO_SLOTS, 0);
  for (uint32_t i = 1; i <= series; ++i) {
    accept4_exporter::StatsEntry entry = {};
    // one process per series, as a host with many servers has
    entry.key.tgid = 4242 + i;
    entry.key.flags = ACCEPT4_FLAG_UNKNOWN;
    entry.key.result = -EINVAL;
    entry.key.family = AF_INET;
    entry.key.syscall = ACCEPT4_SYSCALL_ACCEPT4;
    entry.key.listener = ACCEPT4_LISTENER_NONBLOCKING;
    memcpy(entry.key.comm, "accept4_bench", sizeof("accept4_bench"));
    entry.value.calls = 1;
    entry.value.timed_calls = 1;
    entry.value.duration_buckets[0] = 1;
    entry.value.backlog_samples = 1;
    entry.value.backlog_buckets[0] = 1;
    snapshot.stats.push_back(entry);
  }
  return snapshot;
}

}  // namespace

ScrapePieces RunScrapePiecesBench(uint32_t series, int repeats) {
  std::cerr << "scrape pieces: " << series << " series\n";
  const accept4_exporter::MapSnapshot snapshot = EinvalSnapshot(series);
  std::vector<double> build, copy, serialize;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    const std::vector<prometheus::MetricFamily> families =
        accept4_exporter::BuildAcceptFamilies(snapshot, {});  // the default labels
    const auto built = Clock::now();
    const std::vector<prometheus::MetricFamily> collected = families;
    const auto copied = Clock::now();
    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, collected);
    const auto serialized = Clock::now();
    build.push_back(Ms(start, built));
    copy.push_back(Ms(built, copied));
    serialize.push_back(Ms(copied, serialized));
  }
  return {series, repeats, Median(build), Median(copy), Median(serialize)};
}

}  // namespace accept4_bench
