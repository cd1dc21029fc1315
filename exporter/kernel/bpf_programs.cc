#include "kernel/bpf_programs.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <stdexcept>

#include "accept4.skel.h"
#include "accept4_probe_read.skel.h"
#include "kernel/bpf_error.h"
#include "kernel/fentry_probe.h"
#include "kernel/io_uring_hooks.h"
#include "kernel/listener_reads.h"
#include "kernel/monotonic_clock.h"
#include "kernel/tracefs.h"

namespace accept4_exporter {

struct BpfPrograms::Loaded {
  accept4_bpf* skeleton = nullptr;
  std::vector<bpf_link*> links;
  // The programs behind `links`.
  std::vector<const bpf_program*> attached;

  // Detaches in the reverse order of attaching, the optional groups first.
  // A kernel may put a link's program only after an RCU grace period: on
  // 6.18 the io_uring (tp_btf) programs, detached last, were often still
  // loaded when the exporter had exited; detached first, they are gone.
  ~Loaded() {
    for (auto link = links.rbegin(); link != links.rend(); ++link) bpf_link__destroy(*link);
    if (skeleton) accept4_bpf__destroy(skeleton);
  }
};

namespace {

constexpr const char* kKernelBtf = "/sys/kernel/btf/vmlinux";

// The syscall entry points that fentry hooks, named per architecture.
#if defined(__x86_64__)
constexpr const char* kSyscallPrefix = "__x64_sys_";
#elif defined(__aarch64__)
constexpr const char* kSyscallPrefix = "__arm64_sys_";
#else
#error "unsupported architecture: add its syscall wrapper prefix"
#endif

std::string SyscallFunction(const char* syscall) { return std::string(kSyscallPrefix) + syscall; }

// libbpf's own messages (verifier logs among them) go to the debug log, so a
// failure prints one clear line unless --log.level=debug asks for details.
int LogLibbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG && !spdlog::should_log(spdlog::level::trace)) return 0;
  char line[1024];
  int length = std::vsnprintf(line, sizeof(line), format, args);
  while (length > 0 && static_cast<size_t>(length) < sizeof(line) && line[length - 1] == '\n') {
    line[--length] = '\0';
  }
  spdlog::debug("libbpf: {}", line);
  return 0;
}

// Programs attached as a whole or not at all. Each attached group is one
// accept4_exporter_attach_info series.
struct HookGroup {
  const char* hook;  // the series' hook label
  const char* mode;  // its mode label
  // Said when an optional group cannot be attached; the others still
  // count. Null for a required group, whose failure ends the start.
  const char* lost_when_refused;
  std::vector<bpf_program*> programs;
};

// The groups to attach: the accept syscalls, hooked with fentry/fexit or
// with the syscall tracepoints; the exits of watched processes, which the
// reaper needs; and, when asked, the io_uring accepts.
std::vector<HookGroup> HookGroupsFor(const accept4_bpf& skeleton, bool fentry, bool io_uring) {
  const auto& p = skeleton.progs;
  std::vector<HookGroup> groups;
  if (fentry) {
    groups.push_back({"accept",
                      "fentry",
                      nullptr,
                      {p.handle_fentry_accept4, p.handle_fexit_accept4, p.handle_fentry_accept,
                       p.handle_fexit_accept}});
  } else {
    groups.push_back({"accept",
                      "tracepoint",
                      nullptr,
                      {p.handle_enter_accept4, p.handle_exit_accept4, p.handle_enter_accept,
                       p.handle_exit_accept}});
  }
  groups.push_back({"process_exit", "tracepoint", nullptr, {p.handle_process_exit}});
  if (io_uring) {
    groups.push_back({"io_uring",
                      "tp_btf",
                      "io_uring accepts are not counted",
                      {p.handle_io_uring_submit, p.handle_io_uring_complete}});
  }
  return groups;
}

// Loads the programs of `groups` and no other.
void LoadOnly(bpf_object* object, const std::vector<HookGroup>& groups) {
  bpf_program* program;
  bpf_object__for_each_program(program, object) bpf_program__set_autoload(program, false);
  for (const HookGroup& group : groups) {
    for (bpf_program* grouped : group.programs) bpf_program__set_autoload(grouped, true);
  }
}

// The fentry programs are written against x86_64's syscall wrappers; this
// names the running architecture's.
void NameFentryTargets(const accept4_bpf& skeleton) {
  const auto& p = skeleton.progs;
  const std::pair<bpf_program*, const char*> targets[] = {
      {p.handle_fentry_accept4, "accept4"},
      {p.handle_fexit_accept4, "accept4"},
      {p.handle_fentry_accept, "accept"},
      {p.handle_fexit_accept, "accept"},
  };
  for (const auto& [program, syscall] : targets) {
    const std::string function = SyscallFunction(syscall);
    if (int err = bpf_program__set_attach_target(program, 0, function.c_str()); err != 0) {
      throw std::runtime_error("fentry target " + function + ": " + BpfErrorText(err));
    }
  }
}

