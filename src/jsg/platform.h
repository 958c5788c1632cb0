// Process-wide V8 initialisation and the v8::Platform that routes each isolate's foreground
// tasks to the libuv loop that owns it.
#pragma once

#include <functional>
#include <memory>

#include "io/event_loop.h"
#include "jsg/v8.h"

namespace dw::jsg {

// Initialises V8 once per process (idempotent, thread-safe). `v8_flags` are extra V8 flags.
void InitializeV8(const char* v8_flags = nullptr);
v8::Platform* GetPlatform();

// Binds `isolate`'s foreground tasks (async WebAssembly compilation results, finalizers, GC
// tasks) to `loop`: V8 may post them from any thread, and they run on the loop thread.
// `after_task` runs after each such task (the realm's microtask checkpoint).
// Call UnregisterIsolate before the isolate is disposed; tasks still queued are dropped.
void RegisterIsolate(v8::Isolate* isolate, io::EventLoop* loop, std::function<void()> after_task);
void UnregisterIsolate(v8::Isolate* isolate);

// The isolate data slot that, when set, points to the wall-clock time (ms since the epoch) that
// Date.now() returns in that isolate instead of the real time (Realm::FreezeClockWhileRunning).
// Slot 0 is the Realm.
constexpr uint32_t kFrozenWallClockSlot = 1;

}  // namespace dw::jsg
