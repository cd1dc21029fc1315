// Debian 12's libcivetweb 1.15 is built for the OpenSSL 1.1 API and looks up
// SSL_get_peer_certificate in libssl.so at run time. OpenSSL 3 renamed it
// SSL_get1_peer_certificate (the old name is only a macro), so civetweb's
// pointer stays NULL and the first HTTPS connection crashes a worker
// (civetweb issue #1334). This fills the pointer in.
#pragma once

#include <string>

namespace accept4_exporter {

// Call once civetweb has loaded libssl and before it accepts a connection:
// from CivetCallbacks::init_ssl. Does nothing when libssl still exports the
// old name or civetweb already has a pointer. Returns why civetweb's TLS
// cannot work, or "" when it can.
std::string FillCivetwebPeerCertificateFunction();

}  // namespace accept4_exporter
