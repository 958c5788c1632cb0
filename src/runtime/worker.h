// A Worker is one V8 isolate running one program: its realm with the Workers globals
// installed, its modules, and the loop it lives on. Every Worker belongs to the thread of its
// event loop; nothing here is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "io/event_loop.h"
#include "jsg/limits.h"
#include "jsg/modules.h"
#include "jsg/realm.h"

namespace dw::runtime {

struct WorkerOptions {
  std::unique_ptr<jsg::ModuleProvider> modules;
  jsg::LogSink log_sink;  // default: stdout/stderr
  int realm_id = 0;       // from jsg::Realm::ReserveId(), or 0 for a new one
  // false: run the bootstrap in this isolate even when the process has a startup snapshot
  // (tests compare the two paths).
  bool use_snapshot = true;
  // > 0: the isolate's memory limit in MiB (jsg/limits.h): its ArrayBuffers are capped there
  // and V8's own heap limit is set far enough above it for the soft check to act first.
  double memory_mb = 0;
};

class Worker {
 public:
  // Creates the isolate and runs the runtime's bootstrap (globals, hooks).
  static std::unique_ptr<Worker> Create(io::EventLoop& loop, WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  v8::Isolate* isolate() const { return isolate_; }
  jsg::Realm& realm() const { return *realm_; }
  io::EventLoop& loop() const { return loop_; }
  // The capped ArrayBuffer allocator when options.memory_mb was set, else null.
  jsg::LimitedAllocator* limited_allocator() const { return limited_allocator_; }

  // Evaluates the main module and runs the loop until its top-level await settles. A failure
  // is returned as the user would want to read it: "main.js:3:7\n<source>\n  ^\nUncaught ...".
  absl::Status Start(const std::string& main_url);

  enum class Outcome { kFulfilled, kRejected, kHung };
  // Runs the loop until `promise` settles, or until nothing is left that could settle it.
  // The caller holds a HandleScope and has the context entered.
  Outcome RunUntilSettled(v8::Local<v8::Promise> promise);

  // Formats an exception value for the host's log (uses the error's own stack/location).
  std::string Describe(v8::Local<v8::Value> exception);

 private:
  explicit Worker(io::EventLoop& loop);
  bool Bootstrap();
  bool InitRealm();

  io::EventLoop& loop_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  jsg::LimitedAllocator* limited_allocator_ = nullptr;
  v8::Isolate* isolate_ = nullptr;
  std::unique_ptr<jsg::Realm> realm_;
};

}  // namespace dw::runtime
