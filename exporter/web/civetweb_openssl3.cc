#include "web/civetweb_openssl3.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <link.h>
#include <openssl/ssl.h>
#include <string.h>

#include <cstdint>
#include <vector>

namespace accept4_exporter {
namespace {

constexpr char kOldName[] = "SSL_get_peer_certificate";

// civetweb's struct ssl_func (src/openssl_dl.inl): one entry of the table it
// fills with dlsym.
struct CivetSslFunc {
  const char* name;
  int required;
  void (*ptr)(void);
};

struct Segment {
  uintptr_t start;
  uintptr_t end;
  bool writable;
};

// The loaded segments of the object that holds `symbol`.
std::vector<Segment> SegmentsOf(const void* symbol) {
  Dl_info info = {};
  if (dladdr(symbol, &info) == 0) return {};
  struct Search {
    uintptr_t base;
    std::vector<Segment> segments;
  } search = {reinterpret_cast<uintptr_t>(info.dli_fbase), {}};
  dl_iterate_phdr(
      [](dl_phdr_info* object, size_t, void* data) {
        auto* search = static_cast<Search*>(data);
        bool found = false;
        for (int i = 0; i < object->dlpi_phnum; ++i) {
          const ElfW(Phdr)& header = object->dlpi_phdr[i];
          if (header.p_type != PT_LOAD) continue;
          const uintptr_t start = object->dlpi_addr + header.p_vaddr;
          if (start <= search->base && search->base < start + header.p_memsz) found = true;
          search->segments.push_back({start, start + header.p_memsz, (header.p_flags & PF_W) != 0});
        }
        if (!found) search->segments.clear();
        return found ? 1 : 0;
      },
      &search);
  return search.segments;
}

bool Contains(const std::vector<Segment>& segments, uintptr_t address, size_t size, bool writable) {
  for (const Segment& segment : segments) {
    if (segment.writable == writable && segment.start <= address && address + size <= segment.end) {
      return true;
    }
  }
  return false;
}

// civetweb's own copy of a function name, in its read-only data.
const char* FindName(const std::vector<Segment>& segments, const char* name) {
  const size_t size = strlen(name) + 1;  // with the NUL, so no longer name matches
  for (const Segment& segment : segments) {
    if (segment.writable) continue;
    const char* begin = reinterpret_cast<const char*>(segment.start);
    const char* end = reinterpret_cast<const char*>(segment.end);
    for (const char* at = begin; at + size <= end; ++at) {
      at = static_cast<const char*>(memchr(at, name[0], end - at));
      if (at == nullptr || at + size > end) break;
      if ((at == begin || at[-1] == '\0') && memcmp(at, name, size) == 0) return at;
    }
  }
  return nullptr;
}

// The table entry naming `name`. The entry before it must hold the function
// dlsym gives for its own name: that confirms the layout before anything is
// written.
CivetSslFunc* FindEntry(const std::vector<Segment>& segments, const char* name) {
  for (const Segment& segment : segments) {
    if (!segment.writable) continue;
    const uintptr_t first =
        (segment.start + alignof(CivetSslFunc) - 1) & ~(alignof(CivetSslFunc) - 1);
    for (uintptr_t at = first; at + sizeof(CivetSslFunc) <= segment.end; at += sizeof(void*)) {
      auto* entry = reinterpret_cast<CivetSslFunc*>(at);
      if (entry->name != name) continue;
      auto* previous = entry - 1;
      const auto previous_at = reinterpret_cast<uintptr_t>(previous);
      if (!Contains(segments, previous_at, sizeof(CivetSslFunc), true)) continue;
      const auto previous_name = reinterpret_cast<uintptr_t>(previous->name);
      if (!Contains(segments, previous_name, 1, false)) continue;
      if (strnlen(previous->name, 64) == 64) continue;
      void* expected = dlsym(RTLD_DEFAULT, previous->name);
      if (expected == nullptr || reinterpret_cast<void*>(previous->ptr) != expected) continue;
      return entry;
    }
  }
  return nullptr;
}

}  // namespace

std::string CivetwebOpenSslLoadProblem() {
  for (const char* name : {"libcrypto.so", "libssl.so"}) {
    void* library = dlopen(name, RTLD_LAZY);
    if (library == nullptr) {
      const char* error = dlerror();
      return std::string("civetweb cannot load OpenSSL: ") + (error ? error : name) +
             " (it loads libssl.so and libcrypto.so, which Debian's libssl-dev installs)";
    }
    dlclose(library);
  }
  return "";
}

std::string FillCivetwebPeerCertificateFunction() {
  if (dlsym(RTLD_DEFAULT, kOldName) != nullptr) return "";  // OpenSSL 1.1: nothing missing
  const std::vector<Segment> segments = SegmentsOf(reinterpret_cast<const void*>(&mg_start));
  const char* name = FindName(segments, kOldName);
  if (name == nullptr) return "";  // a civetweb built for the OpenSSL 3 API
  CivetSslFunc* entry = FindEntry(segments, name);
  if (entry == nullptr) {
    return "civetweb looks up SSL_get_peer_certificate, which OpenSSL 3 does not export, and "
           "its function table was not found to supply SSL_get1_peer_certificate instead";
  }
  const auto replacement = reinterpret_cast<void (*)(void)>(&SSL_get1_peer_certificate);
  if (entry->ptr == nullptr) entry->ptr = replacement;
  return "";
}

}  // namespace accept4_exporter
