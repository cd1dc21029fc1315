// tls_server_config as an OpenSSL context for the HTTP server: certificate
// chain and key, lowest protocol version, and the five client certificate
// modes of Go's tls.ClientAuthType.
#pragma once

#include <memory>

#include "web/web_config.h"

namespace boost::asio::ssl {
class context;
}

namespace accept4_exporter {

// Throws std::runtime_error starting "tls_server_config: " and naming the
// file and OpenSSL's reason when a file cannot be used.
std::unique_ptr<boost::asio::ssl::context> MakeTlsContext(const TlsServerConfig& tls);

}  // namespace accept4_exporter
