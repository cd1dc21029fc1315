#include "cgroup_support.h"

#include <linux/magic.h>
#include <signal.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "accept_calls.h"

namespace accept4_test {

std::string CgroupV2Mount() {
  for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs info;
    if (statfs(path, &info) == 0 && info.f_type == CGROUP2_SUPER_MAGIC) return path;
  }
  return "";
}

pid_t ChildMakingCalls(const std::string& comm, int calls, const std::string& cgroup_procs) {
  return ChildMaking(comm, cgroup_procs, [calls] {
    Listener listener(AF_INET, /*nonblocking=*/true);
    for (int i = 0; i < calls; ++i) RawAccept4(listener.fd(), 0);
  });
}

pid_t ChildMaking(const std::string& comm, const std::string& cgroup_procs,
                  const std::function<void()>& calls) {
  int done[2];
  if (pipe(done) != 0) return -1;
  const pid_t child = fork();
  if (child == 0) {
    close(done[0]);
    if (!cgroup_procs.empty()) std::ofstream(cgroup_procs) << getpid() << std::endl;
    ScopedComm name(comm);
    calls();
    const char byte = 1;
    write(done[1], &byte, 1);
    // stay alive until the parent has scraped, so the series is not reaped
    pause();
    _exit(0);
  }
  close(done[1]);
  char byte;
  read(done[0], &byte, 1);
  close(done[0]);
  return child;
}

void Reap(pid_t child) {
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

}  // namespace accept4_test
