// Least privilege and the BPF programs' own cost, on the real exporter:
// after start it holds only what a reload needs (CAP_BPF and CAP_PERFMON,
// or CAP_SYS_ADMIN before Linux 5.8) in every thread, with no_new_privs,
// and still counts and reloads; the bpf_program_* metrics count every run
// of every program and never go backwards; and it runs as an unprivileged
// user with only ambient capabilities.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "http_get.h"
#include "metrics_text.h"

namespace accept4_test {
namespace {

constexpr const char* kRunCount = "accept4_exporter_bpf_program_run_count_total";
constexpr const char* kRunSeconds = "accept4_exporter_bpf_program_run_seconds_total";
// The programs of attach_mode tracepoint, which these tests ask for so that
// the names do not depend on whether the kernel takes fentry.
const char* const kPrograms[] = {"handle_enter_accept4", "handle_exit_accept4",
                                 "handle_enter_accept", "handle_exit_accept",
                                 "handle_process_exit"};
constexpr const char* kTracepointConfig = "poll_interval: 100ms\nattach_mode: tracepoint\n";
constexpr uid_t kNobody = 65534;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The "Key:\tvalue" lines of /proc/<pid>/status, or of one of its threads.
std::map<std::string, std::string> Status(const std::string& status_path) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(ReadFile(status_path));
  std::string line;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t value = line.find_first_not_of(" \t", colon + 1);
    fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  return fields;
}

std::map<std::string, std::string> StatusOf(pid_t pid) {
  return Status("/proc/" + std::to_string(pid) + "/status");
}

uint64_t Mask(const std::string& hex) { return std::stoull(hex, nullptr, 16); }

uint64_t Bit(int cap) { return uint64_t{1} << cap; }

int LastCap() { return std::stoi(ReadFile("/proc/sys/kernel/cap_last_cap")); }

// What the exporter keeps on this kernel, listening on an unprivileged port.
uint64_t KeptMask() {
  return LastCap() >= CAP_BPF ? Bit(CAP_BPF) | Bit(CAP_PERFMON) : Bit(CAP_SYS_ADMIN);
}

// The same, as the exporter logs it.
std::string KeptNames() { return LastCap() >= CAP_BPF ? "cap_perfmon,cap_bpf" : "cap_sys_admin"; }

// Every thread of `pid` has exactly `effective` (capabilities are per
// thread: a thread started before the drop would keep everything).
void ExpectEveryThreadHolds(pid_t pid, uint64_t effective) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  int threads = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    const auto status = Status(task.path().string() + "/status");
    if (status.empty()) continue;  // exited meanwhile
    ++threads;
    EXPECT_EQ(Mask(status.at("CapEff")), effective) << "thread " << task.path().filename();
    EXPECT_EQ(Mask(status.at("CapPrm")), effective) << "thread " << task.path().filename();
  }
  EXPECT_GT(threads, 1) << "the HTTP server and the poller run threads of their own";
}

void ExpectOnlyKept(pid_t pid, uint64_t kept) {
  const auto status = StatusOf(pid);
  EXPECT_EQ(Mask(status.at("CapEff")), kept) << status.at("CapEff");
  EXPECT_EQ(Mask(status.at("CapPrm")), kept) << status.at("CapPrm");
  EXPECT_EQ(Mask(status.at("CapInh")), 0u);
  EXPECT_EQ(Mask(status.at("CapAmb")), 0u);
  EXPECT_EQ(status.at("NoNewPrivs"), "1");
  ExpectEveryThreadHolds(pid, kept);
}

