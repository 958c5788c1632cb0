// gtest main that ends with the plain summary line CI reads: "N passed, N failed".
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  signal(SIGPIPE, SIG_IGN);  // as the dynworker binary does: resets are errors, not exits
  int rc = RUN_ALL_TESTS();
  const auto* ut = ::testing::UnitTest::GetInstance();
  printf("%d passed, %d failed\n", ut->successful_test_count(), ut->failed_test_count());
  return rc;
}
