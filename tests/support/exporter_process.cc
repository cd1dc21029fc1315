#include "exporter_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace accept4_test {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string MakeTempDir() {
  char dir[] = "/tmp/accept4_test.XXXXXX";
  if (!mkdtemp(dir)) return "/tmp";
  return dir;
}

// Forks and execs the exporter with stdout/stderr redirected to files and
// `environment` ("NAME=value") added to ours.
pid_t SpawnCommand(std::vector<std::string> argv_strings, const std::string& stdout_path,
                   const std::string& stderr_path, std::vector<std::string> environment = {}) {
  // Built before the fork: the child of a threaded process should not allocate.
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& variable : environment) envp.push_back(variable.data());
  for (char** inherited = environ; *inherited; ++inherited) envp.push_back(*inherited);
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  execvpe(argv[0], argv.data(), envp.data());
  _exit(127);
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& stdout_path,
            const std::string& stderr_path, const std::vector<std::string>& environment) {
  std::vector<std::string> argv = {ExporterBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return SpawnCommand(argv, stdout_path, stderr_path, environment);
}

int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

std::string ExporterBinary() { return ACCEPT4_EXPORTER_BINARY; }

int WaitForListening(pid_t& pid, const std::string& stderr_path) {
  static const std::regex kListening(R"(msg="listening .*port=(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string log = ReadFile(stderr_path);
    if (std::regex_search(log, match, kListening)) return std::stoi(match[1]);
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      ADD_FAILURE() << "accept4_exporter exited during start-up: " << log;
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "accept4_exporter did not listen within 20 s: " << ReadFile(stderr_path);
  return 0;
}

ExitResult RunExporterToExit(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ExporterBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommandToExit(argv);
}

ExitResult RunCommandToExit(const std::vector<std::string>& argv) {
  const std::string dir = MakeTempDir();
  ExitResult result;
  const pid_t pid = SpawnCommand(argv, dir + "/stdout", dir + "/stderr");
  result.exit_code = WaitExit(pid, std::chrono::seconds(20));
  result.stdout_text = ReadFile(dir + "/stdout");
  result.stderr_text = ReadFile(dir + "/stderr");
  std::system(("rm -rf " + dir).c_str());
  return result;
}

ExporterProcess::ExporterProcess(const std::string& config_yaml,
                                 const std::vector<std::string>& extra_args,
                                 const std::vector<std::string>& environment)
    : dir_(MakeTempDir()), config_path_(dir_ + "/config.yaml"), stderr_path_(dir_ + "/stderr") {
  // An ephemeral port unless the test chose one (to restart on the same).
  std::vector<std::string> args;
  if (std::none_of(extra_args.begin(), extra_args.end(), [](const std::string& arg) {
        return arg.rfind("--web.listen-address", 0) == 0;
      })) {
    args.push_back("--web.listen-address=127.0.0.1:0");
  }
  if (!config_yaml.empty()) {
    std::ofstream(config_path_) << config_yaml;
    args.push_back("--config.file=" + config_path_);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(args, dir_ + "/stdout", stderr_path_, environment);

  port_ = WaitForListening(pid_, stderr_path_);
}

ExporterProcess::~ExporterProcess() {
  if (pid_ > 0) Stop(SIGTERM);
  std::system(("rm -rf " + dir_).c_str());
}

std::string ExporterProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

MetricsText ExporterProcess::ScrapeAfter(std::chrono::system_clock::time_point after) {
  const double after_seconds = std::chrono::duration<double>(after.time_since_epoch()).count();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    const HttpResponse response = HttpGet(url("/metrics"));
    if (response.status == 200) {
      MetricsText metrics(response.body);
      // the time the maps were read at, stamped just before the read
      const double read_at = metrics.Value("accept4_exporter_last_map_read_timestamp_seconds");
      if (!std::isnan(read_at) && read_at > after_seconds) return metrics;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "no map read after the calls within 20 s; last response " << response.status
                    << " " << response.error;
      return MetricsText("");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

MetricsText ExporterProcess::Reload(const std::string& config, bool want_success) {
  const char* kSuccessTime = "accept4_exporter_config_last_reload_success_timestamp_seconds";
  const double last_success = ScrapeFresh().Value(kSuccessTime);
  std::ofstream(config_path_) << config;
  kill(pid_, SIGHUP);
  for (int attempt = 0; attempt < 200; ++attempt) {
    MetricsText metrics = ScrapeFresh();
    const double successful = metrics.Value("accept4_exporter_config_last_reload_successful");
    if (want_success && successful == 1 && metrics.Value(kSuccessTime) > last_success) {
      return metrics;
    }
    if (!want_success && successful == 0) return metrics;
  }
  ADD_FAILURE() << "the reload did not show within 200 scrapes: " << StderrText();
  return MetricsText("");
}

int ExporterProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  const int code = WaitExit(pid_, timeout);
  pid_ = -1;
  port_ = 0;
  return code;
}

std::string ExporterProcess::StderrText() const { return ReadFile(stderr_path_); }

}  // namespace accept4_test
