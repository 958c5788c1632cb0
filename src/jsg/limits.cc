#include "jsg/limits.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "jsg/realm.h"

namespace dw::jsg {

namespace {
// Thread CPU time of the calling thread, in ns (a system call).
int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Monotonic time, from the vDSO: about 30 ns, where the thread CPU clock is a system call of
// about 700 ns. Turns are short and many (several per request), so a turn that no interrupt
// reached is measured with this one.
int64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

uint64_t MonoMs() { return static_cast<uint64_t>(MonoNs() / 1000000); }

// The thread's CPU clock at a recent moment: read by a turn's start when the last reading is
// older than kCpuMarkNs (at most ~100 system calls a second, whatever the turn rate). A turn's
// first long measurement compares against it (LimitEnforcer::Charge).
struct CpuMark {
  int64_t mono = INT64_MIN / 2;
  int64_t cpu = 0;
};
thread_local CpuMark t_cpu_mark;
constexpr int64_t kCpuMarkNs = 10000000;

// How much CPU a turn may use between two charges: the precision of the CPU limit.
constexpr int64_t kQuantumNs = 1000000;
// How long a limited isolate may run without servicing an interrupt before the process gives
// up on it (Watchdog::Unresponsive). Compiling a 64 MiB bundle or a full GC of a large heap
// stays far below this.
constexpr int64_t kUnresponsiveNs = int64_t{5} * 1000000000;
// The V8 heap may grow this far past the soft limit before V8 itself gives up (and aborts the
// process): room for the GC-time check to see the overrun first (../shared/notes/build.md 4d).
constexpr size_t kHardSlackBytes = size_t{1} << 30;
}  // namespace

// One thread for the process. It sleeps while no limited turn runs; while some do, it wakes
// every quantum and requests an interrupt of each isolate whose turn has run a quantum since
// it was last charged. It never stops JS itself: the isolate's thread decides, with the
// request it is really running in hand. It looks only at the enforcers in a turn now (a few at
// most: turns nest only when one isolate calls into another synchronously), not at every
// enforcer alive: with 1500 retained idle workers, walking all of them every quantum took a
// fifth of the process's CPU under load.
class Watchdog {
 public:
  static Watchdog& Get() {
    static Watchdog* instance = new Watchdog();  // never destroyed: the thread runs to exit
    return *instance;
  }

  // After this returns the watchdog no longer touches `e` or its isolate.
  void Remove(LimitEnforcer* e) {
    std::lock_guard<std::mutex> lock(mu_);
    Erase(e);
  }

  void TurnStarted(LimitEnforcer* e) {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::find(running_.begin(), running_.end(), e) == running_.end()) running_.push_back(e);
    if (idle_) cv_.notify_one();
  }
  void TurnEnded(LimitEnforcer* e) {
    std::lock_guard<std::mutex> lock(mu_);
    Erase(e);
  }

 private:
  Watchdog() { std::thread([this] { Run(); }).detach(); }

  void Erase(LimitEnforcer* e) {
    // From the back: the turn that ends is usually the innermost.
    for (size_t i = running_.size(); i-- > 0;) {
      if (running_[i] == e) {
        running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
    }
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    auto last_active = std::chrono::steady_clock::now();
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      if (!running_.empty()) last_active = now;
      // Linger a little before sleeping for good: under load turns start thousands of times a
      // second, and waking a sleeping thread for each would cost more than polling.
      if (running_.empty() && now - last_active > std::chrono::milliseconds(50)) {
        idle_ = true;
        cv_.wait(lock, [this] { return !running_.empty(); });
        idle_ = false;
        last_active = std::chrono::steady_clock::now();
      }
      for (LimitEnforcer* e : running_) {
        if (!e->in_turn_.load()) continue;
        int64_t mono = MonoNs();
        if (e->interrupt_pending_.load()) {
          if (mono - e->interrupt_requested_at_.load() > kUnresponsiveNs) Unresponsive();
          continue;
        }
        if (mono - e->charged_at_ns_.load() >= kQuantumNs) {
          e->interrupt_requested_at_.store(mono);
          e->interrupt_pending_.store(true);
          e->isolate_->RequestInterrupt(&LimitEnforcer::OnInterrupt, e);
        }
      }
      cv_.wait_for(lock, std::chrono::nanoseconds(kQuantumNs));
    }
  }

