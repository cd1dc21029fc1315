// A test suite whose tests share one exporter (poll_interval 100ms), started
// once for the suite: starting one per test would cost seconds each. Tests
// tell their calls apart by comm. Skips without BPF.
#pragma once

#include <gtest/gtest.h>

#include "bpf_support.h"
#include "exporter_process.h"

namespace accept4_test {

class SharedExporterTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (BpfUnavailableReason().empty()) exporter_ = new ExporterProcess("poll_interval: 100ms\n");
  }
  static void TearDownTestSuite() {
    delete exporter_;
    exporter_ = nullptr;
  }
  void SetUp() override {
    SKIP_WITHOUT_BPF();
    ASSERT_TRUE(exporter_ && exporter_->running());
  }

  static inline ExporterProcess* exporter_ = nullptr;
};

}  // namespace accept4_test
