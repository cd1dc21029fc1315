// The web config file (TLS, basic auth): the one-line error each bad file
// gets, what a good one parses to, bcrypt checks with real hashes, and the
// OpenSSL context made from tls_server_config. Certificates
// and keys are made with the openssl command, hashes with libcrypt.
#include "web/web_config.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "web/basic_auth.h"
#include "web/tls_context.h"

namespace accept4_exporter {
namespace {

using Users = std::map<std::string, std::string>;

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A real bcrypt hash of `password`, as htpasswd -B would make it.
std::string Bcrypt(const std::string& password, const char* prefix = "$2b$", int cost = 4) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, salt, sizeof(salt))) return "(no salt)";
  crypt_data data = {};
  return crypt_r(password.c_str(), salt, &data);
}

// A directory of certificates and keys, made once for every test:
// server.crt/key signed by ca.crt, other.key (matches nothing),
// encrypted.key, both.pem (certificate and key in one file), garbage.txt.
class WebConfigTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/web_config_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    const std::string script =
        "set -e; cd " + dir_ +
        "; ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1';"
        " openssl req -x509 $ec -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca;"
        " openssl req -new $ec -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1;"
        " openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        "   -out server.crt;"
        " openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -out other.key;"
        " openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -aes256"
        "   -pass pass:secret -out encrypted.key;"
        " cat server.crt server.key > both.pem; echo 'not a certificate' > garbage.txt;"
        " mkdir certs";
    ASSERT_EQ(std::system(("(" + script + ") >/dev/null 2>&1").c_str()), 0)
        << "the openssl command failed: " << script;
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }

  static std::string Path(const std::string& name) { return dir_ + "/" + name; }

  // ParseWebConfig on `yaml` as if read from DIR/web.yml; the error text,
  // or "" if it parsed.
  static std::string ParseError(const std::string& yaml) {
    try {
      ParseWebConfig(yaml, Path("web.yml"));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

  static std::string dir_;
};

std::string WebConfigTest::dir_;

TEST_F(WebConfigTest, BadConfigsAreRefusedWithOneLineNamingFileKeyAndProblem) {
  const std::string tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
  const std::string hash = Bcrypt("secret");
  struct Case {
    std::string yaml;
    std::string error;  // DIR stands for the test's directory
  };
  const std::vector<Case> cases = {
      {"- a\n- b\n", R"e(key "(top level)": must be a mapping)e"},
      {tls + "web_listen: 1\n",
       R"e(key "web_listen": unknown key (known: basic_auth_users, tls_server_config))e"},
      {"http_server_config: {http2: false}\n",
       R"e(key "http_server_config": not supported by accept4_exporter)e"},
      {tls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
       R"e(key "tls_server_config.cipher_suites": not supported by accept4_exporter)e"},
      {tls + "  certfile: x\n",
       R"e(key "tls_server_config.certfile": unknown key (known: cert_file, client_auth_type, )e"
       R"e(client_ca_file, key_file, min_version))e"},
      {"tls_server_config: on\n", R"e(key "tls_server_config": must be a mapping)e"},
      {"tls_server_config:\n  cert_file: server.crt\n",
       R"e(key "tls_server_config.key_file": is required when tls_server_config is set)e"},
      {"tls_server_config:\n  key_file: server.key\n",
       R"e(key "tls_server_config.cert_file": is required when tls_server_config is set)e"},
      {"tls_server_config:\n  cert_file: [a, b]\n  key_file: server.key\n",
       R"e(key "tls_server_config.cert_file": must be a single value)e"},
      {"tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
       R"e(key "tls_server_config.cert_file": cannot read "DIR/missing.crt": )e"
       R"e(No such file or directory)e"},
      {"tls_server_config:\n  cert_file: server.crt\n  key_file: /nonexistent/server.key\n",
       R"e(key "tls_server_config.key_file": cannot read "/nonexistent/server.key": )e"
       R"e(No such file or directory)e"},
      {"tls_server_config:\n  cert_file: certs\n  key_file: server.key\n",
       R"e(key "tls_server_config.cert_file": cannot read "DIR/certs": Is a directory)e"},
      {"tls_server_config:\n  cert_file: garbage.txt\n  key_file: server.key\n",
       R"e(key "tls_server_config.cert_file": "DIR/garbage.txt" holds no PEM certificate)e"},
      {"tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n",
       R"e(key "tls_server_config.key_file": "DIR/server.crt" holds no unencrypted PEM )e"
       R"e(private key)e"},
      {"tls_server_config:\n  cert_file: server.crt\n  key_file: encrypted.key\n",
       R"e(key "tls_server_config.key_file": "DIR/encrypted.key" holds no unencrypted PEM )e"
       R"e(private key)e"},
      {"tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n",
       R"e(key "tls_server_config.key_file": "DIR/other.key" is not the key of the )e"
       R"e(certificate in "DIR/server.crt")e"},
      {tls + "  min_version: TLS14\n",
       R"e(key "tls_server_config.min_version": must be TLS10, TLS11, TLS12 or TLS13, )e"
       R"e(got "TLS14")e"},
      {tls + "  min_version: VersionTLS12\n",
       R"e(key "tls_server_config.min_version": must be TLS10, TLS11, TLS12 or TLS13, )e"
       R"e(got "VersionTLS12")e"},
      {tls + "  client_auth_type: RequireClientCert\n",
       R"e(key "tls_server_config.client_auth_type": must be NoClientCert, RequestClientCert, )e"
       R"e(RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert, )e"
       R"e(got "RequireClientCert")e"},
      {tls + "  client_auth_type: RequireAndVerifyClientCert\n",
       R"e(key "tls_server_config.client_ca_file": is required when client_auth_type is )e"
       R"e(RequireAndVerifyClientCert)e"},
      {tls + "  client_auth_type: VerifyClientCertIfGiven\n",
       R"e(key "tls_server_config.client_ca_file": is required when client_auth_type is )e"
       R"e(VerifyClientCertIfGiven)e"},
      {tls + "  client_ca_file: ca.crt\n",
       R"e(key "tls_server_config.client_ca_file": is set but client_auth_type is NoClientCert)e"},
      {tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: garbage.txt\n",
       R"e(key "tls_server_config.client_ca_file": "DIR/garbage.txt" holds no PEM certificate)e"},
      {tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: none.crt\n",
       R"e(key "tls_server_config.client_ca_file": cannot read "DIR/none.crt": )e"
       R"e(No such file or directory)e"},
      {"basic_auth_users: [alice]\n",
       R"e(key "basic_auth_users": must be a mapping of user to bcrypt hash)e"},
      {"basic_auth_users:\n  alice: [" + hash + "]\n",
       R"e(key "basic_auth_users.alice": must be a bcrypt hash)e"},
      {"basic_auth_users:\n  \"al:ice\": " + hash + "\n",
       R"e(key "basic_auth_users.al:ice": user names cannot contain ":")e"},
      {"basic_auth_users:\n  alice: " + Bcrypt("secret", "$6$", 5000) + "\n",
       R"e(key "basic_auth_users.alice": not a bcrypt hash (want $2a$, $2b$ or $2y$, a two-digit )e"
       R"e(cost and 53 characters, 60 in all))e"},
      {"basic_auth_users:\n  alice: " + hash.substr(0, 59) + "\n",
       R"e(key "basic_auth_users.alice": not a bcrypt hash (want $2a$, $2b$ or $2y$, a two-digit )e"
       R"e(cost and 53 characters, 60 in all))e"},
      {"basic_auth_users:\n  alice: " + hash.substr(0, 59) + "!\n",
       R"e(key "basic_auth_users.alice": not a bcrypt hash (want $2a$, $2b$ or $2y$, a two-digit )e"
       R"e(cost and 53 characters, 60 in all))e"},
      {"basic_auth_users:\n  alice: $2x$" + hash.substr(4) + "\n",
       R"e(key "basic_auth_users.alice": not a bcrypt hash (want $2a$, $2b$ or $2y$, a two-digit )e"
       R"e(cost and 53 characters, 60 in all))e"},
      {"basic_auth_users:\n  alice: $2b$99$" + hash.substr(7) + "\n",
       R"e(key "basic_auth_users.alice": bcrypt cost must be 04 to 31, got "99")e"},
      {"basic_auth_users:\n  alice: $2b$03$" + hash.substr(7) + "\n",
       R"e(key "basic_auth_users.alice": bcrypt cost must be 04 to 31, got "03")e"},
  };
  for (const Case& c : cases) {
    const std::string expected =
        "web config file \"" + Path("web.yml") + "\": " + ReplaceAll(c.error, "DIR", dir_);
    const std::string error = ParseError(c.yaml);
    EXPECT_EQ(error, expected) << c.yaml;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST_F(WebConfigTest, APasswordInPlaceOfAHashIsNotEchoed) {
  const std::string error = ParseError("basic_auth_users:\n  alice: hunter2\n");
  EXPECT_NE(error, "");
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

TEST_F(WebConfigTest, InvalidYamlNamesTheLine) {
  EXPECT_EQ(
      ParseError("basic_auth_users:\n  alice: x\n bob: y\n"),
      "web config file \"" + Path("web.yml") + "\": not valid YAML: line 3: end of map not found");
}

// Found by tests/fuzz/web_config_fuzzer: yaml-cpp's "bad conversion" went
// out without the file.
TEST_F(WebConfigTest, AComplexKeyNamesTheFileAndTheLine) {
  EXPECT_EQ(ParseError("? [a]\n: b\n"),
            "web config file \"" + Path("web.yml") + "\": line 1: bad conversion");
  EXPECT_EQ(ParseError("basic_auth_users:\n  ? [a]\n  : b\n"),
            "web config file \"" + Path("web.yml") + "\": line 2: bad conversion");
}

TEST_F(WebConfigTest, AFileThatCannotBeReadIsNamed) {
  try {
    LoadWebConfig(Path("none.yml"));
    ADD_FAILURE() << "loaded a missing file";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "web config file \"" + Path("none.yml") +
                                         "\": cannot be read: No such file or "
                                         "directory");
  }
}

TEST_F(WebConfigTest, EmptyFileMeansPlainHttpWithoutAuth) {
  for (const char* yaml : {"", "# nothing\n", "tls_server_config:\nbasic_auth_users:\n"}) {
    const WebConfig config = ParseWebConfig(yaml, Path("web.yml"));
    EXPECT_FALSE(config.tls.has_value()) << yaml;
    EXPECT_TRUE(config.basic_auth_users.empty()) << yaml;
  }
}

TEST_F(WebConfigTest, ValidConfigParsesWithFilesRelativeToIt) {
  const std::string hash_a = Bcrypt("a"), hash_b = Bcrypt("b", "$2y$");
  {
    std::ofstream file(Path("web.yml"));
    file << "# as in node_exporter's web-config.yml\n"
            "tls_server_config:\n"
            "  cert_file: server.crt\n"
            "  key_file: "
         << Path("server.key")
         << "\n"
            "  client_auth_type: RequireAndVerifyClientCert\n"
            "  client_ca_file: ca.crt\n"
            "  min_version: TLS13\n"
            "basic_auth_users:\n"
            "  alice: "
         << hash_a << "\n  bob: '" << hash_b << "'\n";
  }
  const WebConfig config = LoadWebConfig(Path("web.yml"));
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->cert_file, Path("server.crt"));
  EXPECT_EQ(config.tls->key_file, Path("server.key"));
  EXPECT_EQ(config.tls->client_ca_file, Path("ca.crt"));
  EXPECT_EQ(config.tls->min_version, TlsVersion::kTls13);
  EXPECT_EQ(config.tls->client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(config.basic_auth_users, (Users{{"alice", hash_a}, {"bob", hash_b}}));
}

TEST_F(WebConfigTest, DefaultsAreTls12WithoutClientCertificates) {
  const WebConfig config = ParseWebConfig(
      "tls_server_config: {cert_file: both.pem, key_file: both.pem}\n", Path("web.yml"));
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->min_version, TlsVersion::kTls12);
  EXPECT_EQ(config.tls->client_auth, ClientAuth::kNoClientCert);
  EXPECT_EQ(config.tls->client_ca_file, "");
}

TEST_F(WebConfigTest, EveryClientAuthTypeAndVersionParses) {
  const struct {
    const char* name;
    ClientAuth value;
  } types[] = {{"NoClientCert", ClientAuth::kNoClientCert},
               {"RequestClientCert", ClientAuth::kRequestClientCert},
               {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
               {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
               {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert}};
  for (const auto& type : types) {
    const std::string ca =
        type.value == ClientAuth::kNoClientCert ? "" : ", client_ca_file: ca.crt";
    const WebConfig config = ParseWebConfig(
        std::string("tls_server_config: {cert_file: server.crt, key_file: server.key, "
                    "client_auth_type: ") +
            type.name + ca + "}\n",
        Path("web.yml"));
    EXPECT_EQ(config.tls->client_auth, type.value) << type.name;
    EXPECT_EQ(ClientAuthName(type.value), std::string(type.name));
  }
  for (const char* version : {"TLS10", "TLS11", "TLS12", "TLS13"}) {
    const WebConfig config = ParseWebConfig(
        std::string("tls_server_config: {cert_file: server.crt, key_file: server.key, "
                    "min_version: ") +
            version + "}\n",
        Path("web.yml"));
    EXPECT_EQ(TlsVersionName(config.tls->min_version), std::string(version));
  }
}

// The OpenSSL context the server runs with, as each setting makes it.
TEST_F(WebConfigTest, TlsContextFollowsTheConfig) {
  TlsServerConfig tls;
  tls.cert_file = Path("server.crt");
  tls.key_file = Path("server.key");
  {
    const auto context = MakeTlsContext(tls);
    SSL_CTX* ctx = context->native_handle();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_NONE);
    EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION, 0u);
  }
  tls.cert_file = tls.key_file = Path("both.pem");
  tls.min_version = TlsVersion::kTls13;
  tls.client_auth = ClientAuth::kRequireAndVerifyClientCert;
  tls.client_ca_file = Path("ca.crt");
  {
    const auto context = MakeTlsContext(tls);
    SSL_CTX* ctx = context->native_handle();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_3_VERSION);
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    EXPECT_EQ(SSL_CTX_get_verify_callback(ctx), nullptr);  // verified against the CA
    EXPECT_EQ(sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)), 1);
  }
  // Asked for, never verified: a callback that accepts any certificate.
  tls.client_ca_file.clear();
  tls.client_auth = ClientAuth::kRequireAnyClientCert;
  {
    const auto context = MakeTlsContext(tls);
    EXPECT_EQ(SSL_CTX_get_verify_mode(context->native_handle()),
              SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    EXPECT_NE(SSL_CTX_get_verify_callback(context->native_handle()), nullptr);
  }
  tls.client_auth = ClientAuth::kRequestClientCert;
  EXPECT_EQ(SSL_CTX_get_verify_mode(MakeTlsContext(tls)->native_handle()), SSL_VERIFY_PEER);
}

