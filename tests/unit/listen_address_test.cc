// --web.listen-address in node_exporter's [host]:port form, turned into
// civetweb's listening_ports syntax. A bad address must fail at start-up with
// a message naming it, not leave civetweb to misread it.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "web/http_server.h"

namespace accept4_exporter {
namespace {

TEST(CivetListeningPortTest, TranslatesGoodAddresses) {
  const struct {
    const char* address;
    const char* want;
  } cases[] = {
      {":10044", "0.0.0.0:10044"},  // empty host: every IPv4 address
      {":0", "0.0.0.0:0"},          // port 0: the kernel picks one
      {"127.0.0.1:9100", "127.0.0.1:9100"},
      {"0.0.0.0:65535", "0.0.0.0:65535"},
      {"localhost:80", "localhost:80"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CivetListeningPort(c.address), c.want) << c.address;
  }
}

TEST(CivetListeningPortTest, RejectsBadAddressesNamingThem) {
  const struct {
    const char* address;
    const char* want;
  } cases[] = {
      {"10044", "listening on \"10044\": missing port, use [host]:port"},
      {"localhost", "listening on \"localhost\": missing port, use [host]:port"},
      {"", "listening on \"\": missing port, use [host]:port"},
      {":", "listening on \":\": bad port \"\""},
      {"127.0.0.1:", "listening on \"127.0.0.1:\": bad port \"\""},
      {":http", "listening on \":http\": bad port \"http\""},
      {":70000", "listening on \":70000\": bad port \"70000\""},
      {":65536", "listening on \":65536\": bad port \"65536\""},
      {":-1", "listening on \":-1\": bad port \"-1\""},
      {":+80", "listening on \":+80\": bad port \"+80\""},
      {":123456", "listening on \":123456\": bad port \"123456\""},
      // civetweb reads a trailing 's' or 'r' as HTTPS or redirect.
      {":8443s", "listening on \":8443s\": bad port \"8443s\""},
      {"127.0.0.1:80 ", "listening on \"127.0.0.1:80 \": bad port \"80 \""},
  };
  for (const auto& c : cases) {
    try {
      const std::string got = CivetListeningPort(c.address);
      ADD_FAILURE() << "\"" << c.address << "\" was accepted as \"" << got << "\"";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), c.want);
    }
  }
}

}  // namespace
}  // namespace accept4_exporter
