// accept4_exporter_map_memory_bytes against what bpftool, an independent
// reader of the kernel's accounting, shows for the same maps.
#include <gtest/gtest.h>
#include <stdio.h>

#include <memory>
#include <string>

#include "bpf_objects.h"
#include "bpf_support.h"
#include "exporter_process.h"

namespace accept4_test {
namespace {

// `bpftool map show id <id>`'s memlock figure ("memlock 8259424B"), or -1.
double BpftoolMemlock(uint32_t id) {
  const std::string command = "bpftool map show id " + std::to_string(id) + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> out(popen(command.c_str(), "r"), pclose);
  if (!out) return -1;
  std::string text;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), out.get())) text += buffer;
  const size_t at = text.find("memlock ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sizeof("memlock ") - 1));
}

TEST(MapMemoryTest, EveryMapsMemoryMatchesBpftool) {
  SKIP_WITHOUT_BPF();
  ExporterProcess exporter("poll_interval: 200ms\n");
  ASSERT_TRUE(exporter.running());
  const MetricsText metrics = exporter.ScrapeFresh();
  const auto series = metrics.Find("accept4_exporter_map_memory_bytes");
  // at least the counting maps of the metrics contract
  for (const char* map : {"stats", "overflow", "processes"}) {
    EXPECT_EQ(metrics.Find("accept4_exporter_map_memory_bytes", {{"map", map}}).size(), 1u) << map;
  }
  for (const auto& sample : series) {
    const std::string map = sample.labels.at("map");
    // the kernel keeps the first 15 characters of a map's name
    const std::set<uint32_t> ids = MapIdsHeldBy(exporter.pid(), map.substr(0, 15));
    ASSERT_EQ(ids.size(), 1u) << map;
    EXPECT_EQ(sample.value, BpftoolMemlock(*ids.begin())) << map;
    EXPECT_GT(sample.value, 0) << map;
  }
  // The counting maps do not grow with the CPU count: the series map is a
  // shared hash, so its memory is its entries' (some 500 bytes each here).
  const double stats = metrics.Value("accept4_exporter_map_memory_bytes", {{"map", "stats"}});
  const double capacity = metrics.Value("accept4_exporter_map_capacity", {{"map", "stats"}});
  EXPECT_LT(stats / capacity, 600);
}

}  // namespace
}  // namespace accept4_test
