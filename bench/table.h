// The one table the benchmark prints: a row per figure, with its target
// and PASS/MISS where it has one, as Markdown so that docs/benchmarks.md
// can take it as it is.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace accept4_bench {

struct Row {
  std::string figure;
  std::string value;
  std::string target;  // empty: a figure for reference, no target
  std::string result;  // "PASS", "MISS" or empty
  std::string note;    // how it was measured, and why a target was missed
};

class Table {
 public:
  void Add(Row row) { rows_.push_back(std::move(row)); }
  // A row whose result is `passed` against `target`.
  void AddChecked(std::string figure, std::string value, std::string target, bool passed,
                  std::string note);
  void Print(std::ostream& out) const;
  int misses() const;

 private:
  std::vector<Row> rows_;
};

// "12.3" with `digits` after the point.
std::string Fixed(double value, int digits);

}  // namespace accept4_bench
