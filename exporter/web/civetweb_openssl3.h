// Debian 12's libcivetweb 1.15 loads OpenSSL itself, with dlopen and dlsym,
// and crashes in two cases instead of reporting an error; these guard
// against both.
#pragma once

#include <string>

namespace accept4_exporter {

// civetweb dlopens "libssl.so" and "libcrypto.so", the names Debian's
// libssl-dev installs, and mg_start crashes when they are missing. Call
// before starting civetweb with TLS. Returns why they cannot be loaded, or
// "" when they can.
std::string CivetwebOpenSslLoadProblem();

// civetweb is built for the OpenSSL 1.1 API and looks up
// SSL_get_peer_certificate. OpenSSL 3 renamed it SSL_get1_peer_certificate
// (the old name is only a macro), so civetweb's pointer stays NULL and the
// first HTTPS connection crashes a worker (civetweb issue #1334). This fills
// the pointer in.

// Call once civetweb has loaded libssl and before it accepts a connection:
// from CivetCallbacks::init_ssl. Does nothing when libssl still exports the
// old name or civetweb already has a pointer. Returns why civetweb's TLS
// cannot work, or "" when it can.
std::string FillCivetwebPeerCertificateFunction();

}  // namespace accept4_exporter
