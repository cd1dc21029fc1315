// Runs the task iterator of bpf/inflight_iter.bpf.c: which threads are
// inside accept/accept4 right now, and since when.
//
// The iterator is its own small BPF object, loaded on the counting
// programs' `inflight`, `tgid_filter` and `cgroup_filter` maps, so it sees
// the calls they record and honors the same pid and cgroup filters.
#pragma once

#include <cstdint>
#include <memory>

#include "kernel/bpf_programs.h"
#include "kernel/inflight_snapshot.h"

namespace accept4_exporter {

class InflightReader {
 public:
  // Loads and attaches the iterator on `programs`' maps. Throws
  // std::runtime_error with one line of context when the kernel refuses.
  explicit InflightReader(const BpfPrograms& programs);
  ~InflightReader();

  InflightReader(const InflightReader&) = delete;
  InflightReader& operator=(const InflightReader&) = delete;

  // One walk over every thread of the host. Throws std::system_error
  // naming the failed step.
  InflightSnapshot Read();

  // What a loaded and attached iterator needs to be freed; defined in the .cc.
  struct Loaded;

 private:
  std::unique_ptr<Loaded> loaded_;
  uint64_t attached_ns_;
  // Reused between reads so a pass allocates nothing once warm.
  std::vector<char> buffer_;
};

}  // namespace accept4_exporter
