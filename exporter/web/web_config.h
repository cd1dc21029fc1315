// exporter-toolkit's web config file, the --web.config.file of
// node_exporter: TLS for the listener and basic auth users. It is checked in
// full at start, files and hashes included, so that a mistake stops the
// exporter with one line instead of serving plain or open HTTP.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace accept4_exporter {

enum class TlsVersion { kTls10, kTls11, kTls12, kTls13 };

// Go's tls.ClientAuthType, under the names exporter-toolkit uses.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,           // asked for, not required, not verified
  kRequireAnyClientCert,        // required, not verified
  kVerifyClientCertIfGiven,     // not required, verified against client_ca_file
  kRequireAndVerifyClientCert,  // required and verified against client_ca_file
};

struct TlsServerConfig {
  // Absolute, or relative to the process's working directory: names in the
  // file are resolved against the file's own directory.
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: none
  TlsVersion min_version = TlsVersion::kTls12;
  ClientAuth client_auth = ClientAuth::kNoClientCert;
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;                   // nullopt: plain HTTP
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash; empty: no auth
};

// Parses the text of the web config file `path` (named in errors; relative
// file names are resolved against its directory). Throws std::runtime_error
// naming the file, the key and the problem, on one line.
WebConfig ParseWebConfig(const std::string& text, const std::string& path);

// Reads and parses `path`.
WebConfig LoadWebConfig(const std::string& path);

const char* TlsVersionName(TlsVersion version);
const char* ClientAuthName(ClientAuth client_auth);

}  // namespace accept4_exporter