TEST(PrivilegesTest, KeepsOnlyWhatAReloadNeedsAndStillCountsAndReloads) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_privs");
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());

  const auto own = StatusOf(getpid());
  // The exporter can only keep what it was started with.
  const uint64_t kept = KeptMask() & Mask(own.at("CapPrm"));
  ExpectOnlyKept(exporter.pid(), kept);
  if (Mask(own.at("CapEff")) & Bit(CAP_SETPCAP)) {
    EXPECT_EQ(Mask(StatusOf(exporter.pid()).at("CapBnd")), KeptMask() & Mask(own.at("CapBnd")));
  }
  EXPECT_NE(exporter.StderrText().find("dropped capabilities kept=" + KeptNames() +
                                       " bounding_set=dropped no_new_privs=1"),
            std::string::npos)
      << exporter.StderrText();

  Listener listener(AF_INET, /*nonblocking=*/false);
  AcceptConnection(listener);
  AcceptConnection(listener);
  EXPECT_EQ(exporter.ScrapeFresh().Sum("accept4_calls_total", {{"comm", "a4t_privs"}}), 2);

  // New labels need new programs: loaded and attached with what was kept.
  exporter.Reload("poll_interval: 100ms\nlabels: {pid: false, port: true}\n");
  EXPECT_NE(exporter.StderrText().find("config reloaded programs=reloaded"), std::string::npos)
      << exporter.StderrText();
  AcceptConnection(listener);
  const std::vector<Sample> series =
      exporter.ScrapeFresh().Find("accept4_calls_total", {{"comm", "a4t_privs"}});
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].value, 1);
  EXPECT_EQ(series[0].labels.at("port"), std::to_string(listener.port()));
  ExpectOnlyKept(exporter.pid(), kept);
}

// bpf_stats is off by default: these turn it on.
constexpr const char* kTracepointWithStats =
    "poll_interval: 100ms\nattach_mode: tracepoint\nbpf_stats: true\n";

TEST(ProgramStatsTest, CountsEveryRunOfEveryProgram) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter(kTracepointWithStats);
  ASSERT_TRUE(exporter.running());
  const MetricsText before = exporter.ScrapeFresh();
  for (const char* program : kPrograms) {
    EXPECT_EQ(before.Find(kRunCount, {{"program", program}}).size(), 1u) << program;
    EXPECT_EQ(before.Find(kRunSeconds, {{"program", program}}).size(), 1u) << program;
  }

  constexpr int kCalls = 10;
  Listener listener(AF_INET, /*nonblocking=*/false);
  for (int i = 0; i < kCalls; ++i) AcceptConnection(listener);
  const MetricsText after = exporter.ScrapeFresh();
  // Other processes on the host accept too: at least, not exactly.
  for (const char* program : {"handle_enter_accept4", "handle_exit_accept4"}) {
    EXPECT_GE(after.Value(kRunCount, {{"program", program}}) -
                  before.Value(kRunCount, {{"program", program}}),
              kCalls)
        << program;
    EXPECT_GT(after.Value(kRunSeconds, {{"program", program}}), 0) << program;
  }
}

TEST(ProgramStatsTest, NeverGoBackwardsWhenAReloadRebuildsThePrograms) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter(kTracepointWithStats);
  ASSERT_TRUE(exporter.running());
  Listener listener(AF_INET, /*nonblocking=*/false);
  for (int i = 0; i < 5; ++i) AcceptConnection(listener);
  const MetricsText before = exporter.ScrapeFresh();
  ASSERT_GE(before.Value(kRunCount, {{"program", "handle_enter_accept4"}}), 5);

  exporter.Reload(std::string(kTracepointWithStats) + "labels: {pid: false}\n");
  EXPECT_NE(exporter.StderrText().find("config reloaded programs=reloaded"), std::string::npos);
  for (int i = 0; i < 3; ++i) AcceptConnection(listener);
  const MetricsText after = exporter.ScrapeFresh();
  for (const char* program : kPrograms) {
    EXPECT_GE(after.Value(kRunCount, {{"program", program}}),
              before.Value(kRunCount, {{"program", program}}))
        << program;
    EXPECT_GE(after.Value(kRunSeconds, {{"program", program}}),
              before.Value(kRunSeconds, {{"program", program}}))
        << program;
  }
  EXPECT_GE(after.Value(kRunCount, {{"program", "handle_enter_accept4"}}) -
                before.Value(kRunCount, {{"program", "handle_enter_accept4"}}),
            3);
}

