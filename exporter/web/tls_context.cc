#include "web/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <stdexcept>
#include <string>

namespace accept4_exporter {
namespace {

// The reason OpenSSL queued for the last failure, and an empty queue.
std::string OpenSslReason() {
  std::string reason;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    reason = text;  // the last one is the most specific
  }
  return reason.empty() ? "unknown OpenSSL error" : reason;
}

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error("tls_server_config: " + what + ": " + OpenSslReason());
}

int ProtocolVersion(TlsVersion version) {
  switch (version) {
    case TlsVersion::kTls10:
      return TLS1_VERSION;
    case TlsVersion::kTls11:
      return TLS1_1_VERSION;
    case TlsVersion::kTls12:
      return TLS1_2_VERSION;
    case TlsVersion::kTls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// An encrypted key is refused rather than prompted for on the terminal.
int NoPassword(char*, int, int, void*) { return 0; }

// RequestClientCert and RequireAnyClientCert ask for a certificate and
// verify nothing about it, as Go does.
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

std::unique_ptr<boost::asio::ssl::context> MakeTlsContext(const TlsServerConfig& tls) {
  auto context = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  // Renegotiation lets one client make the server repeat handshakes.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_min_proto_version(ctx, ProtocolVersion(tls.min_version)) != 1) {
    Fail(std::string("min_version ") + TlsVersionName(tls.min_version));
  }
  SSL_CTX_set_default_passwd_cb(ctx, NoPassword);
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    Fail("loading cert_file \"" + tls.cert_file + "\"");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    Fail("loading key_file \"" + tls.key_file + "\"");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    Fail("key_file \"" + tls.key_file + "\" does not match cert_file \"" + tls.cert_file + "\"");
  }
  // Sessions resumed with a client certificate need an id context.
  static constexpr unsigned char kSessionContext[] = "accept4_exporter";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);

  // Only client_ca_file vouches for clients, never the system's CAs.
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      Fail("loading client_ca_file \"" + tls.client_ca_file + "\"");
    }
    SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(tls.client_ca_file.c_str()));
  }
  switch (tls.client_auth) {
    case ClientAuth::kNoClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kRequestClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, AcceptAnyCertificate);
      break;
    case ClientAuth::kRequireAnyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         AcceptAnyCertificate);
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  return context;
}

}  // namespace accept4_exporter
