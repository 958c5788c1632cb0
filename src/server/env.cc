#include "server/env.h"

#include <cstdio>

namespace dw::server {
namespace {

// Calls `name` exported by the runtime module `module` (evaluating it first if needed).
v8::MaybeLocal<v8::Value> CallInternal(runtime::Worker& worker, const char* module,
                                       const char* name, int argc, v8::Local<v8::Value>* argv) {
  v8::Isolate* isolate = worker.isolate();
  jsg::Realm& realm = worker.realm();
  v8::Local<v8::Context> ctx = realm.context();
  v8::Local<v8::Promise> loaded;
  v8::Local<v8::Object> ns;
  v8::Local<v8::Value> fn;
  if (!realm.modules().Evaluate(module).ToLocal(&loaded) ||
      !realm.modules().Namespace(module).ToLocal(&ns) ||
      !ns->Get(ctx, jsg::Str(isolate, name)).ToLocal(&fn) || !fn->IsFunction()) {
    return {};
  }
  return fn.As<v8::Function>()->Call(ctx, v8::Undefined(isolate), argc, argv);
}

}  // namespace

v8::MaybeLocal<v8::Object> BuildEnv(runtime::Worker& worker, const WorkerConfig* config) {
  v8::Isolate* isolate = worker.isolate();
  v8::Local<v8::Context> ctx = worker.realm().context();
  v8::Local<v8::Object> env = v8::Object::New(isolate);
  auto add_loader = [&](const std::string& binding, const WorkerConfig::WorkerLoader* loader) {
    v8::Local<v8::Object> options = v8::Object::New(isolate);
    v8::Local<v8::Value> id = v8::Null(isolate);
    if (loader) {
      if (!loader->id.empty()) id = jsg::Str(isolate, loader->id);
      if (loader->max_workers > 0) {
        options->Set(ctx, jsg::Str(isolate, "maxWorkers"), v8::Number::New(isolate, loader->max_workers)).Check();
      }
      if (loader->max_memory_mb > 0) {
        options->Set(ctx, jsg::Str(isolate, "maxMemoryMb"), v8::Number::New(isolate, loader->max_memory_mb)).Check();
      }
      if (loader->idle_timeout_ms >= 0) {
        options->Set(ctx, jsg::Str(isolate, "idleTimeoutMs"), v8::Number::New(isolate, loader->idle_timeout_ms)).Check();
      }
    }
    v8::Local<v8::Value> args[] = {id, options};
    v8::Local<v8::Value> value;
    if (!CallInternal(worker, "internal:loader", "makeLoaderBinding", 2, args).ToLocal(&value)) {
      return false;
    }
    return env->Set(ctx, jsg::Str(isolate, binding), value).FromMaybe(false);
  };
  if (!config) {
    if (!add_loader("LOADER", nullptr)) return {};
    return env;
  }
  for (const auto& [name, value] : config->vars) {
    v8::Local<v8::Value> v;
    if (value.is_string()) {
      v = jsg::Str(isolate, value.as_string());
    } else {
      // Serialize produced valid JSON, so this parse cannot fail.
      v = v8::JSON::Parse(ctx, jsg::Str(isolate, json::Serialize(value))).ToLocalChecked();
    }
    env->Set(ctx, jsg::Str(isolate, name), v).Check();
  }
  for (const auto& [name, value] : config->secrets) {
    env->Set(ctx, jsg::Str(isolate, name), jsg::Str(isolate, value)).Check();
  }
  for (const auto& loader : config->worker_loaders) {
    if (!add_loader(loader.binding, &loader)) return {};
  }
  for (const auto& sandbox : config->sandboxes) {
    v8::Local<v8::Value> args[] = {jsg::Str(isolate, sandbox.binding),
                                   jsg::Str(isolate, sandbox.class_name)};
    v8::Local<v8::Value> value;
    if (!CallInternal(worker, "internal:sandbox", "makeSandboxNamespace", 2, args).ToLocal(&value) ||
        !env->Set(ctx, jsg::Str(isolate, sandbox.binding), value).FromMaybe(false)) {
      return {};
    }
  }
  // KV and R2 bindings load their modules (and internal:sqlite) only when configured; their
  // data is opened on first use.
  auto add_storage = [&](const char* module, const char* make, const std::string& binding,
                         const std::string& name) {
    v8::Local<v8::Value> args[] = {jsg::Str(isolate, name)};
    v8::Local<v8::Value> value;
    if (!CallInternal(worker, module, make, 1, args).ToLocal(&value)) return false;
    return env->Set(ctx, jsg::Str(isolate, binding), value).FromMaybe(false);
  };
  for (const auto& kv : config->kv_namespaces) {
    if (!add_storage("internal:kv", "makeKvBinding", kv.binding, kv.id)) return {};
  }
  for (const auto& r2 : config->r2_buckets) {
    if (!add_storage("internal:r2", "makeR2Binding", r2.binding, r2.bucket_name)) return {};
  }
  return env;
}

bool SetMainModule(runtime::Worker& worker, const std::string& main_url, v8::Local<v8::Object> env) {
  v8::Local<v8::Object> ns;
  if (!worker.realm().modules().Namespace(main_url).ToLocal(&ns)) return false;
  v8::Local<v8::Value> args[] = {ns, env};
  return !CallInternal(worker, "internal:rpc", "setMain", 2, args).IsEmpty();
}

}  // namespace dw::server
