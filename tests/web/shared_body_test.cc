// Serving one large body to many scrapers at once: the body is shared, not
// copied per scrape, and its gzip form is made once and shared too; a
// response in flight holds one of --web.max-requests places. Runs
// the HTTP server in a process of its own (body_server.cc) so that its
// resident memory is the server's alone.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <barrier>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.h"

namespace accept4_test {
namespace {

// A body server started with a body of `megabytes`, stopped at the end.
class BodyServer {
 public:
  explicit BodyServer(int megabytes, int max_requests = 40) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execl(ACCEPT4_WEB_BODY_SERVER, ACCEPT4_WEB_BODY_SERVER, std::to_string(megabytes).c_str(),
            std::to_string(max_requests).c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    if (std::fscanf(stream, "port=%d", &port_) != 1) port_ = 0;
    std::fclose(stream);
  }
  ~BodyServer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

  // A line of /proc/PID/status, in kB ("VmRSS", "VmHWM").
  long StatusKb(const std::string& field) const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string Get(const std::string& extra_headers = "") {
  return "GET /metrics HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

TEST(SharedBodyTest, TenParallelScrapesOfA100MbBodyStayUnderTwiceItsSize) {
  constexpr int kMegabytes = 100;
  constexpr int kScrapes = 10;
  BodyServer server(kMegabytes);
  ASSERT_NE(server.port(), 0);
  const long before_kb = server.StatusKb("VmRSS");

  // Each scraper reads the start of its response, waits until all have, so
  // that all ten are being sent at once, then counts the rest unread.
  std::barrier all_started(kScrapes);
  std::vector<size_t> received(kScrapes, 0);
  std::vector<size_t> expected(kScrapes, 0);
  std::vector<std::thread> scrapers;
  for (int i = 0; i < kScrapes; ++i) {
    scrapers.emplace_back([&, i] {
      const int fd = ConnectTcp("127.0.0.1", server.port(), std::chrono::seconds(30));
      char chunk[65536];
      ssize_t n = fd >= 0 && SendAll(fd, Get()) ? recv(fd, chunk, sizeof(chunk), 0) : -1;
      all_started.arrive_and_wait();
      if (n <= 0) return;
      // The headers fit in the first read; the body is counted, not kept.
      const std::string head(chunk, static_cast<size_t>(n));
      const size_t end = head.find("\r\n\r\n");
      const size_t length = head.find("Content-Length: ");
      if (end != std::string::npos && length < end) {
        expected[i] = std::stoull(head.substr(length + 16)) + end + 4;
      }
      size_t total = static_cast<size_t>(n);
      while (total < expected[i] && (n = recv(fd, chunk, sizeof(chunk), 0)) > 0) {
        total += static_cast<size_t>(n);
      }
      received[i] = total;
      close(fd);
    });
  }
  for (std::thread& scraper : scrapers) scraper.join();
  const long peak_kb = server.StatusKb("VmHWM");
  std::printf("%d parallel scrapes of a %d MB body: server RSS %ld MB before, peak %ld MB\n",
              kScrapes, kMegabytes, before_kb / 1024, peak_kb / 1024);
  for (int i = 0; i < kScrapes; ++i) {
    EXPECT_GT(expected[i], size_t{kMegabytes} << 20) << "scrape " << i;
    EXPECT_EQ(received[i], expected[i]) << "scrape " << i;
  }
  EXPECT_LT(peak_kb, 2L * kMegabytes * 1024);
}

TEST(SharedBodyTest, GzipIsOneValidMemberOfThePlainBody) {
  BodyServer server(3);
  ASSERT_NE(server.port(), 0);
  const int fd = ConnectTcp("127.0.0.1", server.port());
  ASSERT_GE(fd, 0);
  std::string buffered;
  ASSERT_TRUE(SendAll(fd, Get()));
  const RawResponse plain = ReadResponse(fd, buffered);
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body.rfind("# per scrape\naccept4_calls_total{", 0), 0u);
  // Twice: compressed on the first, from the cache on the second.
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(SendAll(fd, Get("Accept-Encoding: deflate, gzip;q=0.8\r\n")));
    const RawResponse gzipped = ReadResponse(fd, buffered);
    ASSERT_EQ(gzipped.status, 200);
    EXPECT_EQ(gzipped.headers.at("content-encoding"), "gzip");
    EXPECT_EQ(gzipped.headers.at("vary"), "Accept-Encoding");
    EXPECT_LT(gzipped.body.size(), plain.body.size() / 4);
    std::string error;
    EXPECT_TRUE(Gunzip(gzipped.body, &error) == plain.body) << error;
  }
  ASSERT_TRUE(SendAll(fd, Get("Accept-Encoding: gzip;q=0\r\n")));
  const RawResponse refused = ReadResponse(fd, buffered);
  EXPECT_EQ(refused.headers.count("content-encoding"), 0u);
  EXPECT_EQ(refused.body, plain.body);
  close(fd);
}

// --web.max-requests: a response still being sent holds its place; the
// request beyond the limit is answered 503 at once, and served again once
// the place is free.
TEST(SharedBodyTest, RequestsBeyondMaxRequestsGet503AtOnce) {
  BodyServer server(64, /*max_requests=*/1);
  ASSERT_NE(server.port(), 0);
  // 64 MB do not fit in the socket buffers: unread, the response stays in
  // flight.
  const int reader = ConnectTcp("127.0.0.1", server.port());
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(SendAll(reader, Get()));
  char chunk[65536];
  ASSERT_GT(recv(reader, chunk, sizeof(chunk), 0), 0);

  const int other = ConnectTcp("127.0.0.1", server.port());
  ASSERT_GE(other, 0);
  std::string buffered;
  ASSERT_TRUE(SendAll(other, "GET /-/healthy HTTP/1.1\r\nHost: test\r\n\r\n"));
  const RawResponse busy = ReadResponse(other, buffered);
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers.at("retry-after"), "1");

  close(reader);  // the write fails, the place is free
  for (int attempt = 0; attempt < 100; ++attempt) {
    ASSERT_TRUE(SendAll(other, "GET /-/healthy HTTP/1.1\r\nHost: test\r\n\r\n"));
    if (ReadResponse(other, buffered).status == 200) break;
    ASSERT_LT(attempt, 99) << "never served after the reader went";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  close(other);
}

}  // namespace
}  // namespace accept4_test
