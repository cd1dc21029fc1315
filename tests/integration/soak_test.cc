// Everything hostile at once, for a bounded time: an accept storm, 20
// scrapes a second, process churn with forced pid reuse, an unprivileged
// user renaming itself, passing junk flags and forking to fill the series
// map, and SIGHUP reloads. At the end: every legitimate tally exact, no
// served counter ever went backwards, no legitimate call in [overflow],
// and the exporter's memory bounded.
#include <errno.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "accept_calls.h"
#include "bpf_support.h"
#include "cgroup_support.h"
#include "exporter_process.h"
#include "http_get.h"

namespace accept4_test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kDuration = std::chrono::seconds(45);
constexpr uid_t kLegitimateUid = 1000;
constexpr uid_t kAttackerUid = 65534;
constexpr int kShare = 256;
constexpr int kCallsPerChurnedProcess = 3;
constexpr int kAttackerForks = 400;
// AddressSanitizer (scripts/test-sanitizers) keeps shadow memory and slows
// every process down: the bounds on memory and pace scale with it.
#ifdef __SANITIZE_ADDRESS__
constexpr double kSanitizerScale = 4;
#else
constexpr double kSanitizerScale = 1;
#endif

// VmHWM of `pid` in bytes, or 0.
double PeakRssBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) * 1024;
  }
  return 0;
}

// The lines of the two counter families, the only ones checked on every
// scrape: parsing the whole body 20 times a second would cost more than
// serving it.
std::string CounterLines(const std::string& body) {
  std::string lines;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    const std::string_view line(body.data() + start, end - start);
    if (line.rfind("accept4_calls_total{", 0) == 0 || line.rfind("accept4_errors_total{", 0) == 0) {
      lines.append(line).push_back('\n');
    }
    start = end + 1;
  }
  return lines;
}

// Moves this process into a new cgroup v2 for the test's lifetime, so that
// the exporter (filters.cgroup_path_prefixes) counts only the test's
// processes, not whatever else the host runs meanwhile.
class ScopedCgroup {
 public:
  explicit ScopedCgroup(const std::string& name) {
    mount_ = CgroupV2Mount();
    if (mount_.empty()) return;
    std::ifstream self("/proc/self/cgroup");
    std::string line;
    while (std::getline(self, line)) {
      if (line.rfind("0::", 0) == 0) previous_ = line.substr(3);
    }
    path_ = "/" + name;
    if (mkdir((mount_ + path_).c_str(), 0755) != 0 && errno != EEXIST) path_.clear();
    if (!path_.empty()) std::ofstream(mount_ + path_ + "/cgroup.procs") << getpid();
  }
  ~ScopedCgroup() {
    if (path_.empty()) return;
    std::ofstream(mount_ + previous_ + "/cgroup.procs") << getpid();
    rmdir((mount_ + path_).c_str());
  }
  // The cgroup's path under the v2 root; empty when it could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string mount_, previous_, path_;
};

std::string Key(const Labels& labels) {
  std::string key;
  for (const auto& [name, value] : labels) key += name + "=" + value + ",";
  return key;
}

// Scrapes 20 times a second and checks that no served counter goes
// backwards while its series is shown; keeps the largest value each series
// of the churned processes reached.
class Scraper {
 public:
  explicit Scraper(const ExporterProcess& exporter) : exporter_(exporter) {}

  void Run(const std::atomic<bool>& stop) {
    auto next = Clock::now();
    while (!stop) {
      const HttpResponse response = HttpGet(exporter_.url("/metrics"));
      if (response.status != 200) {
        ++failed_;
      } else {
        Check(MetricsText(CounterLines(response.body)));
        ++scrapes_;
      }
      next += std::chrono::milliseconds(50);
      std::this_thread::sleep_until(next);
    }
  }

  int scrapes() const { return scrapes_; }
  int failed() const { return failed_; }
  const std::vector<std::string>& backwards() const { return backwards_; }
  // Largest accept4_calls_total of comm="a4s_churn", pid=<pid>.
  double ChurnedMax(pid_t pid) const {
    const auto found = churned_max_.find(std::to_string(pid));
    return found == churned_max_.end() ? 0 : found->second;
  }

