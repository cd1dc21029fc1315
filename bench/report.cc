#include "report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "median.h"

namespace accept4_bench {
namespace {

// The targets, on this machine.
// BPF run time on the EAGAIN loop: the exporter's enter + exit against
// bpftrace's one program and against the empty programs' enter + exit.
constexpr double kMaxBpfVsBpftrace = 1.5;
constexpr double kMaxBpfVsEmpty = 3.0;
// The EAGAIN loop's overhead (the mode's CPU per call minus nothing
// attached's) against the empty programs' overhead.
constexpr double kMaxOverheadVsEmpty = 2.5;
// What the exporter adds to a loopback connect + accept4 round trip.
constexpr double kMaxRoundTripOverhead = 0.05;
constexpr double kMaxScrapeMs = 25;
constexpr double kMaxPeakRssBytes = 40e6;
constexpr double kMaxMapReadMs = 10;
constexpr double kMaxIdleCpuSecondsPerMinute = 0.1;

// The pieces that the shipped programs are made of on this kernel, where
// they run (the listener is read at enter, the series looked up at exit);
// the others are the same work done as before (*_probe_read), its parts
// (fd_file, fd_ready), the same work elsewhere (exit_describe_listener,
// stats_entry on enter) or a way not taken (the adds pieces,
// stats_entry_no_prealloc).
const char* const kShippedPieces[] = {"clock_and_pid", "describe_listener", "inflight_storage",
                                      "leader_comm", "exit_stats_entry"};

using PairValue = std::function<double(const Window& mode, const Window& other)>;

// The median over rounds of f(`mode`'s window, `other`'s window of the same
// round): side by side, round by round.
double Between(const OverheadResults& results, Mode mode, Mode other, const PairValue& f) {
  const std::vector<Window>& ours = results.windows.at(mode);
  const std::vector<Window>& theirs = results.windows.at(other);
  std::vector<double> values;
  for (size_t round = 0; round < ours.size(); ++round) {
    const double value = f(ours[round], theirs[round]);
    if (!std::isnan(value)) values.push_back(value);
  }
  return Median(values);
}

// The same against "nothing attached".
double PerRound(const OverheadResults& results, Mode mode, const PairValue& f) {
  return Between(results, mode, Mode::kNone, f);
}

double Of(const OverheadResults& results, Mode mode,
          const std::function<double(const Window&)>& f) {
  return PerRound(results, mode, [&](const Window& w, const Window&) { return f(w); });
}

std::string Ns(double ns) { return Fixed(ns, 0) + " ns"; }
std::string Signed(double ns) { return (ns >= 0 ? "+" : "") + Fixed(ns, 0) + " ns"; }
std::string Times(double ratio) { return Fixed(ratio, 2) + "x"; }
std::string Percent(double fraction) { return Fixed(fraction * 100, 1) + " %"; }
std::string Megabytes(double bytes) { return Fixed(bytes / 1e6, 1) + " MB"; }
std::string Ms(double ms, int digits = 1) { return Fixed(ms, digits) + " ms"; }

std::string SeriesName(uint32_t series) {
  return series % 1000 == 0 ? std::to_string(series / 1000) + "k" : std::to_string(series);
}

std::string Rounds(const OverheadResults& results) {
  return std::to_string(results.options.rounds) + " alternating rounds";
}

const PieceCost* FindPiece(const PiecesResult& pieces, const std::string& name) {
  for (const PieceCost& piece : pieces.pieces) {
    if (piece.name == name) return &piece;
  }
  return nullptr;
}

double PieceNs(const PiecesResult& pieces, const std::string& name) {
  const PieceCost* piece = FindPiece(pieces, name);
  return piece ? piece->ns : NAN;
}

// The median of piece `a` minus piece `b` within each repeat: they run in
// neighbouring windows, so a slow stretch of the machine cancels out.
double PieceDifference(const PiecesResult& pieces, const std::string& a, const std::string& b) {
  const PieceCost* first = FindPiece(pieces, a);
  const PieceCost* second = FindPiece(pieces, b);
  if (!first || !second) return NAN;
  std::vector<double> differences;
  for (size_t i = 0; i < first->per_repeat.size() && i < second->per_repeat.size(); ++i) {
    differences.push_back(first->per_repeat[i] - second->per_repeat[i]);
  }
  return Median(differences);
}

// "describe_listener 100 ns and inflight_storage 20 ns ...": the two
// shipped pieces that cost most.
std::string LargestPieces(const PiecesResult& pieces) {
  std::vector<PieceCost> shipped;
  for (const char* name : kShippedPieces) shipped.push_back({name, PieceNs(pieces, name), {}});
  std::sort(shipped.begin(), shipped.end(),
            [](const PieceCost& a, const PieceCost& b) { return a.ns > b.ns; });
  std::string text;
  for (size_t i = 0; i < shipped.size() && i < 2; ++i) {
    text += (i == 0 ? "" : " and ") + shipped[i].name + " " + Ns(shipped[i].ns);
  }
  return text + " of each call's programs";
}

// The exporter's enter+exit ÷ `other`'s accept4 programs, round by round.
double KernelRatio(const OverheadResults& results, Workload load, Mode other) {
  return Between(results, Mode::kExporter, other, [&](const Window& ours, const Window& theirs) {
    return ours.kernel_ns.at(load) / theirs.kernel_ns.at(load);
  });
}

}  // namespace

void AddKernelCostRows(const OverheadResults& results, const PiecesResult& pieces, Table& table) {
  for (Workload load : {Workload::kEagain, Workload::kRoundTrip}) {
    const std::string loop = std::string(WorkloadName(load)) + " loop";
    auto kernel = [&](Mode mode) {
      return Of(results, mode, [&](const Window& w) { return w.kernel_ns.at(load); });
    };
    auto program = [&](Mode mode, const char* name) {
      return Of(results, mode,
                [&](const Window& w) { return w.kernel_ns_by_program.at(load).at(name); });
    };
    auto split = [&](Mode mode) {
      return Ns(kernel(mode)) + " (enter " + Ns(program(mode, "handle_enter_accept4")) +
             " + exit " + Ns(program(mode, "handle_exit_accept4")) + ")";
    };
    table.Add({"1. BPF run time per call, " + loop,
               "exporter " + split(Mode::kExporter) + " / its probe-read build " +
                   split(Mode::kExporterProbeRead) + " / bpftrace one-liner " +
                   Ns(kernel(Mode::kBpftrace)) + " / empty programs " + Ns(kernel(Mode::kEmpty)),
               "", "",
               "kernel's run_time_ns/run_cnt (BPF_ENABLE_STATS) over each window's load, " +
                   Rounds(results) + "; the probe-read build is what kernels before 6.2 load"});

    const bool targeted = load == Workload::kEagain;
    const std::string how = "ratio of neighbouring windows, median of " + Rounds(results);
    const std::string why = "; why: " + LargestPieces(pieces) + " (pieces row below)";
    const double vs_bpftrace = KernelRatio(results, load, Mode::kBpftrace);
    const std::string bpftrace_figure =
        "1. exporter's enter+exit ÷ bpftrace's one program, " + loop;
    const double vs_empty = KernelRatio(results, load, Mode::kEmpty);
    const std::string empty_figure =
        "1. exporter's enter+exit ÷ empty programs' enter+exit, " + loop;
    if (targeted) {
      const bool fast = vs_bpftrace <= kMaxBpfVsBpftrace;
      table.AddChecked(bpftrace_figure, Times(vs_bpftrace), "≤ " + Times(kMaxBpfVsBpftrace), fast,
                       how + (fast ? "" : why));
      const bool near_floor = vs_empty <= kMaxBpfVsEmpty;
      table.AddChecked(empty_figure, Times(vs_empty), "≤ " + Times(kMaxBpfVsEmpty), near_floor,
                       how + (near_floor ? "" : why));
    } else {
      table.Add({bpftrace_figure, Times(vs_bpftrace), "", "", how});
      table.Add({empty_figure, Times(vs_empty), "", "", how});
    }
  }

  AddPiecesRows(pieces, table);
}

void AddPiecesRows(const PiecesResult& pieces, Table& table) {
  std::string parts;
  for (const PieceCost& piece : pieces.pieces) {
    if (!parts.empty()) parts += " / ";
    parts += piece.name + " " + Ns(piece.ns);
  }
  const std::string pieces_how =
      "bench/pieces.bpf.c (the exporter's own functions; maps shaped like accept4.bpf.c's) "
      "under the EAGAIN loop, median of " +
      std::to_string(pieces.repeats);
  table.Add({"1. where the exporter's BPF time goes: each piece alone, minus an empty program's " +
                 Ns(pieces.empty_ns) + " (exit_*: on sys_exit_accept4, minus " +
                 Ns(pieces.exit_empty_ns) + ")",
             parts, "", "", pieces_how});
  auto before_after = [&](const char* name) {
    const std::string before = std::string(name) + "_probe_read";
    return std::string(name) + " " + Ns(PieceNs(pieces, before)) + " → " +
           Ns(PieceNs(pieces, name)) + " (" + Signed(PieceDifference(pieces, name, before)) + ")";
  };
  table.Add({"1. direct loads, piece by piece: probe reads → direct",
             before_after("describe_listener") + " / " + before_after("leader_comm"), "", "",
             pieces_how + "; in brackets the median of the differences within each repeat; "
                          "describe_listener through bpf_rdonly_cast, leader_comm as two loads "
                          "from the BTF task pointer"});
  table.Add(
      {"1. four counters added atomically in a shared hash, against plainly in a per-CPU "
       "hash",
       "shared_atomic_adds " + Ns(PieceNs(pieces, "shared_atomic_adds")) + ", percpu_plain_adds " +
           Ns(PieceNs(pieces, "percpu_plain_adds")) + ": " +
           Signed(PieceDifference(pieces, "shared_atomic_adds", "percpu_plain_adds")) + " per call",
       "", "",
       pieces_how + "; the difference is the median of the differences within each repeat; "
                    "look-up of an existing series, then calls, timed_calls, duration_ns_sum "
                    "and a bucket; one thread, so uncontended"});
}

void AddOverheadRows(const OverheadResults& results, Table& table) {
  const double empty_bpf_ns =
      Of(results, Mode::kEmpty, [](const Window& w) { return w.kernel_ns.at(Workload::kEagain); });
  const double our_bpf_ns = Of(results, Mode::kExporter,
                               [](const Window& w) { return w.kernel_ns.at(Workload::kEagain); });
  const Mode attached[] = {Mode::kExporter, Mode::kBpftrace, Mode::kEmpty, Mode::kExporterProbeRead,
                           Mode::kExporterBpfStats};
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
    for (Mode mode : attached) {
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
    auto bought = [&](Mode before) {
      return Between(results, before, Mode::kExporter,
                     [&](const Window& w, const Window& now) { return ns(w) - ns(now); });
    };
    table.Add({"2. " + name + ", the exporter as shipped against it before each change",
               "its probe-read build " + Signed(bought(Mode::kExporterProbeRead)) +
                   " / with bpf_stats on " + Signed(bought(Mode::kExporterBpfStats)),
               "", "",
               "CPU per call of that mode minus the exporter's, median of the per-round "
               "differences; bpf_stats on makes the kernel read the clock around every BPF "
               "program run on the host"});

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
    if (workload == Workload::kRoundTrip) {
      const double share = ratio(Mode::kExporter) - 1;
      table.AddChecked("2. " + name + ", exporter's overhead ÷ the call with nothing attached",
                       Percent(share), "≤ " + Percent(kMaxRoundTripOverhead),
                       share <= kMaxRoundTripOverhead,
                       "exporter ÷ none − 1 within each round, median; bpftrace's: " +
                           Percent(ratio(Mode::kBpftrace) - 1) +
                           ", empty programs': " + Percent(ratio(Mode::kEmpty) - 1));
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
  auto before = [](int cpus) { return 16384.0 * 408 * cpus + 3 * 1024 * 8.0 * cpus; };
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
    const std::string figure =
        "3. kernel memory, default config, " + std::to_string(cpus) + " CPUs (projected)";
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
