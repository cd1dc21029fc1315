#include "series_fill.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include <stdexcept>
#include <string>

#include "accept_calls.h"

namespace accept4_bench {

void MakeSeries(int fd, uint32_t first, uint32_t last) {
  // Renames the calling thread: the bench calls this from its main thread,
  // the leader, whose name the exporter reads.
  char saved[16] = {};
  prctl(PR_GET_NAME, saved);
  for (uint32_t i = first; i <= last; ++i) {
    const std::string name = "a4b_" + std::to_string(i);
    prctl(PR_SET_NAME, name.c_str());
    if (accept4_test::RawAccept4(fd, 0) != -1 || errno != EAGAIN) {
      const std::string error = strerror(errno);
      prctl(PR_SET_NAME, saved);
      throw std::runtime_error("accept4 as " + name + " did not fail with EAGAIN: " + error);
    }
  }
  prctl(PR_SET_NAME, saved);
}

}  // namespace accept4_bench
