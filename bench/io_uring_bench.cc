#include "io_uring_bench.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "accept_calls.h"
#include "attachments.h"
#include "child_guard.h"
#include "exporter_process.h"
#include "io_uring_calls.h"
#include "median.h"
#include "program_stats.h"
#include "syscall_loops.h"

namespace accept4_bench {
namespace {

// Requests per timed batch: a few milliseconds each on this machine.
constexpr uint64_t kNopsPerBatch = 8192;
constexpr uint64_t kAcceptsPerBatch = 256;
// NOPs go in groups, as a busy ring submits them: one io_uring_enter per
// group, so the syscall's own cost is shared and the per-request hooks show.
constexpr unsigned kNopGroup = 32;

constexpr const char* kSubmitProgram = "handle_io_uring_submit";
constexpr const char* kCompleteProgram = "handle_io_uring_complete";
constexpr const char* kEmptySubmitProgram = "empty_io_uring_submit";
constexpr const char* kEmptyCompleteProgram = "empty_io_uring_complete";

const char* ModeName(IoUringMode mode) {
  switch (mode) {
    case IoUringMode::kNone:
      return "nothing attached";
    case IoUringMode::kHooksOff:
      return "exporter, hooks.io_uring false";
    case IoUringMode::kEmpty:
      return "empty programs";
    case IoUringMode::kHooksOn:
      return "exporter, hooks.io_uring true";
  }
  return "?";
}

class IoUringLoops {
 public:
  IoUringLoops() : ring_(2 * kNopGroup), listener_(AF_INET, /*nonblocking=*/false, 128) {}

  // This thread's CPU time per request over `requests` of `load`.
  double NsPerRequest(IoUringLoad load, uint64_t requests) {
    const double start = ThreadCpuNs();
    if (load == IoUringLoad::kNop) {
      RunNops(requests);
    } else {
      RunAccepts(requests);
    }
    return (ThreadCpuNs() - start) / static_cast<double>(requests);
  }

 private:
  void RunNops(uint64_t requests) {
    for (uint64_t done = 0; done < requests; done += kNopGroup) {
      for (unsigned i = 0; i < kNopGroup; ++i) io_uring_prep_nop(ring_.Sqe(i));
      if (io_uring_submit_and_wait(ring_.get(), kNopGroup) != static_cast<int>(kNopGroup)) {
        throw std::runtime_error("io_uring NOP submission failed");
      }
      io_uring_cq_advance(ring_.get(), kNopGroup);
    }
  }

  // A loopback connection, then its accept through the ring: the
  // connection is queued, so the accept completes at its first issue.
  void RunAccepts(uint64_t requests) {
    const linger reset = {1, 0};
    for (uint64_t i = 0; i < requests; ++i) {
      const int client = listener_.Connect();
      const int accepted = ring_.Accept(listener_.fd(), SOCK_CLOEXEC);
      if (accepted < 0) throw std::runtime_error("io_uring accept of a queued connection failed");
      // reset instead of TIME_WAIT, so the ephemeral ports never run out
      setsockopt(accepted, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
      close(accepted);
      close(client);
    }
  }

  accept4_test::Ring ring_;
  accept4_test::Listener listener_;
};

uint64_t BatchRequests(IoUringLoad load) {
  return load == IoUringLoad::kNop ? kNopsPerBatch : kAcceptsPerBatch;
}

// The real binary with one config or the other, or the empty programs.
class Attached {
 public:
  explicit Attached(IoUringMode mode) {
    if (mode == IoUringMode::kEmpty) {
      empty_ = Attach(Mode::kEmpty);
      return;
    }
    exporter_ = std::make_unique<accept4_test::ExporterProcess>(
        mode == IoUringMode::kHooksOff ? "hooks: {io_uring: false}\n" : "");
    if (!exporter_->running()) {
      throw std::runtime_error("starting accept4_exporter: " + exporter_->StderrText());
    }
    guard_ = std::make_unique<ChildGuard>(exporter_->pid());
  }
  std::vector<uint32_t> ProgramIds() const {
    return empty_ ? empty_->ProgramIds() : ProgramIdsHeldBy(exporter_->pid());
  }