  // A limited isolate has not looked at its interrupts for kUnresponsiveNs: it is inside a
  // builtin that never checks (`new Array(5e7).fill(1.5)` runs for tens of seconds, then V8
  // aborts on the heap limit), and neither its CPU nor its memory limit can stop it. Every
  // worker of the process waits meanwhile, so the process ends now, on purpose and saying why:
  // the supervisor of `dynworker serve` starts a new one at once (docs/security.md).
  [[noreturn]] static void Unresponsive() {
    fprintf(stderr,
            "dynworker: fatal: a dynamic worker's JS has not been interruptible for %d s (a builtin "
            "that never checks for interrupts, such as Array.prototype.fill on a huge array); its "
            "limits cannot stop it, so the process ends here and the supervisor restarts it\n",
            static_cast<int>(kUnresponsiveNs / 1000000000));
    fflush(stderr);
    abort();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<LimitEnforcer*> running_;  // enforcers in a turn, guarded by mu_
  bool idle_ = false;                    // guarded by mu_
};

// ---- LimitedAllocator ----

LimitedAllocator::LimitedAllocator(size_t cap_bytes)
    : inner_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()), cap_(cap_bytes) {}
LimitedAllocator::~LimitedAllocator() = default;

bool LimitedAllocator::Reserve(size_t length) {
  size_t now = used_.fetch_add(length) + length;
  if (now <= cap_) return true;
  used_.fetch_sub(length);
  if (on_refused_) on_refused_();
  return false;
}

void* LimitedAllocator::Allocate(size_t length) {
  if (!Reserve(length)) return nullptr;
  void* p = inner_->Allocate(length);
  if (!p) used_.fetch_sub(length);
  return p;
}

void* LimitedAllocator::AllocateUninitialized(size_t length) {
  if (!Reserve(length)) return nullptr;
  void* p = inner_->AllocateUninitialized(length);
  if (!p) used_.fetch_sub(length);
  return p;
}

void LimitedAllocator::Free(void* data, size_t length) {
  inner_->Free(data, length);
  used_.fetch_sub(length);
}

// ---- LimitEnforcer ----

LimitEnforcer::LimitEnforcer(Realm& realm, Options options, ExceededFn on_exceeded)
    : realm_(realm), isolate_(realm.isolate()), loop_(realm.loop()), options_(options),
      on_exceeded_(std::move(on_exceeded)) {
  if (options_.memory_mb > 0) {
    isolate_->AddGCEpilogueCallback(&LimitEnforcer::OnGcEpilogue, this);
    isolate_->AddNearHeapLimitCallback(&LimitEnforcer::OnNearHeapLimit, this);
    if (options_.allocator) options_.allocator->set_on_refused([this] { Condemn(LimitKind::kMemory); });
  }
}

LimitEnforcer::~LimitEnforcer() {
  wall_timer_.reset();
  Watchdog::Get().Remove(this);
  if (options_.memory_mb > 0) {
    isolate_->RemoveGCEpilogueCallback(&LimitEnforcer::OnGcEpilogue, this);
    isolate_->RemoveNearHeapLimitCallback(&LimitEnforcer::OnNearHeapLimit, 0);
    if (options_.allocator) options_.allocator->set_on_refused(nullptr);
  }
}

size_t LimitEnforcer::HardHeapLimit(double memory_mb) {
  return static_cast<size_t>(memory_mb * 1024 * 1024) + kHardSlackBytes;
}

int LimitEnforcer::BeginRequest(double cpu_ms, double wall_ms) {
  int id = next_request_++;
  if (next_request_ >= (1 << 30)) next_request_ = 1;  // stays a Smi
  double ms = cpu_ms > 0 ? cpu_ms : options_.cpu_ms;
  Request r{0, static_cast<int64_t>(ms * 1e6), 0};
  if (wall_ms > 0) {
    r.deadline_ms = MonoMs() + static_cast<uint64_t>(wall_ms);
    deadlines_.emplace(r.deadline_ms, id);
  }
  requests_[id] = r;
  if (wall_ms > 0) ArmWallTimer();
  return id;
}

void LimitEnforcer::EndRequest(int id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  if (it->second.deadline_ms) {
    auto range = deadlines_.equal_range(it->second.deadline_ms);
    for (auto d = range.first; d != range.second; ++d) {
      if (d->second == id) {
        deadlines_.erase(d);
        break;
      }
    }
  }
  requests_.erase(it);
  // The timer stays armed for an earlier deadline than needed; it re-arms when it fires.
}

