// HTTP(S) GET with libcurl, for scraping the exporter under test.
#pragma once

#include <string>

namespace accept4_test {

struct HttpResponse {
  long status = 0;  // 0: no HTTP response at all (see error)
  std::string body;
  std::string content_type;
  std::string error;  // curl's error text when the request failed
};

struct HttpRequestOptions {
  std::string user;  // basic auth when not empty
  std::string password;
  std::string ca_file;  // trust this CA for https
  std::string client_cert;
  std::string client_key;
  long timeout_ms = 5000;
};

HttpResponse HttpGet(const std::string& url, const HttpRequestOptions& options = {});

}  // namespace accept4_test
