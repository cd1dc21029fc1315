#include "bpf_programs.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <string.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <stdexcept>

#include "accept4.skel.h"
#include "tracefs.h"

namespace accept4_exporter {
namespace {

constexpr const char* kKernelBtf = "/sys/kernel/btf/vmlinux";

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
  if (err == -EPERM || err == -EACCES) {
    text += " (needs root, or CAP_BPF and CAP_PERFMON; see docs/capabilities.md)";
  }
  return text;
}

}  // namespace

void BpfPrograms::SkeletonDeleter::operator()(accept4_bpf* skeleton) const {
  accept4_bpf__destroy(skeleton);
}

BpfPrograms::BpfPrograms(const ProgramOptions& options) : options_(options) {
  libbpf_set_print(LogLibbpf);
  if (access(kKernelBtf, R_OK) != 0) {
    throw std::runtime_error(std::string("kernel BTF ") + kKernelBtf + " is not readable (" +
                             strerror(errno) +
                             "): this kernel needs CONFIG_DEBUG_INFO_BTF=y for the CO-RE programs");
  }
  skeleton_.reset(accept4_bpf__open());
  if (!skeleton_) throw std::runtime_error("opening BPF object: " + ErrorText(errno));

  skeleton_->rodata->with_pid = options.with_pid;
  skeleton_->rodata->with_port = options.with_port;
  skeleton_->rodata->filter_tgids = !options.pids.empty();
  struct {
    bpf_map* map;
    uint32_t entries;
  } sizes[] = {
      {skeleton_->maps.stats, options.max_series},
      {skeleton_->maps.inflight, options.max_inflight_calls},
      {skeleton_->maps.watched_tgids, options.max_watched_processes},
      {skeleton_->maps.tgid_filter, std::max<uint32_t>(1, options.pids.size())},
  };
  for (const auto& [map, entries] : sizes) {
    if (int err = bpf_map__set_max_entries(map, entries); err != 0) {
      throw std::runtime_error(std::string("sizing BPF map ") + bpf_map__name(map) + ": " +
                               ErrorText(err));
    }
  }

  if (int err = accept4_bpf__load(skeleton_.get()); err != 0) {
    throw std::runtime_error("loading BPF programs: " + ErrorText(err));
  }

  const uint8_t wanted = 1;
  for (uint32_t pid : options.pids) {
    if (bpf_map__update_elem(skeleton_->maps.tgid_filter, &pid, sizeof(pid), &wanted,
                             sizeof(wanted), BPF_ANY) != 0) {
      throw std::runtime_error("filling the pid filter map: " + ErrorText(errno));
    }
  }

  // After the load, so that missing privileges are reported as such first.
  EnsureTracefsMounted();
  bpf_program* programs[] = {
      skeleton_->progs.handle_enter_accept4, skeleton_->progs.handle_exit_accept4,
      skeleton_->progs.handle_enter_accept,  skeleton_->progs.handle_exit_accept,
      skeleton_->progs.handle_process_exit,
  };
  bpf_link** links[] = {
      &skeleton_->links.handle_enter_accept4, &skeleton_->links.handle_exit_accept4,
      &skeleton_->links.handle_enter_accept,  &skeleton_->links.handle_exit_accept,
      &skeleton_->links.handle_process_exit,
  };
  for (size_t i = 0; i < std::size(programs); ++i) {
    bpf_link* link = bpf_program__attach(programs[i]);
    if (!link) {
      throw std::runtime_error(std::string("attaching ") + bpf_program__section_name(programs[i]) +
                               ": " + ErrorText(errno));
    }
    *links[i] = link;
  }
}

BpfPrograms::~BpfPrograms() {
  skeleton_.reset();
  spdlog::debug("BPF programs detached and freed");
}

int BpfPrograms::stats_fd() const { return bpf_map__fd(skeleton_->maps.stats); }
int BpfPrograms::overflow_fd() const { return bpf_map__fd(skeleton_->maps.overflow); }
int BpfPrograms::watched_tgids_fd() const { return bpf_map__fd(skeleton_->maps.watched_tgids); }
int BpfPrograms::inflight_fd() const { return bpf_map__fd(skeleton_->maps.inflight); }
uint32_t BpfPrograms::stats_capacity() const { return bpf_map__max_entries(skeleton_->maps.stats); }
uint32_t BpfPrograms::inflight_capacity() const {
  return bpf_map__max_entries(skeleton_->maps.inflight);
}

}  // namespace accept4_exporter
