#include "pieces_bench.h"

#include <errno.h>
#include <string.h>

#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>

#include "median.h"
#include "pieces.skel.h"
#include "program_stats.h"

namespace accept4_bench {
namespace {

struct SkeletonDeleter {
  void operator()(pieces_bpf* skeleton) const { pieces_bpf__destroy(skeleton); }
};

constexpr const char* kPrefix = "piece_";
// pieces on sys_exit_accept4, measured against the empty program there
constexpr const char* kExitPrefix = "exit_";

}  // namespace

PiecesResult RunPiecesBench(SyscallLoops& loops, uint64_t calls_per_repeat, int repeats) {
  std::cerr << "pieces: " << repeats << " repeats\n";
  std::unique_ptr<pieces_bpf, SkeletonDeleter> skeleton(pieces_bpf__open_and_load());
  if (!skeleton) {
    throw std::runtime_error(std::string("loading bench/pieces.bpf.c (needs Linux 6.2 or later ") +
                             "for bpf_rdonly_cast): " + strerror(errno));
  }
  skeleton->data->listener_fd = loops.eagain_fd();
  std::vector<bpf_program*> programs;
  bpf_program* program;
  bpf_object__for_each_program(program, skeleton->obj) programs.push_back(program);

  // One piece attached at a time: with all of them on the tracepoint at
  // once, the first to touch a kernel object after the syscall's entry
  // pays its cache and TLB misses and the later ones get it for free, so
  // the order of the programs, not their work, would decide the figures.
  std::map<std::string, std::vector<double>> samples;
  for (int i = 0; i < repeats; ++i) {
    for (size_t j = 0; j < programs.size(); ++j) {
      bpf_program* piece = programs[(i + j) % programs.size()];
      std::unique_ptr<bpf_link, decltype(&bpf_link__destroy)> link(bpf_program__attach(piece),
                                                                   bpf_link__destroy);
      if (!link) {
        throw std::runtime_error(std::string("attaching ") + bpf_program__name(piece) + ": " +
                                 strerror(errno));
      }
      RunTimeStats stats;
      const std::vector<uint32_t> ids = {ProgramIdOf(bpf_program__fd(piece))};
      const std::vector<ProgramRuns> before = ReadProgramRuns(ids);
      loops.NsPerCall(Workload::kEagain, calls_per_repeat);
      const std::vector<ProgramRuns> after = ReadProgramRuns(ids);
      samples[after.at(0).name].push_back(NsPerRun(before, after, {}));
    }
  }

  PiecesResult result;
  result.repeats = repeats;
  result.empty_ns = Median(samples[std::string(kPrefix) + "empty"]);
  result.exit_empty_ns = Median(samples[std::string(kPrefix) + kExitPrefix + "empty"]);
  for (const auto& [name, values] : samples) {
    const std::string piece = name.substr(strlen(kPrefix));
    if (piece == "empty" || piece == std::string(kExitPrefix) + "empty") continue;
    const bool on_exit = piece.rfind(kExitPrefix, 0) == 0;
    result.pieces.push_back(
        {piece, Median(values) - (on_exit ? result.exit_empty_ns : result.empty_ns), values});
  }
  return result;
}

}  // namespace accept4_bench
