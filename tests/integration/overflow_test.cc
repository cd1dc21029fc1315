// A series map filled past its capacity must still give exact totals: the
// calls that find no room are counted by syscall and errno under
// comm="[overflow]", with reason map_full.
#include <gtest/gtest.h>
#include <unistd.h>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

TEST(OverflowTest, TotalsStayExactWhenTheSeriesMapIsFull) {
  SKIP_WITHOUT_BPF();
  ScopedComm comm("a4t_overflow");
  constexpr int kCapacity = 4;
  // Only this process is counted, so every series and total is ours.
  ExporterProcess exporter(
      "poll_interval: 100ms\nmaps:\n  max_series: " + std::to_string(kCapacity) +
      "\n  max_series_per_uid: 0\nfilters:\n  pids: [" + std::to_string(getpid()) + "]\n");
  ASSERT_TRUE(exporter.running());

  // Twelve series: EAGAIN on a non-blocking listener of each of three
  // families under each of the four sets of known flags, the k-th called k
  // times; then EINVAL calls (an unknown flag bit) and one success.
  const int flag_sets[] = {0, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_CLOEXEC | SOCK_NONBLOCK};
  int eagain_calls = 0;
  int k = 0;
  for (int family : {AF_INET, AF_INET6, AF_UNIX}) {
    Listener nonblocking(family, /*nonblocking=*/true);
    for (int flags : flag_sets) {
      ++k;
      for (int i = 0; i < k; ++i) {
        ASSERT_EQ(RawAccept4(nonblocking.fd(), flags), -1);
        ++eagain_calls;
      }
    }
  }
  Listener listener(AF_INET, /*nonblocking=*/true);
  constexpr int kEinvalCalls = 7;
  for (int i = 0; i < kEinvalCalls; ++i) ASSERT_EQ(RawAccept4(listener.fd(), 0x1), -1);
  const int client = listener.Connect();
  const int accepted = RawAccept4(listener.fd(), 0);
  ASSERT_GE(accepted, 0);
  close(accepted);
  close(client);
  const int total = eagain_calls + kEinvalCalls + 1;

  const MetricsText metrics = exporter.ScrapeFresh();
  EXPECT_EQ(metrics.Sum("accept4_calls_total"), total);
  EXPECT_EQ(metrics.Sum("accept4_errors_total", {{"errno", "EAGAIN"}}), eagain_calls);
  EXPECT_EQ(metrics.Sum("accept4_errors_total", {{"errno", "EINVAL"}}), kEinvalCalls);
  EXPECT_EQ(metrics.Sum("accept4_errors_total"), total - 1);

  const double in_map = metrics.Sum("accept4_calls_total", {{"comm", "a4t_overflow"}});
  const double overflowed = metrics.Sum("accept4_calls_total", {{"comm", "[overflow]"}});
  EXPECT_EQ(metrics.Find("accept4_calls_total", {{"comm", "a4t_overflow"}}).size(),
            static_cast<size_t>(kCapacity));
  EXPECT_GT(overflowed, 0);
  EXPECT_EQ(in_map + overflowed, total);
  EXPECT_EQ(metrics.Value("accept4_exporter_overflow_calls_total", {{"reason", "map_full"}}),
            overflowed);
  EXPECT_EQ(metrics.Value("accept4_exporter_overflow_calls_total", {{"reason", "uid_share"}}), 0);
  EXPECT_EQ(metrics.Value("accept4_exporter_map_entries", {{"map", "stats"}}), kCapacity);
  EXPECT_EQ(metrics.Value("accept4_exporter_map_capacity", {{"map", "stats"}}), kCapacity);
}

}  // namespace
}  // namespace accept4_test
