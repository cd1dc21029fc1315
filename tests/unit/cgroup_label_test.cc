// The cgroup label from cgroup ids, on a directory tree made by the test:
// a cgroup's id is its directory's inode number, as on cgroup v2, so plain
// directories stand in for cgroups and no privileges are needed. The real
// hierarchy is exercised by tests/integration/cgroup_label_test.cc.
#include "metrics/cgroup_label.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "kernel/cgroup_paths.h"

namespace accept4_exporter {
namespace {

class CgroupLabelTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "cgroup_label_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << strerror(errno);
    root_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Makes the directory `path` below the root; returns its id.
  uint64_t Make(const std::string& path) {
    std::filesystem::create_directories(root_ + path);
    return Id(path);
  }
  uint64_t Id(const std::string& path) {
    struct stat info;
    EXPECT_EQ(stat((root_ + path).c_str(), &info), 0) << path;
    return info.st_ino;
  }

  std::string root_;
};

TEST_F(CgroupLabelTest, IdsBecomePathsBelowTheRoot) {
  const uint64_t nginx = Make("/system.slice/nginx.service");
  const uint64_t slice = Id("/system.slice");
  CgroupLabel label(root_, "");
  EXPECT_EQ(label.Value(nginx), "/system.slice/nginx.service");
  EXPECT_EQ(label.Value(slice), "/system.slice");
  EXPECT_EQ(label.Value(Id("")), "/");
}

TEST_F(CgroupLabelTest, PatternKeepsItsFirstCaptureGroupWhenItMatches) {
  const uint64_t container =
      Make("/kubepods.slice/kubepods-pod1.slice/cri-containerd-0123abcd.scope");
  const uint64_t service = Make("/system.slice/sshd.service");
  CgroupLabel label(root_, ".*/cri-containerd-([0-9a-f]+)\\.scope");
  EXPECT_EQ(label.Value(container), "0123abcd");
  // no match: the whole path, never an empty label
  EXPECT_EQ(label.Value(service), "/system.slice/sshd.service");
}

TEST_F(CgroupLabelTest, EmptyCaptureKeepsTheWholePath) {
  const uint64_t id = Make("/app-.scope");
  CgroupLabel label(root_, "/app-([a-z]*)\\.scope");
  EXPECT_EQ(label.Value(id), "/app-.scope");
}

TEST_F(CgroupLabelTest, UnknownIdIsUnknown) {
  Make("/a");
  CgroupLabel label(root_, "");
  EXPECT_EQ(label.Value(1), "unknown");
}

TEST(CgroupPathsTest, WalksAgainOnlyForIdsItHasNotSeen) {
  std::string pattern = ::testing::TempDir() + "cgroup_paths_test.XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr) << strerror(errno);
  const std::string root = pattern;
  auto id_of = [&](const std::string& path) {
    struct stat info;
    EXPECT_EQ(stat((root + path).c_str(), &info), 0) << path;
    return static_cast<uint64_t>(info.st_ino);
  };
  ASSERT_EQ(mkdir((root + "/first").c_str(), 0755), 0);
  CgroupPaths paths(root);
  EXPECT_EQ(paths.Path(id_of("/first")), "/first");
  EXPECT_EQ(paths.walks(), 1u);
  EXPECT_EQ(paths.Path(id_of("/first")), "/first");  // cached
  EXPECT_EQ(paths.walks(), 1u);

  // a cgroup made since: an unknown id, one more walk finds it
  ASSERT_EQ(mkdir((root + "/later").c_str(), 0755), 0);
  const uint64_t later = id_of("/later");
  EXPECT_EQ(paths.Path(later), "/later");
  EXPECT_EQ(paths.walks(), 2u);

  // an id no cgroup has: one walk, then remembered as missing
  EXPECT_EQ(paths.Path(1), std::nullopt);
  EXPECT_EQ(paths.Path(1), std::nullopt);
  EXPECT_EQ(paths.walks(), 3u);

  // a removed cgroup keeps its path: its processes' series are still served
  ASSERT_EQ(rmdir((root + "/later").c_str()), 0);
  EXPECT_EQ(paths.Path(later), "/later");
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace accept4_exporter
