// Messages between the isolates of one thread: the transport under JS RPC (js/internal/rpc.js).
// A message is a JS value copied with V8's structured clone. Capabilities (stubs, functions,
// streams) travel as placeholder host objects that carry a number; the JS on both ends maps
// those numbers to its capability tables. Delivery is always a separate macrotask of the
// receiving realm (EventLoop::Defer), never a call nested inside the sender's JS.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "jsg/ops.h"
#include "jsg/realm.h"

namespace dw::api {

using RpcBytes = std::shared_ptr<std::vector<uint8_t>>;

// Serializes `value` in `realm` (the caller holds a HandleScope with its context entered).
// On failure a DataCloneError is pending in the isolate and null is returned.
RpcBytes SerializeRpcMessage(jsg::Realm& realm, v8::Local<v8::Value> value);

// Schedules delivery of `bytes` from realm `from` to realm `to`: on a later turn of the loop,
// the receiver's `rpcMessage(from, value)` hook runs. If `to` is gone by then, the sender's
// `rpcRealmGone(to)` hook runs instead, so its pending calls can fail rather than hang.
// Either way `from` becomes a listener of `to` (see NotifyRealmGone).
void PostRpcMessage(io::EventLoop& loop, int from, int to, RpcBytes bytes);

// Delivers a dynamic worker's init message (its env, outbound, limits) from its creator, at
// once (the caller is at the top of the loop, in no realm's callback), to the child's
// `rpcInit(from, value)` hook, and opens the child to other messages (jsg::Realm::
// awaiting_init). This is the only way in: `rpcMessage` never takes an init, so no realm can
// re-initialize another (give it a different outbound) by posting one.
void DeliverRpcInit(int creator, int child, const RpcBytes& bytes);

// Tells realm `id`'s listeners, on a later turn, that it is gone (`rpcRealmGone(id)`), and
// forgets its place in the listener lists. A realm's listeners are the realms that have sent
// it messages: only they can have calls pending on it or have made exports for it to hold.
// (Telling every live realm made each worker's teardown a call into every other isolate.)
void NotifyRealmGone(io::EventLoop& loop, int id);
// Why realm `id` is gone (or going): calls to it then fail with `reason` as their message
// instead of the generic "unloaded" one ("Worker exceeded memory limit.").
void SetRealmGoneReason(int id, std::string reason);

// Placeholders (see above) for other users of V8's serializer in this realm: structuredClone
// uses them for the platform objects it clones itself (Blob, File, DOMException).
bool RpcPlaceholderIndex(jsg::Realm& realm, v8::Local<v8::Object> object, uint32_t* index);
v8::MaybeLocal<v8::Object> NewRpcPlaceholder(jsg::Realm& realm, uint32_t index);

std::span<const jsg::OpDef> RpcOps();

}  // namespace dw::api