// Whether the accept syscalls are hooked with fentry/fexit: when asked, or
// for auto where the kernel takes both on both syscalls. `refused`: why auto
// falls back to tracepoints.
bool UseFentry(AttachMode mode, std::string& refused) {
  if (mode == AttachMode::kTracepoint) return false;
  for (const char* syscall : {"accept4", "accept"}) {
    std::string reason = FentryUnavailableReason(SyscallFunction(syscall));
    if (reason.empty()) continue;
    if (mode == AttachMode::kFentry) {
      throw std::runtime_error("attach_mode fentry refused by the kernel: " + reason);
    }
    refused = std::move(reason);
    return false;
  }
  return true;
}

// Opens the build of bpf/accept4.bpf.c that `reads` names. Both builds have
// the same maps, programs and rodata, which a skeleton binds by name, so
// accept4_bpf's skeleton opens either one's ELF.
accept4_bpf* OpenCountingObject(ListenerReads reads) {
  auto* skeleton = static_cast<accept4_bpf*>(calloc(1, sizeof(accept4_bpf)));
  if (!skeleton) {
    errno = ENOMEM;
    return nullptr;
  }
  if (accept4_bpf__create_skeleton(skeleton) != 0) {
    const int err = errno;
    accept4_bpf__destroy(skeleton);
    errno = err;
    return nullptr;
  }
  if (reads == ListenerReads::kProbeRead) {
    skeleton->skeleton->data =
        const_cast<void*>(accept4_probe_read_bpf__elf_bytes(&skeleton->skeleton->data_sz));
  }
  if (int err = bpf_object__open_skeleton(skeleton->skeleton, nullptr); err != 0) {
    accept4_bpf__destroy(skeleton);
    errno = -err;
    return nullptr;
  }
  return skeleton;
}

// Sets what the config decides: rodata and map sizes.
void Configure(accept4_bpf& skeleton, const ProgramOptions& options, bool io_uring) {
  skeleton.rodata->with_pid = options.with_pid;
  skeleton.rodata->with_port = options.with_port;
  skeleton.rodata->with_cgroup = options.with_cgroup;
  skeleton.rodata->max_series_per_uid = options.max_series_per_uid;
  skeleton.rodata->filter_tgids = !options.pids.empty();
  skeleton.rodata->filter_cgroups = !options.cgroup_path_prefixes.empty();
  const auto& maps = skeleton.maps;
  // nothing when the io_uring hooks are off
  const uint32_t io_uring_requests = io_uring ? ACCEPT4_MAX_IO_URING_REQUESTS : 1;
  const struct {
    bpf_map* map;
    uint32_t entries;
  } sizes[] = {
      {maps.stats, options.max_series},
      // each process with series has one at least; without the pid label, none
      {maps.processes, options.with_pid ? options.max_series : 1},
      {maps.uid_series, options.max_series_per_uid ? uint32_t{ACCEPT4_MAX_UIDS} : 1u},
      {maps.uid_series_deleted, options.max_series_per_uid ? uint32_t{ACCEPT4_MAX_UIDS} : 1u},
      {maps.tgid_filter, std::max<uint32_t>(1, options.pids.size())},
      {maps.cgroup_filter, options.cgroup_path_prefixes.empty() ? 1 : options.max_filtered_cgroups},
      {maps.io_uring_requests, io_uring_requests},
      {maps.io_uring_multishot, io_uring_requests},
  };
  for (const auto& [map, entries] : sizes) {
    if (int err = bpf_map__set_max_entries(map, entries); err != 0) {
      throw std::runtime_error(std::string("sizing BPF map ") + bpf_map__name(map) + ": " +
                               BpfErrorText(err));
    }
  }
}

void FillPidFilter(bpf_map* filter, const std::vector<uint32_t>& pids) {
  const uint8_t wanted = 1;
  for (uint32_t pid : pids) {
    if (bpf_map__update_elem(filter, &pid, sizeof(pid), &wanted, sizeof(wanted), BPF_ANY) != 0) {
      throw std::runtime_error("filling the pid filter map: " + BpfErrorText(errno));
    }
  }
}

// Attaches every program of `group`; on failure detaches those it attached
// and returns why.
std::string AttachGroup(BpfPrograms::Loaded& loaded, const HookGroup& group) {
  const size_t before = loaded.links.size();
  for (bpf_program* program : group.programs) {
    bpf_link* link = bpf_program__attach(program);
    if (!link) {
      const std::string why = std::string("attaching ") + group.mode + " program " +
                              bpf_program__name(program) + " (" +
                              bpf_program__section_name(program) + "): " + BpfErrorText(errno);
      std::for_each(loaded.links.begin() + before, loaded.links.end(), bpf_link__destroy);
      loaded.links.resize(before);
      loaded.attached.resize(before);
      return why;
    }
    loaded.links.push_back(link);
    loaded.attached.push_back(program);
  }
  return "";
}

}  // namespace

