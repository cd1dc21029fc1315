#include "report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "median.h"

namespace accept4_bench {
namespace {

// The targets, on this machine.
constexpr double kMaxOverheadVsEmpty = 1.3;
constexpr double kMaxScrapeMs = 25;
constexpr double kMaxPeakRssBytes = 40e6;
constexpr double kMaxMapReadMs = 10;
constexpr double kMaxIdleCpuSecondsPerMinute = 0.1;

using PairValue = std::function<double(const Window& mode, const Window& none)>;

// The median over rounds of f(the mode's window, "nothing attached"'s
// window of the same round): side by side, round by round.
double PerRound(const OverheadResults& results, Mode mode, const PairValue& f) {
  const std::vector<Window>& windows = results.windows.at(mode);
  const std::vector<Window>& none = results.windows.at(Mode::kNone);
  std::vector<double> values;
  for (size_t round = 0; round < windows.size(); ++round) {
    const double value = f(windows[round], none[round]);
    if (!std::isnan(value)) values.push_back(value);
  }
  return Median(values);
}

double Of(const OverheadResults& results, Mode mode,
          const std::function<double(const Window&)>& f) {
  return PerRound(results, mode, [&](const Window& w, const Window&) { return f(w); });
}

std::string Ns(double ns) { return Fixed(ns, 0) + " ns"; }
std::string Signed(double ns) { return (ns >= 0 ? "+" : "") + Fixed(ns, 0) + " ns"; }
std::string Times(double ratio) { return Fixed(ratio, 2) + "x"; }
std::string Megabytes(double bytes) { return Fixed(bytes / 1e6, 1) + " MB"; }
std::string Ms(double ms, int digits = 1) { return Fixed(ms, digits) + " ms"; }

std::string SeriesName(uint32_t series) {
  return series % 1000 == 0 ? std::to_string(series / 1000) + "k" : std::to_string(series);
}

std::string Rounds(const OverheadResults& results) {
  return std::to_string(results.options.rounds) + " alternating rounds";
}

// "describe_listener 100 ns and inflight_storage 20 ns ...": the two that cost most.
std::string LargestPieces(const PiecesResult& pieces) {
  std::vector<PieceCost> sorted = pieces.pieces;
  std::sort(sorted.begin(), sorted.end(),
            [](const PieceCost& a, const PieceCost& b) { return a.ns > b.ns; });
  std::string text;
  for (size_t i = 0; i < sorted.size() && i < 2; ++i) {
    text += (i == 0 ? "" : " and ") + sorted[i].name + " " + Ns(sorted[i].ns);
  }
  return text + " of each call's programs";
}

}  // namespace

void AddKernelCostRows(const OverheadResults& results, const PiecesResult& pieces, Table& table) {
  for (Workload load : {Workload::kEagain, Workload::kRoundTrip}) {
    auto kernel = [&](Mode mode) {
      return Of(results, mode, [&](const Window& w) { return w.kernel_ns.at(load); });
    };
    auto program = [&](const char* name) {
      return Of(results, Mode::kExporter,
                [&](const Window& w) { return w.kernel_ns_by_program.at(load).at(name); });
    };
    table.Add({std::string("1. BPF run time per call, ") + WorkloadName(load) + " loop",
               "exporter " + Ns(kernel(Mode::kExporter)) + " (enter " +
                   Ns(program("handle_enter_accept4")) + " + exit " +
                   Ns(program("handle_exit_accept4")) + ") / bpftrace one-liner " +
                   Ns(kernel(Mode::kBpftrace)) + " / empty programs " + Ns(kernel(Mode::kEmpty)),
               "", "",
               "kernel's run_time_ns/run_cnt (BPF_ENABLE_STATS) over each window's load, " +
                   Rounds(results)});

    const std::vector<Window>& ours = results.windows.at(Mode::kExporter);
    const std::vector<Window>& theirs = results.windows.at(Mode::kBpftrace);
    std::vector<double> ratios;
    for (size_t round = 0; round < ours.size(); ++round) {
      ratios.push_back(ours[round].kernel_ns.at(load) / theirs[round].kernel_ns.at(load));
    }
    const double ratio = Median(ratios);
    table.AddChecked(
        std::string("1. exporter's enter+exit ÷ bpftrace's one program, ") + WorkloadName(load) +
            " loop",
        Times(ratio), "< 1.00x", ratio < 1.0,
        "ratio of neighbouring windows, median of " + Rounds(results) +
            (ratio < 1.0 ? "" : "; why: " + LargestPieces(pieces) + " (pieces row below)"));
  }

  std::string parts;
  for (const PieceCost& piece : pieces.pieces) {
    if (!parts.empty()) parts += " / ";
    parts += piece.name + " " + Ns(piece.ns);
  }
  table.Add({"1. where the exporter's BPF time goes: each piece alone, minus an empty program's " +
                 Ns(pieces.empty_ns),
             parts, "", "",
             "bench/pieces.bpf.c (describe_listener from bpf/listener.bpf.h; maps shaped like "
             "accept4.bpf.c's) under the EAGAIN loop, median of " +
                 std::to_string(pieces.repeats)});
}

void AddOverheadRows(const OverheadResults& results, Table& table) {
  const double empty_bpf_ns =
      Of(results, Mode::kEmpty, [](const Window& w) { return w.kernel_ns.at(Workload::kEagain); });
  const double our_bpf_ns = Of(results, Mode::kExporter,
                               [](const Window& w) { return w.kernel_ns.at(Workload::kEagain); });
  for (Workload workload : kWorkloads) {
    const std::string name = WorkloadName(workload);
    auto ns = [&](const Window& w) { return w.ns_per_call.at(workload); };
    auto added = [&](Mode mode) {
      return PerRound(results, mode,
                      [&](const Window& w, const Window& none) { return ns(w) - ns(none); });
    };
    auto ratio = [&](Mode mode) {
      return PerRound(results, mode,
                      [&](const Window& w, const Window& none) { return ns(w) / ns(none); });
    };

    std::string per_mode = "none " + Ns(Of(results, Mode::kNone, ns));
    std::string overheads;
    for (Mode mode : {Mode::kExporter, Mode::kBpftrace, Mode::kEmpty}) {
      per_mode += " / " + std::string(ModeName(mode)) + " " + Ns(Of(results, mode, ns)) + " = " +
                  Times(ratio(mode));
      overheads += (overheads.empty() ? "" : " / ") + std::string(ModeName(mode)) + " " +
                   Signed(added(mode));
    }
    table.Add({"2. " + name + ", per call", per_mode, "", "",
               "CPU time of the calling thread, median of " +
                   std::to_string(results.options.batches) + " batches of " +
                   std::to_string(results.batch_calls.at(workload)) + " calls per window, " +
                   Rounds(results) + "; ratio to none within each round"});
    table.Add({"2. " + name + ", overhead over nothing attached", overheads, "", "",
               "medians of the per-round differences"});

    const double floor = added(Mode::kEmpty);
    const double over = added(Mode::kExporter) / floor;
    const std::string figure = "2. " + name + ", exporter's overhead ÷ empty programs' overhead";
    const std::string bpftrace = "bpftrace's: " + Times(added(Mode::kBpftrace) / floor);
    if (workload == Workload::kEagain) {
      table.AddChecked(
          figure, Times(over), "≤ " + Times(kMaxOverheadVsEmpty), over <= kMaxOverheadVsEmpty,
          "(exporter − none) ÷ (empty − none), medians of per-round differences; " + bpftrace +
              (over <= kMaxOverheadVsEmpty
                   ? ""
                   : "; why: the exporter's programs run " + Ns(our_bpf_ns) +
                         " per call where the empty ones run " + Ns(empty_bpf_ns) + " (row 1)"));
    } else {
      table.Add({figure, Times(over), "", "",
                 "(exporter − none) ÷ (empty − none); " + bpftrace +
                     (workload == Workload::kGetppid
                          ? "; no program runs on getppid: what any mode adds is the syscall "
                            "slow path that enabled syscall tracepoints put every syscall on"
                          : "")});
    }
  }
  if (results.repeated_rounds > 0 || results.disturbed_rounds_kept > 0) {
    table.Add({"2. note",
               std::to_string(results.repeated_rounds) + " rounds repeated, " +
                   std::to_string(results.disturbed_rounds_kept) + " disturbed rounds kept",
               "", "",
               "a round is measured again when someone else's tracing programs (other engineers' "
               "tests) come or go during it"});
  }
  if (results.rounds_with_foreign_programs > 0) {
    table.Add({"2. note",
               std::to_string(results.rounds_with_foreign_programs) + " of " +
                   std::to_string(results.options.rounds) +
                   " rounds had someone else's tracing programs loaded throughout",
               "", "",
               "they add the same to every mode, none included: differences and overhead ratios "
               "cancel it, ratios to none understate everyone's"});
  }
  if (results.stats_sysctl_on) {
    table.Add({"2. note", "kernel.bpf_stats_enabled was 1", "", "",
               "someone left BPF statistics on: the per-call figures include their cost"});
  }
}

void AddScrapeRows(const std::vector<ScrapeResult>& results, const ScrapePieces& pieces,
                   Table& table) {
  for (const ScrapeResult& r : results) {
    const std::string size = SeriesName(r.series) + " series";
    const std::string scrapes = std::to_string(r.scrapes) + " GET /metrics";
    if (r.series != kTargetSeries) {
      table.Add({"3. " + size + ": scrape / peak RSS / exporter's poll pass",
                 Ms(r.scrape_ms) + " / " + Megabytes(r.peak_rss_bytes) + " (" +
                     Megabytes(r.peak_rss_before_scrapes_bytes) + " before scrapes) / " +
                     Ms(r.poll_pass_ms),
                 "", "",
                 "median of " + scrapes + " (" + Megabytes(r.body_bytes) +
                     " body); VmHWM after them; accept4_exporter_map_read_duration_seconds"});
      continue;
    }
    const bool fast = r.scrape_ms < kMaxScrapeMs;
    table.AddChecked("3. scrape /metrics, " + size, Ms(r.scrape_ms), "< " + Ms(kMaxScrapeMs, 0),
                     fast,
                     "median of " + scrapes + " (uncompressed, " + Megabytes(r.body_bytes) +
                         " body), real binary, series made by EINVAL calls; a scrape copies "
                         "the text the last poll serialized");
    table.Add({"3. a " + SeriesName(pieces.series) + "-series poll piece by piece",
               "BuildAcceptFamilies " + Ms(pieces.build_ms) + " + TextSerializer " +
                   Ms(pieces.serialize_ms) + ", once per poll, not per scrape",
               "", "",
               "the exporter's code in this process on a snapshot like the real one, median of " +
                   std::to_string(pieces.repeats)});
    const bool small = r.peak_rss_bytes < kMaxPeakRssBytes;
    table.AddChecked(
        "3. exporter peak RSS (VmHWM), " + size, Megabytes(r.peak_rss_bytes),
        "< " + Megabytes(kMaxPeakRssBytes), small,
        "after " + std::to_string(r.scrapes + 1) + " GET /metrics; MB = 10^6 bytes" +
            (small ? ""
                   : "; why: " + Megabytes(r.peak_rss_before_scrapes_bytes) +
                         " before any scrape (the poll thread's snapshot and families), " +
                         Megabytes(r.peak_rss_one_arena_bytes) +
                         " after the scrapes with MALLOC_ARENA_MAX=1: the rest is glibc's "
                         "per-thread arenas keeping what each HTTP worker thread "
                         "(--web.max-requests, 40 of them) freed after its scrape's copy"));
    table.Add({"3. exporter's own map read, " + size, Ms(r.poll_pass_ms), "", "",
               "accept4_exporter_map_read_duration_seconds: batch lookups and per-CPU sums"});
  }
}

void AddMapReadRows(const std::vector<MapReadResult>& results, Table& table) {
  for (const MapReadResult& r : results) {
    const std::string figure = "3. one map read pass, " + SeriesName(r.series) + " series";
    const std::string how =
        "MapReader::Read() in this process, median of " + std::to_string(r.passes) +
        " passes; the series map is shared by the CPUs, so a pass copies each series once "
        "whatever the CPU count (the per-CPU map it replaced copied one value per CPU)";
    if (r.series == kTargetSeries) {
      table.AddChecked(figure, Ms(r.read_ms, 2), "< " + Ms(kMaxMapReadMs, 0),
                       r.read_ms < kMaxMapReadMs, how);
    } else {
      table.Add({figure, Ms(r.read_ms, 2), "", "", how});
    }
  }
}

void AddMemoryRows(const MemoryResult& result, Table& table) {
  constexpr double kMaxKernelBytesAt192Cpus = 64e6;
  // The layout before (docs/benchmarks.md): a per-CPU stats value of 408
  // bytes per series and a per-CPU overflow array of 3 x 1024 counters.
  auto before = [](int cpus) {
    return 16384.0 * 408 * cpus + 3 * 1024 * 8.0 * cpus;
  };
  std::string maps;
  for (const MapCost& map : result.maps) {
    if (!maps.empty()) maps += ", ";
    maps += map.name + " " + Megabytes(static_cast<double>(map.memlock_bytes));
  }
  table.Add({"3. kernel memory, default config, " + std::to_string(result.cpus) + " CPUs (here)",
             Megabytes(ProjectedBytes(result, result.cpus)), "", "",
             "sum of every map's fdinfo memlock: " + maps});
  for (int cpus : {64, 192}) {
    const double projected = ProjectedBytes(result, cpus);
    const std::string figure = "3. kernel memory, default config, " + std::to_string(cpus) +
                               " CPUs (projected)";
    const std::string how =
        "measured here plus, per map, what each further CPU adds by its definition "
        "(PerCpuBytes); the per-CPU layout before: " +
        Megabytes(before(cpus)) + " for the stats and overflow maps alone";
    if (cpus == 192) {
      table.AddChecked(figure, Megabytes(projected), "<= " + Megabytes(kMaxKernelBytesAt192Cpus),
                       projected <= kMaxKernelBytesAt192Cpus, how);
    } else {
      table.Add({figure, Megabytes(projected), "", "", how});
    }
  }
}

void AddIdleRows(const IdleResult& result, Table& table) {
  table.AddChecked("4. exporter idle CPU", Fixed(result.cpu_s_per_minute, 3) + " s/min",
                   "< " + Fixed(kMaxIdleCpuSecondsPerMinute, 1) + " s/min",
                   result.cpu_s_per_minute < kMaxIdleCpuSecondsPerMinute,
                   "utime+stime over one " + Fixed(result.window_s, 0) +
                       " s window, scaled to a minute (schedstat, ns resolution: " +
                       Fixed(result.scheduled_s_per_minute, 3) +
                       " s/min); default config, pid filter on the idle benchmark");
}

void AddInflightRows(const InflightResult& result, Table& table) {
  table.Add({"5. task iterator walk at each poll (in-progress gauges)",
             Ms(result.walk_ms, 2) + " for about " + std::to_string(result.host_threads) +
                 " threads, " + std::to_string(result.blocked_threads) + " of them in accept",
             "", "",
             "InflightReader::Read() in this process, pid filter on itself, median of " +
                 std::to_string(result.passes) +
                 " walks; per poll, not per call: the accept programs are unchanged"});
}

}  // namespace accept4_bench
