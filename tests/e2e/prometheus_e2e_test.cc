// End to end with a real Prometheus server (Debian's) scraping real
// exporters: two exporters stand for two hosts (instance host-a and
// host-b), a third with a one-entry series map (host-c, overflowing, then
// restarted and given a bad config), and a target that does not answer
// (host-d). A workload makes every accept pattern the rules are about.
// The test checks exact ingested counts, that the shipped rules load and
// evaluate, that every recording rule, every alert expression and every
// dashboard query returns live data, and that the host label is there.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "accept_workload.h"
#include "bpf_support.h"
#include "exporter_process.h"
#include "loopback_port.h"
#include "prometheus_server.h"

namespace accept4_test {
namespace {

using nlohmann::json;

const std::string kSource = ACCEPT4_SOURCE_DIR;
// bpf_stats on (off by default), so that the dashboards' BPF cost panel has data.
const std::string kExporterConfig =
    "poll_interval: 200ms\nlabels:\n  port: true\nbpf_stats: true\n";
const std::string kOverflowingConfig = kExporterConfig + "maps:\n  max_series: 1\n";

// The mixin's alert expressions with thresholds that a few seconds of test
// traffic reach, and the same with a selector no target has (for the
// alert on a missing target): two maps of alert name to expression.
std::vector<std::map<std::string, std::string>> QuickAlertVariants() {
  const std::string code = R"(
    local mixin = import 'mixin.libsonnet';
    local exprs(m) = { [r.alert]: r.expr for g in m.prometheusAlerts.groups for r in g.rules };
    local quick = { _config+:: {
      eventLoopStallSeconds: 0, acceptLoopHungSeconds: 0,
      busySpinEagainRatio: 0.5, busySpinEagainPerSecond: 1,
      herdMinProcesses: 2, herdEagainRatio: 0.5, herdEagainPerSecond: 1,
      backlogFillRatio: 0, slowNonblockingSeconds: 0, exporterStaleSeconds: -1,
    } };
    local missing = { _config+:: { accept4Selector: 'job="accept4_e2e_missing"' } };
    [exprs(mixin + quick), exprs(mixin + quick + missing)]
  )";
  const ExitResult run = RunCommandToExit({"jsonnet", "-J", kSource + "/deploy/mixin", "-e", code});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  if (run.exit_code != 0) return {};
  return json::parse(run.stdout_text).get<std::vector<std::map<std::string, std::string>>>();
}

std::set<std::string> LabelValues(const json& samples, const std::string& label) {
  std::set<std::string> values;
  for (const json& sample : samples) values.insert(sample["metric"].value(label, ""));
  return values;
}

bool HasBothHosts(const json& samples) {
  const std::set<std::string> hosts = LabelValues(samples, "instance");
  return hosts.count("host-a") && hosts.count("host-b");
}

// Fills in a dashboard query's variables: every job and instance, the
// workload's commands, any pid and port.
std::string FillVariables(const std::string& expr) {
  static const std::map<std::string, std::string> kValues = {
      {"__rate_interval", "5m"}, {"job", "accept4"}, {"instance", ".+"},
      {"comm", "a4e_.*"},        {"pid", ".*"},      {"port", ".*"},
  };
  static const std::regex kVariable(R"(\$\{?(\w+)\}?)");
  std::string filled;
  auto last = expr.cbegin();
  for (std::sregex_iterator it(expr.begin(), expr.end(), kVariable), end; it != end; ++it) {
    filled.append(last, (*it)[0].first);
    const auto value = kValues.find((*it)[1]);
    EXPECT_NE(value, kValues.end()) << "unknown dashboard variable " << (*it)[0] << " in " << expr;
    filled += value == kValues.end() ? std::string((*it)[0]) : value->second;
    last = (*it)[0].second;
  }
  filled.append(last, expr.cend());
  return filled;
}

class PrometheusEndToEndTest : public testing::Test {
 protected:
  json WaitForData(const std::string& promql, int seconds = 15) {
    return WaitFor([&] { return prometheus_->Vector(promql); },
                   [](const json& samples) { return !samples.empty(); }, seconds);
  }

