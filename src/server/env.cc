#include "server/env.h"

namespace dw::server {

v8::Local<v8::Object> BuildEnv(runtime::Worker& worker, const WorkerConfig* config) {
  v8::Isolate* isolate = worker.isolate();
  v8::Local<v8::Context> ctx = worker.realm().context();
  v8::Local<v8::Object> env = v8::Object::New(isolate);
  if (!config) return env;
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
  return env;
}

}  // namespace dw::server
