// --web.config.file against the real exporter: TLS with certificates made by
// the openssl command, client certificate modes, basic auth on every path,
// plain HTTP refused on the TLS port, and the one-line refusal of a bad
// web config.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bpf_support.h"
#include "exporter_process.h"
#include "http_get.h"
#include "metrics_text.h"

namespace accept4_test {
namespace {

constexpr char kUser[] = "prometheus";
constexpr char kPassword[] = "correct horse";
// bcrypt of kPassword at cost 10 in the $2y$ form htpasswd -B writes.
constexpr char kHash[] = "$2y$10$lr5YAOF2NdmuVcfJ17vx3eY6G/1mBIFVeZ3Ist4iH30.F3tvWf0Vq";

std::string Shell(const std::string& command, int* exit_code = nullptr) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  for (size_t n; pipe && (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;)
    output.append(buffer, n);
  const int status = pipe ? pclose(pipe) : -1;
  if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

// Sets an environment variable for the exporters started in its scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) {
      unsetenv(name_);
    } else {
      setenv(name_, old_.c_str(), 1);
    }
  }

 private:
  const char* name_;
  std::string old_;
};

// A CA, a server certificate for 127.0.0.1 and a client certificate signed
// by it, and a self-signed client certificate it did not sign; made once.
class WebTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/accept4_web_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    const std::string script =
        "set -e; cd " + dir_ +
        "; ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1';"
        " openssl req -x509 $ec -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca;"
        " printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext;"
        " printf 'extendedKeyUsage=clientAuth\\n' > client.ext;"
        " openssl req -new $ec -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1;"
        " openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        "   -extfile server.ext -out server.crt;"
        " openssl req -new $ec -nodes -keyout client.key -out client.csr -subj /CN=scraper;"
        " openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        "   -extfile client.ext -out client.crt;"
        " openssl req -x509 $ec -nodes -keyout rogue.key -out rogue.crt -days 2 -subj /CN=rogue;"
        " cat server.crt server.key > both.pem";
    ASSERT_EQ(std::system(("(" + script + ") >/dev/null 2>&1").c_str()), 0)
        << "the openssl command failed: " << script;
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }

  static std::string Path(const std::string& name) { return dir_ + "/" + name; }

  // Writes `web_yaml` to DIR/`name`.yml and starts the exporter with it.
  static std::unique_ptr<ExporterProcess> Start(const std::string& name,
                                                const std::string& web_yaml) {
    const std::string web_config = Path(name + ".yml");
    std::ofstream(web_config) << web_yaml;
    return std::make_unique<ExporterProcess>(
        "", std::vector<std::string>{"--web.config.file=" + web_config});
  }

  static std::string Https(const ExporterProcess& exporter, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(exporter.port()) + path;
  }

  // Trusts the test CA; basic auth with `user` when it is not empty.
  static HttpRequestOptions Client(const std::string& user = "", const std::string& password = "") {
    HttpRequestOptions options;
    options.ca_file = Path("ca.crt");
    options.user = user;
    options.password = password;
    return options;
  }

  static std::string dir_;
};

std::string WebTest::dir_;

const std::string kServerTls =
    "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
const std::string kUsers = std::string("basic_auth_users:\n  ") + kUser + ": " + kHash + "\n";

