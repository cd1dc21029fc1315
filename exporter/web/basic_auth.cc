#include "web/basic_auth.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <strings.h>
#include <sys/random.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace accept4_exporter {
namespace {

constexpr std::string_view kBcryptAlphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// Standard base64 with padding, as RFC 7617 asks of basic auth clients.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t bits = 0;
  int bit_count = 0;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else if (c == '=' && i + 2 >= text.size()) {
      ++padding;
      continue;
    } else {
      return std::nullopt;
    }
    if (padding > 0) return std::nullopt;  // data after '='
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  return out;
}

// The comparison takes the same time wherever the first difference is, so
// that response times do not reveal how much of a guessed hash matched.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // bcrypt output length is public
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

}  // namespace

std::string BcryptHashProblem(const std::string& hash) {
  constexpr const char* kExpected =
      "not a bcrypt hash (want $2a$, $2b$ or $2y$, a two-digit cost and 53 characters, 60 in all)";
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' ||
      std::string_view("aby").find(hash[2]) == std::string_view::npos || hash[3] != '$' ||
      hash[6] != '$') {
    return kExpected;
  }
  const std::string cost = hash.substr(4, 2);
  if (cost.find_first_not_of("0123456789") != std::string::npos || cost < "04" || cost > "31") {
    return "bcrypt cost must be 04 to 31, got \"" + cost + "\"";
  }
  if (hash.find_first_not_of(kBcryptAlphabet, 7) != std::string::npos) return kExpected;
  // The shape is right; ask libcrypt whether it will compute this method.
  if (crypt_checksalt(hash.c_str()) != CRYPT_SALT_OK) {
    return "libcrypt refuses this bcrypt variant (crypt_checksalt)";
  }
  return "";
}

std::optional<BasicCredentials> ParseBasicAuthorization(const std::string& header) {
  constexpr std::string_view kScheme = "Basic ";
  if (header.size() < kScheme.size() ||
      strncasecmp(header.c_str(), kScheme.data(), kScheme.size()) != 0) {
    return std::nullopt;
  }
  std::string_view token(header);
  token.remove_prefix(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  const std::optional<std::string> decoded = Base64Decode(token);
  if (!decoded) return std::nullopt;
  // User names cannot hold ':'; passwords can.
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users)
    : users_(std::move(users)), crypt_data_(std::make_unique<crypt_data>()) {
  if (users_.empty()) throw std::invalid_argument("basic auth needs at least one user");
  if (getrandom(cache_salt_.data(), cache_salt_.size(), 0) !=
      static_cast<ssize_t>(cache_salt_.size())) {
    throw std::runtime_error(std::string("basic auth: getrandom: ") + strerror(errno));
  }
}

BasicAuth::~BasicAuth() = default;

bool BasicAuth::IsCached(const std::string& user, const std::string& password) const {
  if (password.find('\0') != std::string::npos) return false;
  const Digest key = CacheKey(user, password);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return cache_.count(key) != 0;
}

bool BasicAuth::Verify(const std::string& user, const std::string& password) {
  // crypt() stops at NUL, so "secret\0anything" would pass as "secret".
  if (password.find('\0') != std::string::npos) return false;
  if (IsCached(user, password)) return true;
  const Digest key = CacheKey(user, password);
  const auto found = users_.find(user);
  // An unknown user costs a bcrypt run too, so that timing does not tell
  // which user names exist.
  const bool matches =
      CheckHash(password, found != users_.end() ? found->second : users_.begin()->second);
  if (found == users_.end() || !matches) return false;

  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.insert(key).second) {
    cache_order_.push_back(key);
    if (cache_order_.size() > kCacheSize) {
      cache_.erase(cache_order_.front());
      cache_order_.pop_front();
    }
  }
  return true;
}

size_t BasicAuth::cached() const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return cache_.size();
}

// Only a salted SHA-256 of the credentials is kept, never the password.
BasicAuth::Digest BasicAuth::CacheKey(const std::string& user, const std::string& password) const {
  // The user's length first, so that ("ab", "c") and ("a", "bc") differ.
  const uint64_t user_size = user.size();
  std::string message(reinterpret_cast<const char*>(cache_salt_.data()), cache_salt_.size());
  message.append(reinterpret_cast<const char*>(&user_size), sizeof(user_size));
  message += user;
  message += password;
  Digest digest = {};
  unsigned int size = 0;
  EVP_Digest(message.data(), message.size(), digest.data(), &size, EVP_sha256(), nullptr);
  OPENSSL_cleanse(message.data(), message.size());
  return digest;
}

// bcrypt is slow on purpose; running one check at a time, as exporter-toolkit
// does, keeps a flood of wrong passwords from taking every core. The HTTP
// server also queues these checks in a bounded pool (web/work_pool.h), so
// a flood is refused at once rather than queued here.
bool BasicAuth::CheckHash(const std::string& password, const std::string& hash) {
  std::lock_guard<std::mutex> lock(bcrypt_mutex_);
  const char* computed = crypt_r(password.c_str(), hash.c_str(), crypt_data_.get());
  // crypt_r returns a string starting with '*' on failure, never a match.
  return computed != nullptr && ConstantTimeEquals(computed, hash);
}

}  // namespace accept4_exporter
