// The loader worker's `env` from its config: `vars` (JSON values), `.dev.vars` secrets,
// `worker_loaders`, `kv_namespaces` and `r2_buckets` bindings; and telling the runtime's JS which module is the worker's main
// (for `ctx.exports` and entrypoint calls).
#pragma once

#include "runtime/worker.h"
#include "server/config.h"

namespace dw::server {

// A new object in the worker's context. With no config (a `dynworker test` run without
// --config) it holds one `LOADER` binding, so loader tests need no config file. The caller
// holds a HandleScope with the context entered. Empty only if the runtime's JS failed.
v8::MaybeLocal<v8::Object> BuildEnv(runtime::Worker& worker, const WorkerConfig* config);

// Makes the module at `main_url` (already evaluated) this worker's main: its exports become
// `ctx.exports` and the targets of calls from other workers, with `env` as their env.
bool SetMainModule(runtime::Worker& worker, const std::string& main_url, v8::Local<v8::Object> env);

}  // namespace dw::server
