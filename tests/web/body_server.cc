// The exporter's HTTP server with a synthetic body of a chosen size instead
// of the accept metrics, so that a test can measure what serving a large
// body costs the serving process alone. Prints "port=N" once it listens,
// then serves until SIGTERM or SIGINT.
//
//   accept4_web_body_server BODY_MB [MAX_REQUESTS]
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "web/http_server.h"

namespace {

// Lines shaped like the accept metrics, BODY_MB megabytes of them, allocated
// once at their final size.
std::shared_ptr<const std::string> SyntheticBody(size_t bytes) {
  auto body = std::make_shared<std::string>();
  body->reserve(bytes);
  for (size_t i = 0; body->size() < bytes; ++i) {
    char line[160];
    const int n = std::snprintf(line, sizeof(line),
                                "accept4_calls_total{comm=\"worker-%zu\",flags=\"SOCK_NONBLOCK\","
                                "family=\"inet\",result=\"ok\"} %zu\n",
                                i % 100000, i);
    body->append(line, std::min<size_t>(static_cast<size_t>(n), bytes - body->size()));
  }
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s BODY_MB [MAX_REQUESTS]\n", argv[0]);
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::shared_ptr<const std::string> body =
      SyntheticBody(std::strtoul(argv[1], nullptr, 10) << 20);
  accept4_exporter::HttpOptions options;
  options.listen_address = "127.0.0.1:0";
  if (argc == 3) options.max_requests = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));
  options.metrics = [body] { return accept4_exporter::MetricsText{"# per scrape\n", body}; };
  accept4_exporter::HttpServer server(options);
  std::printf("port=%d\n", server.port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;
}
