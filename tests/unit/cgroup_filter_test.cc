// CgroupFilter over a directory tree of the test's own, whose directories
// stand for cgroups (a cgroup's id is its directory's inode number), and a
// map that records what the kernel's would hold.
#include "kernel/cgroup_filter.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "log_capture.h"

namespace accept4_exporter {
namespace {

// What the kernel map holds, and how much it can: a BPF hash map that is
// full refuses a new key with E2BIG.
struct MapContents {
  std::set<uint64_t> ids;
  size_t capacity = 1000;
  int adds = 0;
};

class RecordingMap : public CgroupIdMap {
 public:
  explicit RecordingMap(MapContents& contents) : contents_(contents) {}
  int Add(uint64_t id) override {
    ++contents_.adds;
    if (contents_.ids.size() >= contents_.capacity) return E2BIG;
    contents_.ids.insert(id);
    return 0;
  }
  void Remove(uint64_t id) override { contents_.ids.erase(id); }

 private:
  MapContents& contents_;
};

class CgroupFilterTest : public testing::Test {
 protected:
  CgroupFilterTest() {
    std::string pattern = testing::TempDir() + "/cgroup_filter_test.XXXXXX";
    root_ = mkdtemp(pattern.data());
  }
  ~CgroupFilterTest() override { std::filesystem::remove_all(root_); }

  // Makes the cgroup at `path` (below the root) and its parents; its id.
  uint64_t MakeCgroup(const std::string& path) {
    std::filesystem::create_directories(root_ + path);
    return IdOf(path);
  }
  uint64_t IdOf(const std::string& path) const {
    struct stat info;
    EXPECT_EQ(stat((root_ + path).c_str(), &info), 0) << path;
    return info.st_ino;
  }
  void RemoveCgroup(const std::string& path) { std::filesystem::remove_all(root_ + path); }

  CgroupFilter FilterFor(std::vector<std::string> prefixes) {
    return CgroupFilter(std::make_unique<RecordingMap>(map_), std::move(prefixes), root_);
  }

  std::string root_;
  MapContents map_;
};

TEST_F(CgroupFilterTest, FillsTheMapWithEveryCgroupUnderThePrefixes) {
  const uint64_t system = MakeCgroup("/system.slice");
  const uint64_t nginx = MakeCgroup("/system.slice/nginx.service");
  const uint64_t envoy = MakeCgroup("/system.slice/envoy.service");
  const uint64_t worker = MakeCgroup("/system.slice/envoy.service/worker");
  MakeCgroup("/user.slice/session-1.scope");
  CgroupFilter filter = FilterFor({"/system.slice"});
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{system, nginx, envoy, worker}));
  EXPECT_EQ(filter.cgroups(), 4u);
}

TEST_F(CgroupFilterTest, EachPrefixAddsItsSubtree) {
  MakeCgroup("/system.slice");
  const uint64_t nginx = MakeCgroup("/system.slice/nginx.service");
  const uint64_t pod = MakeCgroup("/kubepods.slice/pod-a");
  const uint64_t container = MakeCgroup("/kubepods.slice/pod-a/cri-containerd-1.scope");
  CgroupFilter filter = FilterFor({"/system.slice/nginx.service", "/kubepods.slice/pod-a"});
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{nginx, pod, container}));
}

TEST_F(CgroupFilterTest, OnlyDirectoriesAreCgroups) {
  const uint64_t slice = MakeCgroup("/system.slice");
  std::ofstream(root_ + "/system.slice/cgroup.procs") << "1\n";
  CgroupFilter filter = FilterFor({"/system.slice"});
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{slice}));
}

TEST_F(CgroupFilterTest, TakesInNewCgroupsAndDropsRemovedOnes) {
  const uint64_t slice = MakeCgroup("/system.slice");
  const uint64_t old_service = MakeCgroup("/system.slice/old.service");
  CgroupFilter filter = FilterFor({"/system.slice"});
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{slice, old_service}));
  EXPECT_EQ(map_.adds, 2);

  // Made first, so that it cannot take the removed directory's inode number.
  const uint64_t new_service = MakeCgroup("/system.slice/new.service");
  RemoveCgroup("/system.slice/old.service");
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{slice, new_service}));
  EXPECT_EQ(filter.cgroups(), 2u);
  // What the map already holds is not written again.
  EXPECT_EQ(map_.adds, 3);
}

TEST_F(CgroupFilterTest, APrefixThatIsNotThereYetIsTakenInWhenItComes) {
  CgroupFilter filter = FilterFor({"/kubepods.slice"});
  filter.Refresh();
  EXPECT_TRUE(map_.ids.empty());
  EXPECT_EQ(filter.cgroups(), 0u);

  const uint64_t pods = MakeCgroup("/kubepods.slice");
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{pods}));

  RemoveCgroup("/kubepods.slice");
  filter.Refresh();
  EXPECT_TRUE(map_.ids.empty());
  EXPECT_EQ(filter.cgroups(), 0u);
}

TEST_F(CgroupFilterTest, AFullMapIsLoggedOnceAndRetriedOnEachRefresh) {
  // A chain, so that the walk's order, parents first, is known.
  const uint64_t a = MakeCgroup("/a");
  const uint64_t b = MakeCgroup("/a/b");
  const uint64_t c = MakeCgroup("/a/b/c");
  map_.capacity = 2;
  test::LogCapture log;
  CgroupFilter filter = FilterFor({"/a"});
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{a, b}));
  EXPECT_EQ(filter.cgroups(), 2u);
  const std::vector<std::string> expected = {
      "warning adding cgroup " + root_ +
      "/a/b/c to the cgroup filter: Argument list too long; calls in newer cgroups are not "
      "counted"};
  EXPECT_EQ(log.Lines(), expected);

  filter.Refresh();
  EXPECT_EQ(map_.adds, 4);  // tried again, said once
  EXPECT_EQ(log.Lines(), expected);

  map_.capacity = 3;
  filter.Refresh();
  EXPECT_EQ(map_.ids, (std::set<uint64_t>{a, b, c}));
  EXPECT_EQ(filter.cgroups(), 3u);
}

}  // namespace
}  // namespace accept4_exporter
