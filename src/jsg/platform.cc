#include "jsg/platform.h"

#include <cstring>
#include <functional>
#include <map>
#include <mutex>

namespace dw::jsg {
namespace {

// State shared between an isolate's task runner (which V8 holds and may use from any
// thread, even after the isolate is gone) and the loop. `loop` is null once unregistered.
struct RunnerState {
  std::mutex mu;
  io::EventLoop* loop = nullptr;
  v8::Isolate* isolate = nullptr;
  std::function<void()> after_task;
};

class LoopTaskRunner final : public v8::TaskRunner {
 public:
  explicit LoopTaskRunner(std::shared_ptr<RunnerState> state) : state_(std::move(state)) {}

  void PostTask(std::unique_ptr<v8::Task> task) override { Post(std::move(task), 0); }
  void PostNonNestableTask(std::unique_ptr<v8::Task> task) override { Post(std::move(task), 0); }
  void PostDelayedTask(std::unique_ptr<v8::Task> task, double delay_s) override {
    Post(std::move(task), delay_s);
  }
  void PostNonNestableDelayedTask(std::unique_ptr<v8::Task> task, double delay_s) override {
    Post(std::move(task), delay_s);
  }
  void PostIdleTask(std::unique_ptr<v8::IdleTask>) override {}
  bool IdleTasksEnabled() override { return false; }
  // Tasks only ever run from the loop's top level, never nested inside JS.
  bool NonNestableTasksEnabled() const override { return true; }
  bool NonNestableDelayedTasksEnabled() const override { return true; }

 private:
  void Post(std::unique_ptr<v8::Task> task, double delay_s) {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->loop) return;  // isolate gone: drop
    auto shared = std::shared_ptr<v8::Task>(task.release());
    auto state = state_;
    auto run = [state, shared]() {
      // Runs on the loop thread, which is also the only thread that unregisters the
      // isolate, so it cannot go away during the task.
      v8::Isolate* isolate;
      {
        std::lock_guard<std::mutex> lock(state->mu);
        if (!state->loop) return;
        isolate = state->isolate;
      }
      {
        v8::Isolate::Scope iscope(isolate);
        v8::HandleScope hs(isolate);
        shared->Run();
      }
      if (state->after_task) state->after_task();
    };
    if (delay_s <= 0) {
      state_->loop->Post(std::move(run));
    } else {
      uint64_t ms = static_cast<uint64_t>(delay_s * 1000);
      io::EventLoop* loop = state_->loop;
      loop->Post([loop, ms, run = std::move(run)]() mutable {
        auto* holder = new std::unique_ptr<io::Timer>();
        *holder = std::make_unique<io::Timer>(*loop, [loop, holder, run]() {
          run();
          // Not deleted here: the timer's callback is the lambda running now.
          loop->Post([holder]() { delete holder; });
        });
        // Delayed V8 tasks (GC heuristics) must not keep the loop alive on their own.
        (*holder)->SetRef(false);
        (*holder)->Start(ms);
      });
    }
  }

  std::shared_ptr<RunnerState> state_;
};

class LoopPlatform final : public v8::Platform {
 public:
  LoopPlatform() : inner_(v8::platform::NewDefaultPlatform()) {}

  void Register(v8::Isolate* isolate, io::EventLoop* loop, std::function<void()> after_task) {
    auto state = std::make_shared<RunnerState>();
    state->loop = loop;
    state->after_task = std::move(after_task);
    state->isolate = isolate;
    std::lock_guard<std::mutex> lock(mu_);
    runners_[isolate] = std::make_shared<LoopTaskRunner>(state);
    states_[isolate] = state;
  }
  void Unregister(v8::Isolate* isolate) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = states_.find(isolate);
    if (it != states_.end()) {
      std::lock_guard<std::mutex> slock(it->second->mu);
      it->second->loop = nullptr;
    }
    states_.erase(isolate);
    runners_.erase(isolate);
  }

  v8::PageAllocator* GetPageAllocator() override { return inner_->GetPageAllocator(); }
  int NumberOfWorkerThreads() override { return inner_->NumberOfWorkerThreads(); }
  std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner(v8::Isolate* isolate) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = runners_.find(isolate);
    if (it != runners_.end()) return it->second;
    // An isolate not bound to a loop (V8 internals during setup): fall back to a runner that
    // drops tasks rather than running them on an arbitrary thread.
    auto state = std::make_shared<RunnerState>();
    return std::make_shared<LoopTaskRunner>(state);
  }
  void CallOnWorkerThread(std::unique_ptr<v8::Task> task) override {
    inner_->CallOnWorkerThread(std::move(task));
  }
  void CallDelayedOnWorkerThread(std::unique_ptr<v8::Task> task, double delay_s) override {
    inner_->CallDelayedOnWorkerThread(std::move(task), delay_s);
  }
  std::unique_ptr<v8::JobHandle> PostJob(v8::TaskPriority priority,
                                         std::unique_ptr<v8::JobTask> job) override {
    return inner_->PostJob(priority, std::move(job));
  }
  double MonotonicallyIncreasingTime() override { return inner_->MonotonicallyIncreasingTime(); }
  // Date.now() and new Date(): V8 asks the platform. An isolate whose clock is frozen while it
  // runs (a dynamic worker) gets its frozen time; other callers (other threads included) the
  // real one.
  double CurrentClockTimeMillis() override {
    if (v8::Isolate* isolate = v8::Isolate::TryGetCurrent()) {
      if (const auto* frozen = static_cast<const double*>(isolate->GetData(kFrozenWallClockSlot))) {
        return *frozen;
      }
    }
    return inner_->CurrentClockTimeMillis();
  }
  v8::TracingController* GetTracingController() override { return inner_->GetTracingController(); }

 private:
  std::unique_ptr<v8::Platform> inner_;
  std::mutex mu_;
  std::map<v8::Isolate*, std::shared_ptr<LoopTaskRunner>> runners_;
  std::map<v8::Isolate*, std::shared_ptr<RunnerState>> states_;
};

LoopPlatform* g_platform = nullptr;
std::once_flag g_init_once;

}  // namespace

void InitializeV8(const char* v8_flags) {
  std::call_once(g_init_once, [v8_flags]() {
    // V8 checksums the whole startup snapshot on every Isolate::New (about 5 ms for the
    // runtime's, jsg/snapshot.h). Both snapshots it may read are in this process's memory, never
    // read from a file: libnode's built-in one, and ours, built by this process.
    static const char kNoChecksum[] = "--no-verify-snapshot-checksum";
    v8::V8::SetFlagsFromString(kNoChecksum, sizeof(kNoChecksum) - 1);
    // Before Initialize: some flags (--prof, --log) only take effect then.
    if (v8_flags && *v8_flags) v8::V8::SetFlagsFromString(v8_flags, strlen(v8_flags));
    g_platform = new LoopPlatform();  // lives for the whole process, as V8 requires
    v8::V8::InitializePlatform(g_platform);
    v8::V8::Initialize();
  });
}

v8::Platform* GetPlatform() { return g_platform; }

void RegisterIsolate(v8::Isolate* isolate, io::EventLoop* loop, std::function<void()> after_task) {
  g_platform->Register(isolate, loop, std::move(after_task));
}
void UnregisterIsolate(v8::Isolate* isolate) { g_platform->Unregister(isolate); }

}  // namespace dw::jsg
