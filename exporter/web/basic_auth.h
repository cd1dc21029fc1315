// HTTP basic auth against the bcrypt hashes of exporter-toolkit's
// basic_auth_users, checked with libcrypt.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

struct crypt_data;

namespace accept4_exporter {

// Why `hash` is not a bcrypt hash that can be checked ($2a$, $2b$ or $2y$,
// cost 04-31, 53 characters of salt and digest); empty when it is one.
std::string BcryptHashProblem(const std::string& hash);

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Decodes an Authorization header value, "Basic base64(user:password)";
// nullopt for another scheme or a bad encoding.
std::optional<BasicCredentials> ParseBasicAuthorization(const std::string& header);

class BasicAuth {
 public:
  // Successful checks remembered; enough for every scraper of one exporter.
  static constexpr size_t kCacheSize = 64;

  // `users`: user -> bcrypt hash, each one accepted by BcryptHashProblem.
  explicit BasicAuth(std::map<std::string, std::string> users);
  ~BasicAuth();

  BasicAuth(const BasicAuth&) = delete;
  BasicAuth& operator=(const BasicAuth&) = delete;

  // True when `user` is configured and `password` matches its hash.
  // Thread-safe. Runs bcrypt (tens of milliseconds) unless IsCached.
  bool Verify(const std::string& user, const std::string& password);

  // True when these credentials passed Verify recently: cheap (one SHA-256),
  // so it can run where bcrypt must not. Thread-safe.
  bool IsCached(const std::string& user, const std::string& password) const;

  // How many successful checks are cached.
  size_t cached() const;

 private:
  using Digest = std::array<unsigned char, 32>;

  Digest CacheKey(const std::string& user, const std::string& password) const;
  bool CheckHash(const std::string& password, const std::string& hash);

  const std::map<std::string, std::string> users_;
  std::array<unsigned char, 16> cache_salt_;

  mutable std::mutex cache_mutex_;
  std::set<Digest> cache_;
  std::deque<Digest> cache_order_;  // oldest first, for eviction

  std::mutex bcrypt_mutex_;
  std::unique_ptr<crypt_data> crypt_data_;  // guarded by bcrypt_mutex_
};

}  // namespace accept4_exporter
