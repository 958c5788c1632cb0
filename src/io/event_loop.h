// One libuv loop, owned by one thread. Everything that runs JavaScript runs on the thread of
// the loop that owns its isolate (shared-nothing: see docs/architecture.md).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace dw::io {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  uv_loop_t* uv() { return &loop_; }

  // Thread-safe: runs `fn` on the loop thread on its next turn. Posted work does not by
  // itself keep Run() going; see KeepAlive.
  void Post(std::function<void()> fn);

  // Loop thread only: runs `fn` on this loop's next turn, in FIFO order with other deferred
  // work. Unlike Post, pending deferred work keeps the loop alive (it is how isolates on one
  // thread message each other: a message in flight is work the loop still has to do).
  void Defer(std::function<void()> fn);

  // Runs one turn (UV_RUN_ONCE); returns false when nothing keeps the loop alive.
  bool RunOnce();
  // Runs until nothing keeps the loop alive.
  void Run();
  // True while an active, referenced handle (or a KeepAlive) exists.
  bool Alive();

  // While at least one KeepAlive exists, the loop waits for posted work instead of returning
  // (for example while a V8 background thread will post a foreground task).
  class KeepAlive {
   public:
    explicit KeepAlive(EventLoop& loop);
    ~KeepAlive();
    KeepAlive(const KeepAlive&) = delete;
    KeepAlive& operator=(const KeepAlive&) = delete;
   private:
    EventLoop& loop_;
  };

  // Milliseconds of libuv's loop clock, refreshed first (libuv caches it per turn, and a timer
  // started after a long JS run would otherwise fire early).
  uint64_t NowMs();

  // Nanoseconds this loop has spent blocked waiting for I/O with nothing to run (libuv's
  // idle-time metric). Work that may run at any time (runtime/loader.cc prepares isolates
  // ahead of demand) compares it over an interval to run only when the loop has time to spare.
  uint64_t IdleTimeNs() { return uv_metrics_idle_time(&loop_); }

 private:
  static void OnAsync(uv_async_t* handle);
  static void OnIdle(uv_idle_t* handle);
  void DrainPosted();

  uv_loop_t loop_;
  uv_async_t async_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  // Deferred work; the idle handle runs while it is non-empty (and keeps the loop polling
  // without blocking).
  uv_idle_t idle_;
  std::vector<std::function<void()>> deferred_;
  int keep_alive_ = 0;
};

// A one-shot or repeating libuv timer. Owned on the loop thread; destroying it cancels it.
class Timer {
 public:
  Timer(EventLoop& loop, std::function<void()> callback);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void Start(uint64_t delay_ms, uint64_t repeat_ms = 0);
  void Stop();
  // An unreferenced timer does not keep the loop alive.
  void SetRef(bool ref);
  bool active() const;

 private:
  static void OnTimer(uv_timer_t* handle);
  EventLoop& loop_;
  uv_timer_t* handle_;  // freed in the close callback, after libuv is done with it
  std::function<void()> callback_;
};

}  // namespace dw::io
