// The /metrics output of a fixed workload, compared line for line with
// tests/golden/accept_metrics.txt: a change that alters names, labels, label
// order, help texts, bucket bounds or counts shows up here. Process ids and
// timing-dependent values (duration sums and duration bucket counts below
// +Inf) are normalized. ACCEPT4_UPDATE_GOLDEN=1 rewrites the file, for a
// change that alters the output on purpose.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

constexpr const char* kComm = "a4t_golden";
constexpr const char* kGoldenFile = ACCEPT4_GOLDEN_DIR "/accept_metrics.txt";

// Connects a client and accepts it with accept4(flags); false on failure.
bool AcceptOne(const Listener& listener, int flags) {
  const int client = listener.Connect();
  const int accepted = RawAccept4(listener.fd(), flags);
  close(client);
  if (accepted < 0) return false;
  close(accepted);
  return true;
}

// The workload, run in a child whose comm is kComm. Exits 0 when every call
// returned what it should; then waits on `release` so that its series stay
// until the parent has scraped them. `blocking` is a listener the parent
// connects to once the child is blocked in accept4 on it.
[[noreturn]] void RunWorkload(const Listener& blocking, int done, int release) {
  prctl(PR_SET_NAME, kComm);
  bool ok = true;
  const int flag_sets[] = {0, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_CLOEXEC | SOCK_NONBLOCK};
  int calls = 1;
  for (int family : {AF_INET, AF_INET6, AF_UNIX}) {
    Listener listener(family, /*nonblocking=*/false);
    for (int flags : flag_sets) {
      for (int i = 0; i < calls; ++i) ok = AcceptOne(listener, flags) && ok;
      ++calls;
    }
  }
  {
    Listener nonblocking(AF_INET6, /*nonblocking=*/true);
    for (int i = 0; i < 3; ++i) ok = RawAccept4(nonblocking.fd(), SOCK_CLOEXEC) == -1 && ok;
    ok = errno == EAGAIN && ok;
    ok = RawAccept(nonblocking.fd()) == -1 && errno == EAGAIN && ok;
    // 0x1 is no accept4 flag: EINVAL before the listener is looked at.
    ok = RawAccept4(nonblocking.fd(), 0x1) == -1 && errno == EINVAL && ok;
  }
  ok = RawAccept4(-1, 0) == -1 && errno == EBADF && ok;
  int pipe_fds[2];
  ok = pipe(pipe_fds) == 0 && RawAccept4(pipe_fds[0], 0) == -1 && errno == ENOTSOCK && ok;
  // Blocks until the parent connects.
  const int accepted = RawAccept4(blocking.fd(), SOCK_CLOEXEC);
  ok = accepted >= 0 && ok;
  const char result = ok ? 'y' : 'n';
  if (write(done, &result, 1) != 1) _exit(1);
  char ignored;
  if (read(release, &ignored, 1) < 0) _exit(1);
  _exit(0);
}

// Waits until `pid` sits in the accept4 syscall, from /proc/<pid>/syscall.
bool WaitInAccept4(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/syscall";
  const std::string want = std::to_string(SYS_accept4) + " ";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);
    if (line.rfind(want, 0) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// The lines of `text` about kComm: its samples, and the HELP and TYPE lines
// of the families they belong to, with pids and timings normalized.
std::string Normalize(const std::string& text) {
  static const std::regex kPid(R"(pid="\d+")");
  static const std::regex kValue(R"( [^ ]+$)");
  const std::string comm_label = std::string("comm=\"") + kComm + "\"";
  std::istringstream lines(text);
  std::string line;
  std::string pending_comments;
  std::string out;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      pending_comments = line + "\n";
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      pending_comments += line + "\n";
      continue;
    }
    if (line.find(comm_label) == std::string::npos) continue;
    out += pending_comments;
    pending_comments.clear();
    line = std::regex_replace(line, kPid, "pid=\"PID\"");
    const bool duration_sum = line.rfind("accept4_duration_seconds_sum{", 0) == 0;
    const bool duration_bucket = line.rfind("accept4_duration_seconds_bucket{", 0) == 0 &&
                                 line.find("le=\"+Inf\"") == std::string::npos;
    if (duration_sum || duration_bucket) line = std::regex_replace(line, kValue, " TIMING");
    out += line + "\n";
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(GoldenMetricsTest, FixedWorkloadMatchesGoldenFile) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());

  Listener blocking(AF_INET, /*nonblocking=*/false);
  int done[2];
  int release[2];
  ASSERT_EQ(pipe2(done, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(done[0]);
    close(release[1]);
    RunWorkload(blocking, done[1], release[0]);
  }
  close(done[1]);
  close(release[0]);

  ASSERT_TRUE(WaitInAccept4(child)) << "the workload never blocked in accept4";
  const int client = blocking.Connect();
  char result = 0;
  ASSERT_EQ(read(done[0], &result, 1), 1) << "the workload died";
  close(client);
  EXPECT_EQ(result, 'y') << "a workload call did not return what it should";

  exporter.ScrapeAfter(std::chrono::system_clock::now());
  const HttpResponse response = HttpGet(exporter.url("/metrics"));
  close(release[1]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(response.status, 200);
  const std::string actual = Normalize(response.body);
  ASSERT_FALSE(actual.empty()) << "no series of comm " << kComm;

  if (getenv("ACCEPT4_UPDATE_GOLDEN")) {
    std::ofstream(kGoldenFile) << actual;
    GTEST_SKIP() << "rewrote " << kGoldenFile;
  }
  EXPECT_EQ(actual, ReadFile(kGoldenFile))
      << "/metrics differs from " << kGoldenFile
      << "; if the change is intended, rerun with ACCEPT4_UPDATE_GOLDEN=1";
}

}  // namespace
}  // namespace accept4_test
