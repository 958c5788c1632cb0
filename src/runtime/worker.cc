#include "runtime/worker.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "api/ops.h"
#include "jsg/platform.h"
#include "runtime/builtins.h"
#include "runtime/loader.h"

namespace dw::runtime {

Worker::Worker(io::EventLoop& loop) : loop_(loop) {}

std::unique_ptr<Worker> Worker::Create(io::EventLoop& loop, WorkerOptions options) {
  jsg::InitializeV8();
  std::unique_ptr<Worker> worker(new Worker(loop));
  worker->allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = worker->allocator_.get();
  worker->isolate_ = v8::Isolate::New(params);
  {
    v8::Isolate::Scope iscope(worker->isolate_);
    worker->realm_ = std::make_unique<jsg::Realm>(worker->isolate_, loop, RuntimeOps(),
                                                  BuiltinModules(), options.realm_id);
    if (options.log_sink) worker->realm_->set_log_sink(std::move(options.log_sink));
    worker->realm_->modules().set_provider(std::move(options.modules));
  }
  bool booted = worker->Bootstrap();
  if (booted) {
    v8::Isolate::Scope iscope(worker->isolate_);
    v8::HandleScope hs(worker->isolate_);
    worker->realm_->modules().SaveCodeCache();
  }
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
    {
      // Modules compiled since bootstrap (the worker's own, runtime modules loaded on demand)
      // are cached for the next isolate that loads them.
      v8::HandleScope hs(isolate_);
      realm_->modules().SaveCodeCache(/*refresh=*/true);
    }
    realm_.reset();
  }
  isolate_->Dispose();
}

bool Worker::Bootstrap() {
  jsg::Realm::CallbackScope scope(*realm_);
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Promise> done;
  if (!realm_->modules().Evaluate("internal:bootstrap").ToLocal(&done)) {
    fprintf(stderr, "%s\n", realm_->FormatException(try_catch.Exception(), try_catch.Message()).c_str());
    return false;
  }
  realm_->PerformCheckpoint();
  if (done->State() != v8::Promise::kFulfilled) {
    fprintf(stderr, "%s\n", Describe(done->Result()).c_str());
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