BpfPrograms::BpfPrograms(const ProgramOptions& options) : options_(options) {
  libbpf_set_print(LogLibbpf);
  if (access(kKernelBtf, R_OK) != 0) {
    throw std::runtime_error(std::string("kernel BTF ") + kKernelBtf + " is not readable (" +
                             strerror(errno) +
                             "): this kernel needs CONFIG_DEBUG_INFO_BTF=y for the CO-RE programs");
  }
  // A kernel without the io_uring tracepoints as the programs read them
  // still counts the syscalls; said once, here.
  bool io_uring = options.io_uring;
  if (io_uring) {
    if (const std::string reason = IoUringHooksUnavailableReason(); !reason.empty()) {
      spdlog::info("io_uring accepts are not counted: {}", reason);
      io_uring = false;
    }
  }
  std::string fentry_refused;
  const bool fentry = UseFentry(options.attach_mode, fentry_refused);

  loaded_ = std::make_unique<Loaded>();
  loaded_->skeleton = OpenCountingObject(ChooseListenerReads());
  if (!loaded_->skeleton) {
    throw std::runtime_error("opening the BPF object: " + BpfErrorText(errno));
  }
  accept4_bpf& skeleton = *loaded_->skeleton;
  Configure(skeleton, options, io_uring);
  const std::vector<HookGroup> groups = HookGroupsFor(skeleton, fentry, io_uring);
  LoadOnly(skeleton.obj, groups);
  if (fentry) NameFentryTargets(skeleton);
  if (int err = accept4_bpf__load(&skeleton); err != 0) {
    throw std::runtime_error(std::string("loading ") + groups.front().mode +
                             " BPF programs: " + BpfErrorText(err));
  }
  FillPidFilter(skeleton.maps.tgid_filter, options.pids);
  // Tracepoints (the process-exit hook in every mode) are found through
  // tracefs; checked after the load so that missing privileges are
  // reported as such first.
  EnsureTracefsMounted();
  for (const HookGroup& group : groups) {
    const std::string refused = AttachGroup(*loaded_, group);
    if (refused.empty()) {
      attached_hooks_.emplace_back(group.hook, group.mode);
      continue;
    }
    if (!group.lost_when_refused) throw std::runtime_error(refused);
    spdlog::warn("{}: {}", group.lost_when_refused, refused);
  }
  attach_mode_ = groups.front().mode;
  io_uring_attached_ =
      std::any_of(attached_hooks_.begin(), attached_hooks_.end(),
                  [](const AttachedHook& hook) { return hook.first == "io_uring"; });
  // Said once everything required is attached, so a failure still ends in
  // one line.
  if (!fentry_refused.empty()) {
    spdlog::info("fentry/fexit not available, fell back to tracepoints: {}", fentry_refused);
  }
  attached_ns_ = MonotonicNs();
}

BpfPrograms::~BpfPrograms() {
  loaded_.reset();
  spdlog::debug("BPF programs detached and freed");
}

bpf_object* BpfPrograms::object() const { return loaded_->skeleton->obj; }

std::vector<ProgramFd> BpfPrograms::program_fds() const {
  std::vector<ProgramFd> programs;
  for (const bpf_program* program : loaded_->attached) {
    programs.push_back({bpf_program__name(program), bpf_program__fd(program)});
  }
  return programs;
}

int BpfPrograms::stats_fd() const { return bpf_map__fd(loaded_->skeleton->maps.stats); }
int BpfPrograms::overflow_fd() const { return bpf_map__fd(loaded_->skeleton->maps.overflow); }
int BpfPrograms::processes_fd() const { return bpf_map__fd(loaded_->skeleton->maps.processes); }
int BpfPrograms::uid_series_deleted_fd() const {
  return bpf_map__fd(loaded_->skeleton->maps.uid_series_deleted);
}

std::vector<std::pair<std::string, int>> BpfPrograms::map_fds() const {
  std::vector<std::pair<std::string, int>> maps;
  bpf_map* map;
  bpf_object__for_each_map(map, loaded_->skeleton->obj) {
    if (bpf_map__fd(map) >= 0) maps.emplace_back(bpf_map__name(map), bpf_map__fd(map));
  }
  return maps;
}
int BpfPrograms::cgroup_filter_fd() const {
  return bpf_map__fd(loaded_->skeleton->maps.cgroup_filter);
}
int BpfPrograms::io_uring_requests_fd() const {
  return bpf_map__fd(loaded_->skeleton->maps.io_uring_requests);
}
uint32_t BpfPrograms::stats_capacity() const {
  return bpf_map__max_entries(loaded_->skeleton->maps.stats);
}

}  // namespace accept4_exporter
