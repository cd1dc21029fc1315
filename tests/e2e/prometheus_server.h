// A real Prometheus server (Debian's) for the end-to-end tests: its own
// config and data directory, scraping every second, queried over HTTP.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace accept4_test {

// One scrape target: address and the `instance` label Prometheus gives it.
struct ScrapeTarget {
  std::string address;
  std::string instance;
};

class PrometheusServer {
 public:
  // Scrapes `targets` as job "accept4" every second and evaluates
  // `rule_files` every second.
  PrometheusServer(const std::vector<ScrapeTarget>& targets,
                   const std::vector<std::string>& rule_files);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // GET /api/v1/<path>: the parsed body, or null when it did not answer.
  nlohmann::json Api(const std::string& path) const;
  // An instant query: the parsed answer, or null.
  nlohmann::json Query(const std::string& promql) const;
  // The result vector of an instant query; empty when it failed.
  nlohmann::json Vector(const std::string& promql) const;
  std::string Log() const;

 private:
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

// Calls `fetch` until `done(answer)` holds, for up to `seconds`; the last
// answer.
template <typename Fetch, typename Done>
nlohmann::json WaitFor(Fetch fetch, Done done, int seconds = 30) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (true) {
    nlohmann::json answer = fetch();
    if ((!answer.is_null() && done(answer)) || std::chrono::steady_clock::now() > deadline) {
      return answer;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace accept4_test
