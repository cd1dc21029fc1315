// The HTTP server of the real exporter against clients that try to take it
// down: hundreds of idle and slowloris connections, a flood of wrong
// passwords; and what scrapers rely on: gzip, keep-alive, HEAD, IPv6 and
// host names in --web.listen-address, and a bad address refused at once.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bpf_support.h"
#include "exporter_process.h"
#include "http_get.h"
#include "raw_http.h"

namespace accept4_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kUser[] = "prometheus";
constexpr char kPassword[] = "correct horse";
// bcrypt of kPassword at cost 10, as htpasswd -B writes it.
constexpr char kHash[] = "$2y$10$lr5YAOF2NdmuVcfJ17vx3eY6G/1mBIFVeZ3Ist4iH30.F3tvWf0Vq";

// The test opens hundreds of sockets; the exporter it starts inherits the
// raised limit too.
void RaiseOpenFileLimit() {
  rlimit limit = {};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

std::string Request(const std::string& method, const std::string& path,
                    const std::string& extra_headers = "") {
  return method + " " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

long Milliseconds(steady_clock::duration duration) {
  return std::chrono::duration_cast<milliseconds>(duration).count();
}

// Waits up to `timeout` for the peer to close `fd`; true when it did.
bool ClosedByPeer(int fd, milliseconds timeout) {
  timeval tv = {};
  tv.tv_sec = timeout.count() / 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char byte;
  for (;;) {
    const ssize_t n = recv(fd, &byte, 1, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

TEST(WebLoadTest, IdleAndSlowClientsDoNotDelayAScrape) {
  SKIP_WITHOUT_BPF();
  RaiseOpenFileLimit();
  ExporterProcess exporter("");
  ASSERT_TRUE(exporter.running());

  std::vector<int> idle;
  for (int i = 0; i < 500; ++i) {
    const int fd = ConnectTcp("127.0.0.1", exporter.port());
    ASSERT_GE(fd, 0) << "idle connection " << i;
    idle.push_back(fd);
  }
  // Slowloris: a request line, then one header byte every 100 ms.
  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    const int fd = ConnectTcp("127.0.0.1", exporter.port());
    ASSERT_GE(fd, 0) << "slow connection " << i;
    ASSERT_TRUE(SendAll(fd, "GET /metrics HTTP/1.1\r\nHost: test\r\n"));
    slow.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (int fd : slow) send(fd, "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });

  long slowest = 0;
  for (int i = 0; i < 10; ++i) {
    HttpRequestOptions options;
    options.timeout_ms = 1000;
    const auto start = steady_clock::now();
    const HttpResponse response = HttpGet(exporter.url("/metrics"), options);
    slowest = std::max(slowest, Milliseconds(steady_clock::now() - start));
    EXPECT_EQ(response.status, 200) << "scrape " << i << ": " << response.error;
  }
  // 550 connections against a bound of 512: each one beyond it closed the
  // connection that had waited longest, the oldest idle ones, at once.
  int evicted = 0;
  for (int fd : idle) {
    char byte;
    evicted += recv(fd, &byte, 1, MSG_DONTWAIT) == 0;
  }
  std::printf(
      "10 scrapes with 500 idle and 50 slowloris connections open: slowest %ld ms; %d idle "
      "connections closed to admit newer ones\n",
      slowest, evicted);
  EXPECT_GE(evicted, 550 - 512);
  char byte;
  EXPECT_EQ(recv(idle.front(), &byte, 1, MSG_DONTWAIT), 0) << "the oldest is still open";

  // The header deadline (10 s) closes the slowloris connections however
  // they trickle, and the idle ones that sent nothing.
  for (int fd : slow) EXPECT_TRUE(ClosedByPeer(fd, milliseconds(20000)));
  stop = true;
  trickle.join();
  int closed = 0;
  for (int fd : idle) closed += ClosedByPeer(fd, milliseconds(20000));
  EXPECT_EQ(closed, 500);
  for (int fd : idle) close(fd);
  for (int fd : slow) close(fd);
  EXPECT_EQ(HttpGet(exporter.url("/-/healthy")).status, 200);
}

TEST(WebLoadTest, WrongPasswordFloodLeavesTheScraperServed) {
  SKIP_WITHOUT_BPF();
  RaiseOpenFileLimit();
  char dir[] = "/tmp/accept4_web_load.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string web_config = std::string(dir) + "/web.yml";
  std::ofstream(web_config) << "basic_auth_users:\n  " << kUser << ": " << kHash << "\n";
  ExporterProcess exporter("", {"--web.config.file=" + web_config});
  ASSERT_TRUE(exporter.running());
  HttpRequestOptions scraper;
  scraper.user = kUser;
  scraper.password = kPassword;
  scraper.timeout_ms = 2000;
  ASSERT_EQ(HttpGet(exporter.url("/metrics"), scraper).status, 200);

  // Basic "prometheus:wrong" over and over, from 300 clients at once.
  const std::string wrong =
      Request("GET", "/metrics", "Authorization: Basic cHJvbWV0aGV1czp3cm9uZw==\r\n");
  std::atomic<bool> stop{false};
  std::atomic<int> unauthorized{0}, too_many{0}, other{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 300; ++i) {
    flood.emplace_back([&] {
      while (!stop) {
        const int fd = ConnectTcp("127.0.0.1", exporter.port());
        if (fd < 0) continue;
        std::string buffered;
        const int status = SendAll(fd, wrong) ? ReadResponse(fd, buffered).status : 0;
        close(fd);
        (status == 401 ? unauthorized : status == 429 ? too_many : other)++;
      }
    });
  }
  // Under way once every client has had an answer or two.
  const auto flood_start = steady_clock::now();
  while (unauthorized + too_many < 600 &&
         steady_clock::now() - flood_start < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  int served = 0;
  std::vector<long> latencies;
  for (int i = 0; i < 40; ++i) {
    const auto start = steady_clock::now();
    const HttpResponse response = HttpGet(exporter.url("/metrics"), scraper);
    latencies.push_back(Milliseconds(steady_clock::now() - start));
    served += response.status == 200;
  }
  stop = true;
  for (std::thread& thread : flood) thread.join();
  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "300 wrong-password clients: scraper served %d/40 within 2 s, latency median %ld ms, "
      "max %ld ms; flood answered 401 x%d, 429 x%d, other x%d\n",
      served, latencies[20], latencies.back(), unauthorized.load(), too_many.load(), other.load());
  EXPECT_GE(served, 38);
  // The bcrypt pool was full and the excess refused at once.
  EXPECT_GT(too_many, 0);
  EXPECT_GT(unauthorized, 0);
  std::system((std::string("rm -rf ") + dir).c_str());
}

TEST(WebLoadTest, GzipKeepAliveAndHeadOnOneConnection) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("");
  ASSERT_TRUE(exporter.running());
  exporter.ScrapeFresh();  // a poll has published the accept metrics
  const int fd = ConnectTcp("127.0.0.1", exporter.port());
  ASSERT_GE(fd, 0);
  std::string buffered;

  ASSERT_TRUE(SendAll(fd, Request("GET", "/metrics", "Accept-Encoding: gzip\r\n")));
  const RawResponse gzipped = ReadResponse(fd, buffered);
  ASSERT_EQ(gzipped.status, 200);
  EXPECT_EQ(gzipped.headers.at("content-encoding"), "gzip");
  EXPECT_EQ(gzipped.headers.at("connection"), "keep-alive");
  std::string error;
  const std::string text = Gunzip(gzipped.body, &error);
  ASSERT_EQ(error, "");
  EXPECT_LT(gzipped.body.size(), text.size());
  EXPECT_NE(text.find("\naccept4_exporter_last_map_read_timestamp_seconds "), std::string::npos);
  EXPECT_NE(text.find("# TYPE accept4_calls_total counter\n"), std::string::npos) << text;

  ASSERT_TRUE(SendAll(fd, Request("GET", "/metrics")));
  const RawResponse plain = ReadResponse(fd, buffered);
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.headers.count("content-encoding"), 0u);
  EXPECT_NE(plain.body.find("# TYPE accept4_calls_total counter\n"), std::string::npos);

  // HEAD: the length GET would send, and no body: the next response on the
  // connection follows the headers at once.
  ASSERT_TRUE(SendAll(fd, Request("HEAD", "/metrics") + Request("GET", "/-/healthy")));
  const RawResponse head = ReadResponse(fd, buffered, /*head_request=*/true);
  ASSERT_EQ(head.status, 200);
  EXPECT_GT(std::stoul(head.headers.at("content-length")), 0u);
  EXPECT_EQ(buffered.rfind("HTTP/1.1 200 OK\r\n", 0) == 0 || buffered.empty(), true) << buffered;
  const RawResponse healthy = ReadResponse(fd, buffered);
  EXPECT_EQ(healthy.status, 200);
  EXPECT_EQ(healthy.body, "OK\n");

  ASSERT_TRUE(SendAll(fd, Request("POST", "/metrics")));
  const RawResponse post = ReadResponse(fd, buffered);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.at("allow"), "GET, HEAD");
  close(fd);
}

// Runs the exporter with exactly these flags (ExporterProcess adds its own
// listen address) and returns its port, 0 if it did not listen.
class ExporterWithFlags {
 public:
  explicit ExporterWithFlags(const std::vector<std::string>& flags) {
    char dir[] = "/tmp/accept4_web_listen.XXXXXX";
    if (mkdtemp(dir) == nullptr) return;
    dir_ = dir;
    const std::string stderr_path = dir_ + "/stderr";
    pid_ = fork();
    if (pid_ == 0) {
      freopen(stderr_path.c_str(), "w", stderr);
      std::vector<std::string> args = {ExporterBinary()};
      args.insert(args.end(), flags.begin(), flags.end());
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    port_ = WaitForListening(pid_, stderr_path);
  }
  ~ExporterWithFlags() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }
  int port() const { return port_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

bool HostHasIpv6Loopback() {
  const int probe = socket(AF_INET6, SOCK_STREAM, 0);
  if (probe < 0) return false;
  sockaddr_in6 address = {};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool ok = bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(probe);
  return ok;
}

int HealthStatus(const std::string& ip, int port) {
  const int fd = ConnectTcp(ip, port);
  if (fd < 0) return 0;
  std::string buffered;
  const int status =
      SendAll(fd, Request("GET", "/-/healthy")) ? ReadResponse(fd, buffered).status : 0;
  close(fd);
  return status;
}

TEST(WebLoadTest, ListensOnIpv6AndHostNames) {
  SKIP_WITHOUT_BPF();
  {
    ExporterWithFlags exporter({"--web.listen-address=localhost:0"});
    ASSERT_NE(exporter.port(), 0);
    EXPECT_EQ(HealthStatus("127.0.0.1", exporter.port()), 200);  // IPv4 first, as Go does
  }
  if (!HostHasIpv6Loopback()) GTEST_SKIP() << "no IPv6 loopback (::1) on this host";
  {
    ExporterWithFlags exporter({"--web.listen-address=[::1]:0"});
    ASSERT_NE(exporter.port(), 0);
    EXPECT_EQ(HealthStatus("::1", exporter.port()), 200);
    EXPECT_EQ(HealthStatus("127.0.0.1", exporter.port()), 0);
  }
  for (const char* any : {"[::]:0", ":0"}) {
    SCOPED_TRACE(any);
    ExporterWithFlags exporter({std::string("--web.listen-address=") + any});
    ASSERT_NE(exporter.port(), 0);
    EXPECT_EQ(HealthStatus("::1", exporter.port()), 200);
    EXPECT_EQ(HealthStatus("127.0.0.1", exporter.port()), 200);  // dual stack
  }
}

// No BPF needed: the address is refused before anything is loaded.
TEST(WebLoadTest, BadListenAddressIsRefusedFirstWithOneLine) {
  const struct {
    const char* address;
    const char* problem;
  } cases[] = {
      {"abc", "missing port, use [host]:port"},
      {":99999", "bad port \"99999\""},
      {"localhost:p", "bad port \"p\""},
      {"[::1]:p", "bad port \"p\""},
      {"::1:9100", "an IPv6 address needs brackets, as in [::1]:port"},
      {"[::1:9100", "bad host \"[::1\""},
  };
  for (const auto& c : cases) {
    for (const bool check : {false, true}) {
      SCOPED_TRACE(std::string(c.address) + (check ? " --config.check" : ""));
      std::vector<std::string> args = {std::string("--web.listen-address=") + c.address};
      if (check) args.push_back("--config.check");
      const ExitResult result = RunExporterToExit(args);
      EXPECT_EQ(result.exit_code, 2);
      EXPECT_EQ(result.stdout_text, "");
      const std::string want = std::string("listening on \"") + c.address + "\": " + c.problem;
      EXPECT_NE(result.stderr_text.find(want), std::string::npos) << result.stderr_text;
      EXPECT_EQ(std::count(result.stderr_text.begin(), result.stderr_text.end(), '\n'), 1)
          << result.stderr_text;
    }
  }
}

}  // namespace
}  // namespace accept4_test
