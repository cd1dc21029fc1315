// Loads the accept4 BPF programs, attaches them and owns them: destroying
// the object detaches and frees every program, link and map.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct accept4_bpf;

namespace accept4_exporter {

struct ProgramOptions {
  bool with_pid = true;
  bool with_port = false;
  uint32_t max_series = 16384;
  uint32_t max_inflight_calls = 16384;
  uint32_t max_watched_processes = 16384;
  // Count only these processes (by tgid); empty: all.
  std::vector<uint32_t> pids;

  bool operator==(const ProgramOptions&) const = default;
};

class BpfPrograms {
 public:
  // Throws std::runtime_error with one line of context when BPF is not
  // usable here (no BTF, no privileges, no tracefs, verifier refusal).
  explicit BpfPrograms(const ProgramOptions& options);
  ~BpfPrograms();

  BpfPrograms(const BpfPrograms&) = delete;
  BpfPrograms& operator=(const BpfPrograms&) = delete;

  const ProgramOptions& options() const { return options_; }
  int stats_fd() const;
  int overflow_fd() const;
  int watched_tgids_fd() const;
  int inflight_fd() const;
  uint32_t stats_capacity() const;
  uint32_t inflight_capacity() const;
  // "tracepoint": how the syscall hooks are attached.
  const std::string& attach_mode() const { return attach_mode_; }

 private:
  struct SkeletonDeleter {
    void operator()(accept4_bpf* skeleton) const;
  };
  ProgramOptions options_;
  std::unique_ptr<accept4_bpf, SkeletonDeleter> skeleton_;
  std::string attach_mode_ = "tracepoint";
};

}  // namespace accept4_exporter
