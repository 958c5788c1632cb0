// A Realm is one isolate's JavaScript world: its context, its modules, the JS hooks the
// runtime registered at bootstrap, and the rules for entering JS from the event loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/event_loop.h"
#include "jsg/ops.h"
#include "jsg/v8.h"

namespace dw::jsg {

class ModuleRegistry;
class LimitEnforcer;

enum class LogLevel { kDebug, kInfo, kLog, kWarn, kError };
using LogSink = std::function<void(LogLevel, std::string_view)>;

class Realm {
 public:
  // `isolate` is entered by the caller; the realm creates its context.
  // `id` is one from ReserveId(), or 0 for a new one.
  // `from_snapshot`: the isolate was created from the runtime's startup snapshot
  // (jsg/snapshot.h); the realm's context, modules, ops object and hooks are the snapshot's,
  // as AddToSnapshot left them. Check restored() after construction.
  Realm(v8::Isolate* isolate, io::EventLoop& loop, std::span<const OpDef> ops,
        std::span<const struct BuiltinModule> builtins, int id = 0, bool from_snapshot = false);
  ~Realm();

  static Realm& From(v8::Isolate* isolate);

  // Every realm has a process-unique number, by which realms on one thread address each other
  // (RPC messages between isolates). A number can be reserved before its realm exists, so a
  // worker being created can be named at once.
  static int ReserveId();
  // The live realm of this thread with that number, or null (never made, or gone).
  static Realm* FromId(int id);
  int id() const { return id_; }

  v8::Isolate* isolate() const { return isolate_; }
  // True when the context came from the startup snapshot (its bootstrap already ran).
  bool restored() const { return restored_; }

  // From now on `eval`, `new Function` (and the other function constructors) throw EvalError
  // and WebAssembly cannot be compiled from bytes: a dynamic worker after its startup, as
  // Workers (loader.md section 5). Modules the worker's code brings are still compiled,
  // including a wasm module first imported later (ModuleRegistry, inside a WasmCompileScope).
  void DisallowCodeGeneration();

  // From now on Date.now() and performance.now() stand still while this realm's JS runs and
  // move on only when the event loop enters it again (a timer, a message, I/O), as in Workers:
  // no clock to time code with inside one turn (loader.md section 5). For dynamic workers.
  void FreezeClockWhileRunning();
  // The frozen clock (valid when clock_frozen()): wall time in ms, and uv_hrtime() in ns.
  bool clock_frozen() const { return clock_frozen_; }
  double frozen_wall_ms() const { return frozen_wall_ms_; }
  uint64_t frozen_hr_ns() const { return frozen_hr_ns_; }
  // CPU and memory limits for this realm's JS (jsg/limits.h): entered and left with every
  // outermost CallbackScope. Set once, before user code runs; destroyed with the realm.
  void SetLimits(std::unique_ptr<LimitEnforcer> limits);
  LimitEnforcer* limits() const { return limits_.get(); }
  // Condemned by its memory limit: no JS runs here any more.
  bool condemned() const;
  // A dynamic worker's realm prepared ahead of demand (runtime/worker_pool.h), until its init
  // message from its creator: RPC messages to it are dropped, so no other realm can reach it
  // before it is given its env and outbound (api/rpc_ops.h DeliverRpcInit). A worker made on
  // demand gets its init in the same task that makes it, with no loop turn for a message.
  bool awaiting_init() const { return awaiting_init_; }
  void set_awaiting_init(bool awaiting) { awaiting_init_ = awaiting; }
  // A termination (CPU limit) stopped JS whose half-done state later JS would see (a module
  // halfway through its evaluation): with limits, the isolate is condemned rather than reused.
  void StateLostToTermination();

  // The runtime itself compiles a wasm module of the worker's bundle.
  class WasmCompileScope {
   public:
    explicit WasmCompileScope(Realm& realm) : realm_(realm) { ++realm_.embedder_wasm_compiles_; }
    ~WasmCompileScope() { --realm_.embedder_wasm_compiles_; }
   private:
    Realm& realm_;
  };
  // Adds this realm's state (modules, ops object, hooks) as data of its context, for the
  // startup snapshot. The caller then adds the context to `creator`.
  void AddToSnapshot(v8::SnapshotCreator& creator);
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  io::EventLoop& loop() const { return loop_; }
  ModuleRegistry& modules() { return *modules_; }

  // The `internal:ops` object: every op of the table, as functions.
  v8::Local<v8::Object> OpsObject();

