#include "kernel/map_memory.h"

#include <fstream>
#include <stdexcept>

namespace accept4_exporter {

uint64_t MapMemoryBytes(int map_fd) {
  const std::string path = "/proc/self/fdinfo/" + std::to_string(map_fd);
  std::ifstream fdinfo(path);
  std::string line;
  while (std::getline(fdinfo, line)) {
    if (line.rfind("memlock:", 0) == 0) return std::stoull(line.substr(sizeof("memlock:") - 1));
  }
  throw std::runtime_error("no memlock line in " + path + " (is it a BPF map?)");
}

}  // namespace accept4_exporter
