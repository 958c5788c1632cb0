#include "io/event_loop.h"

#include <cstdio>
#include <cstdlib>

namespace dw::io {

EventLoop::EventLoop() {
  if (uv_loop_init(&loop_) != 0) {
    fprintf(stderr, "dynworker: uv_loop_init failed\n");
    abort();
  }
  // Two clock reads around each poll: what IdleTimeNs needs.
  uv_loop_configure(&loop_, UV_METRICS_IDLE_TIME);
  uv_async_init(&loop_, &async_, &EventLoop::OnAsync);
  async_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
  uv_idle_init(&loop_, &idle_);
  idle_.data = this;
}

EventLoop::~EventLoop() {
  // Posted work that never ran may own handles (a timer kept alive until its callback
  // returned): destroy it first, so those close themselves normally below.
  std::vector<std::function<void()>> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending.swap(posted_);
  }
  pending.clear();
  deferred_.clear();
  uv_idle_stop(&idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  // Let close callbacks of handles closed by their owners run, then close the loop.
  while (uv_loop_close(&loop_) == UV_EBUSY) {
    uv_walk(&loop_, [](uv_handle_t* h, void*) {
      if (!uv_is_closing(h)) uv_close(h, nullptr);
    }, nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
  }
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
}

void EventLoop::Defer(std::function<void()> fn) {
  if (deferred_.empty()) uv_idle_start(&idle_, &EventLoop::OnIdle);
  deferred_.push_back(std::move(fn));
}

void EventLoop::OnIdle(uv_idle_t* handle) {
  auto* self = static_cast<EventLoop*>(handle->data);
  // Work deferred while this batch runs goes to the next turn, so I/O is never starved.
  std::vector<std::function<void()>> batch;
  batch.swap(self->deferred_);
  if (self->deferred_.empty()) uv_idle_stop(&self->idle_);
  for (size_t i = 0; i < batch.size(); ++i) batch[i]();
  if (!self->deferred_.empty()) uv_idle_start(&self->idle_, &EventLoop::OnIdle);
}

void EventLoop::OnAsync(uv_async_t* handle) {
  static_cast<EventLoop*>(handle->data)->DrainPosted();
}

void EventLoop::DrainPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

bool EventLoop::RunOnce() { return uv_run(&loop_, UV_RUN_ONCE) != 0 || keep_alive_ > 0; }

bool EventLoop::Alive() { return uv_loop_alive(&loop_) != 0 || keep_alive_ > 0; }

void EventLoop::Run() {
  while (RunOnce()) {
  }
}

EventLoop::KeepAlive::KeepAlive(EventLoop& loop) : loop_(loop) {
  if (loop_.keep_alive_++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(&loop_.async_));
}

EventLoop::KeepAlive::~KeepAlive() {
  if (--loop_.keep_alive_ == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&loop_.async_));
}

uint64_t EventLoop::NowMs() {
  uv_update_time(&loop_);
  return uv_now(&loop_);
}

Timer::Timer(EventLoop& loop, std::function<void()> callback)
    : loop_(loop), handle_(new uv_timer_t), callback_(std::move(callback)) {
  uv_timer_init(loop_.uv(), handle_);
  handle_->data = this;
}

Timer::~Timer() {
  uv_timer_stop(handle_);
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void Timer::Start(uint64_t delay_ms, uint64_t repeat_ms) {
  uv_update_time(loop_.uv());
  uv_timer_start(handle_, &Timer::OnTimer, delay_ms, repeat_ms);
}

void Timer::Stop() { uv_timer_stop(handle_); }

void Timer::SetRef(bool ref) {
  if (ref) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
  else uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
}

bool Timer::active() const { return uv_is_active(reinterpret_cast<uv_handle_t*>(handle_)); }

void Timer::OnTimer(uv_timer_t* handle) {
  auto* self = static_cast<Timer*>(handle->data);
  if (self) self->callback_();
}

}  // namespace dw::io
