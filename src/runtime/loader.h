// Dynamic workers: the isolates a loader worker creates at run time through `env.LOADER`
// (loader.md sections 2-3). The JS side (js/internal/loader.js) keeps the cache and the
// stubs; this file owns the isolates: creating one from a validated WorkerCode, starting it
// asynchronously, and destroying it, always as a macrotask of its own (never inside another
// isolate's callback). A dynamic worker belongs to the realm that created it and dies with it.
#pragma once

#include <span>

#include "jsg/ops.h"

namespace dw::runtime {

// workerCreate, workerDestroy, workerMemory (see js/README.md).
std::span<const jsg::OpDef> LoaderOps();

// The full op table of a realm: the Workers API ops plus the loader's.
std::span<const jsg::OpDef> RuntimeOps();

}  // namespace dw::runtime
