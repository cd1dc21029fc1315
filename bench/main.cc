// accept4_bench: measures what accept4_exporter costs, side by side with
// the bpftrace one-liner and with empty programs, and prints one table.
// Needs root. Run through bench/run, which builds it first.
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "child_guard.h"
#include "idle_bench.h"
#include "io_uring_bench.h"
#include "kernel/tracefs.h"
#include "map_read_bench.h"
#include "overhead_bench.h"
#include "pieces_bench.h"
#include "report.h"
#include "scrape_bench.h"
#include "scrape_pieces_bench.h"
#include "syscall_loops.h"
#include "table.h"

namespace accept4_bench {
namespace {

// calls per piece window when part "pieces" runs without "overhead" (which
// sizes the windows from its own batches)
constexpr uint64_t kPiecesOnlyCalls = 100000;

struct BenchOptions {
  OverheadOptions overhead;
  std::vector<uint32_t> sizes = {1000, 10000, 100000};
  int scrapes = 15;
  int passes = 15;
  int idle_seconds = 30;
  int io_uring_rounds = 7;
  std::set<std::string> parts = {"overhead", "io_uring", "scrape", "mapread", "idle", "inflight"};
  uint32_t inflight_threads = 1000;
};

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// One line naming the machine the figures belong to.
std::string MachineLine() {
  utsname uts;
  uname(&uts);
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs (" + CpuModel() + "), Linux " +
         uts.release + ", " + date;
}

int Run(const BenchOptions& options) {
  Table table;
  auto wanted = [&](const char* part) { return options.parts.count(part) != 0; };
  if (wanted("overhead")) {
    SyscallLoops loops;
    const OverheadResults overhead = RunOverheadRounds(options.overhead, loops);
    const PiecesResult pieces = RunPiecesBench(
        loops, overhead.batch_calls.at(Workload::kEagain) * options.overhead.kernel_batches,
        options.passes);
    AddKernelCostRows(overhead, pieces, table);
    AddOverheadRows(overhead, table);
  } else if (wanted("pieces")) {
    SyscallLoops loops;
    AddPiecesRows(RunPiecesBench(loops, kPiecesOnlyCalls, options.passes), table);
  }
  if (wanted("io_uring")) {
    AddIoUringRows(RunIoUringBench(options.io_uring_rounds, options.overhead.batches), table);
  }
  if (wanted("scrape")) {
    AddScrapeRows(RunScrapeBench(options.sizes, options.scrapes, kTargetSeries),
                  RunScrapePiecesBench(kTargetSeries, options.passes), table);
  }
  if (wanted("mapread")) {
    AddMemoryRows(MeasureDefaultMemory(), table);
    AddMapReadRows(RunMapReadBench(options.sizes, options.passes), table);
  }
  if (wanted("idle")) AddIdleRows(RunIdleBench(std::chrono::seconds(options.idle_seconds)), table);
  if (wanted("inflight")) {
    AddInflightRows(RunInflightBench(options.inflight_threads, options.passes), table);
  }

  std::cout << MachineLine() << "\n\n";
  table.Print(std::cout);
  return 0;
}

}  // namespace
}  // namespace accept4_bench

int main(int argc, char** argv) {
  accept4_bench::BenchOptions options;
  long batch_ms = options.overhead.batch.count();
  CLI::App app{"Measures accept4_exporter's overhead beside bpftrace and prints one table."};
  app.add_option("--rounds", options.overhead.rounds, "alternating rounds of every mode")
      ->check(CLI::PositiveNumber);
  app.add_option("--batches", options.overhead.batches, "timed batches per workload per window")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch-ms", batch_ms, "CPU time of one timed batch")->check(CLI::PositiveNumber);
  // the exporter's and the map read part's stats maps hold 131072
  app.add_option("--sizes", options.sizes, "series counts for the scrape and map read parts")
      ->delimiter(',')
      ->check(CLI::Range(1, 131072));
  app.add_option("--scrapes", options.scrapes, "scrapes per size")->check(CLI::PositiveNumber);
  app.add_option("--passes", options.passes,
                 "map read passes per method and size, and repeats of the piece-by-piece parts")
      ->check(CLI::PositiveNumber);
  app.add_option("--idle-seconds", options.idle_seconds, "idle window")->check(CLI::PositiveNumber);
  app.add_option("--io-uring-rounds", options.io_uring_rounds,
                 "alternating rounds of the io_uring part")
      ->check(CLI::PositiveNumber);
  app.add_option("--parts", options.parts,
                 "overhead,io_uring,scrape,mapread,idle,inflight; pieces: part 1's "
                 "piece-by-piece rows alone (overhead includes them)")
      ->delimiter(',')
      ->check(CLI::IsMember(
          {"overhead", "pieces", "io_uring", "scrape", "mapread", "idle", "inflight"}));
  app.add_option("--inflight-threads", options.inflight_threads,
                 "threads blocked in accept during the task iterator walks")
      ->check(CLI::Range(1, 10000));
  CLI11_PARSE(app, argc, argv);
  options.overhead.batch = std::chrono::milliseconds(batch_ms);

  if (geteuid() != 0) {
    std::cerr << "accept4_bench: needs root (it loads BPF programs and runs bpftrace)\n";
    return 1;
  }
  accept4_bench::StopChildrenOnFatalSignals();
  try {
    // The empty and piece programs are attached from here, and bpftrace
    // from a child: all find their tracepoints through tracefs. Where the
    // host has none mounted, this process and its children get one in a
    // mount namespace of their own, as the exporter does.
    accept4_exporter::EnsureTracefsMounted();
    return accept4_bench::Run(options);
  } catch (const std::exception& e) {
    std::cerr << "accept4_bench: " << e.what() << "\n";
    return 1;
  }
}
