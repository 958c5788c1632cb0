#include "jsg/snapshot.h"

#include <cstdio>
#include <map>
#include <mutex>

#include "io/event_loop.h"
#include "jsg/platform.h"
#include "jsg/realm.h"

namespace dw::jsg {
namespace {

// Runs the foreground tasks already posted for the creator's isolate (FinalizationRegistry
// cleanup after a GC, among others): a marker posted last runs after them.
void DrainPostedTasks(io::EventLoop& loop) {
  bool done = false;
  loop.Post([&done] { done = true; });
  io::EventLoop::KeepAlive keep(loop);
  while (!done) loop.RunOnce();
}

std::vector<std::string>& BootOps() {
  static auto* names = new std::vector<std::string>();
  return *names;
}

}  // namespace

const std::vector<std::string>& OpsCalledBuildingSnapshot() { return BootOps(); }

const intptr_t* ExternalReferences(std::span<const OpDef> ops,
                                   std::span<const BuiltinModule> builtins) {
  static std::mutex mu;
  static auto* lists = new std::map<std::pair<const void*, const void*>, std::vector<intptr_t>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& refs = (*lists)[{ops.data(), builtins.data()}];
  if (refs.empty()) {
    // Each op's function is its callback with its OpDef as v8::External data (Realm::OpsObject).
    for (const OpDef& op : ops) {
      refs.push_back(reinterpret_cast<intptr_t>(op.callback));
      refs.push_back(reinterpret_cast<intptr_t>(&op));
    }
    refs.push_back(reinterpret_cast<intptr_t>(&internal::LazyGlobalGetter));
    ModuleRegistry::AddExternalReferences(builtins, refs);
    refs.push_back(0);
  }
  return refs.data();
}

v8::StartupData BuildRuntimeSnapshot(std::span<const OpDef> ops,
                                     std::span<const BuiltinModule> builtins,
                                     const std::function<bool(Realm&)>& boot) {
  // The creator's isolate gets its own loop: its platform tasks must not run among the tasks
  // of the loop that asked for the snapshot (which may be inside one of its callbacks now).
  io::EventLoop loop;
  v8::SnapshotCreator creator(ExternalReferences(ops, builtins));
  v8::Isolate* isolate = creator.GetIsolate();
  {
    auto realm = std::make_unique<Realm>(isolate, loop, ops, builtins);
    std::vector<std::string> called;
    internal::TraceOps(&called);
    bool ok = boot(*realm);
    internal::TraceOps(nullptr);
    BootOps() = std::move(called);
    if (ok) {
      v8::HandleScope hs(isolate);
      v8::Local<v8::Context> context = realm->context();
      v8::Context::Scope cs(context);
      realm->AddToSnapshot(creator);
      // The snapshot's context is a non-default one (Context::FromSnapshot(isolate, 0)): the
      // default context must be a plain Context::New, or V8 rejects the modules in it.
      creator.SetDefaultContext(v8::Context::New(isolate));
      creator.AddContext(context);
    }
    // Every v8::Global must be gone before CreateBlob ("global handle not serialized"): the
    // realm owns them all (context, modules, hooks, ops object).
    realm.reset();
    if (!ok) {
      // CreateBlob is the only clean way to dispose of the creator's isolate. It must run with
      // no HandleScope open (V8 checks), so the default context is made in a scope of its own.
      {
        v8::HandleScope hs(isolate);
        creator.SetDefaultContext(v8::Context::New(isolate));
      }
      creator.CreateBlob(v8::SnapshotCreator::FunctionCodeHandling::kClear);
      return {nullptr, 0};
    }
  }
  // CreateBlob requires that no FinalizationRegistry is waiting for its cleanup task: collect
  // now, run the tasks the GC posted, and the microtasks they queued.
  RegisterIsolate(isolate, &loop, nullptr);
  isolate->LowMemoryNotification();
  DrainPostedTasks(loop);
  isolate->PerformMicrotaskCheckpoint();
  UnregisterIsolate(isolate);
  // kKeep: the bytecode compiled while the bootstrap ran is part of the snapshot, so a new
  // isolate does not compile the runtime's JS again.
  return creator.CreateBlob(v8::SnapshotCreator::FunctionCodeHandling::kKeep);
}

}  // namespace dw::jsg
