// The gzip member of a per-scrape head and a body compressed once: zlib's
// own inflate must read it as exactly the two texts joined.
#include "web/gzip_body.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace accept4_exporter {
namespace {

std::string Gunzip(const std::string& data) {
  z_stream stream = {};
  inflateInit2(&stream, 16 + MAX_WBITS);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out(1 << 20, '\0');
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&stream, Z_FINISH);
  out.resize(out.size() - stream.avail_out);
  const bool whole = rc == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  return whole ? out : "<not one gzip member: " + std::to_string(rc) + ">";
}

std::string Joined(const GzipPieces& pieces) {
  return pieces.before + (pieces.tail ? pieces.tail->data : "") + pieces.trailer;
}

TEST(GzipBodyTest, HeadAndSharedBodyInflateToBothJoined) {
  std::string body;
  for (int i = 0; i < 20000; ++i)
    body += "accept4_calls_total{comm=\"c" + std::to_string(i) + "\"} 1\n";
  const auto shared = std::make_shared<const Deflated>(DeflateLast(body));
  EXPECT_EQ(shared->size, body.size());
  EXPECT_LT(shared->data.size(), body.size() / 4);
  for (const std::string head : {"", "# own\nup 1\n"}) {
    EXPECT_EQ(Gunzip(Joined(GzipJoin(head, shared))), head + body);
  }
}

TEST(GzipBodyTest, EmptyPartsAndNoBody) {
  EXPECT_EQ(Gunzip(Joined(GzipJoin("up 1\n", nullptr))), "up 1\n");
  EXPECT_EQ(Gunzip(Joined(GzipJoin("", nullptr))), "");
  const auto empty = std::make_shared<const Deflated>(DeflateLast(""));
  EXPECT_EQ(Gunzip(Joined(GzipJoin("up 1\n", empty))), "up 1\n");
}

}  // namespace
}  // namespace accept4_exporter
