// runtime::WorkerPool: isolates prepared ahead of demand, only while the loop has time to spare.
#include "runtime/worker_pool.h"

#include <uv.h>

#include <chrono>
#include <memory>

#include "worker_fixture.h"

namespace dw {
namespace {

using testing::WorkerTest;

class WorkerPoolTest : public WorkerTest {
 protected:
  // Runs the loop for `ms` with nothing else to do (a referenced timer keeps it alive: the
  // pool's own timer does not).
  void RunIdle(uint64_t ms) {
    bool done = false;
    io::Timer stop(loop_, [&] { done = true; });
    stop.Start(ms);
    while (!done) loop_.RunOnce();
  }
  // Runs the loop for `ms` while every turn has ~1 ms of deferred work: never idle.
  void RunBusy(uint64_t ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    std::function<void()> spin;
    bool stop = false;
    spin = [&] {
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(1000);
      while (std::chrono::steady_clock::now() < until) {
      }
      if (std::chrono::steady_clock::now() < end) loop_.Defer(spin);
      else stop = true;
    };
    loop_.Defer(spin);
    while (!stop) loop_.RunOnce();
  }

  runtime::WorkerPool pool_;
};

TEST_F(WorkerPoolTest, FillsWhenIdleAndHandsOutPreparedWorkers) {
  // Empty at first: the first Take only starts the refill.
  EXPECT_EQ(pool_.Take(loop_, runtime::WorkerPool::kMemoryMb), nullptr);
  EXPECT_EQ(pool_.ready(), 0u);
  RunIdle(400);
  ASSERT_EQ(pool_.ready(), runtime::WorkerPool::kSize);

  // Only for the default memory limit.
  EXPECT_EQ(pool_.Take(loop_, 64), nullptr);
  EXPECT_EQ(pool_.ready(), runtime::WorkerPool::kSize);

  std::unique_ptr<runtime::Worker> w = pool_.Take(loop_, runtime::WorkerPool::kMemoryMb);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(pool_.ready(), runtime::WorkerPool::kSize - 1);
  // A working realm of its own, whose runtime is set up (the bootstrap ran).
  EXPECT_EQ(jsg::Realm::FromId(w->realm().id()), &w->realm());
  EXPECT_EQ(EvalJson(*w, "typeof Response + ' ' + typeof fetch + ' ' + (1 + 1)"), "\"function function 2\"");
  // Closed to RPC messages until its creator's init (api::DeliverRpcInit): its id is a guess
  // away for any realm while it waits in the pool.
  EXPECT_TRUE(w->realm().awaiting_init());

  // Refilled again once the loop is idle.
  RunIdle(200);
  EXPECT_EQ(pool_.ready(), runtime::WorkerPool::kSize);
}

TEST_F(WorkerPoolTest, TakenWorkersClocksStartWhenTaken) {
  pool_.Take(loop_, runtime::WorkerPool::kMemoryMb);
  RunIdle(400);
  ASSERT_EQ(pool_.ready(), runtime::WorkerPool::kSize);
  RunIdle(300);  // prepared at least 300 ms ago
  std::unique_ptr<runtime::Worker> w = pool_.Take(loop_, runtime::WorkerPool::kMemoryMb);
  ASSERT_NE(w, nullptr);
  // performance.now() counts from the Take, not from when the isolate was prepared.
  std::string now = EvalJson(*w, "performance.now() < 100");
  EXPECT_EQ(now, "true") << EvalJson(*w, "performance.now()");
  EXPECT_EQ(EvalJson(*w, "Math.abs(Date.now() - performance.timeOrigin) < 100"), "true")
      << EvalJson(*w, "[Date.now(), performance.timeOrigin]");
}

TEST_F(WorkerPoolTest, DoesNotPrepareWhileTheLoopIsBusy) {
  pool_.Take(loop_, runtime::WorkerPool::kMemoryMb);
  RunBusy(200);  // every turn runs ~1 ms of work: no spare time
  EXPECT_EQ(pool_.ready(), 0u);
  RunIdle(400);
  EXPECT_EQ(pool_.ready(), runtime::WorkerPool::kSize);
}

}  // namespace
}  // namespace dw
