// Loads the accept4 BPF programs (bpf/accept4.bpf.c), attaches them and
// owns them: destroying the object detaches and frees every program, link
// and map.
//
// The object holds every hook the exporter may use, each attach mode's; only
// the programs to be attached are loaded (bpf_program__set_autoload).
// attach_mode auto asks the kernel first whether it takes fentry on the
// accept syscalls (kernel/fentry_probe.h), and loads the tracepoint
// programs where it does not. Programs are attached in groups, one group
// after the other: a required group that fails ends the start, an optional
// one (io_uring) is left out with one line in the log and the others count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "kernel/bpf_types.h"

struct bpf_object;

namespace accept4_exporter {

// One loaded BPF program: its full name in the object (the kernel's own
// name is cut at 15 characters, which makes handle_enter_accept4 and
// handle_enter_accept both "handle_enter_ac") and its fd, owned by
// BpfPrograms.
struct ProgramFd {
  std::string name;
  int fd = -1;
};

struct ProgramOptions {
  bool with_pid = true;
  bool with_port = false;
  bool with_cgroup = false;
  uint32_t max_series = ACCEPT4_DEFAULT_MAX_SERIES;
  // 0: no per-uid share
  uint32_t max_series_per_uid = 0;
  // Count only these processes (by tgid); empty: all.
  std::vector<uint32_t> pids;
  // Count only tasks in cgroups under these cgroup v2 paths; empty: all.
  std::vector<std::string> cgroup_path_prefixes;
  uint32_t max_filtered_cgroups = 65536;
  AttachMode attach_mode = AttachMode::kAuto;
  // Count IORING_OP_ACCEPT too (hooks.io_uring), where the kernel allows.
  bool io_uring = true;

  bool operator==(const ProgramOptions&) const = default;
};

class BpfPrograms {
 public:
  // {hook, how it is hooked} of one attached group of programs, e.g.
  // {"accept", "tracepoint"}: one accept4_exporter_attach_info series.
  using AttachedHook = std::pair<std::string, std::string>;

  // Throws std::runtime_error with one line of context when BPF is not
  // usable here (no BTF, no privileges, no tracefs, verifier refusal, a
  // required group of hooks refused, or fentry refused when attach_mode is
  // fentry).
  explicit BpfPrograms(const ProgramOptions& options);
  ~BpfPrograms();

  BpfPrograms(const BpfPrograms&) = delete;
  BpfPrograms& operator=(const BpfPrograms&) = delete;

  const ProgramOptions& options() const { return options_; }
  int stats_fd() const;
  int overflow_fd() const;
  int processes_fd() const;
  int uid_series_deleted_fd() const;
  int cgroup_filter_fd() const;
  uint32_t stats_capacity() const;
  // CLOCK_MONOTONIC ns once every program was attached: a call with no
  // enter record began before it.
  uint64_t attached_ns() const { return attached_ns_; }
  // How the accept syscalls are hooked: "fentry" or "tracepoint".
  const std::string& attach_mode() const { return attach_mode_; }
  // Whether the io_uring accept hooks are attached (bpf/io_uring.bpf.h).
  bool io_uring_attached() const { return io_uring_attached_; }
  // Each attached group, in the order attached: {"accept", attach_mode()},
  // {"process_exit", "tracepoint"} and, when attached, {"io_uring", "tp_btf"}.
  const std::vector<AttachedHook>& attached_hooks() const { return attached_hooks_; }
  // io_uring accepts between submission and final completion, keyed by
  // request (struct accept4_io_uring_request): accepts in progress, armed
  // multishot ones included.
  int io_uring_requests_fd() const;
  // The loaded object, whose maps the task iterator shares.
  bpf_object* object() const;
  // {name, fd} of every map the programs use, valid while this object lives.
  std::vector<std::pair<std::string, int>> map_fds() const;
  // Every attached program, valid while this object lives.
  std::vector<ProgramFd> program_fds() const;

  // What a loaded and attached object needs to be freed; defined in the .cc.
  struct Loaded;

 private:
  ProgramOptions options_;
  std::string attach_mode_;
  bool io_uring_attached_ = false;
  std::vector<AttachedHook> attached_hooks_;
  std::unique_ptr<Loaded> loaded_;
  uint64_t attached_ns_ = 0;
};

}  // namespace accept4_exporter
