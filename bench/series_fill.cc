#include "series_fill.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <stdexcept>
#include <string>

#include "accept_calls.h"

namespace accept4_bench {

int32_t UnknownFlags(uint32_t i) {
  // Spreads the bits of i over the bit positions the kernel knows nothing
  // about, skipping the two it does.
  constexpr uint32_t kKnown = SOCK_CLOEXEC | SOCK_NONBLOCK;
  uint32_t flags = 0;
  for (int bit = 0; i != 0; i >>= 1, ++bit) {
    while ((uint32_t{1} << bit) & kKnown) ++bit;
    if (i & 1) flags |= uint32_t{1} << bit;
  }
  return static_cast<int32_t>(flags);
}

void MakeSeries(int fd, uint32_t first, uint32_t last) {
  for (uint32_t i = first; i <= last; ++i) {
    if (accept4_test::RawAccept4(fd, UnknownFlags(i)) != -1 || errno != EINVAL) {
      throw std::runtime_error("accept4 with flags " + std::to_string(UnknownFlags(i)) +
                               " did not fail with EINVAL: " + strerror(errno));
    }
  }
}

}  // namespace accept4_bench