TEST_F(WebConfigTest, TlsContextRefusesAKeyThatIsNotTheCertificates) {
  TlsServerConfig tls;
  tls.cert_file = Path("server.crt");
  tls.key_file = Path("other.key");
  try {
    MakeTlsContext(tls);
    ADD_FAILURE() << "a key that does not match was accepted";
  } catch (const std::runtime_error& e) {
    const std::string want = "tls_server_config: loading key_file \"" + Path("other.key") + "\": ";
    EXPECT_EQ(std::string(e.what()).substr(0, want.size()), want) << e.what();
  }
}

TEST(BcryptTest, HashesFromLibcryptAndOtherImplementationsAreAccepted) {
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    EXPECT_EQ(BcryptHashProblem(Bcrypt("secret", prefix)), "") << prefix;
  }
  // OpenBSD's test vector, as any bcrypt implementation computes it.
  EXPECT_EQ(BcryptHashProblem("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"), "");
}

TEST(BcryptTest, RightPasswordPassesWrongOnesFail) {
  BasicAuth auth(Users{{"alice", Bcrypt("correct horse")}, {"bob", Bcrypt("battery", "$2y$")}});
  EXPECT_TRUE(auth.Verify("alice", "correct horse"));
  EXPECT_TRUE(auth.Verify("bob", "battery"));
  EXPECT_FALSE(auth.Verify("alice", "battery"));
  EXPECT_FALSE(auth.Verify("alice", "correct horse "));
  EXPECT_FALSE(auth.Verify("alice", ""));
  EXPECT_FALSE(auth.Verify("carol", "correct horse"));
  EXPECT_FALSE(auth.Verify("", ""));
  // crypt() would stop at the NUL and see "correct horse".
  EXPECT_FALSE(auth.Verify("alice", std::string("correct horse\0x", 15)));
}

