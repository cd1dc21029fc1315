#include "web/gzip_body.h"

#include <zlib.h>

#include <algorithm>
#include <new>

namespace accept4_exporter {
namespace {

// Compressed once per poll and served many times; the fastest level keeps the
// first gzip scrape after a poll quick, and metric text still shrinks ~10x.
constexpr int kLevel = Z_BEST_SPEED;

// Raw deflate (negative window bits: no zlib or gzip wrapper), ended with
// `flush`: Z_FINISH for the last part, Z_SYNC_FLUSH for a part that more
// deflate data follows.
std::string RawDeflate(std::string_view text, int flush) {
  // zlib counts in 32 bits: long texts go in slices.
  constexpr size_t kSlice = size_t{1} << 30;
  z_stream stream = {};
  if (deflateInit2(&stream, kLevel, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::bad_alloc();
  }
  std::string out(std::max<size_t>(deflateBound(&stream, text.size()), 64), '\0');
  size_t consumed = 0;
  size_t written = 0;
  for (bool last_slice = false; !last_slice;) {
    const size_t slice = std::min(text.size() - consumed, kSlice);
    last_slice = consumed + slice == text.size();
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data() + consumed));
    stream.avail_in = static_cast<uInt>(slice);
    consumed += slice;
    const int slice_flush = last_slice ? flush : Z_NO_FLUSH;
    int rc = Z_OK;
    do {
      if (written == out.size()) out.resize(out.size() * 2);
      const size_t room = std::min(out.size() - written, kSlice);
      stream.next_out = reinterpret_cast<Bytef*>(out.data() + written);
      stream.avail_out = static_cast<uInt>(room);
      rc = deflate(&stream, slice_flush);
      written += room - stream.avail_out;
      // zlib: call again while it fills the output, and until Z_STREAM_END
      // for Z_FINISH.
    } while (stream.avail_out == 0 || (slice_flush == Z_FINISH && rc != Z_STREAM_END));
  }
  deflateEnd(&stream);
  out.resize(written);
  return out;
}

uint32_t Crc32(std::string_view text) {
  constexpr size_t kSlice = size_t{1} << 30;  // crc32 counts in 32 bits
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t at = 0; at < text.size(); at += kSlice) {
    const size_t slice = std::min(text.size() - at, kSlice);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(text.data() + at), static_cast<uInt>(slice));
  }
  return static_cast<uint32_t>(crc);
}

void AppendLittleEndian32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

Deflated DeflateLast(std::string_view text) {
  Deflated deflated;
  deflated.data = RawDeflate(text, Z_FINISH);
  deflated.crc32 = Crc32(text);
  deflated.size = text.size();
  return deflated;
}

GzipPieces GzipJoin(std::string_view head, std::shared_ptr<const Deflated> tail) {
  // RFC 1952: magic, deflate, no flags, no time, no extra flags, Unix.
  GzipPieces pieces;
  pieces.before.assign("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  pieces.before += RawDeflate(head, tail ? Z_SYNC_FLUSH : Z_FINISH);
  uint32_t crc = Crc32(head);
  size_t size = head.size();
  if (tail) {
    crc = static_cast<uint32_t>(crc32_combine(crc, tail->crc32, static_cast<z_off_t>(tail->size)));
    size += tail->size;
  }
  AppendLittleEndian32(pieces.trailer, crc);
  AppendLittleEndian32(pieces.trailer, static_cast<uint32_t>(size));  // ISIZE: size mod 2^32
  pieces.tail = std::move(tail);
  return pieces;
}

}  // namespace accept4_exporter
