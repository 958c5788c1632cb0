#include "runtime/worker.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <mutex>

#include "api/ops.h"
#include "jsg/platform.h"
#include "jsg/snapshot.h"
#include "runtime/builtins.h"
#include "runtime/loader.h"

namespace dw::runtime {

namespace {

// Evaluates internal:bootstrap in `realm` (from scratch, or inside the snapshot's creator).
bool RunBootstrap(jsg::Realm& realm) {
  v8::Isolate* isolate = realm.isolate();
  jsg::Realm::CallbackScope scope(realm);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Promise> done;
  if (!realm.modules().Evaluate("internal:bootstrap").ToLocal(&done)) {
    fprintf(stderr, "%s\n", realm.FormatException(try_catch.Exception(), try_catch.Message()).c_str());
    return false;
  }
  realm.PerformCheckpoint();
  if (done->State() != v8::Promise::kFulfilled) {
    fprintf(stderr, "%s\n",
            realm.FormatException(done->Result(), v8::Exception::CreateMessage(isolate, done->Result()))
                .c_str());
    return false;
  }
  return true;
}

// The snapshot's boot: the bootstrap, then the runtime's `snapshotWarmup` hook, which runs the
// code every request uses (Request, Response, Headers, URL, bodies) so its functions are
// compiled in the snapshot rather than lazily in every new isolate (kKeep keeps them).
bool RunBootstrapAndWarmup(jsg::Realm& realm) {
  if (!RunBootstrap(realm)) return false;
  v8::Isolate* isolate = realm.isolate();
  jsg::Realm::CallbackScope scope(realm);
  v8::Local<v8::Value> warmup = realm.GetHook("snapshotWarmup");
  if (!warmup->IsFunction()) return true;
  v8::TryCatch try_catch(isolate);
  if (warmup.As<v8::Function>()->Call(realm.context(), v8::Undefined(isolate), 0, nullptr).IsEmpty()) {
    fprintf(stderr, "dynworker: internal error: snapshot warm-up failed: %s\n",
            realm.FormatException(try_catch.Exception(), try_catch.Message()).c_str());
    return false;
  }
  return true;
}

// The process's startup snapshot (jsg/snapshot.h), kept for the life of the process. Null
// when DYNWORKER_NO_SNAPSHOT=1 or when it could not be made: workers then run the bootstrap
// themselves, as before. Built at the second Worker::Create, not the first: building costs
// about two bootstraps, so a process that only ever runs one worker (`dynworker test` of a
// file that loads no dynamic worker) would pay for nothing. From the second worker on, every
// one is made from it.
const v8::StartupData* RuntimeSnapshot() {
  static std::atomic<int> calls{0};
  if (calls.fetch_add(1) == 0) return nullptr;
  static v8::StartupData* blob = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* off = getenv("DYNWORKER_NO_SNAPSHOT");
    if (off && *off && strcmp(off, "0") != 0) return;
    v8::StartupData data = jsg::BuildRuntimeSnapshot(RuntimeOps(), BuiltinModules(), RunBootstrapAndWarmup);
    if (!data.data) {
      fprintf(stderr, "dynworker: warning: could not build the startup snapshot; continuing without\n");
      return;
    }
    blob = new v8::StartupData(data);
  });
  return blob;
}

}  // namespace

Worker::Worker(io::EventLoop& loop) : loop_(loop) {}

std::unique_ptr<Worker> Worker::Create(io::EventLoop& loop, WorkerOptions options) {
  jsg::InitializeV8();
  const v8::StartupData* snapshot = options.use_snapshot ? RuntimeSnapshot() : nullptr;
  std::unique_ptr<Worker> worker(new Worker(loop));
  v8::Isolate::CreateParams params;
  if (options.memory_mb > 0) {
    auto limited = std::make_unique<jsg::LimitedAllocator>(
        static_cast<size_t>(options.memory_mb * 1024 * 1024));
    worker->limited_allocator_ = limited.get();
    worker->allocator_ = std::move(limited);
    params.constraints.set_max_old_generation_size_in_bytes(
        jsg::LimitEnforcer::HardHeapLimit(options.memory_mb));
  } else {
    worker->allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  }
  params.array_buffer_allocator = worker->allocator_.get();
  if (snapshot) {
    params.snapshot_blob = const_cast<v8::StartupData*>(snapshot);  // V8 only reads it
    params.external_references = jsg::ExternalReferences(RuntimeOps(), BuiltinModules());
  }
  worker->isolate_ = v8::Isolate::New(params);
  {
    v8::Isolate::Scope iscope(worker->isolate_);
    worker->realm_ = std::make_unique<jsg::Realm>(worker->isolate_, loop, RuntimeOps(),
                                                  BuiltinModules(), options.realm_id,
                                                  /*from_snapshot=*/snapshot != nullptr);
    if (options.log_sink) worker->realm_->set_log_sink(std::move(options.log_sink));
    worker->realm_->modules().set_provider(std::move(options.modules));
  }
  // From the snapshot the bootstrap has already run (and its code is in the snapshot: no code
  // cache to save); only the per-realm start is left.
  bool booted = worker->realm_->restored() || worker->Bootstrap();
  if (booted && !worker->realm_->restored()) {
    v8::Isolate::Scope iscope(worker->isolate_);
    v8::HandleScope hs(worker->isolate_);
    worker->realm_->modules().SaveCodeCache();
  }
  if (booted) booted = worker->InitRealm();
  if (!booted) {
    // The runtime's own JS failed: a bug in dynworker, not in user code.
    fprintf(stderr, "dynworker: internal error: the runtime's bootstrap failed (see above)\n");
    abort();
  }
  return worker;
}

