#include "web/listener_waker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace accept4_exporter {

void RunWhileWakingListener(const std::string& host, int port, const std::function<void()>& stop) {
  std::atomic<bool> stopped{false};
  std::thread waker([&] {
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (host == "0.0.0.0" || inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    while (!stopped.load()) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
      close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  stop();
  stopped = true;
  waker.join();
}

}  // namespace accept4_exporter
