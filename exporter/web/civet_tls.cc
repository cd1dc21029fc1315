#include "web/civet_tls.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "web/civetweb_openssl3.h"

namespace accept4_exporter {
namespace {

// civetweb's ssl_protocol_version: the lowest protocol accepted.
const char* CivetProtocolVersion(TlsVersion version) {
  switch (version) {
    case TlsVersion::kTls10:
      return "2";  // TLS1.0+TLS1.1+TLS1.2+TLS1.3
    case TlsVersion::kTls11:
      return "3";
    case TlsVersion::kTls12:
      return "4";
    case TlsVersion::kTls13:
      return "5";  // TLS1.3 only
  }
  return "4";
}

// civetweb's ssl_verify_peer: "optional" verifies a certificate when the
// client sends one.
const char* CivetVerifyPeer(ClientAuth client_auth) {
  switch (client_auth) {
    case ClientAuth::kVerifyClientCertIfGiven:
      return "optional";
    case ClientAuth::kRequireAndVerifyClientCert:
      return "yes";
    default:
      return "no";  // the unverified modes are set up by InitCivetSsl
  }
}

std::string ReadText(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) {
    throw std::runtime_error("tls_server_config: reading \"" + path + "\": " + strerror(errno));
  }
  return text.str();
}

int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

CivetTls::CivetTls(const TlsServerConfig& tls) : tls_(tls), pem_file_(tls.cert_file) {
  if (const std::string problem = CivetwebOpenSslLoadProblem(); !problem.empty()) {
    throw std::runtime_error("tls_server_config: " + problem);
  }
  if (tls.key_file == tls.cert_file) return;
  std::string pem = ReadText(tls.cert_file);
  if (!pem.empty() && pem.back() != '\n') pem += '\n';
  pem += ReadText(tls.key_file);

  const char* tmpdir = getenv("TMPDIR");
  std::string path =
      std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/accept4_exporter-tls.XXXXXX";
  const int fd = mkostemp(path.data(), O_CLOEXEC);  // mode 0600: it holds the private key
  if (fd < 0) {
    throw std::runtime_error("tls_server_config: creating \"" + path +
                             "\" for civetweb's certificate and key: " + strerror(errno));
  }
  size_t written = 0;
  while (written < pem.size()) {
    const ssize_t n = write(fd, pem.data() + written, pem.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      close(fd);
      unlink(path.c_str());
      OPENSSL_cleanse(pem.data(), pem.size());
      throw std::runtime_error("tls_server_config: writing \"" + path + "\": " + strerror(err));
    }
    written += static_cast<size_t>(n);
  }
  close(fd);
  OPENSSL_cleanse(pem.data(), pem.size());
  pem_file_ = path;
  pem_file_is_temporary_ = true;
}

CivetTls::~CivetTls() {
  if (pem_file_is_temporary_) unlink(pem_file_.c_str());
}

std::vector<std::string> CivetTls::Options() const {
  std::vector<std::string> options = {
      "ssl_certificate",
      pem_file_,
      "ssl_protocol_version",
      CivetProtocolVersion(tls_.min_version),
      "ssl_verify_peer",
      CivetVerifyPeer(tls_.client_auth),
      // Only client_ca_file vouches for clients, never the system's CAs.
      "ssl_default_verify_paths",
      "no",
  };
  if (!tls_.client_ca_file.empty() && CivetVerifyPeer(tls_.client_auth) != std::string("no")) {
    options.insert(options.end(), {"ssl_ca_file", tls_.client_ca_file});
  }
  return options;
}

int InitCivetSsl(void* ssl_ctx, ClientAuth client_auth, std::string* problem) {
  *problem = FillCivetwebPeerCertificateFunction();
  if (!problem->empty()) return -1;
  SSL_CTX* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  if (client_auth == ClientAuth::kRequestClientCert) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, AcceptAnyCertificate);
  } else if (client_auth == ClientAuth::kRequireAnyClientCert) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       AcceptAnyCertificate);
  }
  return 0;
}

}  // namespace accept4_exporter
