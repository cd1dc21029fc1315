// --web.listen-address in node_exporter's [host]:port form. A bad address
// must fail at start-up with a message naming it, before anything else.
#include "web/listen_address.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace accept4_exporter {
namespace {

TEST(ListenAddressTest, SplitsGoodAddresses) {
  const struct {
    const char* address;
    const char* host;
    uint16_t port;
  } cases[] = {
      {":10044", "", 10044},  // empty host: every address
      {":0", "", 0},          // port 0: the kernel picks one
      {"127.0.0.1:9100", "127.0.0.1", 9100},
      {"0.0.0.0:65535", "0.0.0.0", 65535},
      {"localhost:80", "localhost", 80},
      {"metrics-1.example.org:9100", "metrics-1.example.org", 9100},
      {"[::1]:9100", "::1", 9100},
      {"[::]:9100", "::", 9100},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    try {
      const ListenAddress parsed = ParseListenAddress(c.address);
      EXPECT_EQ(parsed.host, c.host);
      EXPECT_EQ(parsed.port, c.port);
    } catch (const std::runtime_error& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

TEST(ListenAddressTest, RejectsBadAddressesNamingThem) {
  const struct {
    const char* address;
    const char* want;
  } cases[] = {
      {"10044", "listening on \"10044\": missing port, use [host]:port"},
      {"abc", "listening on \"abc\": missing port, use [host]:port"},
      {"", "listening on \"\": missing port, use [host]:port"},
      {":", "listening on \":\": bad port \"\""},
      {"127.0.0.1:", "listening on \"127.0.0.1:\": bad port \"\""},
      {":http", "listening on \":http\": bad port \"http\""},
      {":99999", "listening on \":99999\": bad port \"99999\""},
      {":65536", "listening on \":65536\": bad port \"65536\""},
      {":-1", "listening on \":-1\": bad port \"-1\""},
      {":+80", "listening on \":+80\": bad port \"+80\""},
      {":123456", "listening on \":123456\": bad port \"123456\""},
      {":8443s", "listening on \":8443s\": bad port \"8443s\""},
      {"127.0.0.1:80 ", "listening on \"127.0.0.1:80 \": bad port \"80 \""},
      {"localhost:p", "listening on \"localhost:p\": bad port \"p\""},
      {"[::1]:p", "listening on \"[::1]:p\": bad port \"p\""},
      {"::1:9100", "listening on \"::1:9100\": an IPv6 address needs brackets, as in [::1]:port"},
      {"[::1:9100", "listening on \"[::1:9100\": bad host \"[::1\""},
      {"[]:9100", "listening on \"[]:9100\": bad host \"[]\""},
      {"[zz]:9100", "listening on \"[zz]:9100\": bad IPv6 address \"zz\""},
      {"ho st:9100", "listening on \"ho st:9100\": bad host \"ho st\""},
      {"-host:9100", "listening on \"-host:9100\": bad host \"-host\""},
  };
  for (const auto& c : cases) {
    try {
      const ListenAddress parsed = ParseListenAddress(c.address);
      ADD_FAILURE() << "\"" << c.address << "\" was accepted as host \"" << parsed.host << "\"";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), c.want);
    }
  }
}

TEST(ListenAddressTest, ResolvesToTheAddressToBind) {
  EXPECT_EQ(ResolveListenAddress("127.0.0.1:5").ip, "127.0.0.1");
  EXPECT_EQ(ResolveListenAddress("[::1]:5").ip, "::1");
  EXPECT_EQ(ResolveListenAddress("localhost:5").ip, "127.0.0.1");  // IPv4 first, as Go
  const BindAddress any = ResolveListenAddress(":5");
  EXPECT_EQ(any.port, 5);
  EXPECT_EQ(any.ip, any.dual_stack ? "::" : "0.0.0.0");
  EXPECT_EQ(ResolveListenAddress("[::]:5").ip, any.ip);
  EXPECT_FALSE(ResolveListenAddress("[::1]:5").dual_stack);
}

}  // namespace
}  // namespace accept4_exporter
