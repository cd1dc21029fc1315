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

}  // namespace

PiecesResult RunPiecesBench(SyscallLoops& loops, uint64_t calls_per_repeat, int repeats) {
  std::cerr << "pieces: " << repeats << " repeats\n";
  std::unique_ptr<pieces_bpf, SkeletonDeleter> skeleton(pieces_bpf__open_and_load());
  if (!skeleton) {
    throw std::runtime_error(std::string("loading bench/pieces.bpf.c (needs Linux 6.2 or later ") +
                             "for bpf_rdonly_cast): " + strerror(errno));
  }
  if (int err = pieces_bpf__attach(skeleton.get()); err != 0) {
    throw std::runtime_error(std::string("attaching bench/pieces.bpf.c: ") + strerror(-err));
  }
  std::vector<uint32_t> ids;
  bpf_program* program;
  bpf_object__for_each_program(program, skeleton->obj) {
    ids.push_back(ProgramIdOf(bpf_program__fd(program)));
  }

  std::map<std::string, std::vector<double>> samples;
  for (int i = 0; i < repeats; ++i) {
    RunTimeStats stats;
    const std::vector<ProgramRuns> before = ReadProgramRuns(ids);
    loops.NsPerCall(Workload::kEagain, calls_per_repeat);
    const std::vector<ProgramRuns> after = ReadProgramRuns(ids);
    for (const ProgramRuns& run : after) {
      samples[run.name].push_back(NsPerRun(before, after, {run.name}));
    }
  }

  PiecesResult result;
  result.repeats = repeats;
  result.empty_ns = Median(samples[std::string(kPrefix) + "empty"]);
  for (const auto& [name, values] : samples) {
    if (name == std::string(kPrefix) + "empty") continue;
    result.pieces.push_back({name.substr(strlen(kPrefix)), Median(values) - result.empty_ns});
  }
  return result;
}

}  // namespace accept4_bench