 private:
  void Check(const MetricsText& metrics) {
    std::map<std::string, double> now;
    for (const char* family : {"accept4_calls_total", "accept4_errors_total"}) {
      for (const Sample& sample : metrics.Find(family)) {
        const std::string key = family + std::string("{") + Key(sample.labels);
        now[key] = sample.value;
        const auto before = last_.find(key);
        if (before != last_.end() && sample.value < before->second && backwards_.size() < 10) {
          backwards_.push_back(key + "} " + std::to_string(before->second) + " -> " +
                               std::to_string(sample.value));
        }
        if (family == std::string("accept4_calls_total") &&
            sample.labels.at("comm") == "a4s_churn") {
          double& most = churned_max_[sample.labels.at("pid")];
          most = std::max(most, sample.value);
        }
      }
    }
    // A series that is gone may come back later as a new one, from zero.
    last_ = std::move(now);
  }

  const ExporterProcess& exporter_;
  std::map<std::string, double> last_;
  std::map<std::string, double> churned_max_;
  std::vector<std::string> backwards_;
  int scrapes_ = 0;
  int failed_ = 0;
};

// Makes the next fork of this pid namespace get `pid` (root only).
void NextPidWillBe(pid_t pid) { std::ofstream("/proc/sys/kernel/ns_last_pid") << pid - 1; }

