#include "bpf_objects.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <unistd.h>

#include <fstream>

namespace accept4_test {
namespace {

// Values of the fdinfo lines "<field>:\t<id>" over all fds of `pid`.
std::set<uint32_t> FdinfoIds(pid_t pid, const std::string& field) {
  std::set<uint32_t> ids;
  const std::string fdinfo = "/proc/" + std::to_string(pid) + "/fdinfo";
  DIR* dir = opendir(fdinfo.c_str());
  if (!dir) return ids;
  while (dirent* entry = readdir(dir)) {
    std::ifstream file(fdinfo + "/" + entry->d_name);
    std::string line;
    while (std::getline(file, line)) {
      if (line.rfind(field + ":", 0) == 0) ids.insert(std::stoul(line.substr(field.size() + 1)));
    }
  }
  closedir(dir);
  return ids;
}

}  // namespace

std::set<uint32_t> ProgramIdsHeldBy(pid_t pid) { return FdinfoIds(pid, "prog_id"); }

std::set<uint32_t> MapIdsHeldBy(pid_t pid, const std::string& name) {
  std::set<uint32_t> named;
  for (uint32_t id : FdinfoIds(pid, "map_id")) {
    const int fd = bpf_map_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_map_info info = {};
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0 && name == info.name) named.insert(id);
    close(fd);
  }
  return named;
}

bool ProgramLoaded(uint32_t id) {
  const int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace accept4_test