void LimitEnforcer::ArmWallTimer() {
  if (deadlines_.empty()) return;
  uint64_t first = deadlines_.begin()->first;
  if (wall_timer_ && wall_armed_for_ != 0 && wall_armed_for_ <= first) return;
  if (!wall_timer_) wall_timer_ = std::make_unique<io::Timer>(loop_, [this] { OnWallTimer(); });
  uint64_t now = MonoMs();
  wall_timer_->Start(first > now ? first - now : 0);
  wall_armed_for_ = first;
}

void LimitEnforcer::OnWallTimer() {
  wall_armed_for_ = 0;
  uint64_t now = MonoMs();
  std::vector<int> expired;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    expired.push_back(deadlines_.begin()->second);
    deadlines_.erase(deadlines_.begin());
  }
  // Re-armed first: failing a request may begin others.
  ArmWallTimer();
  for (int id : expired) {
    auto it = requests_.find(id);
    if (it == requests_.end()) continue;
    it->second.deadline_ms = 0;
    requests_.erase(it);
    on_exceeded_(id, LimitKind::kWall, false);
  }
  if (deadlines_.empty() && wall_timer_) wall_timer_->Stop();
}

void LimitEnforcer::EnterTurn() {
  orphan_ns_ = 0;
  turn_owner_ = 0;
  turn_mono_ = MonoNs();
  turn_cpu_ = -1;
  if (turn_mono_ - t_cpu_mark.mono > kCpuMarkNs) t_cpu_mark = {turn_mono_, ThreadCpuNs()};
  turn_cpu_base_ = t_cpu_mark.cpu;
  charged_at_ns_.store(turn_mono_);
  // An interrupt left pending by the last turn is serviced once this one runs JS: its clock
  // for unresponsiveness starts now.
  if (interrupt_pending_.load()) interrupt_requested_at_.store(turn_mono_);
  in_turn_.store(true);
  Watchdog::Get().TurnStarted(this);
}

void LimitEnforcer::ExitTurn() {
  if (!in_turn_.load()) return;
  Charge();
  in_turn_.store(false);
  Watchdog::Get().TurnEnded(this);
  // The handling below may run JS (failing the request), in turns of its own: those only
  // account for themselves and leave what they stop to this loop.
  if (exiting_) return;
  exiting_ = true;
  bool checked_hung = false;
  for (;;) {
    if (condemned_) {
      // Terminated for good: no JS runs here again. The owner destroys the isolate.
      if (!condemn_reported_) {
        condemn_reported_ = true;
        on_exceeded_(0, condemned_by_, true);
      }
      break;
    }
    if (terminated_ >= 0) {
      int request = terminated_;
      // What the stopped JS queued in this turn (its continuations, a microtask flood) must not
      // run later as nobody's: V8 drops the whole queue when the first job is terminated. (A
      // stop inside the checkpoint has emptied it already.)
      isolate_->TerminateExecution();
      isolate_->PerformMicrotaskCheckpoint();
      terminated_ = -1;
      isolate_->CancelTerminateExecution();
      // The stopped JS may not have reset it: later JS must not run as that request.
      realm_.context()->SetContinuationPreservedEmbedderData(v8::Undefined(isolate_));
      if (!requests_.count(request)) request = 0;
      requests_.erase(request);
      on_exceeded_(request, LimitKind::kCpu, false);
      continue;
    }
    if (checked_hung || requests_.empty() || !after_turn_) break;
    checked_hung = true;
    after_turn_();
  }
  exiting_ = false;
}

void LimitEnforcer::OnInterrupt(v8::Isolate* isolate, void* data) {
  auto* self = static_cast<LimitEnforcer*>(data);
  self->interrupt_pending_.store(false);
  if (!self->in_turn_.load()) return;
  self->Charge(/*from_interrupt=*/true);
}