// Off unless asked for: it costs every BPF program run on the host.
TEST(ProgramStatsTest, ByDefaultServesNoProgramFamilies) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_FALSE(metrics.Find("accept4_exporter_build_info").empty());
  EXPECT_TRUE(metrics.Find(kRunCount).empty());
  EXPECT_TRUE(metrics.Find(kRunSeconds).empty());
}

// Whether `uid` can read the tracepoint ids libbpf looks up. tracefs is
// root-only (0700) unless mounted with gid= and mode=.
bool TracefsReadableBy(uid_t uid) {
  const char* const ids[] = {"/sys/kernel/tracing/events/sched/sched_process_exit/id",
                             "/sys/kernel/debug/tracing/events/sched/sched_process_exit/id"};
  const pid_t child = fork();
  if (child == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
      _exit(2);
    }
    for (const char* id : ids) {
      if (access(id, R_OK) == 0) _exit(0);
    }
    _exit(1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The exporter as uid 65534 under setpriv with only `caps` (e.g.
// "+bpf,+perfmon"), inheritable and ambient, so that they survive exec.
class UnprivilegedExporter {
 public:
  UnprivilegedExporter(const std::string& caps, const std::string& config_yaml) {
    char dir[] = "/tmp/accept4_test.XXXXXX";
    dir_ = mkdtemp(dir);
    chmod(dir_.c_str(), 0755);
    config_path_ = dir_ + "/config.yaml";
    const std::string& config = config_path_;
    std::ofstream(config) << config_yaml;
    chmod(config.c_str(), 0644);
    stderr_path_ = dir_ + "/stderr";
    // Built before fork: the child of a threaded process only execs.
    const std::string uid = std::to_string(kNobody);
    std::vector<std::string> args = {"setpriv",
                                     "--reuid=" + uid,
                                     "--regid=" + uid,
                                     "--clear-groups",
                                     "--inh-caps=" + caps,
                                     "--ambient-caps=" + caps,
                                     ExporterBinary(),
                                     "--web.listen-address=127.0.0.1:0",
                                     "--config.file=" + config};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int err = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(err, STDERR_FILENO);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    port_ = WaitForListening(pid_, stderr_path_);
  }

  ~UnprivilegedExporter() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }

  UnprivilegedExporter(const UnprivilegedExporter&) = delete;
  UnprivilegedExporter& operator=(const UnprivilegedExporter&) = delete;

  bool running() const { return port_ != 0; }
  pid_t pid() const { return pid_; }
  std::string StderrText() const { return ReadFile(stderr_path_); }

  // Rewrites the config, sends SIGHUP and waits for the outcome in the log.
  bool Reload(const std::string& config_yaml) {
    std::ofstream(config_path_) << config_yaml;
    const size_t reloads_before = Count(StderrText(), "SIGHUP: config reloaded");
    kill(pid_, SIGHUP);
    for (int attempt = 0; attempt < 500; ++attempt) {
      const std::string log = StderrText();
      if (Count(log, "SIGHUP: config reloaded") > reloads_before) return true;
      if (log.find("SIGHUP: keeping the running config") != std::string::npos) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // The first scrape whose map read started after now.
  MetricsText ScrapeFresh() const {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics";
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const HttpResponse response = HttpGet(url);
      if (response.status == 200) {
        MetricsText metrics(response.body);
        const double read_at = metrics.Value("accept4_exporter_last_map_read_timestamp_seconds");
        const double took = metrics.Value("accept4_exporter_map_read_duration_seconds");
        if (!std::isnan(read_at) && read_at - took > now) return metrics;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no fresh map read within 20 s";
    return MetricsText("");
  }

 private:
  static size_t Count(const std::string& text, const std::string& what) {
    size_t count = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
      ++count;
    }
    return count;
  }

  std::string dir_;
  std::string config_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Skips unless an unprivileged exporter can work here at all.
#define SKIP_WITHOUT_UNPRIVILEGED_BPF()                                                       \
  do {                                                                                        \
    SKIP_WITHOUT_BPF();                                                                       \
    if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to uid 65534 with setpriv";     \
    if (LastCap() < CAP_BPF) GTEST_SKIP() << "no CAP_BPF before Linux 5.8: root is needed";   \
    if (RunCommandToExit({"setpriv", "--version"}).exit_code != 0) {                          \
      GTEST_SKIP() << "setpriv (util-linux) is not installed";                                \
    }                                                                                         \
    if (!TracefsReadableBy(kNobody)) {                                                        \
      GTEST_SKIP() << "tracefs is not readable by uid 65534 (root-only, mode 0700): mount "   \
                      "it with gid=<a group of the user>,mode=0750 to run the exporter as a " \
                      "user; see docs/capabilities.md";                                       \
    }                                                                                         \
  } while (0)

TEST(UnprivilegedTest, RunsAsAUserWithAmbientCapabilities) {
  SKIP_WITHOUT_UNPRIVILEGED_BPF();
  ScopedComm comm("a4t_nobody");
  // CAP_SYS_ADMIN only for BPF_ENABLE_STATS; dropped after start.
  UnprivilegedExporter exporter("+bpf,+perfmon,+sys_admin", kTracepointWithStats);
  ASSERT_TRUE(exporter.running());
  const auto status = StatusOf(exporter.pid());
  EXPECT_EQ(status.at("Uid").substr(0, 5), "65534");
  ExpectOnlyKept(exporter.pid(), Bit(CAP_BPF) | Bit(CAP_PERFMON));
  // Without CAP_SETPCAP the bounding set stays; no_new_privs covers execve.
  EXPECT_NE(exporter.StderrText().find("bounding_set=unchanged (no CAP_SETPCAP)"),
            std::string::npos)
      << exporter.StderrText();

  Listener listener(AF_INET, /*nonblocking=*/false);
  for (int i = 0; i < 3; ++i) AcceptConnection(listener);
  MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_nobody"}}), 3);
  EXPECT_GE(metrics.Value(kRunCount, {{"program", "handle_enter_accept4"}}), 3);

  // New programs, loaded and attached by uid 65534 with CAP_BPF and
  // CAP_PERFMON alone.
  ASSERT_TRUE(
      exporter.Reload(std::string(kTracepointWithStats) + "labels: {pid: false, port: true}\n"))
      << exporter.StderrText();
  EXPECT_NE(exporter.StderrText().find("config reloaded programs=reloaded"), std::string::npos);
  AcceptConnection(listener);
  metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_calls_total",
                        {{"comm", "a4t_nobody"}, {"port", std::to_string(listener.port())}}),
            1);
  ExpectOnlyKept(exporter.pid(), Bit(CAP_BPF) | Bit(CAP_PERFMON));
}

TEST(UnprivilegedTest, WithoutSysAdminServesEverythingButTheProgramStats) {
  SKIP_WITHOUT_UNPRIVILEGED_BPF();
  ScopedComm comm("a4t_nobody2");
  UnprivilegedExporter exporter("+bpf,+perfmon", kTracepointWithStats);
  ASSERT_TRUE(exporter.running());
  EXPECT_NE(exporter.StderrText().find(
                "bpf_stats: enabling BPF run-time stats (BPF_ENABLE_STATS): Operation not "
                "permitted (needs CAP_SYS_ADMIN; see docs/capabilities.md)"),
            std::string::npos)
      << exporter.StderrText();
  ExpectOnlyKept(exporter.pid(), Bit(CAP_BPF) | Bit(CAP_PERFMON));

  Listener listener(AF_INET, /*nonblocking=*/false);
  AcceptConnection(listener);
  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_calls_total", {{"comm", "a4t_nobody2"}}), 1);
  EXPECT_TRUE(metrics.Find(kRunCount).empty());
}

}  // namespace
}  // namespace accept4_test