 private:
  std::unique_ptr<Attachment> empty_;
  std::unique_ptr<accept4_test::ExporterProcess> exporter_;
  std::unique_ptr<ChildGuard> guard_;
};

IoUringWindow MeasureWindow(IoUringMode mode, IoUringLoops& loops, SyscallLoops& syscalls,
                            int batches) {
  const std::unique_ptr<Attached> attached =
      mode == IoUringMode::kNone ? nullptr : std::make_unique<Attached>(mode);
  IoUringWindow window;
  for (IoUringLoad load : kIoUringLoads) {
    loops.NsPerRequest(load, BatchRequests(load));  // warm-up
    std::vector<double> ns;
    for (int i = 0; i < batches; ++i) ns.push_back(loops.NsPerRequest(load, BatchRequests(load)));
    window.ns_per_request[load] = Median(ns);
  }
  if (mode != IoUringMode::kHooksOn && mode != IoUringMode::kEmpty) return window;

  RunTimeStats stats;
  const std::vector<uint32_t> ids = attached->ProgramIds();
  for (IoUringLoad load : kIoUringLoads) {
    const std::vector<ProgramRuns> before = ReadProgramRuns(ids);
    loops.NsPerRequest(load, BatchRequests(load) * static_cast<uint64_t>(batches));
    const std::vector<ProgramRuns> after = ReadProgramRuns(ids);
    for (const char* program :
         {kSubmitProgram, kCompleteProgram, kEmptySubmitProgram, kEmptyCompleteProgram}) {
      window.bpf_ns[load][program] = NsPerRun(before, after, {program});
    }
  }
  if (mode == IoUringMode::kEmpty) return window;
  const std::vector<ProgramRuns> before = ReadProgramRuns(ids);
  syscalls.NsPerCall(Workload::kRoundTrip, kAcceptsPerBatch * static_cast<uint64_t>(batches));
  window.accept4_bpf_ns = NsPerRun(before, ReadProgramRuns(ids),
                                   {"handle_enter_accept4", "handle_exit_accept4",
                                    "handle_fentry_accept4", "handle_fexit_accept4"});
  return window;
}

std::string Ns(double ns) { return std::isnan(ns) ? "n/a" : Fixed(ns, 0) + " ns"; }
std::string Signed(double ns) { return (ns >= 0 ? "+" : "") + Ns(ns); }

// Median over rounds of f(window of `mode`, window of `base`) in the same round.
double PerRound(const IoUringBenchResult& result, IoUringMode mode, IoUringMode base,
                const std::function<double(const IoUringWindow&, const IoUringWindow&)>& f) {
  std::vector<double> values;
  for (int round = 0; round < result.rounds; ++round) {
    const double value = f(result.windows.at(mode)[round], result.windows.at(base)[round]);
    if (!std::isnan(value)) values.push_back(value);
  }
  return Median(values);
}

}  // namespace

IoUringBenchResult RunIoUringBench(int rounds, int batches) {
  if (const std::string reason = accept4_test::IoUringUnavailableReason(); !reason.empty()) {
    throw std::runtime_error("io_uring part: " + reason);
  }
  IoUringLoops loops;
  SyscallLoops syscalls;
  IoUringBenchResult result;
  result.rounds = rounds;
  constexpr size_t kModeCount = std::size(kIoUringModes);
  for (int round = 0; round < rounds; ++round) {
    // each round starts with another mode
    for (size_t i = 0; i < kModeCount; ++i) {
      const IoUringMode mode = kIoUringModes[(i + round) % kModeCount];
      IoUringWindow window = MeasureWindow(mode, loops, syscalls, batches);
      std::cerr << "io_uring: round " << round + 1 << "/" << rounds << ", " << ModeName(mode)
                << ": NOP " << Ns(window.ns_per_request[IoUringLoad::kNop]) << ", accept "
                << Ns(window.ns_per_request[IoUringLoad::kAccept]) << "\n";
      result.windows[mode].push_back(std::move(window));
    }
  }
  return result;
}

void AddIoUringRows(const IoUringBenchResult& result, Table& table) {
  const std::string rounds = std::to_string(result.rounds) + " alternating rounds";
  for (IoUringLoad load : kIoUringLoads) {
    const bool nop = load == IoUringLoad::kNop;
    auto cpu = [&](IoUringMode mode) {
      return PerRound(result, mode, mode, [&](const IoUringWindow& w, const IoUringWindow&) {
        return w.ns_per_request.at(load);
      });
    };
    auto added = [&](IoUringMode mode) {
      return PerRound(result, mode, IoUringMode::kHooksOff,
                      [&](const IoUringWindow& with, const IoUringWindow& off) {
                        return with.ns_per_request.at(load) - off.ns_per_request.at(load);
                      });
    };
    auto bpf = [&](const char* program, IoUringMode mode = IoUringMode::kHooksOn) {
      return PerRound(result, mode, mode, [&](const IoUringWindow& w, const IoUringWindow&) {
        return w.bpf_ns.at(load).at(program);
      });
    };
    const std::string what = nop ? "io_uring NOP request (not an accept)"
                                 : "io_uring accept (loopback connect + accept + close)";
    table.Add({"5. CPU per " + what,
               "nothing " + Ns(cpu(IoUringMode::kNone)) + " / exporter without io_uring hooks " +
                   Ns(cpu(IoUringMode::kHooksOff)) + " / with " + Ns(cpu(IoUringMode::kHooksOn)) +
                   " / empty programs " + Ns(cpu(IoUringMode::kEmpty)) +
                   "; over the exporter without them: io_uring hooks " +
                   Signed(added(IoUringMode::kHooksOn)) + ", empty programs " +
                   Signed(added(IoUringMode::kEmpty)),
               "", "",
               std::string("this thread's CPU time, median of batches per window, ") +
                   (nop ? "NOPs submitted 32 per io_uring_enter; " : "") +
                   "differences within each round, median of " + rounds +
                   "; empty programs also sit on the syscall tracepoints, as the exporter does"});
    const std::string beside =
        nop ? ""
            : "; accept4 syscall's enter + exit in the same windows " +
                  Ns(PerRound(result, IoUringMode::kHooksOn, IoUringMode::kHooksOn,
                              [](const IoUringWindow& w, const IoUringWindow&) {
                                return w.accept4_bpf_ns;
                              }));
    table.Add({"5. io_uring hooks' BPF run time per " + what,
               "submit " + Ns(bpf(kSubmitProgram)) + " + complete " + Ns(bpf(kCompleteProgram)) +
                   " / empty programs " + Ns(bpf(kEmptySubmitProgram, IoUringMode::kEmpty)) +
                   " + " + Ns(bpf(kEmptyCompleteProgram, IoUringMode::kEmpty)) + beside,
               "", "",
               std::string("kernel's run_time_ns/run_cnt (BPF_ENABLE_STATS); ") +
                   (nop ? "both return after the opcode check" : "the whole accept path") +
                   ", median of " + rounds});
  }
}

}  // namespace accept4_bench
