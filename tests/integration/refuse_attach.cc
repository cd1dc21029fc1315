// Preloaded (LD_PRELOAD) in front of libbpf by attach_groups_test: its
// bpf_program__attach refuses the programs named in ACCEPT4_REFUSE_ATTACH
// (comma-separated) with EOPNOTSUPP, as a kernel without those hooks would,
// and hands the others to libbpf's.
#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <errno.h>

#include <cstdlib>
#include <string>

namespace {

bool Refused(const char* program) {
  const char* list = std::getenv("ACCEPT4_REFUSE_ATTACH");
  if (!list) return false;
  const std::string names = std::string(",") + list + ",";
  return names.find(std::string(",") + program + ",") != std::string::npos;
}

}  // namespace

extern "C" bpf_link* bpf_program__attach(const bpf_program* program) {
  using Attach = bpf_link* (*)(const bpf_program*);
  static const auto libbpf_attach =
      reinterpret_cast<Attach>(dlsym(RTLD_NEXT, "bpf_program__attach"));
  if (Refused(bpf_program__name(program))) {
    errno = EOPNOTSUPP;
    return nullptr;
  }
  return libbpf_attach(program);
}
