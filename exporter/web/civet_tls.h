// civetweb's side of tls_server_config: the options that make its listener
// HTTPS, the single PEM file (certificate, then key) it wants, and the
// client certificate modes that it has no option for.
#pragma once

#include <string>
#include <vector>

#include "web/web_config.h"

namespace accept4_exporter {

class CivetTls {
 public:
  // Checks that civetweb can load OpenSSL, and writes cert_file and
  // key_file into one private temporary file when they are different files.
  // Throws std::runtime_error with the reason.
  explicit CivetTls(const TlsServerConfig& tls);
  // Deletes that file. civetweb reads it once, when it starts, so this can
  // go as soon as the server is up.
  ~CivetTls();

  CivetTls(const CivetTls&) = delete;
  CivetTls& operator=(const CivetTls&) = delete;

  // civetweb options as name, value, name, value... The listening port
  // needs its "s" suffix besides these.
  std::vector<std::string> Options() const;

  // The file given to civetweb as ssl_certificate.
  const std::string& pem_file() const { return pem_file_; }

 private:
  TlsServerConfig tls_;
  std::string pem_file_;
  bool pem_file_is_temporary_ = false;
};

// For CivetCallbacks::init_ssl, with civetweb's SSL_CTX, once civetweb has
// loaded libssl and before it accepts a connection: repairs civetweb for
// OpenSSL 3 (see civetweb_openssl3.h) and asks for client certificates
// without verifying them (RequestClientCert, RequireAnyClientCert), which
// civetweb's ssl_verify_peer cannot express. Returns 0, so that civetweb
// goes on to load the certificate and apply its options, or -1 with
// `problem` set when TLS cannot work.
int InitCivetSsl(void* ssl_ctx, ClientAuth client_auth, std::string* problem);

}  // namespace accept4_exporter
