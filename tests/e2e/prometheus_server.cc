#include "prometheus_server.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "http_get.h"
#include "loopback_port.h"

namespace accept4_test {

using nlohmann::json;

namespace {
constexpr const char* kPrometheus = "/usr/bin/prometheus";
}  // namespace

PrometheusServer::PrometheusServer(const std::vector<ScrapeTarget>& targets,
                                   const std::vector<std::string>& rule_files)
    : port_(FreeLoopbackPort()) {
  char dir[] = "/tmp/accept4_prometheus.XXXXXX";
  dir_ = mkdtemp(dir);
  std::ofstream config(dir_ + "/prometheus.yml");
  config << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n";
  for (const std::string& file : rule_files) config << "  - " << file << "\n";
  config << "scrape_configs:\n  - job_name: accept4\n    static_configs:\n";
  for (const ScrapeTarget& target : targets) {
    config << "      - targets: ['" << target.address << "']\n"
           << "        labels: {instance: '" << target.instance << "'}\n";
  }
  config.close();
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

PrometheusServer::~PrometheusServer() {
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  std::system(("rm -rf " + dir_).c_str());
}

json PrometheusServer::Api(const std::string& path) const {
  const HttpResponse response =
      HttpGet("http://127.0.0.1:" + std::to_string(port_) + "/api/v1/" + path);
  if (response.status == 0) return nullptr;
  json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  return body.is_discarded() ? json(nullptr) : body;
}

json PrometheusServer::Query(const std::string& promql) const {
  char* escaped = curl_escape(promql.c_str(), static_cast<int>(promql.size()));
  json result = Api(std::string("query?query=") + escaped);
  curl_free(escaped);
  return result;
}

json PrometheusServer::Vector(const std::string& promql) const {
  const json answer = Query(promql);
  if (!answer.is_object() || answer.value("status", "") != "success") return json::array();
  const json& result = answer["data"]["result"];
  if (result.is_array()) return result;
  // A scalar (time(), a number) is one sample without labels.
  return json::array({{{"metric", json::object()}, {"value", result}}});
}

std::string PrometheusServer::Log() const {
  std::ifstream file(dir_ + "/prometheus.log");
  return {std::istreambuf_iterator<char>(file), {}};
}

}  // namespace accept4_test