TEST(BcryptTest, KnownVectorVerifies) {
  BasicAuth auth(
      Users{{"openbsd", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"}});
  EXPECT_TRUE(auth.Verify("openbsd", "U*U"));
  EXPECT_FALSE(auth.Verify("openbsd", "U*V"));
}

TEST(BcryptTest, OnlySuccessesAreCachedAndTheCacheIsBounded) {
  BasicAuth auth(Users{{"alice", Bcrypt("a")}});
  EXPECT_FALSE(auth.Verify("alice", "b"));
  EXPECT_FALSE(auth.Verify("mallory", "a"));
  EXPECT_EQ(auth.cached(), 0u);
  EXPECT_TRUE(auth.Verify("alice", "a"));
  EXPECT_TRUE(auth.Verify("alice", "a"));
  EXPECT_EQ(auth.cached(), 1u);
  // A cached success must not let a different password through.
  EXPECT_FALSE(auth.Verify("alice", "a "));

  // bcrypt only looks at the first 72 bytes, so these many passwords all
  // match one hash and each is a separate cache entry.
  const std::string prefix(72, 'p');
  BasicAuth long_passwords(Users{{"alice", Bcrypt(prefix)}});
  for (size_t i = 0; i < BasicAuth::kCacheSize + 10; ++i) {
    EXPECT_TRUE(long_passwords.Verify("alice", prefix + std::to_string(i)));
  }
  EXPECT_EQ(long_passwords.cached(), BasicAuth::kCacheSize);
}

TEST(BasicAuthorizationTest, DecodesUserAndPassword) {
  struct Case {
    const char* header;
    const char* user;  // nullptr: refused
    const char* password;
  };
  const Case cases[] = {
      {"Basic YWxpY2U6c2VjcmV0", "alice", "secret"},
      {"basic YWxpY2U6c2VjcmV0", "alice", "secret"},
      {"BASIC   YWxpY2U6c2VjcmV0  ", "alice", "secret"},
      {"Basic YWxpY2U6YTpiOmM=", "alice", "a:b:c"},  // alice:a:b:c
      {"Basic OnNlY3JldA==", "", "secret"},          // :secret
      {"Basic YWxpY2U6", "alice", ""},               // alice:
      {"Basic YWxpY2U=", nullptr, nullptr},          // no colon
      {"Bearer YWxpY2U6c2VjcmV0", nullptr, nullptr},
      {"Basic", nullptr, nullptr},
      {"Basic YWxpY2U6c2VjcmV0=", nullptr, nullptr},  // bad length
      {"Basic YWxp!2U6c2VjcmV0", nullptr, nullptr},
      {"Basic YW=pY2U6c2VjcmV0", nullptr, nullptr},  // padding inside
      {"", nullptr, nullptr},
  };
  for (const Case& c : cases) {
    const std::optional<BasicCredentials> credentials = ParseBasicAuthorization(c.header);
    if (c.user == nullptr) {
      EXPECT_FALSE(credentials.has_value()) << c.header;
      continue;
    }
    ASSERT_TRUE(credentials.has_value()) << c.header;
    EXPECT_EQ(credentials->user, c.user) << c.header;
    EXPECT_EQ(credentials->password, c.password) << c.header;
  }
}

}  // namespace
}  // namespace accept4_exporter
