// The signals of unhealthy accept loops, measured in the kernel: time spent
// in the call, listen queue length and limit, the per-listener port label,
// and series that go away with their process.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <thread>

#include "accept4.h"
#include "accept_calls.h"
#include "bpf_objects.h"
#include "bpf_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

// Cumulative count of the histogram bucket whose upper bound is `le`.
double BucketCount(const MetricsText& metrics, const std::string& histogram, const Labels& labels,
                   double le) {
  for (const Sample& sample : metrics.Find(histogram + "_bucket", labels)) {
    const double bound = std::stod(sample.labels.at("le"));
    if (bound == le || std::fabs(bound - le) < 1e-12) return sample.value;
  }
  return NAN;
}

void AcceptAndClose(int listener_fd) {
  const int accepted = RawAccept4(listener_fd, SOCK_CLOEXEC);
  ASSERT_GE(accepted, 0) << strerror(errno);
  close(accepted);
}

// A blocking accept4 whose client connects about 300 ms late, scraped from
// an exporter with `config`.
MetricsText ScrapeAfterALateClient(const std::string& config) {
  ExporterProcess exporter(config);
  EXPECT_TRUE(exporter.running());
  Listener listener(AF_INET, /*nonblocking=*/false);
  int client = -1;
  std::thread late_client([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    client = listener.Connect();
  });
  AcceptAndClose(listener.fd());
  late_client.join();
  close(client);
  return exporter.ScrapeFresh();
}

TEST(BlockingSignalsTest, DurationOfAnAcceptThatWaits) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_duration");
  const MetricsText metrics = ScrapeAfterALateClient("poll_interval: 100ms\n");
  const Labels labels = {
      {"comm", "a4t_duration"}, {"syscall", "accept4"}, {"listener", "blocking"}};
  EXPECT_EQ(metrics.Value("accept4_duration_seconds_count", labels), 1);
  EXPECT_GE(metrics.Value("accept4_duration_seconds_sum", labels), 0.3);
  // buckets of powers of four: 2^28 ns = 0.268 s is too short, 2^30 ns = 1.07 s holds it
  EXPECT_EQ(BucketCount(metrics, "accept4_duration_seconds", labels, 0.268435456), 0);
  EXPECT_TRUE(std::isnan(BucketCount(metrics, "accept4_duration_seconds", labels, 0.536870912)));
  EXPECT_EQ(BucketCount(metrics, "accept4_duration_seconds", labels, 1.073741824), 1);
  EXPECT_EQ(BucketCount(metrics, "accept4_duration_seconds", labels, INFINITY), 1);
  EXPECT_EQ(
      metrics.Value("accept4_calls_total",
                    {{"comm", "a4t_duration"}, {"syscall", "accept4"}, {"listener", "blocking"}}),
      1);
}

TEST(BlockingSignalsTest, FullResolutionPublishesEveryKernelBucket) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_fullres");
  const MetricsText metrics =
      ScrapeAfterALateClient("poll_interval: 100ms\nhistograms: {full_resolution: true}\n");
  const Labels labels = {{"comm", "a4t_fullres"}, {"syscall", "accept4"}, {"listener", "blocking"}};
  // log2 buckets: 2^28 ns = 0.268 s is too short, 2^29 ns = 0.537 s holds it
  EXPECT_EQ(BucketCount(metrics, "accept4_duration_seconds", labels, 0.268435456), 0);
  EXPECT_EQ(BucketCount(metrics, "accept4_duration_seconds", labels, 0.536870912), 1);
  EXPECT_EQ(metrics.Find("accept4_duration_seconds_bucket", labels).size(),
            static_cast<size_t>(ACCEPT4_DURATION_BUCKETS));
}

TEST(BlockingSignalsTest, BacklogSeenByTheNextAcceptAndItsLimit) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_backlog");
  ExporterProcess exporter("poll_interval: 100ms\n");
  ASSERT_TRUE(exporter.running());
  constexpr int kLimit = 7;
  constexpr int kPending = 3;
  // TCP counts its queue in sk_ack_backlog, a unix listener on its receive
  // queue: both must read the same.
  for (int family : {AF_INET, AF_UNIX}) {
    Listener listener(family, /*nonblocking=*/false, kLimit);
    std::vector<int> clients;
    // On loopback the handshake is done when connect returns: all queued.
    for (int i = 0; i < kPending; ++i) clients.push_back(listener.Connect());
    // The first accept finds 3 waiting, the second 2.
    AcceptAndClose(listener.fd());
    AcceptAndClose(listener.fd());
    for (int fd : clients) close(fd);
  }

  const MetricsText metrics = exporter.ScrapeFresh();
  for (const char* family : {"AF_INET", "AF_UNIX"}) {
    const Labels labels = {{"comm", "a4t_backlog"}, {"family", family}, {"listener", "blocking"}};
    EXPECT_EQ(metrics.Value("accept4_listen_backlog_count", labels), 2) << family;
    EXPECT_EQ(metrics.Value("accept4_listen_backlog_sum", labels), kPending + kPending - 1)
        << family;
    EXPECT_EQ(BucketCount(metrics, "accept4_listen_backlog", labels, 0), 0) << family;
    EXPECT_EQ(BucketCount(metrics, "accept4_listen_backlog", labels, 3), 2) << family;
    EXPECT_EQ(metrics.Value("accept4_listen_backlog_limit", labels), kLimit) << family;
  }
}

