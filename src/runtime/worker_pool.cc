#include "runtime/worker_pool.h"

#include <uv.h>

#include "api/ops.h"

namespace dw::runtime {

std::unique_ptr<Worker> WorkerPool::Take(io::EventLoop& loop, double memory_mb) {
  std::unique_ptr<Worker> w;
  if (memory_mb == kMemoryMb && !ready_.empty()) {
    w = std::move(ready_.back());
    ready_.pop_back();
    // performance.now() and timeOrigin count from when it becomes a worker, not from when it
    // was prepared.
    api::RestartClocks(w->realm());
  }
  Refill(loop);
  return w;
}

void WorkerPool::Refill(io::EventLoop& loop) {
  if (ready_.size() >= kSize || (timer_ && timer_->active())) return;
  loop_ = &loop;
  last_ns_ = uv_hrtime();
  last_idle_ns_ = loop.IdleTimeNs();
  if (!timer_) timer_ = std::make_unique<io::Timer>(loop, [this] { Check(); });
  timer_->Start(kCheckMs, kCheckMs);
  timer_->SetRef(false);  // preparing never keeps the process alive
}

void WorkerPool::Check() {
  uint64_t now = uv_hrtime();
  uint64_t idle = loop_->IdleTimeNs();
  if (static_cast<double>(idle - last_idle_ns_) >= kIdleFraction * static_cast<double>(now - last_ns_)) {
    WorkerOptions options;
    options.memory_mb = kMemoryMb;
    ready_.push_back(Worker::Create(*loop_, std::move(options)));
    // Its id is a guess away for any realm: closed to messages until its init (loader.cc).
    ready_.back()->realm().set_awaiting_init(true);
    if (ready_.size() >= kSize) {
      timer_->Stop();
      return;
    }
  }
  // The next interval starts after the isolate just made: its own time was not idle.
  last_ns_ = uv_hrtime();
  last_idle_ns_ = loop_->IdleTimeNs();
}

}  // namespace dw::runtime