TEST_F(WebTest, TlsAndBasicAuthGuardEveryPath) {
  SKIP_WITHOUT_BPF();
  char pem_dir[] = "/tmp/accept4_web_pem.XXXXXX";
  ASSERT_NE(mkdtemp(pem_dir), nullptr);
  std::unique_ptr<ExporterProcess> exporter;
  {
    // Where the exporter joins cert_file and key_file for civetweb.
    ScopedEnv tmpdir("TMPDIR", pem_dir);
    exporter = Start("tls-auth", kServerTls + kUsers);
  }
  ASSERT_TRUE(exporter->running());
  // civetweb has read the joined copy of the key: none is left on disk.
  EXPECT_EQ(Shell(std::string("ls -A ") + pem_dir), "");
  std::system((std::string("rm -rf ") + pem_dir).c_str());

  const HttpResponse metrics = HttpGet(Https(*exporter, "/metrics"), Client(kUser, kPassword));
  ASSERT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_FALSE(
      MetricsText(metrics.body).Find("accept4_exporter_last_map_read_timestamp_seconds").empty());

  const HttpResponse landing = HttpGet(Https(*exporter, "/"), Client(kUser, kPassword));
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("<a href=\"/metrics\">"), std::string::npos) << landing.body;
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    const HttpResponse health = HttpGet(Https(*exporter, path), Client(kUser, kPassword));
    EXPECT_EQ(health.status, 200) << path;
    EXPECT_EQ(health.body, "OK\n") << path;
  }

  for (const char* path : {"/metrics", "/", "/-/healthy", "/-/ready", "/no-such-page"}) {
    EXPECT_EQ(HttpGet(Https(*exporter, path), Client()).status, 401) << path;
    EXPECT_EQ(HttpGet(Https(*exporter, path), Client(kUser, "wrong")).status, 401) << path;
    EXPECT_EQ(HttpGet(Https(*exporter, path), Client("nobody", kPassword)).status, 401) << path;
  }
  const std::string headers = Shell("curl -sS -o /dev/null -D - --cacert " + Path("ca.crt") + " " +
                                    Https(*exporter, "/metrics"));
  EXPECT_NE(headers.find("WWW-Authenticate: Basic realm=\"accept4_exporter\"\r\n"),
            std::string::npos)
      << headers;

  // Not trusting the test CA, curl refuses the server's certificate.
  const HttpResponse untrusted = HttpGet(Https(*exporter, "/metrics"));
  EXPECT_EQ(untrusted.status, 0);
  EXPECT_NE(untrusted.error, "");

  // Plain HTTP to the TLS port gets no HTTP answer, and HTTPS goes on.
  const HttpResponse plain = HttpGet(exporter->url("/metrics"));
  EXPECT_EQ(plain.status, 0) << plain.body;
  EXPECT_NE(plain.error, "");
  EXPECT_EQ(HttpGet(Https(*exporter, "/metrics"), Client(kUser, kPassword)).status, 200);
  EXPECT_EQ(exporter->Stop(SIGTERM), 0) << exporter->StderrText();
}

TEST_F(WebTest, CertificateAndKeyInOneFile) {
  SKIP_WITHOUT_BPF();
  const auto exporter =
      Start("both", "tls_server_config: {cert_file: both.pem, key_file: both.pem}\n");
  ASSERT_TRUE(exporter->running());
  EXPECT_EQ(HttpGet(Https(*exporter, "/-/healthy"), Client()).status, 200);
}

TEST_F(WebTest, BasicAuthWithoutTls) {
  SKIP_WITHOUT_BPF();
  const auto exporter = Start("auth-only", kUsers);
  ASSERT_TRUE(exporter->running());
  HttpRequestOptions credentials;
  credentials.user = kUser;
  credentials.password = kPassword;
  EXPECT_EQ(HttpGet(exporter->url("/metrics"), credentials).status, 200);
  EXPECT_EQ(HttpGet(exporter->url("/metrics")).status, 401);
}