TEST(BlockingSignalsTest, PortLabelTellsListenersApart) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_port");
  ExporterProcess exporter("poll_interval: 100ms\nlabels:\n  port: true\n");
  ASSERT_TRUE(exporter.running());
  Listener first(AF_INET, /*nonblocking=*/false);
  Listener second(AF_INET6, /*nonblocking=*/false);
  Listener local(AF_UNIX, /*nonblocking=*/false);
  const std::pair<const Listener*, int> calls[] = {{&first, 1}, {&second, 2}, {&local, 3}};
  for (const auto& [listener, count] : calls) {
    for (int i = 0; i < count; ++i) {
      const int client = listener->Connect();
      AcceptAndClose(listener->fd());
      close(client);
    }
  }

  const MetricsText metrics = exporter.ScrapeFresh();
  for (const auto& [listener, count] : calls) {
    const Labels labels = {{"comm", "a4t_port"}, {"port", std::to_string(listener->port())}};
    EXPECT_EQ(metrics.Sum("accept4_calls_total", labels), count) << listener->port();
    EXPECT_EQ(metrics.Sum("accept4_duration_seconds_count", labels), count);
    EXPECT_EQ(metrics.Sum("accept4_listen_backlog_count", labels), count);
  }
  EXPECT_EQ(metrics.Sum("accept4_calls_total",
                        {{"comm", "a4t_port"}, {"family", "AF_UNIX"}, {"port", "0"}}),
            3);
}

// Keys of the exporter's stats map whose tgid is `tgid`.
int StatsEntriesOf(pid_t exporter, uint32_t tgid) {
  int entries = 0;
  for (uint32_t id : MapIdsHeldBy(exporter, "stats")) {
    const int fd = bpf_map_get_fd_by_id(id);
    accept4_key key;
    if (fd < 0) continue;
    const void* previous = nullptr;
    while (bpf_map_get_next_key(fd, previous, &key) == 0) {
      previous = &key;
      if (key.tgid == tgid) ++entries;
    }
    close(fd);
  }
  return entries;
}

// A process that makes its calls and exits between two polls is still
// served for the grace period, not dropped at the first read that sees it.
TEST(BlockingSignalsTest, ShortLivedProcessIsServedForTheGracePeriod) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 300ms\nexited_process_grace_period: 5s\n");
  ASSERT_TRUE(exporter.running());
  const pid_t child = fork();
  if (child == 0) {
    ScopedComm comm("a4t_brief");
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 0; i < 3; ++i) RawAccept4(listener.fd(), 0);
    _exit(0);
  }
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(
      metrics.Sum("accept4_calls_total", {{"comm", "a4t_brief"}, {"pid", std::to_string(child)}}),
      3);
}

TEST(BlockingSignalsTest, ExitedProcessLosesItsSeriesAfterTheGracePeriod) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 100ms\nexited_process_grace_period: 1500ms\n");
  ASSERT_TRUE(exporter.running());
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(go[1]);  // so that the parent's close is seen as end of file
    ScopedComm comm("a4t_child");
    Listener listener(AF_INET, /*nonblocking=*/true);
    RawAccept4(listener.fd(), 0);
    RawAccept4(listener.fd(), 0);
    char byte;
    read(go[0], &byte, 1);  // exit when the parent says so
    _exit(0);
  }
  close(go[0]);
  const Labels child_labels = {{"comm", "a4t_child"}, {"pid", std::to_string(child)}};
  // Wait for the child's calls, then let it exit.
  MetricsText before("");
  for (int i = 0; i < 100 && before.Sum("accept4_calls_total", child_labels) < 2; ++i) {
    before = exporter.ScrapeFresh();
  }
  EXPECT_EQ(before.Sum("accept4_calls_total", child_labels), 2);
  EXPECT_GT(StatsEntriesOf(exporter.pid(), child), 0);
  close(go[1]);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  const auto exited = std::chrono::steady_clock::now();

  // Still there after the exit: its series wait for a scrape of their
  // final counts, then for the grace period...
  const MetricsText during = exporter.ScrapeFresh();
  EXPECT_EQ(during.Sum("accept4_calls_total", child_labels), 2);
  // ...and then go, from /metrics and from the kernel map: waited for as an
  // event, with a deadline, never as a fixed sleep.
  MetricsText after = exporter.ScrapeFresh();
  const auto deadline = exited + std::chrono::seconds(15);
  while (!after.Find("accept4_calls_total", child_labels).empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = exporter.ScrapeFresh();
  }
  EXPECT_GE(std::chrono::steady_clock::now() - exited, std::chrono::milliseconds(1500))
      << "gone before its grace period ended";
  EXPECT_TRUE(after.Find("accept4_calls_total", child_labels).empty());
  EXPECT_TRUE(after.Find("accept4_errors_total", child_labels).empty());
  EXPECT_TRUE(after.Find("accept4_duration_seconds_count", child_labels).empty());
  EXPECT_EQ(StatsEntriesOf(exporter.pid(), child), 0);
}

}  // namespace
}  // namespace accept4_test
