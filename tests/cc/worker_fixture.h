// Shared by the glue tests (modules_test.cc, loop_test.cc): a real io::EventLoop and real
// runtime::Workers whose modules come from a WorkerCode bundle, with log lines captured.
// Plain gtest only (the build does not link gmock).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "io/event_loop.h"
#include "jsg/modules.h"
#include "jsg/realm.h"
#include "runtime/bundle.h"
#include "runtime/worker.h"
#include "test_util.h"

namespace dw::testing {

// An ES module given as a bare string (name ends in .js / .mjs).
inline runtime::RawModule Esm(std::string name, std::string source) {
  runtime::RawModule m;
  m.name = std::move(name);
  m.bare = std::move(source);
  return m;
}

// A module given as an object with one property: {js}, {cjs}, {text}, {data}, {json}, {wasm}.
inline runtime::RawModule Typed(std::string name, std::string key, std::string content) {
  runtime::RawModule m;
  m.name = std::move(name);
  m.fields.emplace_back(std::move(key), std::move(content));
  return m;
}

// One Worker plus what it logged.
struct TestWorker {
  std::unique_ptr<runtime::Worker> worker;
  std::shared_ptr<const runtime::Bundle> bundle;
  // Shared with the log sink, which may outlive a moved TestWorker.
  std::shared_ptr<std::vector<std::string>> logs = std::make_shared<std::vector<std::string>>();

  std::string main_url() const { return bundle->main_url(); }

  // All log lines joined with '\n', for substring checks.
  std::string LogText() const {
    std::string out;
    for (const auto& line : *logs) {
      out += line;
      out += '\n';
    }
    return out;
  }
};

// Gives `w`'s context the globals `ops` (its ops object) and `name` (the namespace of runtime
// module `module`, such as internal:rpc): the test plays a realm that posts raw messages, as one
// could after an escape, or calls the runtime's internals directly.
inline void Expose(TestWorker& w, const char* module, const char* name) {
  jsg::Realm& realm = w.worker->realm();
  jsg::Realm::CallbackScope scope(realm);
  v8::Local<v8::Context> ctx = realm.context();
  ctx->Global()->Set(ctx, jsg::Str(realm.isolate(), "ops"), realm.OpsObject()).Check();
  v8::Local<v8::Object> ns;
  ASSERT_TRUE(realm.modules().Namespace(module).ToLocal(&ns));
  ctx->Global()->Set(ctx, jsg::Str(realm.isolate(), name), ns).Check();
}

// The JS expression of a Fetcher to the default entrypoint of the realm `realm_id`, made with
// internal:rpc as exposed by Expose(w, "internal:rpc", "rpc").
inline std::string DefaultFetcherOf(int realm_id) {
  return "rpc.entrypointFetcher('default', {}, () => " + std::to_string(realm_id) + ", false)";
}

// Starts `w`'s main module and makes it the realm's entrypoints (as runtime/loader.cc hands a
// started worker's over), so that RPC calls to the realm reach its exports.
inline void SetMain(TestWorker& w) {
  ASSERT_TRUE(w.worker->Start(w.main_url()).ok());
  jsg::Realm& realm = w.worker->realm();
  jsg::Realm::CallbackScope scope(realm);
  v8::Local<v8::Object> ns;
  ASSERT_TRUE(realm.modules().Namespace(w.main_url()).ToLocal(&ns));
  v8::Local<v8::Value> args[] = {ns};
  realm.CallHook("rpcSetMain", 1, args);
}

class WorkerTest : public ::testing::Test {
 protected:
  // Validates the bundle (which must be valid) and creates a Worker serving it. Nothing runs.
  // `use_snapshot` false: the worker runs the bootstrap itself (runtime::WorkerOptions).
  TestWorker MakeWorker(std::string main, std::vector<runtime::RawModule> modules,
                        bool use_snapshot = true) {
    TestWorker tw;
    auto bundle = runtime::ValidateBundle(std::move(main), std::move(modules));
    EXPECT_TRUE(bundle.ok()) << bundle.status();
    if (!bundle.ok()) return tw;
    tw.bundle = std::make_shared<const runtime::Bundle>(std::move(*bundle));
    runtime::WorkerOptions options;
    options.modules = std::make_unique<runtime::BundleModuleProvider>(tw.bundle);
    options.log_sink = [logs = tw.logs](jsg::LogLevel, std::string_view text) {
      logs->emplace_back(text);
    };
    options.use_snapshot = use_snapshot;
    tw.worker = runtime::Worker::Create(loop_, std::move(options));
    return tw;
  }