Worker::~Worker() {
  {
    v8::Isolate::Scope iscope(isolate_);
    if (!realm_->condemned()) {
      // Modules compiled since bootstrap (the worker's own, runtime modules loaded on demand)
      // are cached for the next isolate that loads them. (Not from an isolate stopped at its
      // memory limit: its heap has no room left.)
      v8::HandleScope hs(isolate_);
      realm_->modules().SaveCodeCache(/*refresh=*/true);
    }
    realm_.reset();
  }
  isolate_->Dispose();
}

bool Worker::Bootstrap() { return RunBootstrap(*realm_); }

bool Worker::InitRealm() {
  // internal:bootstrap's realmInit hook: what differs per isolate (realm id, clocks, the
  // primordials V8 adds after deserialization), on both paths, before any user code.
  jsg::Realm::CallbackScope scope(*realm_);
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Value> init = realm_->GetHook("realmInit");
  if (!init->IsFunction() ||
      init.As<v8::Function>()->Call(realm_->context(), v8::Undefined(isolate_), 0, nullptr).IsEmpty()) {
    fprintf(stderr, "%s\n", try_catch.HasCaught()
                                 ? realm_->FormatException(try_catch.Exception(), try_catch.Message()).c_str()
                                 : "the realmInit hook is missing");
    return false;
  }
  return true;
}

std::string Worker::Describe(v8::Local<v8::Value> exception) {
  return realm_->FormatException(exception, v8::Exception::CreateMessage(isolate_, exception));
}

absl::Status Worker::Start(const std::string& main_url) {
  v8::Isolate::Scope iscope(isolate_);
  v8::HandleScope hs(isolate_);
  // Carried out of the CallbackScope as a Global: a Local made inside it belongs to the
  // scope's own HandleScope and dangles once the scope closes.
  v8::Global<v8::Promise> evaluated_global;
  {
    jsg::Realm::CallbackScope scope(*realm_);
    v8::TryCatch try_catch(isolate_);
    v8::Local<v8::Promise> p;
    if (!realm_->modules().Evaluate(main_url).ToLocal(&p)) {
      if (try_catch.HasTerminated()) {
        return absl::DeadlineExceededError("Worker startup was terminated.");
      }
      return absl::InvalidArgumentError(
          realm_->FormatException(try_catch.Exception(), try_catch.Message()));
    }
    // A failed top-level evaluation is reported here, once, not also as an unhandled
    // rejection.
    realm_->MarkHandled(p);
    evaluated_global.Reset(isolate_, p);
  }
  v8::Local<v8::Promise> evaluated = evaluated_global.Get(isolate_);
  v8::Context::Scope cs(realm_->context());
  switch (RunUntilSettled(evaluated)) {
    case Outcome::kFulfilled:
      return absl::OkStatus();
    case Outcome::kRejected:
      return absl::InvalidArgumentError(Describe(evaluated->Result()));
    case Outcome::kHung:
      return absl::DeadlineExceededError(
          "The main module's top-level await never finished: the event loop has no pending "
          "work, so the awaited promise can never settle.");
  }
  return absl::OkStatus();
}

Worker::Outcome Worker::RunUntilSettled(v8::Local<v8::Promise> promise) {
  // Each loop callback opens its own CallbackScope and checkpoints when it closes; that only
  // happens at depth 0, so this must not run inside one.
  assert(!realm_->in_callback());
  for (;;) {
    realm_->PerformCheckpoint();
    if (promise->State() != v8::Promise::kPending) break;
    if (!loop_.Alive()) {
      // V8 may still deliver work from a background thread (async wasm compilation):
      // wait for it rather than declaring a hang.
      if (!isolate_->HasPendingBackgroundTasks()) return Outcome::kHung;
      // Poll: the background work may also finish without posting anything.
      io::Timer poll(loop_, [] {});
      poll.Start(5);
      loop_.RunOnce();
      continue;
    }
    loop_.RunOnce();
  }
  return promise->State() == v8::Promise::kFulfilled ? Outcome::kFulfilled : Outcome::kRejected;
}

}  // namespace dw::runtime