void LimitEnforcer::Charge(bool from_interrupt) {
  // A turn's short stretches are measured in wall time (the cheap clock); from its first
  // interrupt, or a stretch longer than a quantum, in thread CPU time, which is what the limit is
  // about. That first CPU reading is compared with the thread's recent CPU mark (at most
  // kCpuMarkNs older than the turn): wall time since the turn began and the thread's CPU since
  // the mark are both upper bounds of the turn's CPU, and the smaller one leaves out the time
  // the thread spent descheduled (on a busy machine that was charged as CPU, and a request that
  // used 1 ms failed with "Worker exceeded CPU time limit." after 60 ms off the CPU).
  int64_t now = MonoNs();
  int64_t delta;
  if (turn_cpu_ < 0) {
    delta = now - turn_mono_;
    if (from_interrupt || delta > kQuantumNs) {
      int64_t cpu = ThreadCpuNs();
      t_cpu_mark = {now, cpu};
      delta = std::min(delta, cpu - turn_cpu_base_);
      turn_cpu_ = cpu;
    }
  } else {
    int64_t cpu = ThreadCpuNs();
    delta = cpu - turn_cpu_;
    turn_cpu_ = cpu;
  }
  turn_mono_ = now;
  charged_at_ns_.store(now);
  if (stopped()) {
    // V8 forgets a termination once it has unwound to the outermost call into JS; whatever
    // runs after it in this turn (a queued microtask) is stopped again.
    isolate_->TerminateExecution();
    return;
  }
  if (delta <= 0) return;
  v8::HandleScope hs(isolate_);
  v8::Local<v8::Value> data = realm_.context()->GetContinuationPreservedEmbedderData();
  int request = data->IsInt32() ? data.As<v8::Int32>()->Value() : turn_owner_;
  auto it = request > 0 ? requests_.find(request) : requests_.end();
  if (it != requests_.end()) {
    it->second.used_ns += delta;
    if (it->second.used_ns > it->second.limit_ns) Exceed(request);
    return;
  }
  orphan_ns_ += delta;
  if (orphan_ns_ > static_cast<int64_t>(options_.cpu_ms * 1e6)) Exceed(0);
}

void LimitEnforcer::Exceed(int request) {
  if (StopLosesState()) {
    Condemn(LimitKind::kCpu);
    return;
  }
  terminated_ = request;
  isolate_->TerminateExecution();
}

bool LimitEnforcer::StopLosesState() {
  // The stack, youngest frame first. The runtime's dispatch at the bottom (internal:rpc calling
  // an entrypoint, internal:timers calling a callback) is made to be unwound; runtime code
  // anywhere above the oldest user frame (user code called back by a stream, console called in
  // a loop, a module loaded on first use) may be stopped halfway through a change of its state.
  v8::HandleScope hs(isolate_);
  v8::Local<v8::StackTrace> trace = v8::StackTrace::CurrentStackTrace(isolate_, 100, v8::StackTrace::kScriptName);
  enum class Frame { kRuntime, kUser, kNative };  // kNative: a built-in without a script
  std::vector<Frame> frames;
  for (int i = 0; i < trace->GetFrameCount(); ++i) {
    v8::Local<v8::String> name = trace->GetFrame(isolate_, i)->GetScriptName();
    v8::String::Utf8Value utf8(isolate_, name);
    std::string_view n(*utf8 ? *utf8 : "", *utf8 ? utf8.length() : 0);
    bool runtime = n.starts_with("internal:") || n.starts_with("node:") ||
                   n.starts_with("cloudflare:") || n.starts_with("dynworker:");
    frames.push_back(runtime ? Frame::kRuntime : n.empty() ? Frame::kNative : Frame::kUser);
  }
  auto oldest_user = std::find(frames.rbegin(), frames.rend(), Frame::kUser);
  if (oldest_user == frames.rend()) return !frames.empty();  // only the runtime's own JS runs
  return std::find(frames.begin(), oldest_user.base(), Frame::kRuntime) != oldest_user.base();
}

void LimitEnforcer::Condemn(LimitKind why) {
  if (condemned_) return;
  condemned_ = true;
  condemned_by_ = why;
  isolate_->TerminateExecution();
}

bool LimitEnforcer::OverMemory() {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  // V8 counts every ArrayBuffer's backing store in external memory, WebAssembly.Memory too,
  // which does not come from the capped allocator.
  size_t buffers = std::max<size_t>(options_.allocator ? options_.allocator->used() : 0,
                                    stats.external_memory());
  size_t used = stats.used_heap_size() + buffers;
  return used > static_cast<size_t>(options_.memory_mb * 1024 * 1024);
}

void LimitEnforcer::OnGcEpilogue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  auto* self = static_cast<LimitEnforcer*>(data);
  if (!self->condemned_ && self->OverMemory()) self->Condemn(LimitKind::kMemory);
}

size_t LimitEnforcer::OnNearHeapLimit(void* data, size_t current, size_t initial) {
  auto* self = static_cast<LimitEnforcer*>(data);
  self->Condemn(LimitKind::kMemory);
  // Room for the terminated JS to unwind, at most twice: raising without bound let a runaway
  // allocation take gigabytes (../shared/notes/build.md 4d).
  if (self->heap_raises_ < 2) {
    ++self->heap_raises_;
    return current + initial / 4;
  }
  return current;
}

}  // namespace dw::jsg
