#include "metrics/comm_filter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace accept4_exporter {
namespace {

StatsEntry EntryFor(const char* comm) {
  StatsEntry entry = {};
  std::strncpy(entry.key.comm, comm, sizeof(entry.key.comm));
  entry.value.calls = 1;
  return entry;
}

TEST(CommFilterTest, PatternsAreFullyAnchored) {
  const struct {
    const char* include;
    const char* exclude;
    const char* comm;
    bool wanted;
  } cases[] = {
      {"", "", "nginx", true},
      {"nginx", "", "nginx", true},
      {"nginx", "", "nginx-worker", false},  // anchored: not a substring match
      {"nginx.*", "", "nginx-worker", true},
      {"", "sshd", "sshd", false},
      {"", "sshd", "sshd2", true},
      {"(nginx|envoy)", "envoy", "envoy", false},  // exclude wins
      {"(nginx|envoy)", "envoy", "nginx", true},
      {"nginx|envoy", "", "envoy", true},  // the whole alternation is anchored
      {"nginx|envoy", "", "nginx-envoy", false},
      {"(?i)NGINX", "", "nginx", true},  // RE2 (Go) syntax
      {"\\pL+", "", "nginx", true},
      {"", "\\d+", "1234", false},
  };
  for (const auto& c : cases) {
    CommFilter filter(c.include, c.exclude);
    EXPECT_EQ(filter.Wanted(c.comm), c.wanted)
        << "include=" << c.include << " exclude=" << c.exclude << " comm=" << c.comm;
    EXPECT_EQ(filter.Wanted(c.comm), c.wanted) << "cached answer";
  }
}

// A backtracking engine takes exponential time on these with a comm such as
// "aaaaaaaaaaaaaaa" (a process can name itself so) and froze the poller;
// RE2 matches in time linear in the comm.
TEST(CommFilterTest, CatastrophicPatternsMatchInLinearTime) {
  const struct {
    const char* include;
    const char* comm;
    bool wanted;
  } cases[] = {
      {"((a*)*)*b|a4.*", "aaaaaaaaaaaaaaa", false}, {"((a*)*)*b|a4.*", "aaaaaaaaaaaaaab", true},
      {"((a*)*)*b|a4.*", "a4t_catastrophic", true}, {"(x+x+)+y", "xxxxxxxxxxxxxxx", false},
      {"(a|aa)+$", "aaaaaaaaaaaaaa!", false},
  };
  for (const auto& c : cases) {
    CommFilter filter(c.include, "");
    EXPECT_EQ(filter.Wanted(c.comm), c.wanted) << c.include << " " << c.comm;
  }
}

TEST(CommFilterTest, RefusesWhatTheConfigRefuses) {
  EXPECT_THROW(CommFilter("nginx(", ""), std::invalid_argument);
  EXPECT_THROW(CommFilter("", std::string(100000, 'a')), std::invalid_argument);
}

TEST(CommFilterTest, ApplyDropsUnwantedEntriesAndKeepsOverflow) {
  CommFilter filter("", "noisy");
  MapSnapshot snapshot;
  snapshot.stats = {EntryFor("nginx"), EntryFor("noisy"), EntryFor("envoy")};
  snapshot.overflow = {0, 3};
  filter.Apply(snapshot);
  ASSERT_EQ(snapshot.stats.size(), 2u);
  EXPECT_STREQ(snapshot.stats[0].key.comm, "nginx");
  EXPECT_STREQ(snapshot.stats[1].key.comm, "envoy");
  EXPECT_EQ(snapshot.overflow, (std::vector<uint64_t>{0, 3}));
}

}  // namespace
}  // namespace accept4_exporter
