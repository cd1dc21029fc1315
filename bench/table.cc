#include "table.h"

#include <cmath>
#include <cstdio>

namespace accept4_bench {
namespace {

// A pipe inside a cell would end the cell.
std::string Cell(const std::string& text) {
  std::string cell;
  for (char c : text) {
    if (c == '|') cell += '\\';
    cell += c;
  }
  return cell;
}

}  // namespace

void Table::AddChecked(std::string figure, std::string value, std::string target, bool passed,
                       std::string note) {
  Add({std::move(figure), std::move(value), std::move(target), passed ? "PASS" : "MISS",
       std::move(note)});
}

void Table::Print(std::ostream& out) const {
  out << "| figure | median | target | result | how measured / why |\n"
      << "|---|---|---|---|---|\n";
  for (const Row& row : rows_) {
    out << "| " << Cell(row.figure) << " | " << Cell(row.value) << " | "
        << Cell(row.target.empty() ? "—" : row.target) << " | " << Cell(row.result) << " | "
        << Cell(row.note) << " |\n";
  }
}

int Table::misses() const {
  int misses = 0;
  for (const Row& row : rows_) misses += row.result == "MISS";
  return misses;
}

std::string Fixed(double value, int digits) {
  if (std::isnan(value)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

}  // namespace accept4_bench
