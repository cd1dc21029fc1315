// End to end with a real Prometheus server (Debian's): it scrapes the real
// exporter, ingests exact counts, evaluates the shipped alert rules without
// errors, and every query of the shipped Grafana dashboard is valid PromQL
// that finds data.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "accept_calls.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "loopback_port.h"

namespace accept4_test {
namespace {

using nlohmann::json;

constexpr const char* kPrometheus = "/usr/bin/prometheus";

// A Prometheus server scraping one target every second, with the shipped
// rules, in a temporary directory.
class PrometheusServer {
 public:
  explicit PrometheusServer(int target_port) : port_(FreeLoopbackPort()) {
    char dir[] = "/tmp/accept4_prometheus.XXXXXX";
    dir_ = mkdtemp(dir);
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "rule_files:\n  - " << ACCEPT4_SOURCE_DIR << "/deploy/prometheus/accept4_rules.yml\n"
        << "scrape_configs:\n  - job_name: accept4\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << target_port << "']\n";
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = dir_ + "/prometheus.log";
      freopen(log.c_str(), "w", stderr);
      freopen(log.c_str(), "a", stdout);
      execl(kPrometheus, kPrometheus, ("--config.file=" + dir_ + "/prometheus.yml").c_str(),
            ("--storage.tsdb.path=" + dir_ + "/data").c_str(),
            ("--web.listen-address=127.0.0.1:" + std::to_string(port_)).c_str(), nullptr);
      _exit(127);
    }
  }
  ~PrometheusServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    std::system(("rm -rf " + dir_).c_str());
  }

  // GET /api/v1/<path>; the parsed body, or null when it did not answer.
  json Api(const std::string& path) const {
    const HttpResponse response =
        HttpGet("http://127.0.0.1:" + std::to_string(port_) + "/api/v1/" + path);
    if (response.status == 0) return nullptr;
    return json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  }

  json Query(const std::string& promql) const {
    char* escaped = curl_escape(promql.c_str(), static_cast<int>(promql.size()));
    json result = Api(std::string("query?query=") + escaped);
    curl_free(escaped);
    return result;
  }

  std::string Log() const {
    std::ifstream file(dir_ + "/prometheus.log");
    return {std::istreambuf_iterator<char>(file), {}};
  }

 private:
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

// Waits until `done(answer)` holds for the answer of `fetch`, up to 30 s.
template <typename Fetch, typename Done>
json WaitFor(Fetch fetch, Done done) {
  json answer;
  for (int attempt = 0; attempt < 150; ++attempt) {
    answer = fetch();
    if (!answer.is_null() && done(answer)) return answer;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return answer;
}

double FirstValue(const json& answer) {
  const json& result = answer["data"]["result"];
  if (!result.is_array() || result.empty()) return -1;
  return std::stod(result[0]["value"][1].get<std::string>());
}

TEST(PrometheusEndToEndTest, ScrapedCountsRulesAndDashboardQueries) {
  SKIP_WITHOUT_BPF();
  ASSERT_EQ(access(kPrometheus, X_OK), 0)
      << "prometheus is missing: scripts/install-deps installs Debian's prometheus package";
  ScopedComm comm("a4t_e2e");
  ExporterProcess exporter("poll_interval: 200ms\nlabels:\n  port: true\n");
  ASSERT_TRUE(exporter.running());
  PrometheusServer prometheus(exporter.port());

  // Known traffic in two rounds, each ingested before the next, so that
  // rates over it have two different samples: per round 20 EAGAIN and 5
  // accepted connections.
  Listener listener(AF_INET, /*nonblocking=*/true);
  const std::string calls = "sum(accept4_calls_total{comm=\"a4t_e2e\"})";
  for (int round = 1; round <= 2; ++round) {
    for (int i = 0; i < 20; ++i) ASSERT_EQ(RawAccept4(listener.fd(), SOCK_NONBLOCK), -1);
    for (int i = 0; i < 5; ++i) {
      const int client = listener.Connect();
      const int accepted = RawAccept4(listener.fd(), SOCK_NONBLOCK);
      ASSERT_GE(accepted, 0);
      close(accepted);
      close(client);
    }
    const json ingested = WaitFor([&] { return prometheus.Query(calls); },
                                  [&](const json& a) { return FirstValue(a) == 25 * round; });
    ASSERT_EQ(FirstValue(ingested), 25 * round) << ingested.dump() << prometheus.Log();
  }
  EXPECT_EQ(
      FirstValue(prometheus.Query(
          "sum(accept4_errors_total{comm=\"a4t_e2e\",errno=\"EAGAIN\",listener=\"nonblocking\"})")),
      40);
  EXPECT_EQ(FirstValue(prometheus.Query("up{job=\"accept4\"}")), 1);

  // The rules load and evaluate without errors.
  const json rules =
      WaitFor([&] { return prometheus.Api("rules"); },
              [](const json& a) {
                for (const json& group : a["data"]["groups"]) {
                  for (const json& rule : group["rules"]) {
                    if (!rule.contains("lastEvaluation") ||
                        rule["lastEvaluation"].get<std::string>().rfind("0001-", 0) == 0) {
                      return false;
                    }
                  }
                }
                return !a["data"]["groups"].empty();
              });
  ASSERT_EQ(rules["data"]["groups"].size(), 2u) << rules.dump();
  for (const json& group : rules["data"]["groups"]) {
    for (const json& rule : group["rules"]) {
      EXPECT_EQ(rule["health"], "ok") << rule.dump();
    }
  }

  // Every dashboard query, with its variables filled in, is valid PromQL.
  std::ifstream file(std::string(ACCEPT4_SOURCE_DIR) + "/dashboards/accept4.json");
  const json dashboard = json::parse(file);
  int queries = 0;
  for (const json& panel : dashboard["panels"]) {
    if (!panel.contains("targets")) continue;
    for (const json& target : panel["targets"]) {
      std::string expr = target["expr"];
      expr = std::regex_replace(expr, std::regex("\\$__rate_interval"), "1m");
      expr = std::regex_replace(expr, std::regex("\\$(instance|comm)"), ".*");
      const json answer = prometheus.Query(expr);
      EXPECT_EQ(answer["status"], "success") << panel["title"] << ": " << expr << "\n"
                                             << answer.dump();
      ++queries;
    }
  }
  EXPECT_EQ(queries, 14);
  // The accept panels find this test's process.
  EXPECT_GT(FirstValue(prometheus.Query(
                "sum by (comm) (rate(accept4_calls_total{comm=\"a4t_e2e\"}[1m]))")),
            0);
}

}  // namespace
}  // namespace accept4_test
