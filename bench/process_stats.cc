#include "process_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace accept4_bench {
namespace {

std::string ProcPath(pid_t pid, const std::string& file) {
  return "/proc/" + std::to_string(pid) + "/" + file;
}

}  // namespace

double CpuSeconds(pid_t pid) {
  std::ifstream stat(ProcPath(pid, "stat"));
  std::string text;
  std::getline(stat, text);
  // comm (field 2) may hold spaces; the fields after it are plain numbers.
  const size_t comm_end = text.rfind(')');
  if (comm_end == std::string::npos) throw std::runtime_error("reading " + ProcPath(pid, "stat"));
  std::istringstream fields(text.substr(comm_end + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // fields 3..13, then utime (14) and stime (15)
  for (int i = 3; i <= 13; ++i) fields >> field;
  fields >> utime >> stime;
  if (!fields) throw std::runtime_error("parsing " + ProcPath(pid, "stat"));
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ScheduledSeconds(pid_t pid) {
  const std::string dir = ProcPath(pid, "task");
  DIR* tasks = opendir(dir.c_str());
  if (!tasks) throw std::runtime_error("listing " + dir);
  unsigned long long ns = 0;
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream schedstat(dir + "/" + entry->d_name + "/schedstat");
    unsigned long long on_cpu = 0;
    if (schedstat >> on_cpu) ns += on_cpu;
  }
  closedir(tasks);
  return static_cast<double>(ns) / 1e9;
}

double PeakRssBytes(pid_t pid) {
  std::ifstream status(ProcPath(pid, "status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) * 1024;  // kB
  }
  throw std::runtime_error("no VmHWM in " + ProcPath(pid, "status"));
}

}  // namespace accept4_bench