  // Named JS values the runtime's JS hands to C++ at bootstrap ("timerHandler",
  // "DOMException", "reportError", ...).
  void SetHook(const std::string& name, v8::Local<v8::Value> value);
  v8::Local<v8::Value> GetHook(const std::string& name);
  // Defines global `name` as a lazy data property, writable and configurable but not enumerable
  // (as a Web IDL interface): its first read calls the "lazyGlobal" hook with `name`, and V8
  // then replaces it by a data property holding the result. Lets a global's module stay out of
  // the startup snapshot until a worker uses it. Assigning or redefining the property first
  // never calls the hook.
  bool DefineLazyGlobal(v8::Local<v8::String> name);
  // Calls hook `name` (if registered) with `argv`; an exception it throws is reported as
  // uncaught, never left pending. For C++ entering JS from a CallbackScope.
  void CallHook(const char* name, int argc, v8::Local<v8::Value>* argv);

  void set_log_sink(LogSink sink) { log_sink_ = std::move(sink); }
  void Log(LogLevel level, std::string_view text);

  // Every entry into JS from the loop (a timer, I/O completion, a platform task) happens
  // inside a CallbackScope. When the outermost one closes, microtasks run (the checkpoint
  // HTML requires after each macrotask) and rejections left unhandled are reported.
  class CallbackScope {
   public:
    explicit CallbackScope(Realm& realm);
    ~CallbackScope();
   private:
    Realm& realm_;
    v8::Isolate::Scope isolate_scope_;
    v8::HandleScope handles_;
    v8::Context::Scope context_scope_;
  };
  void PerformCheckpoint();
  bool in_callback() const { return callback_depth_ > 0; }
  // The embedder handles this promise's rejection itself: do not report it as unhandled.
  void MarkHandled(v8::Local<v8::Promise> promise);

  // Reports an exception that escaped to the top level (an uncaught error in a timer, a
  // promise rejected with no handler), through the JS `reportError` hook when installed.
  void ReportUncaught(v8::Local<v8::Value> exception, bool in_promise);

  // Throws a DOMException of `name` through the registered class (falls back to Error).
  void ThrowDOMException(std::string_view message, std::string_view name);

  // "file:line:col: Uncaught Name: message" plus source line and stack: for startup errors
  // and anything reported outside JS.
  std::string FormatException(v8::Local<v8::Value> exception, v8::Local<v8::Message> message);

  // Per-realm state owned by higher layers (timers, clocks), created on first use and
  // destroyed with the realm, before its context.
  template <typename T>
  T& Slot() {
    // Not const: identical constants may be merged, giving two types one key.
    static char key;
    auto it = slots_.find(&key);
    if (it == slots_.end()) {
      it = slots_.emplace(&key, SlotPtr(new T(), [](void* v) { delete static_cast<T*>(v); })).first;
    }
    return *static_cast<T*>(it->second.get());
  }

  // "name:line:col\n<source line>\n<caret>\n" for the first file:// frame of a stack.
  std::string LocationFromStack(const std::string& stack);

  // Display name for a script/module URL in messages (file:///cwd/x.js -> x.js).
  std::string DisplayName(std::string_view url) const;

 private:
  static void PromiseRejectCallback(v8::PromiseRejectMessage message);
  bool RestoreFromSnapshot(v8::Local<v8::Context> context);

  v8::Isolate* isolate_;
  io::EventLoop& loop_;
  int id_;
  bool restored_ = false;
  int embedder_wasm_compiles_ = 0;
  bool clock_frozen_ = false;
  bool awaiting_init_ = false;
  double frozen_wall_ms_ = 0;
  uint64_t frozen_hr_ns_ = 0;
  void TickFrozenClock();
  // A limit has stopped this realm's JS (jsg/limits.h): none may run until the turn ends.
  bool StoppedByLimit() const;
  static bool AllowWasmCodeGeneration(v8::Local<v8::Context> context, v8::Local<v8::String> source);
  v8::Global<v8::Context> context_;
  std::unique_ptr<LimitEnforcer> limits_;
  std::span<const OpDef> ops_;
  v8::Global<v8::Object> ops_object_;
  std::unique_ptr<ModuleRegistry> modules_;
  std::map<std::string, v8::Global<v8::Value>> hooks_;
  LogSink log_sink_;
  int callback_depth_ = 0;
  bool in_checkpoint_ = false;
  // Rejected promises with no handler yet; reported after the checkpoint if still unhandled.
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<v8::Value>>> pending_rejections_;
  std::string cwd_url_;
  using SlotPtr = std::unique_ptr<void, void (*)(void*)>;
  std::map<const void*, SlotPtr> slots_;
};

namespace internal {
// Realm::DefineLazyGlobal's getter (an external reference of the snapshot: jsg/snapshot.cc).
void LazyGlobalGetter(v8::Local<v8::Name> name, const v8::PropertyCallbackInfo<v8::Value>& info);
}  // namespace internal

// Helpers for C++ that builds values.
v8::Local<v8::String> Str(v8::Isolate* isolate, std::string_view s);
std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::Value> value);

}  // namespace dw::jsg
