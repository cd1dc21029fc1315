#include "web/web_config.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <utility>

#include "web/basic_auth.h"

namespace accept4_exporter {
namespace {

constexpr std::pair<const char*, TlsVersion> kTlsVersions[] = {
    {"TLS10", TlsVersion::kTls10},
    {"TLS11", TlsVersion::kTls11},
    {"TLS12", TlsVersion::kTls12},
    {"TLS13", TlsVersion::kTls13},
};

constexpr std::pair<const char*, ClientAuth> kClientAuths[] = {
    {"NoClientCert", ClientAuth::kNoClientCert},
    {"RequestClientCert", ClientAuth::kRequestClientCert},
    {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
    {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
    {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
};

// exporter-toolkit keys that mean something there but are not implemented
// here: refused by name, since ignoring e.g. cipher_suites would serve
// weaker TLS than the operator asked for.
const std::set<std::string> kUnsupported = {"http_server_config",
                                            "rate_limit",
                                            "cipher_suites",
                                            "curve_preferences",
                                            "max_version",
                                            "client_allowed_sans",
                                            "prefer_server_cipher_suites",
                                            "cert",
                                            "key",
                                            "client_ca"};

template <typename Enum, size_t N>
std::string NameList(const std::pair<const char*, Enum> (&table)[N]) {
  std::string list;
  for (size_t i = 0; i < N; ++i) {
    list += i == 0 ? "" : i + 1 == N ? " or " : ", ";
    list += table[i].first;
  }
  return list;
}

template <typename Enum, size_t N>
const char* NameOf(const std::pair<const char*, Enum> (&table)[N], Enum value) {
  for (const auto& [name, entry] : table) {
    if (entry == value) return name;
  }
  return "unknown";
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
}

// 0, or the errno that reading `path` failed with (EISDIR for a directory,
// which open(2) alone would accept).
int ReadWholeFile(const std::string& path, std::string* text) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat status = {};
  int err = fstat(fd, &status) != 0 ? errno : S_ISDIR(status.st_mode) ? EISDIR : 0;
  char buffer[4096];
  while (err == 0) {
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got == 0) break;
    if (got < 0) {
      err = errno;
      break;
    }
    text->append(buffer, static_cast<size_t>(got));
  }
  close(fd);
  return err;
}

// Refuses to prompt on the terminal for an encrypted key's passphrase.
int NoPassphrase(char*, int, int, void*) { return -1; }

class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const {
    ERR_clear_error();
    throw std::runtime_error("web config file \"" + path_ + "\": key \"" + key + "\": " + problem);
  }

  void CheckKeys(const YAML::Node& node, const std::string& prefix,
                 const std::set<std::string>& known) const {
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      const std::string full = prefix.empty() ? key : prefix + "." + key;
      if (known.count(key)) continue;
      if (kUnsupported.count(key)) Fail(full, "not supported by accept4_exporter");
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      Fail(full, "unknown key (known: " + list + ")");
    }
  }

