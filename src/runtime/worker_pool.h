// Isolates made ahead of demand for dynamic workers (runtime/loader.cc keeps one pool per
// creating realm). Each prepared Worker has its isolate, its context from the startup snapshot
// and its realm init done, and no modules yet: that is most of what a new worker costs (several
// ms), so a cold start that takes one is left with its own module, its init message and its
// first call.
//
// Preparing runs only when the loop has time to spare: a timer checks libuv's idle-time metric
// and makes one isolate when the loop spent most of the last interval blocked on I/O. So it
// never holds up a request that is being served, and under load (no spare time) the pool
// simply stays empty and workers are made on demand, as without it. The CPU is the same either
// way; what moves is when it is spent. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "io/event_loop.h"
#include "runtime/worker.h"

namespace dw::runtime {

class WorkerPool {
 public:
  // Prepared workers have loader.md's default memory limit; the heap limit of an isolate is
  // fixed when it is made, so other limits are made on demand.
  static constexpr double kMemoryMb = 128;
  static constexpr size_t kSize = 2;
  static constexpr uint64_t kCheckMs = 2;
  // Idle for at least this fraction of the last check interval: the loop has time to spare.
  static constexpr double kIdleFraction = 0.75;

  WorkerPool() = default;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // A prepared worker for an isolate limited to `memory_mb`, or null. Either way the pool
  // refills itself afterwards, when the loop has time. The worker's clocks start now.
  std::unique_ptr<Worker> Take(io::EventLoop& loop, double memory_mb);

  size_t ready() const { return ready_.size(); }

 private:
  void Refill(io::EventLoop& loop);
  void Check();

  std::vector<std::unique_ptr<Worker>> ready_;
  std::unique_ptr<io::Timer> timer_;
  io::EventLoop* loop_ = nullptr;
  uint64_t last_ns_ = 0;
  uint64_t last_idle_ns_ = 0;
};

}  // namespace dw::runtime
