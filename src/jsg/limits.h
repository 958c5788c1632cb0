// Limits on untrusted code (loader.md section 5): per-request CPU time, per-isolate memory.
//
// CPU. Every entry into a limited realm's JS from the loop is a *turn* (the outermost
// Realm::CallbackScope, microtask checkpoint included). One process-wide watchdog thread looks
// at each isolate that is inside a turn; once a turn has run a quantum (1 ms) since its last
// charge, it asks V8 for an interrupt. The interrupt, on the isolate's own thread,
// charges the CPU used since the last charge to the request that is running *now*: the
// request's number travels with its async continuations as V8's continuation-preserved embedder
// data (set by the runtime's JS when a call arrives, captured by every promise reaction made
// under it, and by timers). Time is the thread's CPU time from a turn's first interrupt on, and
// wall time before it (a short turn never pays for the CPU clock's system call). A request over
// its budget gets TerminateExecution; when the turn
// ends the termination is canceled, the isolate stays usable, and the owner of the enforcer is
// told which request to fail. JS that runs for no request (a timer of a finished request, a
// finalizer) has the default budget per turn. Short turns are charged at their end.
//
// Memory. A soft limit on the V8 heap checked after every GC, a capped ArrayBuffer allocator,
// and a V8 hard limit far above the soft one (so that V8 itself does not abort the process
// before the soft check runs). Exceeding any of them *condemns* the isolate: its JS is
// terminated and never resumed; the owner destroys it. Non-interruptible builtins can still
// overrun both (see docs/security.md): the supervisor of `dynworker serve` covers that.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "io/event_loop.h"
#include "jsg/v8.h"

namespace dw::jsg {

class Realm;

enum class LimitKind { kCpu, kMemory, kWall };

// Native resources a limited isolate may hold at once. They live outside V8's heap (libuv
// handles, sockets, file descriptors), so the memory limit does not see them, and they are not
// tied to the request that made them: without a bound, a worker could pile them up across
// requests until the process runs out of memory or descriptors.
constexpr size_t kMaxTimers = 10000;
constexpr size_t kMaxConnections = 100;  // connect() sockets open
constexpr size_t kMaxFetches = 100;      // fetch() exchanges in progress (body included)

// The ArrayBuffer allocator of a limited isolate: V8's default, refusing allocations past a
// cap (JS then sees "RangeError: Array buffer allocation failed") and telling the isolate's
// enforcer, which condemns it. Free may be called from V8's background threads.
class LimitedAllocator : public v8::ArrayBuffer::Allocator {
 public:
  explicit LimitedAllocator(size_t cap_bytes);
  ~LimitedAllocator() override;
  void* Allocate(size_t length) override;
  void* AllocateUninitialized(size_t length) override;
  void Free(void* data, size_t length) override;
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  // Called (on the isolate's thread) when an allocation is refused.
  void set_on_refused(std::function<void()> fn) { on_refused_ = std::move(fn); }

 private:
  bool Reserve(size_t length);
  std::unique_ptr<v8::ArrayBuffer::Allocator> inner_;
  size_t cap_;
  std::atomic<size_t> used_{0};
  std::function<void()> on_refused_;
};

class LimitEnforcer {
 public:
  struct Options {
    double cpu_ms = 50;           // per request, and per turn of JS that belongs to none
    double memory_mb = 128;       // V8 heap (used) plus ArrayBuffers
    LimitedAllocator* allocator = nullptr;  // the isolate's, when memory is limited
  };
  // Called with the realm entered and no termination pending: `request` (0 = JS of no request)
  // ran past its CPU budget and was stopped (kCpu, condemned false). Or the isolate is
  // condemned (condemned true, request 0): by its memory limit (kMemory), or by a CPU stop that
  // left state the next request would see (kCpu). Or, from the loop with no JS running,
  // (request, kWall): the request is still in progress at its wall-clock deadline (the request
  // is ended before the call).
  using ExceededFn = std::function<void(int request, LimitKind kind, bool condemned)>;

