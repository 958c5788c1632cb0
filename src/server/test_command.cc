#include "server/test_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "api/storage.h"
#include "api/test_ops.h"
#include "runtime/disk_modules.h"
#include "runtime/worker.h"
#include "server/config.h"
#include "server/env.h"

namespace dw::server {
namespace {

using jsg::Str;

struct Counts {
  int passed = 0;
  int failed = 0;
};

void PrintFailure(const std::string& label, const std::string& detail) {
  printf("[ FAIL ] %s\n", label.c_str());
  std::string indented = "  ";
  for (char c : detail) {
    indented += c;
    if (c == '\n') indented += "  ";
  }
  printf("%s\n", indented.c_str());
  fflush(stdout);
}

// Calls `name` exported by internal:test_runner with `args`; returns its result or empty.
v8::MaybeLocal<v8::Value> CallRunner(runtime::Worker& worker, const char* name, int argc,
                                     v8::Local<v8::Value>* argv) {
  v8::Isolate* isolate = worker.isolate();
  v8::Local<v8::Context> ctx = worker.realm().context();
  v8::Local<v8::Object> ns;
  if (!worker.realm().modules().Namespace("internal:test_runner").ToLocal(&ns)) return {};
  v8::Local<v8::Value> fn;
  if (!ns->Get(ctx, Str(isolate, name)).ToLocal(&fn) || !fn->IsFunction()) return {};
  return fn.As<v8::Function>()->Call(ctx, v8::Undefined(isolate), argc, argv);
}

Counts RunFile(io::EventLoop& loop, const std::string& file, const TestOptions& options,
               const WorkerConfig* config) {
  Counts counts;
  struct stat st;
  if (stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    PrintFailure(file, absl::StrCat("cannot read test file \"", file, "\": no such file"));
    counts.failed++;
    return counts;
  }
  runtime::WorkerOptions wo;
  wo.modules = std::make_unique<runtime::DiskModuleProvider>();
  auto worker = runtime::Worker::Create(loop, std::move(wo));
  std::string url = runtime::FileUrlForPath(file);
  absl::Status started = worker->Start(url);
  if (!started.ok()) {
    PrintFailure(file, absl::StrCat("Failed to start test file:\n", started.message()));
    counts.failed++;
    return counts;
  }

  jsg::Realm& realm = worker->realm();
  v8::Isolate* isolate = worker->isolate();
  // Not a CallbackScope: the loop runs below, and its callbacks checkpoint at depth 0.
  v8::Isolate::Scope iscope(isolate);
  v8::HandleScope hs(isolate);
  v8::Local<v8::Context> ctx = realm.context();
  v8::Context::Scope cs(ctx);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Promise> runner_loaded;
  if (!realm.modules().Evaluate("internal:test_runner").ToLocal(&runner_loaded)) {
    fprintf(stderr, "dynworker: internal error: %s\n",
            realm.FormatException(try_catch.Exception(), try_catch.Message()).c_str());
    counts.failed++;
    return counts;
  }
  v8::Local<v8::Object> ns = realm.modules().Namespace(url).ToLocalChecked();
  v8::Local<v8::Object> opts = v8::Object::New(isolate);
  std::string display = realm.DisplayName(url);
  opts->Set(ctx, Str(isolate, "file"), Str(isolate, display)).Check();
  opts->Set(ctx, Str(isolate, "url"), Str(isolate, url)).Check();
  opts->Set(ctx, Str(isolate, "filter"),
            options.filter.empty() ? v8::Null(isolate).As<v8::Value>()
                                   : Str(isolate, options.filter).As<v8::Value>())
      .Check();
  v8::Local<v8::Object> env;
  if (!BuildEnv(*worker, config).ToLocal(&env) || !SetMainModule(*worker, url, env)) {
    fprintf(stderr, "dynworker: internal error: cannot build the test's env: %s\n",
            try_catch.HasCaught() ? worker->Describe(try_catch.Exception()).c_str() : "");
    counts.failed++;
    return counts;
  }
  opts->Set(ctx, Str(isolate, "env"), env).Check();
  std::vector<std::string> names = realm.modules().ExportNamesInOrder(url);
  v8::Local<v8::Array> order = v8::Array::New(isolate, static_cast<int>(names.size()));
  for (size_t i = 0; i < names.size(); ++i) order->Set(ctx, i, Str(isolate, names[i])).Check();
  opts->Set(ctx, Str(isolate, "exportNames"), order).Check();

  v8::Local<v8::Value> args[] = {ns, opts};
  v8::Local<v8::Value> result;
  if (!CallRunner(*worker, "runTests", 2, args).ToLocal(&result) || !result->IsPromise()) {
    fprintf(stderr, "dynworker: internal error: the test runner did not start: %s\n",
            try_catch.HasCaught() ? worker->Describe(try_catch.Exception()).c_str() : "");
    counts.failed++;
    return counts;
  }
  auto promise = result.As<v8::Promise>();
  for (;;) {
    auto outcome = worker->RunUntilSettled(promise);
    if (outcome != runtime::Worker::Outcome::kHung) break;
    // The running test awaits something that can never happen. Fail it and go on.
    v8::Local<v8::Value> handled;
    if (!CallRunner(*worker, "reportHang", 0, nullptr).ToLocal(&handled) ||
        !handled->BooleanValue(isolate)) {
      PrintFailure(display, "the test file's promise never settled and no test was running");
      counts.failed++;
      return counts;
    }
  }
  if (promise->State() == v8::Promise::kRejected) {
    PrintFailure(display, worker->Describe(promise->Result()));
    counts.failed++;
    return counts;
  }
  v8::Local<v8::Object> totals = promise->Result().As<v8::Object>();
  auto get = [&](const char* key) {
    v8::Local<v8::Value> v;
    if (!totals->Get(ctx, Str(isolate, key)).ToLocal(&v)) return 0;
    return static_cast<int>(v->NumberValue(ctx).FromMaybe(0));
  };
  counts.passed = get("passed");
  counts.failed = get("failed");
  return counts;
}

// The config of test file DIR/NAME.test.js when no --config is given: the first of
// DIR/NAME.wrangler.json, .jsonc, .toml that exists (wrangler's precedence), as workerd has a
// config per test. Empty when there is none.
std::string ConfigBesideTestFile(const std::string& file) {
  std::string stem = file;
  for (const char* ext : {".test.js", ".test.mjs", ".js", ".mjs"}) {
    size_t n = strlen(ext);
    if (stem.size() > n && stem.compare(stem.size() - n, n, ext) == 0) {
      stem.resize(stem.size() - n);
      break;
    }
  }
  for (const char* ext : {".wrangler.json", ".wrangler.jsonc", ".wrangler.toml"}) {
    std::string candidate = stem + ext;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return candidate;
  }
  return "";
}

}  // namespace

int RunTests(const TestOptions& options) {
  std::optional<WorkerConfig> config;
  if (options.config) {
    auto loaded = LoadWorkerConfig(*options.config, /*require_main=*/false);
    if (!loaded.ok()) {
      fprintf(stderr, "dynworker test: %s\n", std::string(loaded.status().message()).c_str());
      printf("0 passed, 1 failed\n");
      return 1;
    }
    config = std::move(*loaded);
  }
  api::EnableTestOps();
  // Tests never see what an earlier run stored, unless they ask for a directory.
  if (options.state_dir) {
    api::SetStateDir(*options.state_dir);
  } else {
    api::UseTemporaryStateDir();
  }
  io::EventLoop loop;
  Counts total;
  for (const auto& file : options.files) {
    std::optional<WorkerConfig> own;
    if (!config) {
      std::string beside = ConfigBesideTestFile(file);
      if (!beside.empty()) {
        auto loaded = LoadWorkerConfig(beside, /*require_main=*/false);
        if (!loaded.ok()) {
          PrintFailure(file, absl::StrCat("cannot load the test file's config: ",
                                          loaded.status().message()));
          total.failed++;
          continue;
        }
        own = std::move(*loaded);
      }
    }
    Counts c = RunFile(loop, file, options, config ? &*config : own ? &*own : nullptr);
    total.passed += c.passed;
    total.failed += c.failed;
  }
  api::RemoveTemporaryStateDir();
  if (total.passed + total.failed == 0) {
    fprintf(stderr, "dynworker test: no test ran%s\n",
            options.filter.empty() ? "" : " (does --filter match any test name?)");
  }
  printf("%d passed, %d failed\n", total.passed, total.failed);
  fflush(stdout);
  return (total.failed > 0 || total.passed == 0) ? 1 : 0;
}

}  // namespace dw::server
