#include "kernel/inflight_reader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "inflight_iter.skel.h"
#include "kernel/monotonic_clock.h"
#include "kernel/owned_fd.h"

namespace accept4_exporter {

struct InflightReader::Loaded {
  inflight_iter_bpf* skeleton = nullptr;

  ~Loaded() {
    if (skeleton) inflight_iter_bpf__destroy(skeleton);
  }
};

namespace {

std::runtime_error SetupError(const std::string& step, int err) {
  return std::runtime_error(step + ": " + strerror(err < 0 ? -err : err));
}

// Points `into` at the counting object's map of the same name.
void ShareMap(bpf_object* counting, bpf_map* into) {
  const char* name = bpf_map__name(into);
  const bpf_map* from = bpf_object__find_map_by_name(counting, name);
  if (!from) throw std::runtime_error(std::string("the counting BPF object has no map ") + name);
  if (int err = bpf_map__reuse_fd(into, bpf_map__fd(from)); err != 0) {
    throw SetupError(std::string("sharing BPF map ") + name + " with the task iterator", err);
  }
}

}  // namespace

InflightReader::InflightReader(const BpfPrograms& programs)
    : loaded_(std::make_unique<Loaded>()),
      attached_ns_(programs.attached_ns()),
      io_uring_requests_fd_(programs.io_uring_requests_fd()),
      io_uring_requests_map_(bpf_object__find_map_by_name(programs.object(), "io_uring_requests")) {
  inflight_iter_bpf* skeleton = inflight_iter_bpf__open();
  if (!skeleton) throw SetupError("opening the task iterator BPF object", errno);
  loaded_->skeleton = skeleton;
  skeleton->rodata->filter_tgids = !programs.options().pids.empty();
  skeleton->rodata->filter_cgroups = !programs.options().cgroup_path_prefixes.empty();
  for (bpf_map* map :
       {skeleton->maps.inflight, skeleton->maps.tgid_filter, skeleton->maps.cgroup_filter}) {
    ShareMap(programs.object(), map);
  }
  if (int err = inflight_iter_bpf__load(skeleton); err != 0) {
    throw SetupError("loading the task iterator (iter/task) BPF program", err);
  }
  if (int err = inflight_iter_bpf__attach(skeleton); err != 0) {
    throw SetupError("attaching the task iterator (iter/task) BPF program", err);
  }
}

InflightReader::~InflightReader() = default;

InflightSnapshot InflightReader::Read() {
  OwnedFd iterator(bpf_iter_create(bpf_link__fd(loaded_->skeleton->links.list_inflight_calls)));
  if (iterator.get() < 0) {
    throw std::system_error(errno, std::generic_category(), "creating a task iterator");
  }
  // Records are written whole; a read() may still end inside one when the
  // buffer does, so the bytes are gathered first and cut into records after.
  size_t used = 0;
  for (;;) {
    if (buffer_.size() - used < 4096) buffer_.resize(std::max<size_t>(2 * buffer_.size(), 65536));
    const ssize_t got = read(iterator.get(), buffer_.data() + used, buffer_.size() - used);
    if (got == 0) break;
    if (got > 0) {
      used += static_cast<size_t>(got);
      continue;
    }
    // EAGAIN: the kernel stopped a walk that had gone through a great many
    // threads without output; reading again resumes it.
    if (errno == EINTR || errno == EAGAIN) continue;
    throw std::system_error(errno, std::generic_category(), "reading the task iterator");
  }
  if (used % sizeof(accept4_inflight_call) != 0) {
    throw std::system_error(
        EPROTO, std::generic_category(),
        "task iterator output of " + std::to_string(used) + " bytes is not whole records");
  }
  InflightSnapshot snapshot;
  // An empty vector's data() may be null, which memcpy may not take.
  if (used > 0) {
    snapshot.calls.resize(used / sizeof(accept4_inflight_call));
    std::memcpy(snapshot.calls.data(), buffer_.data(), used);
  }
  ReadIoUringRequests(snapshot.calls);
  // After both reads, so that no call started later than the moment the
  // ages are taken at.
  snapshot.read_ns = MonotonicNs();
  snapshot.attached_ns = attached_ns_;
  return snapshot;
}

void InflightReader::ReadIoUringRequests(std::vector<accept4_inflight_call>& calls) const {
  // A request is not a thread, so the task walk cannot see it; the map holds
  // one entry per io_uring accept from submission to final completion. Its
  // file is only known at completion: family, listener and readiness stay
  // unknown, and a multishot request is aged from its latest completion.
  // One batch read: walking the keys one by one restarts from the first key
  // when the one in hand completes meanwhile, which would count some twice.
  const uint32_t capacity = bpf_map__max_entries(io_uring_requests_map_);
  std::vector<__u64> keys(capacity);
  std::vector<accept4_io_uring_request> requests(capacity);
  __u64 token = 0;
  bool first = true;
  for (;;) {
    __u32 count = capacity;
    const int rc = bpf_map_lookup_batch(io_uring_requests_fd_, first ? nullptr : &token, &token,
                                        keys.data(), requests.data(), &count, nullptr);
    const int err = rc == 0 ? 0 : errno;
    if (err != 0 && err != ENOENT) {
      throw std::system_error(err, std::generic_category(), "batch-reading io_uring_requests");
    }
    for (__u32 i = 0; i < count; ++i) {
      const accept4_io_uring_request& request = requests[i];
      accept4_inflight_call call = {};
      call.start_ns = request.start_ns;
      call.tgid = request.tgid;
      call.family = ACCEPT4_FAMILY_UNKNOWN;
      call.syscall = ACCEPT4_SYSCALL_IO_URING;
      call.listener = ACCEPT4_LISTENER_UNKNOWN;
      call.readiness = ACCEPT4_READINESS_UNKNOWN;
      std::memcpy(call.comm, request.comm, sizeof(call.comm));
      calls.push_back(call);
    }
    if (err == ENOENT) return;
    first = false;
  }
}

}  // namespace accept4_exporter
