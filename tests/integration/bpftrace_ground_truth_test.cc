// bpftrace, an independent tracer, counts the same calls on the same
// tracepoints: the exporter's totals must match it exactly, with two
// threads calling at once on both CPUs (per-CPU values summed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <thread>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "kernel/tracefs.h"

namespace accept4_test {
namespace {

constexpr const char* kComm = "a4t_bpftrace";

// bpftrace with its output on a pipe; stopped with SIGINT, which makes it
// print its maps. It finds the syscall tracepoints through tracefs, which a
// fresh host may not have mounted: it shares the test's mount namespace,
// where the test mounts one (EnsureTracefsMounted, as the exporter does;
// that works in a chroot too, where `unshare --mount` cannot make / private).
class Bpftrace {
 public:
  explicit Bpftrace(const std::string& program) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      close(out[0]);
      execlp("bpftrace", "bpftrace", "-e", program.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
  }
  ~Bpftrace() {
    if (pid_ > 0) Stop();
    if (out_ >= 0) close(out_);
  }

  // Reads until `text` shows up in the output, up to 30 s.
  bool WaitFor(const std::string& text) {
    fcntl(out_, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < 300 && output_.find(text) == std::string::npos; ++i) {
      Drain();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return output_.find(text) != std::string::npos;
  }

  // SIGINT, then all it printed.
  std::string Stop() {
    kill(pid_, SIGINT);
    fcntl(out_, F_SETFL, 0);
    char buffer[4096];
    for (ssize_t n; (n = read(out_, buffer, sizeof(buffer))) > 0;) output_.append(buffer, n);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return output_;
  }

 private:
  void Drain() {
    char buffer[4096];
    for (ssize_t n; (n = read(out_, buffer, sizeof(buffer))) > 0;) output_.append(buffer, n);
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

// "@name: 123" lines of bpftrace's map dump.
std::map<std::string, double> CountsIn(const std::string& output) {
  std::map<std::string, double> counts;
  static const std::regex kLine(R"(@(\w+): (\d+))");
  for (std::sregex_iterator it(output.begin(), output.end(), kLine), end; it != end; ++it) {
    counts[(*it)[1]] = std::stod((*it)[2]);
  }
  return counts;
}

void MakeCalls(int seed) {
  Listener nonblocking(AF_INET, true);
  Listener blocking(AF_UNIX, false);
  for (int i = 0; i < 200 + seed * 37; ++i) {
    switch (i % 4) {
      case 0:
        RawAccept4(nonblocking.fd(), SOCK_CLOEXEC);  // EAGAIN
        break;
      case 1:
        RawAccept4(nonblocking.fd(), 0x4);  // EINVAL
        break;
      case 2:
        RawAccept(-1);  // EBADF
        break;
      default: {
        const int client = blocking.Connect();
        close(RawAccept4(blocking.fd(), SOCK_NONBLOCK));
        close(client);
      }
    }
  }
}

TEST(BpftraceGroundTruthTest, TotalsMatchBpftrace) {
  SKIP_WITHOUT_BPF();
  ASSERT_EQ(system("command -v bpftrace >/dev/null"), 0)
      << "bpftrace is missing: scripts/install-deps installs Debian's bpftrace";
  // bpftrace finds its tracepoints through tracefs: where the host has none
  // mounted, this test and bpftrace, its child, get one of their own, as
  // the exporter does.
  accept4_exporter::EnsureTracefsMounted();
  ScopedComm comm(kComm);
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  const std::string filter = std::string("/comm == \"") + kComm + "\"/";
  Bpftrace bpftrace("tracepoint:syscalls:sys_exit_accept4 " + filter +
                    " { @accept4 = count(); if (args->ret < 0) { @accept4_errors = count(); } }"
                    " tracepoint:syscalls:sys_exit_accept " +
                    filter +
                    " { @accept = count(); }"
                    " BEGIN { printf(\"ready\\n\"); }");
  ASSERT_TRUE(bpftrace.WaitFor("ready")) << bpftrace.Stop();

  std::thread first(MakeCalls, 1), second(MakeCalls, 2);
  first.join();
  second.join();
  const std::map<std::string, double> truth = CountsIn(bpftrace.Stop());
  ASSERT_EQ(truth.count("accept4"), 1u);

  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", kComm}, {"syscall", "accept4"}}),
            truth.at("accept4"));
  EXPECT_EQ(metrics.Sum("accept4_errors_total", {{"comm", kComm}, {"syscall", "accept4"}}),
            truth.at("accept4_errors"));
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", kComm}, {"syscall", "accept"}}),
            truth.at("accept"));
  // and both saw what the threads did: (200+37)+(200+74) calls, a quarter accept
  EXPECT_EQ(truth.at("accept4") + truth.at("accept"), 511);
}

}  // namespace
}  // namespace accept4_test
