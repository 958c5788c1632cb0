// The loader worker's `env` from its config: `vars` (JSON values) and `.dev.vars` secrets.
#pragma once

#include "runtime/worker.h"
#include "server/config.h"

namespace dw::server {

// A new object in the worker's context; empty when `config` is null. The caller holds a
// HandleScope with the context entered.
v8::Local<v8::Object> BuildEnv(runtime::Worker& worker, const WorkerConfig* config);

}  // namespace dw::server
