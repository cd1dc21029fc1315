// Part 3b: the cost of the counting maps. One pass of MapReader over the
// stats map at 1k, 10k and 100k series (programs loaded in this process
// with a pid filter on itself, series made by real calls, see
// series_fill.h), and the kernel memory of every map at the default config,
// measured here and projected for hosts with more CPUs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace accept4_bench {

struct MapReadResult {
  uint32_t series = 0;
  int passes = 0;
  double read_ms = 0;  // median
};

std::vector<MapReadResult> RunMapReadBench(std::vector<uint32_t> sizes, int passes);

// One map as the kernel describes it, and what it charges for it here.
struct MapCost {
  std::string name;
  uint32_t type = 0;  // enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint64_t memlock_bytes = 0;
};

struct MemoryResult {
  int cpus = 0;  // possible CPUs here
  std::vector<MapCost> maps;
};

// Loads the programs with the default config and reads every map's cost.
MemoryResult MeasureDefaultMemory();

// The part of a map's memory that each possible CPU adds, from its
// definition and the kernel's allocation rules: per-CPU maps keep one value
// per entry per CPU; preallocated hashes keep one spare element and eight
// lock counters per CPU; LRU hashes a local free list per CPU.
uint64_t PerCpuBytes(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries);

// `measured` (taken on `measured_cpus` CPUs) projected to `cpus` CPUs.
double ProjectedBytes(const MemoryResult& measured, int cpus);

}  // namespace accept4_bench
