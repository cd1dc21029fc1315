// gzip for scrapes that ask for it, without compressing the shared body once
// per scrape. A response is one gzip member made of two deflate streams: the
// few per-scrape lines, flushed to a byte boundary (Z_SYNC_FLUSH), then the
// body compressed once per version and shared by every scrape of that
// version. The trailer's CRC-32 of the whole is joined from the CRCs of the
// parts (crc32_combine), as zlib's gzjoin does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace accept4_exporter {

// Raw deflate data (no gzip header or trailer) of some text, with what the
// trailer needs to know about it.
struct Deflated {
  std::string data;
  uint32_t crc32 = 0;
  size_t size = 0;  // of the text before compression
};

// Compresses `text` as the last part of a member (a final deflate block).
Deflated DeflateLast(std::string_view text);

// The gzip member of `head` followed by `tail` (compressed by DeflateLast;
// may be null for nothing), as three pieces: gzip header and `head`
// compressed, then `tail`'s data as it is, then the trailer.
struct GzipPieces {
  std::string before;
  std::shared_ptr<const Deflated> tail;
  std::string trailer;
};
GzipPieces GzipJoin(std::string_view head, std::shared_ptr<const Deflated> tail);

}  // namespace accept4_exporter
