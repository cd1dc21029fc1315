#include "program_stats.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <stdexcept>

namespace accept4_bench {
namespace {

std::string ErrnoText(int err) { return strerror(err < 0 ? -err : err); }

// The name of the program's first function in its BTF, or the kernel's
// short name when the program has none (bpftrace's, for one).
std::string FullName(int fd, const bpf_prog_info& info) {
  const std::string short_name = info.name;
  if (info.btf_id == 0 || info.nr_func_info == 0) return short_name;
  std::vector<char> records(static_cast<size_t>(info.nr_func_info) * info.func_info_rec_size);
  bpf_prog_info with_funcs = {};
  with_funcs.nr_func_info = info.nr_func_info;
  with_funcs.func_info_rec_size = info.func_info_rec_size;
  with_funcs.func_info = reinterpret_cast<uintptr_t>(records.data());
  __u32 length = sizeof(with_funcs);
  if (bpf_obj_get_info_by_fd(fd, &with_funcs, &length) != 0) return short_name;
  btf* kernel_btf = btf__load_from_kernel_by_id(info.btf_id);
  if (!kernel_btf) return short_name;
  bpf_func_info first;
  memcpy(&first, records.data(), sizeof(first));
  const btf_type* type = btf__type_by_id(kernel_btf, first.type_id);
  std::string name = type ? btf__name_by_offset(kernel_btf, type->name_off) : short_name;
  btf__free(kernel_btf);
  return name;
}

}  // namespace

RunTimeStats::RunTimeStats() : fd_(bpf_enable_stats(BPF_STATS_RUN_TIME)) {
  if (fd_ < 0) throw std::runtime_error("enabling BPF run-time stats: " + ErrnoText(errno));
}

RunTimeStats::~RunTimeStats() { close(fd_); }

std::vector<uint32_t> ProgramIdsHeldBy(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  std::set<uint32_t> ids;
  DIR* fds = opendir(dir.c_str());
  if (!fds) return {};
  while (dirent* entry = readdir(fds)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream info(dir + "/" + entry->d_name);
    std::string line;
    while (std::getline(info, line)) {
      if (line.rfind("prog_id:", 0) == 0) ids.insert(std::stoul(line.substr(8)));
    }
  }
  closedir(fds);
  return {ids.begin(), ids.end()};
}

uint32_t ProgramIdOf(int prog_fd) {
  bpf_prog_info info = {};
  __u32 length = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &length) != 0) {
    throw std::runtime_error("reading BPF program info: " + ErrnoText(errno));
  }
  return info.id;
}

std::vector<ProgramRuns> ReadProgramRuns(const std::vector<uint32_t>& ids) {
  std::vector<ProgramRuns> runs;
  for (uint32_t id : ids) {
    const int fd = bpf_prog_get_fd_by_id(id);
    // A loader's short-lived probe programs (libbpf and bpftrace load some
    // to test features) can be gone by now; they are not what we measure.
    if (fd < 0 && errno == ENOENT) continue;
    if (fd < 0) {
      throw std::runtime_error("opening BPF program " + std::to_string(id) + ": " +
                               ErrnoText(errno));
    }
    bpf_prog_info info = {};
    __u32 length = sizeof(info);
    const int rc = bpf_obj_get_info_by_fd(fd, &info, &length);
    const int err = errno;
    if (rc != 0) {
      close(fd);
      throw std::runtime_error("reading BPF program " + std::to_string(id) + ": " + ErrnoText(err));
    }
    runs.push_back({id, FullName(fd, info), info.run_time_ns, info.run_cnt});
    close(fd);
  }
  return runs;
}

double NsPerRun(const std::vector<ProgramRuns>& before, const std::vector<ProgramRuns>& after,
                const std::vector<std::string>& names) {
  double total = 0;
  bool any = false;
  for (const ProgramRuns& end : after) {
    if (!names.empty() && std::find(names.begin(), names.end(), end.name) == names.end()) {
      continue;
    }
    auto start = std::find_if(before.begin(), before.end(),
                              [&](const ProgramRuns& p) { return p.id == end.id; });
    if (start == before.end()) continue;
    const uint64_t runs = end.run_count - start->run_count;
    if (runs == 0) return NAN;
    total += static_cast<double>(end.run_time_ns - start->run_time_ns) / static_cast<double>(runs);
    any = true;
  }
  return any ? total : NAN;
}

std::vector<uint32_t> ForeignTracingPrograms(const std::vector<uint32_t>& ours) {
  std::vector<uint32_t> foreign;
  __u32 id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    if (std::find(ours.begin(), ours.end(), id) != ours.end()) continue;
    const int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;  // unloaded meanwhile
    bpf_prog_info info = {};
    __u32 length = sizeof(info);
    const bool known = bpf_obj_get_info_by_fd(fd, &info, &length) == 0;
    close(fd);
    if (!known) continue;
    switch (info.type) {
      case BPF_PROG_TYPE_KPROBE:
      case BPF_PROG_TYPE_TRACEPOINT:
      case BPF_PROG_TYPE_RAW_TRACEPOINT:
      case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
      case BPF_PROG_TYPE_TRACING:
      case BPF_PROG_TYPE_PERF_EVENT:
        foreign.push_back(id);
        break;
      default:
        break;
    }
  }
  return foreign;
}

bool StatsSysctlEnabled() {
  std::ifstream sysctl("/proc/sys/kernel/bpf_stats_enabled");
  int enabled = 0;
  sysctl >> enabled;
  return enabled != 0;
}

}  // namespace accept4_bench
