// Turns the measurements into the rows of the one table, each figure with
// its target and PASS/MISS where the issue sets one, and with the measured
// reason beside a MISS.
#pragma once

#include <vector>

#include "idle_bench.h"
#include "inflight_bench.h"
#include "map_read_bench.h"
#include "overhead_bench.h"
#include "pieces_bench.h"
#include "scrape_bench.h"
#include "scrape_pieces_bench.h"
#include "table.h"

namespace accept4_bench {

// The series count the issue sets its scrape, memory and map read targets at.
inline constexpr uint32_t kTargetSeries = 10000;

void AddKernelCostRows(const OverheadResults& results, const PiecesResult& pieces, Table& table);
// The piece-by-piece rows alone (part "pieces"; "overhead" adds them too).
void AddPiecesRows(const PiecesResult& pieces, Table& table);
void AddOverheadRows(const OverheadResults& results, Table& table);
void AddScrapeRows(const std::vector<ScrapeResult>& results, const ScrapePieces& pieces,
                   Table& table);
void AddMapReadRows(const std::vector<MapReadResult>& results, Table& table);
void AddMemoryRows(const MemoryResult& result, Table& table);
void AddIdleRows(const IdleResult& result, Table& table);
void AddInflightRows(const InflightResult& result, Table& table);

}  // namespace accept4_bench
