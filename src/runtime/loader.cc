#include "runtime/loader.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include <uv.h>

#include "absl/strings/str_cat.h"
#include "api/ops.h"
#include "api/rpc_ops.h"
#include "jsg/limits.h"
#include "runtime/bundle.h"
#include "runtime/worker.h"
#include "runtime/worker_pool.h"

namespace dw::runtime {
namespace {

using jsg::OpContext;
using jsg::Str;

// The dynamic workers a realm created, by realm id. Destroyed with that realm.
struct Children {
  std::map<int, std::unique_ptr<Worker>> workers;
  // Workers to destroy (DestroyChildLater); a DestroyNext task is pending while non-empty.
  std::deque<int> doomed;
};

// What a dynamic worker costs its creator, reported to the creator's V8 heap as external
// memory. Workers from load() die when their stubs are collected, and the creator's own heap is
// small, so without this its GC (and with it those deaths) would come far too late: a loader
// calling load() per request would pile up isolates.
constexpr int64_t kWorkerExternalCost = 4 << 20;

// The limits a WorkerCode gives (loader.md section 5), as workerCreate received them.
struct ChildLimits {
  double cpu_ms = 50;
  double memory_mb = WorkerPool::kMemoryMb;
  double wall_ms = 30000;  // internal:rpc's default for a request, also the startup's
};

// "Uncaught SyntaxError: message\n  at main.js:1:5": the user's own error first, as loader.md
// section 2 asks, then where it happened.
std::string DescribeStartupError(jsg::Realm& realm, v8::Local<v8::Value> exception,
                                 v8::Local<v8::Message> message) {
  v8::Isolate* isolate = realm.isolate();
  v8::Local<v8::Context> ctx = realm.context();
  std::string out = absl::StrCat("Uncaught ", jsg::ToUtf8(isolate, exception));
  if (!message.IsEmpty()) {
    std::string where = realm.DisplayName(jsg::ToUtf8(isolate, message->GetScriptResourceName()));
    int line = message->GetLineNumber(ctx).FromMaybe(0);
    int column = message->GetStartColumn(ctx).FromMaybe(-1);
    if (line > 0 && column >= 0 && where != "undefined" && !where.empty()) {
      absl::StrAppend(&out, "\n    at ", where, ":", line, ":", column + 1);
    }
  }
  return out;
}

// A dynamic worker's start, in its realm: the request number its top-level code runs as (CPU
// limit), and whether the creator has been told how the start went.
struct StartState {
  int request = 0;
  bool reported = false;
};

// Top-level code may take longer than a request: Workers allow a startup of about a second.
constexpr double kStartupCpuMs = 1000;

constexpr char kCpuExceeded[] = "Worker exceeded CPU time limit.";
constexpr char kMemoryExceeded[] = "Worker exceeded memory limit.";
constexpr char kWallExceeded[] = "Worker exceeded wall-clock time limit.";

// Tells the creator that worker `child` started (error empty) or failed.
void ReportStarted(io::EventLoop& loop, int creator, int child, std::string error) {
  if (jsg::Realm* realm = jsg::Realm::FromId(child)) {
    StartState& st = realm->Slot<StartState>();
    if (st.reported) return;
    st.reported = true;
    if (st.request != 0 && realm->limits()) realm->limits()->EndRequest(st.request);
  }
  loop.Defer([creator, child, error = std::move(error)]() {
    jsg::Realm* realm = jsg::Realm::FromId(creator);
    if (!realm) return;
    jsg::Realm::CallbackScope scope(*realm);
    v8::Isolate* isolate = realm->isolate();
    v8::Local<v8::Value> args[] = {
        v8::Integer::New(isolate, child),
        error.empty() ? v8::Null(isolate).As<v8::Value>() : Str(isolate, error).As<v8::Value>()};
    realm->CallHook("workerStarted", 2, args);
  });
}

// Destroys `child` on a later turn (its isolate may be on the stack now), then tells the realms
// that talked to it, whose calls to it fail. At most ~2 ms of teardowns per turn, with I/O
// polled between: a loader GC that collects many load() workers at once would otherwise stall
// every request for all of their teardowns (about half a millisecond each).
void DestroyNext(io::EventLoop& loop, int creator);

void DestroyChildLater(io::EventLoop& loop, int creator, int child) {
  jsg::Realm* realm = jsg::Realm::FromId(creator);
  if (!realm) return;  // its workers died with it
  Children& children = realm->Slot<Children>();
  children.doomed.push_back(child);
  if (children.doomed.size() == 1) loop.Defer([creator, &loop]() { DestroyNext(loop, creator); });
}

void DestroyNext(io::EventLoop& loop, int creator) {
  jsg::Realm* realm = jsg::Realm::FromId(creator);
  if (!realm) return;
  Children& children = realm->Slot<Children>();
  // Up to ~2 ms of teardowns per turn (at least one): fewer would fall behind a loader that
  // creates many workers per turn, more would stall the requests waiting behind them.
  uint64_t start = uv_hrtime();
  do {
    if (children.doomed.empty()) break;
    int child = children.doomed.front();
    children.doomed.pop_front();
    auto it = children.workers.find(child);
    if (it == children.workers.end()) continue;
    std::unique_ptr<Worker> doomed = std::move(it->second);
    children.workers.erase(it);
    doomed.reset();
    realm->isolate()->AdjustAmountOfExternalAllocatedMemory(-kWorkerExternalCost);
    api::NotifyRealmGone(loop, child);
  } while (uv_hrtime() - start < 2000000);
  if (!children.doomed.empty()) loop.Defer([creator, &loop]() { DestroyNext(loop, creator); });
}

// The child went over its memory limit (or was stopped by its CPU limit halfway through
// something): its in-flight calls fail with loader.md's message, its creator forgets it (`workerCondemned`: the next get of its id starts a fresh one), and it is
// destroyed.
void CondemnChild(io::EventLoop& loop, int creator, int child, const char* reason) {
  api::SetRealmGoneReason(child, reason);
  loop.Defer([creator, child]() {
    jsg::Realm* realm = jsg::Realm::FromId(creator);
    if (!realm) return;
    jsg::Realm::CallbackScope scope(*realm);
    v8::Local<v8::Value> args[] = {v8::Integer::New(realm->isolate(), child)};
    realm->CallHook("workerCondemned", 1, args);
  });
  DestroyChildLater(loop, creator, child);
}

// What happens when a child's JS is stopped by its limits (jsg::LimitEnforcer): its start fails,
// or the request is failed by the child's JS (`requestLimitExceeded`), or it is condemned.
void OnChildLimit(io::EventLoop& loop, int creator, int child, int request, jsg::LimitKind kind,
                  bool condemned) {
  jsg::Realm* realm = jsg::Realm::FromId(child);
  if (!realm) return;
  StartState& st = realm->Slot<StartState>();
  if (condemned) {
    const char* reason = kind == jsg::LimitKind::kMemory ? kMemoryExceeded : kCpuExceeded;
    if (!st.reported) {
      ReportStarted(loop, creator, child, reason);  // the creator destroys it
      api::SetRealmGoneReason(child, reason);
    } else {
      CondemnChild(loop, creator, child, reason);
    }
    return;
  }
  // The start still in progress: whatever JS ran past its budget (the top level, or code it
  // left running), the start fails.
  if (!st.reported && (request == 0 || request == st.request)) {
    ReportStarted(loop, creator, child, kind == jsg::LimitKind::kWall ? kWallExceeded : kCpuExceeded);
    return;
  }
  jsg::Realm::CallbackScope scope(*realm);
  v8::Isolate* isolate = realm->isolate();
  v8::Local<v8::Value> args[] = {
      v8::Integer::New(isolate, request),
      Str(isolate, kind == jsg::LimitKind::kWall ? kWallExceeded : kCpuExceeded)};
  realm->CallHook("requestLimitExceeded", 2, args);
}

// Hands the main module's namespace to the child's JS (`rpcSetMain`), then reports.
void FinishStart(jsg::Realm& child, int creator, v8::Local<v8::Object> ns) {
  v8::Isolate* isolate = child.isolate();
  if (child.Slot<StartState>().reported) return;  // stopped by a limit meanwhile
  // Its top level has run: from here on no code from strings (loader.md section 5).
  child.DisallowCodeGeneration();
  v8::Local<v8::Value> hook = child.GetHook("rpcSetMain");
  std::string error;
  if (hook->IsFunction()) {
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> args[] = {ns};
    if (hook.As<v8::Function>()->Call(child.context(), v8::Undefined(isolate), 1, args).IsEmpty()) {
      if (try_catch.HasTerminated() || child.limits()->stopped()) return;  // the enforcer reports
      error = try_catch.HasCaught() ? DescribeStartupError(child, try_catch.Exception(), {})
                                    : "Uncaught Error: the worker's entrypoints could not be set up";
      if (child.limits()->stopped()) return;
    }
  }
  ReportStarted(child.loop(), creator, child.id(), std::move(error));
}

// `prepared`: a worker from the creator's WorkerPool (its realm id is `child_id`), or null.
void StartChild(int creator_id, int child_id, std::shared_ptr<const Bundle> bundle,
                api::RpcBytes init, ChildLimits limits, std::unique_ptr<Worker> prepared) {
  jsg::Realm* creator = jsg::Realm::FromId(creator_id);
  if (!creator) return;  // the loader is gone: nothing to start for
  io::EventLoop& loop = creator->loop();
  std::unique_ptr<Worker> worker = std::move(prepared);
  if (worker) {
    worker->realm().modules().set_provider(std::make_unique<BundleModuleProvider>(bundle));
  } else {
    WorkerOptions options;
    options.modules = std::make_unique<BundleModuleProvider>(bundle);
    options.realm_id = child_id;
    options.memory_mb = limits.memory_mb;
    worker = Worker::Create(loop, std::move(options));
  }
  Worker* w = worker.get();
  // Atomics.wait would block the thread every worker shares, in a sleep no limit sees (it
  // wakes for each interrupt, uses no CPU, and goes back to sleep): not in a dynamic worker.
  w->isolate()->SetAllowAtomicsWait(false);
  // Limits before anything of the worker's runs (its init message included).
  jsg::LimitEnforcer::Options lo;
  lo.cpu_ms = limits.cpu_ms;
  lo.memory_mb = limits.memory_mb;
  lo.allocator = w->limited_allocator();
  w->realm().SetLimits(std::make_unique<jsg::LimitEnforcer>(
      w->realm(), lo, [&loop, creator_id, child_id](int request, jsg::LimitKind kind, bool condemned) {
        OnChildLimit(loop, creator_id, child_id, request, kind, condemned);
      }));
  // A request that waits on nothing that could ever wake it is hung: the child's JS checks
  // after each turn that ends with requests in flight (`requestsCheckHung`).
  w->realm().limits()->set_after_turn([child_id]() {
    jsg::Realm* realm = jsg::Realm::FromId(child_id);
    if (!realm) return;
    jsg::Realm::CallbackScope scope(*realm);
    realm->CallHook("requestsCheckHung", 0, nullptr);
  });
  // No clock to time code with: Date.now() and performance.now() move only between turns.
  w->realm().FreezeClockWhileRunning();
  // Its network is only what globalOutbound allows: no loopback test servers either.
  w->realm().modules().Withhold("dynworker:");
  creator->Slot<Children>().workers[child_id] = std::move(worker);

  jsg::Realm& realm = w->realm();
  // The init message (env, outbound) is delivered before any user code runs, so the
  // worker's fetch() is already replaced when its top level runs.
  api::DeliverRpcInit(creator_id, child_id, init);

  jsg::Realm::CallbackScope scope(realm);
  v8::Isolate* isolate = realm.isolate();
  v8::Local<v8::Context> ctx = realm.context();
  // The top level (and what its top-level await continues with) runs as a request of its own,
  // with the startup's CPU budget.
  StartState& st = realm.Slot<StartState>();
  // A top level that awaits forever fails the start at its wall-clock limit.
  st.request = realm.limits()->BeginRequest(std::max(limits.cpu_ms, kStartupCpuMs), limits.wall_ms);
  ctx->SetContinuationPreservedEmbedderData(v8::Integer::New(isolate, st.request));
  // V8 clears the embedder data around the jobs of a module's evaluation: what this turn runs
  // outside them is the startup's too.
  realm.limits()->SetTurnOwner(st.request);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Promise> evaluated;
  std::string main_url = bundle->main_url();
  bool ok = realm.modules().Evaluate(main_url).ToLocal(&evaluated);
  if (!ok) {
    // Stopped by a limit: the enforcer reports that when this turn ends. Describing the error
    // runs the thrown value's own toString, which may be stopped too (still as the startup).
    if (!try_catch.HasTerminated()) {
      std::string error = DescribeStartupError(realm, try_catch.Exception(), try_catch.Message());
      if (!realm.limits()->stopped()) ReportStarted(loop, creator_id, child_id, std::move(error));
    }
    ctx->SetContinuationPreservedEmbedderData(v8::Undefined(isolate));
    return;
  }
  ctx->SetContinuationPreservedEmbedderData(v8::Undefined(isolate));
  realm.MarkHandled(evaluated);
  // Settled now (no top-level await) or later: either way through the promise's reactions,
  // which run in this realm's microtask checkpoints.
  auto on_settled = [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    v8::Isolate* isolate = info.GetIsolate();
    auto data = info.Data().As<v8::Array>();
    v8::Local<v8::Context> ctx = isolate->GetCurrentContext();
    int creator = data->Get(ctx, 0).ToLocalChecked().As<v8::Int32>()->Value();
    bool fulfilled = data->Get(ctx, 1).ToLocalChecked()->IsTrue();
    jsg::Realm& child = jsg::Realm::From(isolate);
    if (fulfilled) {
      v8::Local<v8::Value> ns;
      std::string url = jsg::ToUtf8(isolate, data->Get(ctx, 2).ToLocalChecked());
      if (!child.modules().Namespace(url).ToLocal(&ns) || !ns->IsObject()) {
        ReportStarted(child.loop(), creator, child.id(),
                      "Uncaught Error: the main module has no namespace");
        return;
      }
      FinishStart(child, creator, ns.As<v8::Object>());
    } else {
      std::string error =
          DescribeStartupError(child, info[0], v8::Exception::CreateMessage(isolate, info[0]));
      // Describing ran the thrown value's toString: stopped there, the enforcer reports it.
      if (!child.limits()->stopped()) ReportStarted(child.loop(), creator, child.id(), std::move(error));
    }
  };
  auto make = [&](bool fulfilled) {
    v8::Local<v8::Value> items[] = {v8::Integer::New(isolate, creator_id),
                                    v8::Boolean::New(isolate, fulfilled), Str(isolate, main_url)};
    return v8::Function::New(ctx, on_settled, v8::Array::New(isolate, items, 3))
        .ToLocalChecked();
  };
  if (evaluated->Then(ctx, make(true), make(false)).IsEmpty()) {
    ReportStarted(loop, creator_id, child_id, "Uncaught Error: Worker startup failed.");
  }
}

// ---- ops ----

// workerCreate(mainModule, modules, init) -> the new worker's realm id. `modules` is a list of
// [name, bareSource | null, [[key, content], ...]] (content a string, or bytes for data/wasm).
// Validation errors throw at once (TypeError with loader.md's message); the isolate is made
// and started on a later turn, which ends with the creator's `workerStarted(id, error)` hook.
double WorkerCreate(OpContext& cx, std::string main_module, v8::Local<v8::Value> list,
                    v8::Local<v8::Value> init, v8::Local<v8::Value> limit_values) {
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  if (!list->IsArray()) {
    cx.ThrowTypeError("workerCreate: modules must be an array");
    return 0;
  }
  auto arr = list.As<v8::Array>();
  std::vector<RawModule> modules;
  auto text_of = [&](v8::Local<v8::Value> v, std::string* out) {
    if (v->IsString()) {
      *out = jsg::ToUtf8(isolate, v);
      return true;
    }
    if (v->IsArrayBufferView()) {
      auto view = v.As<v8::ArrayBufferView>();
      out->resize(view->ByteLength());
      view->CopyContents(out->data(), out->size());
      return true;
    }
    if (v->IsArrayBuffer()) {
      auto store = v.As<v8::ArrayBuffer>()->GetBackingStore();
      out->assign(static_cast<const char*>(store->Data()), store->ByteLength());
      return true;
    }
    return false;
  };
  for (uint32_t i = 0; i < arr->Length(); ++i) {
    v8::Local<v8::Value> entry;
    if (!arr->Get(ctx, i).ToLocal(&entry) || !entry->IsArray()) return 0;
    auto e = entry.As<v8::Array>();
    v8::Local<v8::Value> name, bare, fields;
    if (!e->Get(ctx, 0).ToLocal(&name) || !e->Get(ctx, 1).ToLocal(&bare) ||
        !e->Get(ctx, 2).ToLocal(&fields)) {
      return 0;
    }
    RawModule m;
    m.name = jsg::ToUtf8(isolate, name);
    if (bare->IsString()) {
      m.bare = jsg::ToUtf8(isolate, bare);
    } else if (fields->IsArray()) {
      auto f = fields.As<v8::Array>();
      for (uint32_t j = 0; j < f->Length(); ++j) {
        v8::Local<v8::Value> pair, key, content;
        if (!f->Get(ctx, j).ToLocal(&pair) || !pair->IsArray() ||
            !pair.As<v8::Array>()->Get(ctx, 0).ToLocal(&key) ||
            !pair.As<v8::Array>()->Get(ctx, 1).ToLocal(&content)) {
          return 0;
        }
        std::string text;
        if (!text_of(content, &text)) {
          cx.ThrowTypeError(absl::StrCat("Module '", m.name, "': the value of '",
                                         jsg::ToUtf8(isolate, key),
                                         "' must be a string (or bytes for 'data' and 'wasm')."));
          return 0;
        }
        m.fields.emplace_back(jsg::ToUtf8(isolate, key), std::move(text));
      }
    }
    modules.push_back(std::move(m));
  }
  auto bundle = ValidateBundle(std::move(main_module), std::move(modules));
  if (!bundle.ok()) {
    // As workerd: a malformed bundle is a TypeError, the code size limit a plain Error.
    if (absl::IsResourceExhausted(bundle.status())) {
      cx.ThrowError(std::string(bundle.status().message()));
    } else {
      cx.ThrowTypeError(std::string(bundle.status().message()));
    }
    return 0;
  }
  api::RpcBytes init_bytes = api::SerializeRpcMessage(cx.realm(), init);
  if (!init_bytes) return 0;  // DataCloneError pending
  // The limit is on the env alone (loader.md section 3), while the init message also holds the
  // outbound and tails: only when the whole message is over it is the env measured by itself.
  constexpr size_t kMaxEnvSize = 1048576;
  if (init_bytes->size() > kMaxEnvSize) {
    size_t env_size = init_bytes->size();
    v8::Local<v8::Value> value, env;
    if (init->IsObject() &&
        init.As<v8::Object>()->Get(ctx, Str(isolate, "value")).ToLocal(&value) && value->IsObject() &&
        value.As<v8::Object>()->Get(ctx, Str(isolate, "env")).ToLocal(&env)) {
      api::RpcBytes env_bytes = api::SerializeRpcMessage(cx.realm(), env);
      if (!env_bytes) return 0;
      env_size = env_bytes->size();
    }
    if (env_size > kMaxEnvSize) {
      cx.ThrowError(absl::StrCat("Dynamic Worker env size (", env_size,
                                 " bytes) exceeds the maximum allowed size of ", kMaxEnvSize,
                                 " bytes."));
      return 0;
    }
  }
  // Checked by internal:loader (positive numbers); absent ones keep loader.md's defaults.
  ChildLimits limits;
  if (limit_values->IsObject()) {
    auto read = [&](const char* key, double* out) {
      v8::Local<v8::Value> v;
      if (limit_values.As<v8::Object>()->Get(ctx, Str(isolate, key)).ToLocal(&v) && v->IsNumber() &&
          v.As<v8::Number>()->Value() > 0) {
        *out = v.As<v8::Number>()->Value();
      }
    };
    read("cpuMs", &limits.cpu_ms);
    read("memoryMb", &limits.memory_mb);
    read("wallMs", &limits.wall_ms);
  }
  // A prepared isolate if one is ready (it keeps its realm id); it starts on a later turn
  // all the same, as a task of its own.
  auto prepared = std::make_shared<std::unique_ptr<Worker>>(
      cx.realm().Slot<WorkerPool>().Take(cx.realm().loop(), limits.memory_mb));
  int child = *prepared ? (*prepared)->realm().id() : jsg::Realm::ReserveId();
  int creator = cx.realm().id();
  isolate->AdjustAmountOfExternalAllocatedMemory(kWorkerExternalCost);
  auto shared = std::make_shared<const Bundle>(std::move(*bundle));
  cx.realm().loop().Defer([creator, child, shared, init_bytes, limits, prepared]() {
    StartChild(creator, child, shared, init_bytes, limits, std::move(*prepared));
  });
  return child;
}

// Destroys a worker this realm created, on a later turn; the realms that talked to it (its
// creator among them: the init message) then hear `rpcRealmGone(id)`.
void WorkerDestroy(OpContext& cx, double id) {
  DestroyChildLater(cx.realm().loop(), cx.realm().id(), static_cast<int>(id));
}

// Bytes of memory the worker holds now (0 when it is not running): its V8 heap pages in memory,
// what V8 allocated for the isolate besides (stub caches, tables) and its ArrayBuffers. Close to
// what the worker adds to the process's RSS, so that max_memory_mb bounds that; the used heap
// alone (what this counted before) is about two thirds of it for a small worker.
double WorkerMemory(OpContext& cx, double id) {
  auto& workers = cx.realm().Slot<Children>().workers;
  auto it = workers.find(static_cast<int>(id));
  if (it == workers.end()) return 0;
  v8::HeapStatistics stats;
  it->second->isolate()->GetHeapStatistics(&stats);
  return static_cast<double>(stats.total_physical_size() + stats.malloced_memory() +
                             stats.external_memory());
}

// The realm's maintenance timer: every `ms` it calls the `workerSweep` hook (idle eviction).
// Unreferenced, so an idle loader does not keep the process alive for it.
struct SweepTimer {
  std::unique_ptr<io::Timer> timer;
  double interval = 0;
};

void WorkerSweepEvery(OpContext& cx, double ms) {
  SweepTimer& st = cx.realm().Slot<SweepTimer>();
  if (ms <= 0) {
    st.timer.reset();
    st.interval = 0;
    return;
  }
  if (st.timer && st.interval <= ms) return;  // already at least this often
  int id = cx.realm().id();
  st.timer = std::make_unique<io::Timer>(cx.realm().loop(), [id]() {
    jsg::Realm* realm = jsg::Realm::FromId(id);
    if (!realm) return;
    jsg::Realm::CallbackScope scope(*realm);
    realm->CallHook("workerSweep", 0, nullptr);
  });
  uint64_t every = static_cast<uint64_t>(ms);
  st.timer->Start(every, every);
  st.timer->SetRef(false);
  st.interval = ms;
}

// How many dynamic workers this realm has running (diagnostics and tests).
double WorkerCount(OpContext& cx) {
  return static_cast<double>(cx.realm().Slot<Children>().workers.size());
}

constexpr jsg::OpDef kOps[] = {
    DW_OP("workerCount", WorkerCount),
    DW_OP("workerCreate", WorkerCreate),
    DW_OP("workerDestroy", WorkerDestroy),
    DW_OP("workerMemory", WorkerMemory),
    DW_OP("workerSweepEvery", WorkerSweepEvery),
};

}  // namespace

std::span<const jsg::OpDef> LoaderOps() { return kOps; }

std::span<const jsg::OpDef> RuntimeOps() {
  static const std::vector<jsg::OpDef> all = [] {
    std::vector<jsg::OpDef> v;
    for (const auto& op : api::AllOps()) v.push_back(op);
    for (const auto& op : LoaderOps()) v.push_back(op);
    return v;
  }();
  return all;
}

}  // namespace dw::runtime