  std::string Scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) Fail(key, "must be a single value");
    return node.Scalar();
  }

  template <typename Enum, size_t N>
  Enum OneOf(const YAML::Node& node, const std::string& key,
             const std::pair<const char*, Enum> (&table)[N]) const {
    const std::string text = Scalar(node, key);
    for (const auto& [name, value] : table) {
      if (text == name) return value;
    }
    Fail(key, "must be " + NameList(table) + ", got \"" + text + "\"");
  }

  // A file name from the config, resolved against the config's directory
  // as exporter-toolkit does, so that a config and its certificates can
  // move together.
  std::string FileName(const YAML::Node& node, const std::string& key) const {
    const std::string name = Scalar(node, key);
    if (name.empty()) Fail(key, "must not be empty");
    if (name[0] == '/') return name;
    const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    return dir.empty() ? name : (dir / name).string();
  }

  std::string ReadFile(const std::string& file, const std::string& key) const {
    std::string text;
    if (const int err = ReadWholeFile(file, &text); err != 0) {
      Fail(key, "cannot read \"" + file + "\": " + strerror(err));
    }
    return text;
  }

  // Loads the certificate and key the way the server will, so that a wrong
  // file is named here rather than failing later as "cannot start".
  void CheckCertificateAndKey(const TlsServerConfig& tls) const {
    const std::string cert_pem = ReadFile(tls.cert_file, "tls_server_config.cert_file");
    std::string key_pem = ReadFile(tls.key_file, "tls_server_config.key_file");
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(MemoryBio(cert_pem).get(), nullptr, nullptr, nullptr), X509_free);
    if (!cert) {
      Fail("tls_server_config.cert_file", "\"" + tls.cert_file + "\" holds no PEM certificate");
    }
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(MemoryBio(key_pem).get(), nullptr, NoPassphrase, nullptr),
        EVP_PKEY_free);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
    if (!key) {
      Fail("tls_server_config.key_file",
           "\"" + tls.key_file + "\" holds no unencrypted PEM private key");
    }
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      Fail("tls_server_config.key_file", "\"" + tls.key_file +
                                             "\" is not the key of the certificate in \"" +
                                             tls.cert_file + "\"");
    }
  }

  void CheckCaFile(const std::string& file) const {
    const std::string pem = ReadFile(file, "tls_server_config.client_ca_file");
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(MemoryBio(pem).get(), nullptr, nullptr, nullptr), X509_free);
    if (!cert) {
      Fail("tls_server_config.client_ca_file", "\"" + file + "\" holds no PEM certificate");
    }
  }

  TlsServerConfig Tls(const YAML::Node& node) const {
    const std::string prefix = "tls_server_config";
    if (!node.IsMap()) Fail(prefix, "must be a mapping");
    CheckKeys(node, prefix,
              {"cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version"});
    TlsServerConfig tls;
    for (const char* required : {"cert_file", "key_file"}) {
      if (!node[required] || node[required].IsNull()) {
        Fail(prefix + "." + required, "is required when tls_server_config is set");
      }
    }
    tls.cert_file = FileName(node["cert_file"], prefix + ".cert_file");
    tls.key_file = FileName(node["key_file"], prefix + ".key_file");
    if (node["min_version"]) {
      tls.min_version = OneOf(node["min_version"], prefix + ".min_version", kTlsVersions);
    }
    if (node["client_auth_type"]) {
      tls.client_auth = OneOf(node["client_auth_type"], prefix + ".client_auth_type", kClientAuths);
    }
    if (node["client_ca_file"] && !node["client_ca_file"].IsNull()) {
      tls.client_ca_file = FileName(node["client_ca_file"], prefix + ".client_ca_file");
    }
    const bool verifies = tls.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                          tls.client_auth == ClientAuth::kRequireAndVerifyClientCert;
    if (verifies && tls.client_ca_file.empty()) {
      Fail(prefix + ".client_ca_file",
           std::string("is required when client_auth_type is ") + ClientAuthName(tls.client_auth));
    }
    // Same rule as exporter-toolkit: a CA with nothing to check it against
    // is a mistake in the config, not something to ignore.
    if (tls.client_auth == ClientAuth::kNoClientCert && !tls.client_ca_file.empty()) {
      Fail(prefix + ".client_ca_file", "is set but client_auth_type is NoClientCert");
    }
    CheckCertificateAndKey(tls);
    if (!tls.client_ca_file.empty()) CheckCaFile(tls.client_ca_file);
    return tls;
  }

  std::map<std::string, std::string> Users(const YAML::Node& node) const {
    if (!node.IsMap()) Fail("basic_auth_users", "must be a mapping of user to bcrypt hash");
    std::map<std::string, std::string> users;
    for (const auto& item : node) {
      const std::string user = item.first.as<std::string>();
      const std::string key = "basic_auth_users." + user;
      // Basic auth splits "user:password" at the first colon.
      if (user.find(':') != std::string::npos) Fail(key, "user names cannot contain \":\"");
      if (user.empty()) Fail(key, "user name must not be empty");
      if (!item.second.IsScalar()) Fail(key, "must be a bcrypt hash");
      // The value is never echoed: it may be a password pasted by mistake.
      const std::string problem = BcryptHashProblem(item.second.Scalar());
      if (!problem.empty()) Fail(key, problem);
      users[user] = item.second.Scalar();
    }
    return users;
  }

 private:
  std::string path_;
};

}  // namespace

const char* TlsVersionName(TlsVersion version) { return NameOf(kTlsVersions, version); }

const char* ClientAuthName(ClientAuth client_auth) { return NameOf(kClientAuths, client_auth); }

WebConfig ParseWebConfig(const std::string& text, const std::string& path) {
  Parser parser(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("web config file \"" + path + "\": not valid YAML: line " +
                             std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  WebConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap()) parser.Fail("(top level)", "must be a mapping");
  // yaml-cpp's own errors (a key that is a list cannot be a string) must
  // still name the file.
  try {
    parser.CheckKeys(root, "", {"tls_server_config", "basic_auth_users"});
    if (const YAML::Node tls = root["tls_server_config"]; tls && !tls.IsNull()) {
      config.tls = parser.Tls(tls);
    }
    if (const YAML::Node users = root["basic_auth_users"]; users && !users.IsNull()) {
      config.basic_auth_users = parser.Users(users);
    }
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("web config file \"" + path + "\": line " +
                             std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return config;
}

WebConfig LoadWebConfig(const std::string& path) {
  std::string text;
  if (const int err = ReadWholeFile(path, &text); err != 0) {
    throw std::runtime_error("web config file \"" + path + "\": cannot be read: " + strerror(err));
  }
  return ParseWebConfig(text, path);
}

}  // namespace accept4_exporter