TEST(SoakTest, EverythingAtOnceStaysExact) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4s_storm");
  const ScopedCgroup cgroup("a4s_soak_" + std::to_string(getpid()));
  if (cgroup.path().empty()) GTEST_SKIP() << "no cgroup v2 hierarchy to keep the host's calls out";
  const std::string config =
      "poll_interval: 200ms\nexited_process_grace_period: 1s\n"
      "maps: {max_series: 2048, max_series_per_uid: " +
      std::to_string(kShare) + "}\nfilters: {cgroup_path_prefixes: [" + cgroup.path() + "]}\n";
  ExporterProcess exporter(config);
  ASSERT_TRUE(exporter.running());
  std::atomic<bool> stop{false};
  std::atomic<bool> stop_storm{false};
  const auto deadline = Clock::now() + kDuration;

  // The storm: EAGAIN loops under each known flags value, and real
  // connections, from two threads of this process.
  Listener storm_listener(AF_INET, /*nonblocking=*/true, 1024);
  std::atomic<uint64_t> storm_calls{0};
  auto storm = [&](int flags) {
    while (!stop_storm) {
      for (int i = 0; i < 200; ++i) {
        RawAccept4(storm_listener.fd(), flags);
        ++storm_calls;
      }
      const int client = storm_listener.Connect();
      const int accepted = RawAccept4(storm_listener.fd(), SOCK_CLOEXEC);
      ++storm_calls;
      if (accepted >= 0) close(accepted);
      close(client);
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  };
  std::thread storm_a(storm, SOCK_NONBLOCK);
  std::thread storm_b(storm, SOCK_CLOEXEC | SOCK_NONBLOCK);

  Scraper scraper(exporter);
  std::thread scrapes([&] { scraper.Run(stop); });

  // The attacker, as an unprivileged uid: renames, junk flags, and forks
  // that stay alive (so that their series stay too) until told to go.
  int attacker_done[2], attacker_tally[2];
  ASSERT_EQ(pipe(attacker_done), 0);
  ASSERT_EQ(pipe(attacker_tally), 0);
  const pid_t attacker = fork();
  if (attacker == 0) {
    close(attacker_done[1]);
    close(attacker_tally[0]);
    if (setresgid(kAttackerUid, kAttackerUid, kAttackerUid) != 0 ||
        setresuid(kAttackerUid, kAttackerUid, kAttackerUid) != 0) {
      _exit(2);
    }
    Listener listener(AF_INET, /*nonblocking=*/true);
    uint64_t calls = 0;
    std::vector<pid_t> forks;
    // Each fork says when its call is made, so that the tally never counts
    // a call that a slow fork has not made yet.
    int made[2];
    if (pipe(made) != 0) _exit(2);
    for (int round = 0; round < kAttackerForks; ++round) {
      prctl(PR_SET_NAME, ("a4s_evil" + std::to_string(round)).c_str());
      for (int i = 0; i < 20; ++i) {
        RawAccept4(listener.fd(), (round + 1) << 12 | i << 24);  // junk bits
        ++calls;
      }
      const pid_t child = fork();
      if (child == 0) {
        RawAccept4(listener.fd(), 0);
        const char one = 1;
        write(made[1], &one, 1);
        char byte;
        read(attacker_done[0], &byte, 1);
        _exit(0);
      }
      if (child > 0) {
        forks.push_back(child);
        ++calls;
      }
      usleep(20 * 1000);
    }
    for (size_t i = 0; i < forks.size(); ++i) {
      char one;
      read(made[0], &one, 1);
    }
    write(attacker_tally[1], &calls, sizeof(calls));
    char byte;
    read(attacker_done[0], &byte, 1);
    for (pid_t child : forks) waitpid(child, nullptr, 0);
    _exit(0);
  }
  close(attacker_done[0]);
  close(attacker_tally[1]);

  // Churn as a legitimate uid: short-lived processes, every fourth one
  // forced onto the pid of the one before, while its series are served.
  std::map<pid_t, double> churned_calls;
  int reused = 0;
  pid_t previous = 0;
  int round = 0;
  int next_reload = 0;
  while (Clock::now() < deadline) {
    const bool reuse = previous != 0 && round % 4 == 3;
    if (reuse) NextPidWillBe(previous);
    const pid_t child = fork();
    if (child == 0) {
      prctl(PR_SET_NAME, "a4s_churn");
      if (setresuid(kLegitimateUid, kLegitimateUid, kLegitimateUid) != 0) _exit(2);
      Listener listener(AF_INET, /*nonblocking=*/true);
      for (int i = 0; i < kCallsPerChurnedProcess; ++i) {
        if (RawAccept4(listener.fd(), 0) != -1 || errno != EAGAIN) _exit(4);
      }
      _exit(0);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "churned process " << child;
    if (reuse && child == previous) ++reused;
    churned_calls[child] += kCallsPerChurnedProcess;
    previous = child;
    ++round;
    if (++next_reload % 100 == 0) kill(exporter.pid(), SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
  }

  // The storm stops; the scraper goes on for more than a poll and the
  // grace period, so that it sees the last churned processes' series.
  stop_storm = true;
  storm_a.join();
  storm_b.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  uint64_t attacker_calls = 0;
  ASSERT_EQ(read(attacker_tally[0], &attacker_calls, sizeof(attacker_calls)),
            static_cast<ssize_t>(sizeof(attacker_calls)));
  // Everything has run: one scrape of a pass after it, then let the
  // attacker's processes go.
  const MetricsText final_metrics = exporter.ScrapeFresh();
  stop = true;
  scrapes.join();
  close(attacker_done[1]);
  ASSERT_EQ(waitpid(attacker, nullptr, 0), attacker);

  // Paced at 20 a second; two busy cores fall behind, to some 9 a second.
  EXPECT_GT(scraper.scrapes(), 8 * 45 / kSanitizerScale) << "scrapes in 45 s";
  EXPECT_EQ(scraper.failed(), 0);
  EXPECT_TRUE(scraper.backwards().empty()) << scraper.backwards().front();
  EXPECT_EQ(final_metrics.Sum("accept4_calls_total",
                              {{"comm", "a4s_storm"}, {"pid", std::to_string(getpid())}}),
            static_cast<double>(storm_calls));
  EXPECT_GT(reused, 10) << "pids reused while their series were served";
  // Every churned process's calls were served. A pid taken again while
  // the old series were served shows their sum; one taken after they went
  // shows its own: a multiple of the calls each made, up to all of them.
  int served_summed = 0;
  for (const auto& [pid, calls] : churned_calls) {
    const double most = scraper.ChurnedMax(pid);
    EXPECT_GE(most, kCallsPerChurnedProcess) << "pid " << pid;
    EXPECT_LE(most, calls) << "pid " << pid;
    EXPECT_EQ(std::fmod(most, kCallsPerChurnedProcess), 0) << "pid " << pid;
    if (most > kCallsPerChurnedProcess) ++served_summed;
  }
  EXPECT_GE(served_summed, reused) << "each forced reuse came within the old series' grace";
  // The attacker's calls: in its share of series, the rest under
  // [overflow] for its uid; nobody else's there, and the map never full.
  // Each of its processes is named after the round that forked it.
  double attacker_in_series = 0;
  size_t attacker_series = 0;
  for (const Sample& sample : final_metrics.Find("accept4_calls_total")) {
    if (sample.labels.at("comm").rfind("a4s_evil", 0) != 0) continue;
    attacker_in_series += sample.value;
    ++attacker_series;
  }
  const double uid_share =
      final_metrics.Value("accept4_exporter_overflow_calls_total", {{"reason", "uid_share"}});
  EXPECT_EQ(attacker_in_series + uid_share, static_cast<double>(attacker_calls));
  EXPECT_GT(uid_share, 0) << "the attacker reached its share";
  EXPECT_EQ(final_metrics.Value("accept4_exporter_overflow_calls_total", {{"reason", "map_full"}}),
            0);
  EXPECT_LE(attacker_series, static_cast<size_t>(kShare + 2))
      << "at most one series over the share per CPU";
  EXPECT_LT(PeakRssBytes(exporter.pid()), 200e6 * kSanitizerScale);
  EXPECT_EQ(exporter.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace accept4_test
