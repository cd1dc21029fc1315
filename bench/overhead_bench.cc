#include "overhead_bench.h"

#include <cmath>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include "median.h"
#include "program_stats.h"

namespace accept4_bench {
namespace {

// Programs are attached once their loader says so, but the tracepoint may
// take a moment longer to run them; measuring before that would time
// nothing. Waits until every accept4 program of `mode` has run on our call;
// false if they did not within 10 s (bpftrace, now and then, under load).
bool WaitUntilFiring(const Attachment& attachment, Mode mode, SyscallLoops& loops) {
  RunTimeStats stats;
  const std::vector<uint32_t> ids = attachment.ProgramIds();
  const std::vector<ProgramRuns> before = ReadProgramRuns(ids);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    loops.NsPerCall(Workload::kEagain, 1);
    if (!std::isnan(NsPerRun(before, ReadProgramRuns(ids), Accept4ProgramNames(mode)))) {
      return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Other engineers' tests load exporters of their own on this machine, and
// their programs on accept4 run in every window, "nothing attached" too.
// Waits up to `patience` for them to go; false if they are still there.
bool WaitForQuietMachine(std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  bool said = false;
  for (;;) {
    const std::vector<uint32_t> foreign = ForeignTracingPrograms({});
    if (foreign.empty()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (!said) {
      std::cerr << "overhead: waiting up to " << patience.count() << " s for " << foreign.size()
                << " tracing programs of someone else to go\n";
      said = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Someone else's tracing programs, besides the attachment's own.
std::vector<uint32_t> Foreign(const Attachment* attachment) {
  return ForeignTracingPrograms(attachment ? attachment->ProgramIds() : std::vector<uint32_t>{});
}

// A round is side by side as long as the same foreign programs (usually
// none) run in all its windows: they add the same to every mode, which the
// differences to "nothing attached" cancel. `foreign` is the round's set.
Window MeasureWindow(Mode mode, SyscallLoops& loops, const OverheadResults& setup,
                     const std::vector<uint32_t>& foreign) {
  const OverheadOptions& options = setup.options;
  std::unique_ptr<Attachment> attachment = Attach(mode);
  Window window;
  if (attachment && !WaitUntilFiring(*attachment, mode, loops)) {
    window.silent = true;
    return window;
  }

  window.disturbed = Foreign(attachment.get()) != foreign;
  for (Workload workload : kWorkloads) {
    std::vector<double> batches;
    for (int i = 0; i < options.batches; ++i) {
      batches.push_back(loops.NsPerCall(workload, setup.batch_calls.at(workload)));
    }
    window.ns_per_call[workload] = Median(batches);
  }
  if (!attachment) {
    window.disturbed |= Foreign(nullptr) != foreign;
    return window;
  }

  RunTimeStats stats;
  const std::vector<uint32_t> ids = attachment->ProgramIds();
  const std::vector<std::string> names = Accept4ProgramNames(mode);
  for (Workload workload : {Workload::kEagain, Workload::kRoundTrip}) {
    const std::vector<ProgramRuns> before = ReadProgramRuns(ids);
    loops.NsPerCall(workload, setup.batch_calls.at(workload) * options.kernel_batches);
    const std::vector<ProgramRuns> after = ReadProgramRuns(ids);
    window.kernel_ns[workload] = NsPerRun(before, after, names);
    for (const std::string& name : names) {
      window.kernel_ns_by_program[workload][name] = NsPerRun(before, after, {name});
    }
  }
  window.disturbed |= Foreign(attachment.get()) != foreign;
  return window;
}

// One line of progress, so that a disturbed figure can be traced to its window.
std::string Describe(const Window& window) {
  if (window.silent) return "its programs did not run on accept4 within 10 s";
  std::string text;
  for (const auto& [workload, ns] : window.ns_per_call) {
    text += std::string(WorkloadName(workload)) + " " + std::to_string(std::lround(ns)) + " ns; ";
  }
  for (const auto& [workload, ns] : window.kernel_ns) {
    text += "BPF under " + std::string(WorkloadName(workload)) + " " +
            std::to_string(std::lround(ns)) + " ns; ";
  }
  if (window.disturbed) text += "DISTURBED";
  return text;
}

}  // namespace

OverheadResults RunOverheadRounds(const OverheadOptions& options, SyscallLoops& loops) {
  OverheadResults results;
  results.options = options;
  results.stats_sysctl_on = StatsSysctlEnabled();
  for (Workload workload : kWorkloads) {
    results.batch_calls[workload] = loops.Calibrate(workload, options.batch);
  }

  constexpr size_t kModeCount = std::size(kModes);
  // Better without anyone else's programs; with them, measure anyway.
  WaitForQuietMachine(std::chrono::seconds(30));
  const int max_attempts = 2 * options.rounds;
  for (int attempt = 0, round = 0; round < options.rounds; ++attempt) {
    const std::vector<uint32_t> foreign = Foreign(nullptr);
    std::map<Mode, Window> measured;
    bool disturbed = false;
    bool silent = false;
    // Each round starts with another mode, so that no mode always runs
    // first (or always right after the exporter's start-up).
    for (size_t i = 0; i < kModeCount; ++i) {
      const Mode mode = kModes[(i + attempt) % kModeCount];
      Window window = MeasureWindow(mode, loops, results, foreign);
      std::cerr << "overhead: round " << round + 1 << "/" << options.rounds << ", "
                << ModeName(mode) << ": " << Describe(window) << "\n";
      disturbed |= window.disturbed;
      silent |= window.silent;
      measured[mode] = std::move(window);
      // the round is run again: its other modes need not be measured
      if (silent) break;
    }
    if (silent && attempt + 1 >= max_attempts) {
      throw std::runtime_error("a mode's programs did not run on accept4 within 10 s, and " +
                               std::to_string(max_attempts) + " attempts at the rounds are spent");
    }
    if ((disturbed || silent) && attempt + 1 < max_attempts) {
      std::cerr << "overhead: "
                << (silent ? "a mode's programs never ran"
                           : "someone else's tracing programs came or went")
                << "; round again\n";
      ++results.repeated_rounds;
      continue;
    }
    results.disturbed_rounds_kept += disturbed;
    results.rounds_with_foreign_programs += !foreign.empty();
    for (auto& [mode, window] : measured) results.windows[mode].push_back(std::move(window));
    ++round;
  }
  return results;
}

}  // namespace accept4_bench
