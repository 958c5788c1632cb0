// The startup snapshot: a V8 heap in which the runtime's JS (internal:bootstrap and every
// module it imports) has already been evaluated, built once per process and deserialized by
// each new isolate instead of running the bootstrap again. See docs/architecture.md, "Startup
// snapshot".
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "jsg/modules.h"
#include "jsg/ops.h"
#include "jsg/v8.h"

namespace dw::jsg {

class Realm;

// The addresses of every C++ function and datum the snapshot's heap points to (op callbacks
// and their OpDefs, module callbacks, the builtins' external source strings), zero-terminated.
// The same list, in the same order, must be given to the creator and to every isolate that
// deserializes. Built once per (ops, builtins) pair; the result lives for the process.
const intptr_t* ExternalReferences(std::span<const OpDef> ops,
                                   std::span<const BuiltinModule> builtins);

// Builds the snapshot: a SnapshotCreator isolate with a Realm of `ops` and `builtins`, on a
// private event loop, in which `boot` runs the runtime's bootstrap. Returns a blob with no
// data (`data == nullptr`) if `boot` fails or V8 cannot serialize the result. The blob's
// memory is owned by the caller (delete[] data).
v8::StartupData BuildRuntimeSnapshot(std::span<const OpDef> ops,
                                     std::span<const BuiltinModule> builtins,
                                     const std::function<bool(Realm&)>& boot);

// The names of the ops the bootstrap called while this process built its snapshot, in call
// order (empty if none was built). Each one's result is frozen into every isolate made from the
// snapshot, so none may return per-isolate state (tests/cc/snapshot_test.cc keeps the list).
const std::vector<std::string>& OpsCalledBuildingSnapshot();

}  // namespace dw::jsg