  // A worker serving `source` as main.js, started and made its realm's entrypoints (SetMain),
  // with internal:rpc exposed as `rpc`: for tests that call realms' entrypoints from JS.
  TestWorker MakeRpcWorker(std::string source) {
    TestWorker w = MakeWorker("main.js", {Esm("main.js", std::move(source))});
    SetMain(w);
    Expose(w, "internal:rpc", "rpc");
    return w;
  }

  // Makes the fixture's main worker and starts its main module.
  absl::Status Start(std::string main, std::vector<runtime::RawModule> modules) {
    main_ = MakeWorker(std::move(main), std::move(modules));
    if (!main_.worker) return absl::InternalError("the bundle did not validate");
    return main_.worker->Start(main_.main_url());
  }
  absl::Status StartMain(std::string source) { return Start("main.js", {Esm("main.js", std::move(source))}); }

  runtime::Worker& worker() { return *main_.worker; }
  std::string LogText() const { return main_.LogText(); }

  // Evaluates a classic script in `w`'s context and returns JSON.stringify of its completion
  // value (or "undefined"); a thrown exception is returned as "THREW: <text>".
  static std::string EvalJson(runtime::Worker& w, const std::string& script) {
    jsg::Realm& realm = w.realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Context> ctx = realm.context();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Script> compiled;
    v8::Local<v8::Value> value;
    if (!v8::Script::Compile(ctx, jsg::Str(isolate, script)).ToLocal(&compiled) ||
        !compiled->Run(ctx).ToLocal(&value)) {
      return "THREW: " + jsg::ToUtf8(isolate, try_catch.Exception());
    }
    return Stringify(isolate, ctx, value);
  }
  std::string EvalJson(const std::string& script) { return EvalJson(worker(), script); }

  // JSON.stringify of export `name` of the module at `url` (which must be evaluated).
  static std::string ExportJson(runtime::Worker& w, const std::string& url, const std::string& name) {
    jsg::Realm& realm = w.realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Context> ctx = realm.context();
    v8::Local<v8::Object> ns;
    if (!realm.modules().Namespace(url).ToLocal(&ns)) return "NO NAMESPACE for " + url;
    v8::Local<v8::Value> value;
    if (!ns->Get(ctx, jsg::Str(isolate, name)).ToLocal(&value)) return "THREW";
    return Stringify(isolate, ctx, value);
  }
  std::string ExportJson(const std::string& name) {
    return ExportJson(worker(), main_.main_url(), name);
  }
  // For string exports: the string itself.
  std::string ExportString(const std::string& name) {
    jsg::Realm& realm = worker().realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Object> ns;
    if (!realm.modules().Namespace(main_.main_url()).ToLocal(&ns)) return "NO NAMESPACE";
    v8::Local<v8::Value> value;
    if (!ns->Get(realm.context(), jsg::Str(isolate, name)).ToLocal(&value)) return "THREW";
    if (!value->IsString()) return "NOT A STRING: " + jsg::ToUtf8(isolate, value);
    return jsg::ToUtf8(isolate, value);
  }

  static std::string Stringify(v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                               v8::Local<v8::Value> value) {
    if (value->IsUndefined()) return "undefined";
    v8::Local<v8::String> json;
    if (!v8::JSON::Stringify(ctx, value).ToLocal(&json)) return "UNSTRINGIFIABLE";
    return jsg::ToUtf8(isolate, json);
  }

  // Declared before the workers: destroyed after them.
  io::EventLoop loop_;
  TestWorker main_;
};

}  // namespace dw::testing
