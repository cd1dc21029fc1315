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

struct bpf_map;

namespace accept4_exporter {

class InflightReader {
 public:
  // Loads and attaches the iterator on `programs`' maps. Throws
  // std::runtime_error with one line of context when the kernel refuses.
  explicit InflightReader(const BpfPrograms& programs);
  ~InflightReader();

  InflightReader(const InflightReader&) = delete;
  InflightReader& operator=(const InflightReader&) = delete;

  // One walk over every thread of the host, and the io_uring accepts
  // submitted and not yet finally completed (armed multishot ones
  // included). Throws std::system_error naming the failed step.
  InflightSnapshot Read();

  // What a loaded and attached iterator needs to be freed; defined in the .cc.
  struct Loaded;

 private:
  // Appends the io_uring accepts in progress, from the counting programs'
  // io_uring_requests map.
  void ReadIoUringRequests(std::vector<accept4_inflight_call>& calls) const;

  std::unique_ptr<Loaded> loaded_;
  uint64_t attached_ns_;
  int io_uring_requests_fd_;
  const bpf_map* io_uring_requests_map_;
  // Reused between reads so a pass allocates nothing once warm.
  std::vector<char> buffer_;
};

}  // namespace accept4_exporter