  LimitEnforcer(Realm& realm, Options options, ExceededFn on_exceeded);
  ~LimitEnforcer();
  LimitEnforcer(const LimitEnforcer&) = delete;
  LimitEnforcer& operator=(const LimitEnforcer&) = delete;

  // A request with its own CPU budget (ms; <= 0: the default) and, when wall_ms > 0, a
  // wall-clock deadline. Returns its number (> 0), which the caller makes the
  // continuation-preserved embedder data of the JS that serves it.
  int BeginRequest(double cpu_ms, double wall_ms = 0);
  void EndRequest(int id);
  // Requests begun and not ended.
  size_t requests() const { return requests_.size(); }
  double default_cpu_ms() const { return options_.cpu_ms; }

  // The request this turn works for (a timer's, a call's: the runtime's JS says so when it
  // enters one). CPU of the turn that no continuation data attributes is charged to it.
  void SetTurnOwner(int id) { turn_owner_ = id; }

  // The V8 hard heap limit for a soft limit of `memory_mb`.
  static size_t HardHeapLimit(double memory_mb);

  // Realm::CallbackScope, at depth 0.
  void EnterTurn();
  void ExitTurn();

  // Runs after every turn that ends with requests in flight (hang detection), with the realm
  // entered; it may run JS.
  void set_after_turn(std::function<void()> fn) { after_turn_ = std::move(fn); }

  bool condemned() const { return condemned_; }
  // A limit has stopped the JS of this turn (or of the isolate, for good): no more of it may
  // run until the turn ends.
  bool stopped() const { return terminated_ >= 0 || condemned_; }
  // Stops the isolate's JS for good: over its memory limit, or (kCpu) stopped by the CPU limit
  // in the middle of something later JS would depend on.
  void Condemn(LimitKind why = LimitKind::kMemory);

 private:
  struct Request {
    int64_t used_ns = 0;
    int64_t limit_ns = 0;
    uint64_t deadline_ms = 0;  // loop time; 0: none
  };
  // One timer for all wall-clock deadlines: armed for the earliest.
  void ArmWallTimer();
  void OnWallTimer();
  std::multimap<uint64_t, int> deadlines_;
  std::unique_ptr<io::Timer> wall_timer_;
  uint64_t wall_armed_for_ = 0;
  friend class Watchdog;
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  static void OnGcEpilogue(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags flags, void* data);
  static size_t OnNearHeapLimit(void* data, size_t current, size_t initial);
  // Charges the CPU since the last charge to the request running now.
  void Charge(bool from_interrupt = false);
  void Exceed(int request);
  bool OverMemory();
  // Whether stopping the JS running now would leave the runtime's own JS half-done: runtime
  // code above the user's on the stack.
  bool StopLosesState();

  Realm& realm_;
  v8::Isolate* isolate_;
  io::EventLoop& loop_;
  Options options_;
  ExceededFn on_exceeded_;
  std::function<void()> after_turn_;
  int64_t turn_mono_ = 0;  // monotonic time of this turn's last charge
  int64_t turn_cpu_ = -1;  // thread CPU time of this turn's last charge; -1: not read this turn
  // Thread CPU time at the thread's CPU mark before this turn: the base its first CPU reading
  // is compared with (Charge; cheap-clock charges happen only at the turn's end).
  int64_t turn_cpu_base_ = 0;
  std::map<int, Request> requests_;
  int next_request_ = 1;
  int turn_owner_ = 0;
  int64_t orphan_ns_ = 0;         // this turn's CPU of JS that belongs to no request
  int terminated_ = -1;           // the request stopped in this turn (0: none's), -1: none
  bool condemned_ = false;
  LimitKind condemned_by_ = LimitKind::kMemory;
  bool condemn_reported_ = false;
  int heap_raises_ = 0;
  bool exiting_ = false;
  // Shared with the watchdog thread.
  std::atomic<bool> in_turn_{false};
  std::atomic<bool> interrupt_pending_{false};
  std::atomic<int64_t> interrupt_requested_at_{0};  // monotonic
  std::atomic<int64_t> charged_at_ns_{0};  // monotonic
};

}  // namespace dw::jsg