  std::unique_ptr<PrometheusServer> prometheus_;
};

TEST_F(PrometheusEndToEndTest, RulesAndDashboardsFindLiveDataOnEveryHost) {
  SKIP_WITHOUT_BPF();
  ASSERT_EQ(access("/usr/bin/prometheus", X_OK), 0)
      << "prometheus is missing: scripts/install-deps installs Debian's prometheus package";
  const std::vector<std::map<std::string, std::string>> quick = QuickAlertVariants();
  ASSERT_EQ(quick.size(), 2u) << "jsonnet is missing: scripts/install-deps installs it";

  ScopedComm comm("a4e_main");
  ExporterProcess host_a(kExporterConfig);
  ExporterProcess host_b(kExporterConfig);
  const int host_c_port = FreeLoopbackPort();
  auto host_c = std::make_unique<ExporterProcess>(
      kOverflowingConfig,
      std::vector<std::string>{"--web.listen-address=127.0.0.1:" + std::to_string(host_c_port)});
  ASSERT_TRUE(host_a.running() && host_b.running() && host_c->running());
  ASSERT_EQ(host_c->port(), host_c_port);
  const std::string rules = kSource + "/deploy/prometheus/accept4_rules.yml";
  prometheus_ = std::make_unique<PrometheusServer>(
      std::vector<ScrapeTarget>{
          {"127.0.0.1:" + std::to_string(host_a.port()), "host-a"},
          {"127.0.0.1:" + std::to_string(host_b.port()), "host-b"},
          {"127.0.0.1:" + std::to_string(host_c_port), "host-c"},
          {"127.0.0.1:" + std::to_string(FreeLoopbackPort()), "host-d"},
      },
      std::vector<std::string>{rules});

  // Two rounds of traffic, each ingested before the next, so that rates
  // and increases over it have two different samples.
  AcceptWorkload workload;
  for (int round = 1; round <= 2; ++round) {
    workload.EventLoopRound();
    workload.BlockingAccepts();
    workload.FdExhaustionBurst();
    for (const char* host : {"host-a", "host-b"}) {
      const std::string calls = "sum(accept4_calls_total{comm=\"a4e_main\",instance=\"" +
                                std::string(host) + "\",port=\"" +
                                std::to_string(workload.event_loop_port()) + "\"})";
      const json ingested = WaitFor([&] { return prometheus_->Vector(calls); },
                                    [&](const json& samples) {
                                      return samples.size() == 1 &&
                                             samples[0]["value"][1] == std::to_string(25 * round);
                                    });
      ASSERT_EQ(ingested.size(), 1u) << calls << "\n" << prometheus_->Log();
      EXPECT_EQ(ingested[0]["value"][1], std::to_string(25 * round)) << calls;
      const std::string emfile =
          "sum(accept4_errors_total{comm=\"a4e_fd\",errno=\"EMFILE\",instance=\"" +
          std::string(host) + "\"})";
      const json failed = WaitFor([&] { return prometheus_->Vector(emfile); },
                                  [&](const json& samples) {
                                    return samples.size() == 1 &&
                                           samples[0]["value"][1] == std::to_string(5 * round);
                                  });
      ASSERT_EQ(failed.size(), 1u) << emfile;
      EXPECT_EQ(failed[0]["value"][1], std::to_string(5 * round)) << emfile;
    }
  }
  workload.StartBlockedAccepts();
  // host-c restarts on its port (a restart annotation), then refuses a bad
  // config; host-a reloads a good one (a reload annotation).
  ASSERT_FALSE(WaitForData("accept4_exporter_start_time_seconds{instance=\"host-c\"}").empty());
  host_c.reset();
  host_c = std::make_unique<ExporterProcess>(
      kOverflowingConfig,
      std::vector<std::string>{"--web.listen-address=127.0.0.1:" + std::to_string(host_c_port)});
  ASSERT_TRUE(host_c->running());
  ASSERT_FALSE(
      WaitForData("changes(accept4_exporter_start_time_seconds{instance=\"host-c\"}[5m]) > 0")
          .empty());
  host_c->Reload("poll_interval: fast\n", /*want_success=*/false);
  host_a.Reload(kExporterConfig + "# reloaded\n");

  // The shipped rules load and evaluate without errors.
  const json groups =
      WaitFor([&] { return prometheus_->Api("rules"); },
              [](const json& a) {
                for (const json& group : a["data"]["groups"]) {
                  for (const json& rule : group["rules"]) {
                    if (rule.value("lastEvaluation", "0001-").rfind("0001-", 0) == 0) return false;
                  }
                }
                return !a["data"]["groups"].empty();
              })["data"]["groups"];
  ASSERT_EQ(groups.size(), 2u) << groups.dump();

  // Every recording rule has series for the workload on both hosts; every
  // alert expression returns data as shipped or with quick thresholds, with
  // the host (or, for absent(), the job) on every sample.
  const std::map<std::string, std::pair<std::string, std::string>> kWho = {
      // alert: the label and value its samples must include
      {"Accept4BlockingListenerWatchedByEpoll", {"comm", "a4e_main"}},
      {"Accept4EventLoopStalledInAccept", {"comm", "a4e_main"}},
      {"Accept4AcceptLoopHung", {"comm", "a4e_main"}},
      {"Accept4EagainBusySpin", {"comm", "a4e_spin"}},
      {"Accept4ThunderingHerd", {"comm", "a4e_herd"}},
      {"Accept4FdExhaustion", {"comm", "a4e_fd"}},
      {"Accept4ListenBacklogSaturated", {"comm", "a4e_main"}},
      {"Accept4SlowCallsOnNonblockingListener", {"comm", "a4e_main"}},
      {"Accept4ExporterDown", {"instance", "host-d"}},
      {"Accept4ExporterTargetMissing", {"job", "accept4_e2e_missing"}},
      {"Accept4ExporterSeriesMapFull", {"instance", "host-c"}},
      {"Accept4ExporterStale", {"instance", "host-c"}},
      {"Accept4ExporterConfigReloadFailed", {"instance", "host-c"}},
  };
  int alerts = 0;
  for (const json& group : groups) {
    for (const json& rule : group["rules"]) {
      const std::string name = rule["name"];
      EXPECT_EQ(rule["health"], "ok") << name << ": " << rule.dump();
      if (rule["type"] == "recording") {
        const json samples = WaitForData(name + "{comm=~\"a4e_.*\"}");
        EXPECT_TRUE(HasBothHosts(samples))
            << name << " has no workload series on both hosts: " << samples.dump();
        continue;
      }
      ++alerts;
      std::vector<std::string> variants = {rule["query"].get<std::string>()};
      for (const auto& exprs : quick) {
        if (exprs.count(name)) variants.push_back(exprs.at(name));
      }
      ASSERT_TRUE(kWho.count(name)) << "no expectation for the new alert " << name;
      const auto& [label, value] = kWho.at(name);
      json samples;
      std::string used, tried;
      // Another host's series (the overflow series of host-c, whose map
      // holds one entry) may match the shipped thresholds first: go on to
      // the quick variants until the expected process or host is found.
      for (const std::string& expr : variants) {
        samples = WaitForData(expr, 5);
        used = expr;
        tried += "\n  " + expr;
        if (LabelValues(samples, label).count(value)) break;
      }
      EXPECT_TRUE(LabelValues(samples, label).count(value))
          << name << " finds no " << label << "=" << value << " with any of" << tried << "\n  "
          << samples.dump();
      const std::string host_label = used.find("absent(") != std::string::npos ? "job" : "instance";
      EXPECT_FALSE(LabelValues(samples, host_label).count("")) << name << " lost " << host_label;
      if (label == "comm") {
        EXPECT_TRUE(HasBothHosts(samples)) << name << ": " << samples.dump();
      }
      if (name == "Accept4EagainBusySpin") {
        // On host-c the one-entry map holds one process's series at most,
        // so no herd can be told there: only the hosts with room count.
        for (const json& sample : samples) {
          const json& metric = sample["metric"];
          EXPECT_FALSE(metric.value("comm", "") == "a4e_herd" &&
                       metric.value("instance", "") != "host-c")
              << "a herd is reported as spinning processes: " << samples.dump();
        }
      }
      if (name == "Accept4ThunderingHerd") {
        for (const json& sample : samples) {
          if (sample["metric"].value("comm", "") == "a4e_herd") {
            EXPECT_EQ(sample["value"][1], std::to_string(AcceptWorkload::kHerdSize));
          }
        }
      }
    }
  }
  EXPECT_EQ(alerts, static_cast<int>(kWho.size()));

  // Every query of every dashboard (panels and annotations) returns data;
  // a legend that names the host finds both hosts.
  int queries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/dashboards")) {
    std::ifstream file(entry.path());
    const json dashboard = json::parse(file);
    struct Query {
      std::string where;
      std::string expr;
      bool by_host;
      bool is_event;
    };
    std::vector<Query> targets;
    for (const json& panel : dashboard["panels"]) {
      for (const json& target : panel.value("targets", json::array())) {
        const bool by_host =
            target.value("legendFormat", "").find("{{instance}}") != std::string::npos ||
            target.value("format", "") == "table";
        targets.push_back(
            {panel["title"].get<std::string>(), target["expr"].get<std::string>(), by_host, false});
      }
    }
    for (const json& annotation : dashboard["annotations"]["list"]) {
      targets.push_back(
          {"annotation " + annotation["name"].get<std::string>(), annotation["expr"], true, true});
    }
    for (const auto& [where, expr, by_host, is_event] : targets) {
      ++queries;
      const std::string filled = FillVariables(expr);
      const json answer = prometheus_->Query(filled);
      EXPECT_TRUE(answer.is_object() && answer.value("status", "") == "success")
          << where << ": " << filled << answer.dump();
      // A fallback to 0 must not hide a query that finds nothing.
      const std::string fallback = " or vector(0)";
      const std::string own =
          filled.size() > fallback.size() &&
                  filled.compare(filled.size() - fallback.size(), fallback.size(), fallback) == 0
              ? filled.substr(0, filled.size() - fallback.size())
              : filled;
      const json samples = WaitForData(own, 5);
      EXPECT_FALSE(samples.empty())
          << entry.path().filename() << " " << where << ": no data for\n  " << own;
      if (by_host && !samples.empty()) {
        EXPECT_FALSE(LabelValues(samples, "instance").count("")) << where << " lost the host";
        // Panels show both hosts; an annotation marks the one host where
        // the event happened.
        if (!is_event) {
          EXPECT_TRUE(HasBothHosts(samples)) << where << ": " << samples.dump();
        }
      }
    }
  }
  EXPECT_GT(queries, 30);
}

}  // namespace
}  // namespace accept4_test
