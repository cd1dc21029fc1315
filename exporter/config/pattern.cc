#include "config/pattern.h"

#include <re2/re2.h>

#include <stdexcept>

namespace accept4_exporter {
namespace {

RE2::Options PatternOptions(bool capture) {
  RE2::Options options;
  // Errors are reported by the caller, in one line naming the config key.
  options.set_log_errors(false);
  // Bounds the compiled program and the DFA cache; a DFA that fills it
  // falls back to RE2's NFA, still linear in the text.
  options.set_max_mem(1 << 20);
  // Most patterns only say whether a text matches.
  options.set_never_capture(!capture);
  return options;
}

// RE2's error is "<problem>: <the part of the pattern at fault>"; that part
// is dropped when it is the whole pattern (which the caller shows) and cut
// when long.
std::string Problem(const RE2& compiled, const std::string& pattern) {
  const std::string& error = compiled.error();
  const std::string& part = compiled.error_arg();
  const std::string suffix = ": " + part;
  if (part.empty() || error.size() < suffix.size() ||
      error.compare(error.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return error;
  }
  const std::string problem = error.substr(0, error.size() - suffix.size());
  if (part == pattern) return problem;
  return problem + ": " + Abbreviated(part, 64);
}

}  // namespace

Pattern::Pattern(const std::string& pattern, bool capture) {
  if (pattern.size() > kMaxLength) {
    throw std::invalid_argument("longer than " + std::to_string(kMaxLength) + " bytes");
  }
  compiled_ = std::make_unique<RE2>(pattern, PatternOptions(capture));
  if (!compiled_->ok()) throw std::invalid_argument(Problem(*compiled_, pattern));
  if (compiled_->ProgramSize() > kMaxProgramSize) {
    throw std::invalid_argument("too complex: compiles to " +
                                std::to_string(compiled_->ProgramSize()) +
                                " RE2 instructions, more than " + std::to_string(kMaxProgramSize));
  }
}

Pattern::~Pattern() = default;

std::string Abbreviated(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  // Not inside a UTF-8 sequence: continuation bytes are 10xxxxxx.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "... (" + std::to_string(text.size()) + " bytes)";
}

bool Pattern::FullMatch(std::string_view text) const {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *compiled_);
}

std::optional<std::string> Pattern::FirstGroup(std::string_view text) const {
  if (compiled_->NumberOfCapturingGroups() < 1) return std::nullopt;
  std::string group;
  if (!RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *compiled_, &group)) {
    return std::nullopt;
  }
  return group;
}

int Pattern::CaptureGroups() const { return compiled_->NumberOfCapturingGroups(); }

}  // namespace accept4_exporter
