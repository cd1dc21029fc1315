#include "kernel/bpf_programs.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <stdexcept>

#include "accept4.skel.h"
#include "accept4_fentry.skel.h"
#include "accept4_fentry_probe_read.skel.h"
#include "accept4_probe_read.skel.h"
#include "kernel/io_uring_hooks.h"
#include "kernel/listener_reads.h"
#include "kernel/monotonic_clock.h"
#include "kernel/tracefs.h"

namespace accept4_exporter {

struct BpfPrograms::Loaded {
  bpf_object* object = nullptr;
  std::function<void()> destroy_skeleton;
  std::vector<bpf_link*> links;

  ~Loaded() {
    for (bpf_link* link : links) bpf_link__destroy(link);
    if (destroy_skeleton) destroy_skeleton();
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

std::string ErrorText(int err) {
  std::string text = strerror(err < 0 ? -err : err);
  // As root, EPERM is the kernel's refusal (lockdown, no trampolines), not
  // a missing privilege.
  if ((err == -EPERM || err == -EACCES) && geteuid() != 0) {
    text += " (needs root, or CAP_BPF and CAP_PERFMON; see docs/capabilities.md)";
  }
  return text;
}

// Sets what the config decides, on either skeleton: both have the same
// rodata, maps and io_uring programs. `io_uring`: load the io_uring hooks.
template <typename Skeleton>
void Configure(Skeleton* skeleton, const ProgramOptions& options, bool io_uring) {
  bpf_program__set_autoload(skeleton->progs.handle_io_uring_submit, io_uring);
  bpf_program__set_autoload(skeleton->progs.handle_io_uring_complete, io_uring);
  skeleton->rodata->with_pid = options.with_pid;
  skeleton->rodata->with_port = options.with_port;
  skeleton->rodata->with_cgroup = options.with_cgroup;
  skeleton->rodata->filter_tgids = !options.pids.empty();
  skeleton->rodata->filter_cgroups = !options.cgroup_path_prefixes.empty();
  const struct {
    bpf_map* map;
    uint32_t entries;
  } sizes[] = {
      {skeleton->maps.stats, options.max_series},
      {skeleton->maps.watched_tgids, options.max_watched_processes},
      {skeleton->maps.tgid_filter, std::max<uint32_t>(1, options.pids.size())},
      {skeleton->maps.cgroup_filter,
       options.cgroup_path_prefixes.empty() ? 1 : options.max_filtered_cgroups},
      // the BPF-side size when the io_uring hooks run, nothing otherwise
      {skeleton->maps.io_uring_requests,
       io_uring ? bpf_map__max_entries(skeleton->maps.io_uring_requests) : 1},
      {skeleton->maps.io_uring_multishot,
       io_uring ? bpf_map__max_entries(skeleton->maps.io_uring_multishot) : 1},
  };
  for (const auto& [map, entries] : sizes) {
    if (int err = bpf_map__set_max_entries(map, entries); err != 0) {
      throw std::runtime_error(std::string("sizing BPF map ") + bpf_map__name(map) + ": " +
                               ErrorText(err));
    }
  }
}

void FillPidFilter(bpf_map* filter, const std::vector<uint32_t>& pids) {
  const uint8_t wanted = 1;
  for (uint32_t pid : pids) {
    if (bpf_map__update_elem(filter, &pid, sizeof(pid), &wanted, sizeof(wanted), BPF_ANY) != 0) {
      throw std::runtime_error("filling the pid filter map: " + ErrorText(errno));
    }
  }
}

void AttachAll(BpfPrograms::Loaded& loaded, const char* mode) {
  bpf_program* program;
  bpf_object__for_each_program(program, loaded.object) {
    if (!bpf_program__autoload(program)) continue;
    bpf_link* link = bpf_program__attach(program);
    if (!link) {
      throw std::runtime_error(std::string("attaching ") + mode + " program " +
                               bpf_program__name(program) + " (" +
                               bpf_program__section_name(program) + "): " + ErrorText(errno));
    }
    loaded.links.push_back(link);
  }
}

// Opens, configures, loads and attaches one skeleton. `prepare` runs on the
// opened skeleton before load.
template <typename Skeleton>
std::unique_ptr<BpfPrograms::Loaded> LoadSkeleton(Skeleton* (*open)(), int (*load)(Skeleton*),
                                                  void (*destroy)(Skeleton*),
                                                  const ProgramOptions& options, bool io_uring,
                                                  const char* mode,
                                                  const std::function<void(Skeleton*)>& prepare) {
  auto loaded = std::make_unique<BpfPrograms::Loaded>();
  Skeleton* skeleton = open();
  if (!skeleton) throw std::runtime_error(std::string("opening BPF object: ") + ErrorText(errno));
  loaded->object = skeleton->obj;
  loaded->destroy_skeleton = [skeleton, destroy] { destroy(skeleton); };
  Configure(skeleton, options, io_uring);
  prepare(skeleton);
  if (int err = load(skeleton); err != 0) {
    throw std::runtime_error(std::string("loading ") + mode + " BPF programs: " + ErrorText(err));
  }
  FillPidFilter(skeleton->maps.tgid_filter, options.pids);
  // Tracepoints (the process-exit hook in every mode) are found through
  // tracefs; checked after the load so that missing privileges are
  // reported as such first.
  EnsureTracefsMounted();
  AttachAll(*loaded, mode);
  return loaded;
}

// Names the running architecture's syscall entry points as fentry targets.
template <typename Skeleton>
void SetFentryTargets(Skeleton* skeleton) {
  const std::pair<bpf_program*, const char*> targets[] = {
      {skeleton->progs.handle_enter_accept4, "accept4"},
      {skeleton->progs.handle_exit_accept4, "accept4"},
      {skeleton->progs.handle_enter_accept, "accept"},
      {skeleton->progs.handle_exit_accept, "accept"},
  };
  for (const auto& [program, syscall] : targets) {
    const std::string function = std::string(kSyscallPrefix) + syscall;
    if (int err = bpf_program__set_attach_target(program, 0, function.c_str()); err != 0) {
      throw std::runtime_error("fentry target " + function + ": " + ErrorText(err));
    }
  }
}

std::unique_ptr<BpfPrograms::Loaded> LoadTracepoints(const ProgramOptions& options, bool io_uring) {
  if (ChooseListenerReads() == ListenerReads::kProbeRead) {
    return LoadSkeleton<accept4_probe_read_bpf>(
        accept4_probe_read_bpf__open, accept4_probe_read_bpf__load, accept4_probe_read_bpf__destroy,
        options, io_uring, "tracepoint", [](accept4_probe_read_bpf*) {});
  }
  return LoadSkeleton<accept4_bpf>(accept4_bpf__open, accept4_bpf__load, accept4_bpf__destroy,
                                   options, io_uring, "tracepoint", [](accept4_bpf*) {});
}

std::unique_ptr<BpfPrograms::Loaded> LoadFentry(const ProgramOptions& options, bool io_uring) {
  if (ChooseListenerReads() == ListenerReads::kProbeRead) {
    return LoadSkeleton<accept4_fentry_probe_read_bpf>(
        accept4_fentry_probe_read_bpf__open, accept4_fentry_probe_read_bpf__load,
        accept4_fentry_probe_read_bpf__destroy, options, io_uring, "fentry",
        SetFentryTargets<accept4_fentry_probe_read_bpf>);
  }
  return LoadSkeleton<accept4_fentry_bpf>(accept4_fentry_bpf__open, accept4_fentry_bpf__load,
                                          accept4_fentry_bpf__destroy, options, io_uring, "fentry",
                                          SetFentryTargets<accept4_fentry_bpf>);
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
  io_uring_attached_ = options.io_uring;
  if (options.io_uring) {
    if (const std::string reason = IoUringHooksUnavailableReason(); !reason.empty()) {
      spdlog::info("io_uring accepts are not counted: {}", reason);
      io_uring_attached_ = false;
    }
  }
  switch (options.attach_mode) {
    case AttachMode::kTracepoint:
      loaded_ = LoadTracepoints(options, io_uring_attached_);
      attach_mode_ = "tracepoint";
      break;
    case AttachMode::kFentry:
      loaded_ = LoadFentry(options, io_uring_attached_);
      attach_mode_ = "fentry";
      break;
    case AttachMode::kAuto:
      try {
        loaded_ = LoadFentry(options, io_uring_attached_);
        attach_mode_ = "fentry";
      } catch (const std::exception& e) {
        loaded_ = LoadTracepoints(options, io_uring_attached_);
        attach_mode_ = "tracepoint";
        // Said once the fallback worked, so a failure still ends in one line.
        spdlog::info("fentry/fexit not available, fell back to tracepoints: {}", e.what());
      }
      break;
  }
  attached_ns_ = MonotonicNs();
}

BpfPrograms::~BpfPrograms() {
  loaded_.reset();
  spdlog::debug("BPF programs detached and freed");
}

bpf_object* BpfPrograms::object() const { return loaded_->object; }

std::vector<std::pair<std::string, std::string>> BpfPrograms::attached_hooks() const {
  std::vector<std::pair<std::string, std::string>> hooks = {{"accept", attach_mode_}};
  if (io_uring_attached_) hooks.emplace_back("io_uring", "tp_btf");
  return hooks;
}

std::vector<ProgramFd> BpfPrograms::program_fds() const {
  std::vector<ProgramFd> programs;
  bpf_program* program;
  bpf_object__for_each_program(program, loaded_->object) {
    // left out of the load (the io_uring hooks where they are off)
    if (bpf_program__fd(program) < 0) continue;
    programs.push_back({bpf_program__name(program), bpf_program__fd(program)});
  }
  return programs;
}

int BpfPrograms::MapFd(const char* name) const {
  return bpf_map__fd(bpf_object__find_map_by_name(loaded_->object, name));
}

uint32_t BpfPrograms::MapCapacity(const char* name) const {
  return bpf_map__max_entries(bpf_object__find_map_by_name(loaded_->object, name));
}

int BpfPrograms::stats_fd() const { return MapFd("stats"); }
int BpfPrograms::overflow_fd() const { return MapFd("overflow"); }
int BpfPrograms::watched_tgids_fd() const { return MapFd("watched_tgids"); }
int BpfPrograms::cgroup_filter_fd() const { return MapFd("cgroup_filter"); }
int BpfPrograms::io_uring_requests_fd() const { return MapFd("io_uring_requests"); }
uint32_t BpfPrograms::stats_capacity() const { return MapCapacity("stats"); }

}  // namespace accept4_exporter