TEST_F(WebTest, EachClientAuthTypeAdmitsTheClientsItShould) {
  SKIP_WITHOUT_BPF();
  struct Case {
    const char* type;
    bool needs_ca;
    bool without_cert;  // admitted?
    bool with_ca_signed_cert;
    bool with_self_signed_cert;
  };
  const Case cases[] = {
      {"NoClientCert", false, true, true, true},
      {"RequestClientCert", false, true, true, true},
      {"RequireAnyClientCert", false, false, true, true},
      {"VerifyClientCertIfGiven", true, true, true, false},
      {"RequireAndVerifyClientCert", true, false, true, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    const auto exporter = Start(c.type, kServerTls + "  client_auth_type: " + c.type + "\n" +
                                            (c.needs_ca ? "  client_ca_file: ca.crt\n" : ""));
    ASSERT_TRUE(exporter->running());
    const std::string url = Https(*exporter, "/-/healthy");
    const auto admitted = [&](const std::string& cert) {
      HttpRequestOptions options = Client();
      if (!cert.empty()) {
        options.client_cert = Path(cert + ".crt");
        options.client_key = Path(cert + ".key");
      }
      const HttpResponse response = HttpGet(url, options);
      if (response.status != 0) {
        EXPECT_EQ(response.status, 200);
      }
      return response.status == 200;
    };
    EXPECT_EQ(admitted(""), c.without_cert) << "without a certificate";
    EXPECT_EQ(admitted("client"), c.with_ca_signed_cert) << "with a certificate from the CA";
    EXPECT_EQ(admitted("rogue"), c.with_self_signed_cert) << "with a self-signed certificate";
    // a refused handshake leaves the exporter serving
    EXPECT_TRUE(admitted("client")) << "after the others";
  }
}

TEST_F(WebTest, MinVersionRefusesOlderClients) {
  SKIP_WITHOUT_BPF();
  const auto exporter = Start("tls13", kServerTls + "  min_version: TLS13\n");
  ASSERT_TRUE(exporter->running());
  const std::string curl = "curl -sS -o /dev/null --cacert " + Path("ca.crt") + " ";
  const std::string url = Https(*exporter, "/-/healthy");
  int exit_code = -1;
  Shell(curl + "--tls-max 1.2 " + url + " 2>&1", &exit_code);
  EXPECT_NE(exit_code, 0) << "a TLS 1.2 client was served";
  Shell(curl + "--tlsv1.3 " + url + " 2>&1", &exit_code);
  EXPECT_EQ(exit_code, 0);
}

// Debian's civetweb loads OpenSSL by the names libssl-dev installs and
// crashes in mg_start without them; the exporter must refuse instead. The
// exporter runs in a mount namespace of its own where an overlay hides
// libssl.so.
TEST_F(WebTest, WithoutLibsslDevTheExporterRefusesTls) {
  SKIP_WITHOUT_BPF();
  const std::string lib = "/usr/lib/x86_64-linux-gnu";
  if (access((lib + "/libssl.so").c_str(), F_OK) != 0) GTEST_SKIP() << "no " << lib << "/libssl.so";
  const std::string overlay = Path("overlay");
  ASSERT_EQ(std::system(("mkdir -p " + overlay + "/upper " + overlay + "/work && mknod " + overlay +
                         "/upper/libssl.so c 0 0")
                            .c_str()),
            0);
  const std::string web_config = Path("no-libssl.yml");
  std::ofstream(web_config) << kServerTls;
  int exit_code = -1;
  // A chroot whose / is not a mount point, or a container, may have no
  // mount namespace of its own to give.
  const std::string unshare_output =
      Shell("unshare -m --propagation private true 2>&1", &exit_code);
  if (exit_code != 0) GTEST_SKIP() << "no private mount namespace here: " << unshare_output;
  const std::string output =
      Shell("unshare -m --propagation private sh -c 'mount -t overlay overlay -o lowerdir=" + lib +
                ",upperdir=" + overlay + "/upper,workdir=" + overlay + "/work " + lib +
                " || exit 99; exec " + ExporterBinary() +
                " --web.listen-address=127.0.0.1:0 --web.config.file=" + web_config + "' 2>&1",
            &exit_code);
  if (exit_code == 99) GTEST_SKIP() << "no overlay mount here: " << output;
  EXPECT_EQ(exit_code, 1) << output;
  EXPECT_NE(output.find("level=error msg=\"tls_server_config: civetweb cannot load OpenSSL: "
                        "libssl.so: cannot open shared object file: No such file or directory"),
            std::string::npos)
      << output;
}

// The line main logs, as logfmt quotes it.
std::string Quoted(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

TEST_F(WebTest, BadWebConfigStopsTheExporterWithOneLine) {
  SKIP_WITHOUT_BPF();
  struct Case {
    std::string yaml;
    std::string error;  // after `web config file "PATH": `
  };
  const Case cases[] = {
      {kServerTls + "  client_auth: RequireAndVerifyClientCert\n",
       R"e(key "tls_server_config.client_auth": unknown key (known: cert_file, client_auth_type, )e"
       R"e(client_ca_file, key_file, min_version))e"},
      {"tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
       "key \"tls_server_config.cert_file\": cannot read \"" + Path("missing.crt") +
           "\": No such file or directory"},
      {kServerTls + "  client_auth_type: RequireAndVerifyClientCert\n",
       "key \"tls_server_config.client_ca_file\": is required when client_auth_type is "
       "RequireAndVerifyClientCert"},
      {"basic_auth_users:\n  prometheus: correct horse\n",
       "key \"basic_auth_users.prometheus\": not a bcrypt hash (want $2a$, $2b$ or $2y$, a "
       "two-digit cost and 53 characters, 60 in all)"},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    const std::string web_config = Path("bad-" + std::to_string(n++) + ".yml");
    std::ofstream(web_config) << c.yaml;
    const ExitResult result =
        RunExporterToExit({"--web.listen-address=127.0.0.1:0", "--web.config.file=" + web_config});
    EXPECT_EQ(result.exit_code, 2);
    const std::string expected = "level=error msg=\"" +
                                 Quoted("web config file \"" + web_config + "\": " + c.error) +
                                 "\"\n";
    std::vector<std::string> errors;
    std::istringstream lines(result.stderr_text);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("level=error") != std::string::npos) errors.push_back(line + "\n");
    }
    ASSERT_EQ(errors.size(), 1u) << result.stderr_text;
    EXPECT_NE(errors[0].find(expected), std::string::npos) << errors[0] << "\nwant\n" << expected;
    EXPECT_EQ(result.stderr_text.find("msg=\"listening"), std::string::npos);
  }
}

}  // namespace
}  // namespace accept4_test
