#include "attachments.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "child_guard.h"
#include "empty.skel.h"
#include "exporter_process.h"
#include "kernel/listener_reads.h"
#include "program_stats.h"

namespace accept4_bench {
namespace {

using std::chrono::steady_clock;

// The real binary, by default with the embedded default config (every
// process on the host counted, as a user would run it).
class ExporterAttachment : public Attachment {
 public:
  explicit ExporterAttachment(const std::string& config = "",
                              const std::vector<std::string>& environment = {})
      : process_(config, {}, environment) {
    if (!process_.running()) {
      throw std::runtime_error("starting accept4_exporter: " + process_.StderrText());
    }
  }
  std::vector<uint32_t> ProgramIds() const override { return ProgramIdsHeldBy(process_.pid()); }

 private:
  accept4_test::ExporterProcess process_;
  ChildGuard guard_{process_.pid()};
};

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Debian's bpftrace running the one-liner; stopped with SIGINT like a user
// would (it prints its map then, to a file nobody reads).
class BpftraceAttachment : public Attachment {
 public:
  BpftraceAttachment() {
    char dir[] = "/tmp/accept4_bench.XXXXXX";
    if (!mkdtemp(dir)) throw std::runtime_error("creating a temporary directory for bpftrace");
    dir_ = dir;
    const std::string output = dir_ + "/output";
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("forking bpftrace");
    if (pid_ == 0) {
      // should the benchmark die without a chance to stop it
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      const int out = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
      execlp("bpftrace", "bpftrace", "-e", kBpftraceOneLiner, nullptr);
      _exit(127);
    }
    guard_ = std::make_unique<ChildGuard>(pid_);
    // "Attaching 1 probe..." comes before the attach; the program fd being
    // held comes after the load. Attach() callers then wait for it to fire.
    const auto deadline = steady_clock::now() + std::chrono::seconds(30);
    while (ReadFile(output).find("Attaching") == std::string::npos ||
           ProgramIdsHeldBy(pid_).empty()) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        Stop();
        throw std::runtime_error("bpftrace exited during start-up: " + ReadFile(output));
      }
      if (steady_clock::now() > deadline) {
        const std::string text = ReadFile(output);
        Stop();
        throw std::runtime_error("bpftrace did not attach within 30 s: " + text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  ~BpftraceAttachment() override { Stop(); }

  std::vector<uint32_t> ProgramIds() const override { return ProgramIdsHeldBy(pid_); }

 private:
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGINT);
      const auto deadline = steady_clock::now() + std::chrono::seconds(10);
      int status;
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (steady_clock::now() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      pid_ = -1;
    }
    guard_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  std::string dir_;
  pid_t pid_ = -1;
  std::unique_ptr<ChildGuard> guard_;
};

// bench/empty.bpf.c, loaded in this process.
class EmptyAttachment : public Attachment {
 public:
  EmptyAttachment() : skeleton_(empty_bpf__open_and_load()) {
    if (!skeleton_) {
      throw std::runtime_error(std::string("loading the empty BPF programs: ") + strerror(errno));
    }
    if (int err = empty_bpf__attach(skeleton_.get()); err != 0) {
      throw std::runtime_error(std::string("attaching the empty BPF programs: ") + strerror(-err));
    }
  }

  std::vector<uint32_t> ProgramIds() const override {
    std::vector<uint32_t> ids;
    bpf_program* program;
    bpf_object__for_each_program(program, skeleton_->obj) {
      ids.push_back(ProgramIdOf(bpf_program__fd(program)));
    }
    return ids;
  }

 private:
  struct Deleter {
    void operator()(empty_bpf* skeleton) const { empty_bpf__destroy(skeleton); }
  };
  std::unique_ptr<empty_bpf, Deleter> skeleton_;
};

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kNone:
      return "nothing attached";
    case Mode::kExporter:
      return "accept4_exporter";
    case Mode::kBpftrace:
      return "bpftrace one-liner";
    case Mode::kEmpty:
      return "empty programs";
    case Mode::kExporterProbeRead:
      return "accept4_exporter, probe-read build";
    case Mode::kExporterBpfStats:
      return "accept4_exporter, bpf_stats on";
  }
  return "?";
}

std::unique_ptr<Attachment> Attach(Mode mode) {
  switch (mode) {
    case Mode::kNone:
      return nullptr;
    case Mode::kExporter:
      return std::make_unique<ExporterAttachment>();
    case Mode::kBpftrace:
      return std::make_unique<BpftraceAttachment>();
    case Mode::kEmpty:
      return std::make_unique<EmptyAttachment>();
    case Mode::kExporterProbeRead:
      return std::make_unique<ExporterAttachment>(
          "",
          std::vector<std::string>{std::string(accept4_exporter::kForceProbeReadVariable) + "=1"});
    case Mode::kExporterBpfStats:
      return std::make_unique<ExporterAttachment>("bpf_stats: true\n");
  }
  return nullptr;
}

std::vector<std::string> Accept4ProgramNames(Mode mode) {
  switch (mode) {
    case Mode::kExporter:
    case Mode::kExporterProbeRead:
    case Mode::kExporterBpfStats:
      // the attach mode's pair: tracepoint or fentry/fexit
      return {"handle_enter_accept4", "handle_exit_accept4", "handle_fentry_accept4",
              "handle_fexit_accept4"};
    case Mode::kEmpty:
      return {"empty_enter_accept4", "empty_exit_accept4"};
    default:
      return {};  // bpftrace: its one program
  }
}

}  // namespace accept4_bench
