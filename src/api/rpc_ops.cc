#include "api/rpc_ops.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace dw::api {
namespace {

using jsg::OpContext;
using jsg::Str;

// The placeholder class: instances have one internal field, which makes V8's serializer hand
// them to the delegate as host objects. The number itself is an ordinary property.
struct RpcState {
  v8::Global<v8::FunctionTemplate> placeholder;
};

v8::Local<v8::FunctionTemplate> PlaceholderTemplate(jsg::Realm& realm) {
  RpcState& state = realm.Slot<RpcState>();
  v8::Isolate* isolate = realm.isolate();
  if (state.placeholder.IsEmpty()) {
    auto tmpl = v8::FunctionTemplate::New(isolate);
    tmpl->InstanceTemplate()->SetInternalFieldCount(1);
    state.placeholder.Reset(isolate, tmpl);
  }
  return state.placeholder.Get(isolate);
}

v8::MaybeLocal<v8::Object> NewPlaceholder(jsg::Realm& realm, uint32_t index) {
  v8::Isolate* isolate = realm.isolate();
  v8::Local<v8::Context> ctx = realm.context();
  v8::Local<v8::Object> obj;
  if (!PlaceholderTemplate(realm)->InstanceTemplate()->NewInstance(ctx).ToLocal(&obj)) return {};
  obj->SetInternalField(0, v8::Integer::NewFromUnsigned(isolate, index));
  return obj;
}

class Serializer final : public v8::ValueSerializer::Delegate {
 public:
  explicit Serializer(jsg::Realm& realm) : realm_(realm), serializer_(realm.isolate(), this) {}
  v8::ValueSerializer& get() { return serializer_; }

  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    realm_.ThrowDOMException(jsg::ToUtf8(realm_.isolate(), message), "DataCloneError");
  }
  v8::Maybe<bool> WriteHostObject(v8::Isolate* isolate, v8::Local<v8::Object> object) override {
    if (!PlaceholderTemplate(realm_)->HasInstance(object)) {
      realm_.ThrowDOMException("This object cannot be sent to another worker.", "DataCloneError");
      return v8::Nothing<bool>();
    }
    uint32_t index = object->GetInternalField(0).As<v8::Uint32>()->Value();
    serializer_.WriteUint32(index);
    return v8::Just(true);
  }
  v8::Maybe<uint32_t> GetSharedArrayBufferId(v8::Isolate*,
                                             v8::Local<v8::SharedArrayBuffer>) override {
    realm_.ThrowDOMException("A SharedArrayBuffer cannot be sent to another worker.",
                             "DataCloneError");
    return v8::Nothing<uint32_t>();
  }
  v8::Maybe<uint32_t> GetWasmModuleTransferId(v8::Isolate*,
                                              v8::Local<v8::WasmModuleObject>) override {
    realm_.ThrowDOMException("A WebAssembly.Module cannot be sent to another worker.",
                             "DataCloneError");
    return v8::Nothing<uint32_t>();
  }

 private:
  jsg::Realm& realm_;
  v8::ValueSerializer serializer_;
};

class Deserializer final : public v8::ValueDeserializer::Delegate {
 public:
  Deserializer(jsg::Realm& realm, const std::vector<uint8_t>& bytes)
      : realm_(realm), deserializer_(realm.isolate(), bytes.data(), bytes.size(), this) {}
  v8::ValueDeserializer& get() { return deserializer_; }

  v8::MaybeLocal<v8::Object> ReadHostObject(v8::Isolate* isolate) override {
    uint32_t index;
    if (!deserializer_.ReadUint32(&index)) {
      isolate->ThrowException(v8::Exception::Error(Str(isolate, "corrupt RPC message")));
      return {};
    }
    return NewPlaceholder(realm_, index);
  }

 private:
  jsg::Realm& realm_;
  v8::ValueDeserializer deserializer_;
};

// Who hears of a realm's end (NotifyRealmGone): listeners[id] are the realms that have sent
// to `id`; sent_to[id] the other way round, to take `id` off those lists when it goes. Per
// thread, like the realms themselves (jsg::Realm::FromId).
struct Listeners {
  std::unordered_map<int, std::unordered_set<int>> listeners;
  std::unordered_map<int, std::unordered_set<int>> sent_to;
};
thread_local Listeners* listeners = nullptr;

void AddListener(int from, int to) {
  if (!listeners) listeners = new Listeners();
  if (listeners->listeners[to].insert(from).second) listeners->sent_to[from].insert(to);
}

thread_local std::unordered_map<int, std::string>* gone_reasons = nullptr;

void NotifyGone(int receiver, int gone) {
  jsg::Realm* realm = jsg::Realm::FromId(receiver);
  if (!realm) return;
  jsg::Realm::CallbackScope scope(*realm);
  v8::Isolate* isolate = realm->isolate();
  v8::Local<v8::Value> reason = v8::Undefined(isolate);
  if (gone_reasons) {
    if (auto it = gone_reasons->find(gone); it != gone_reasons->end()) {
      reason = jsg::Str(isolate, it->second);
    }
  }
  v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, gone), reason};
  realm->CallHook("rpcRealmGone", 2, args);
}

// `hook`: rpcMessage, or rpcInit for a dynamic worker's init message (DeliverRpcInit).
void Deliver(int from, int to, const RpcBytes& bytes, const char* hook = "rpcMessage") {
  jsg::Realm* realm = jsg::Realm::FromId(to);
  if (!realm || realm->condemned()) {
    NotifyGone(from, to);
    return;
  }
  // Not yet given to its tenant: nobody honest sends to it (its creator sends calls only once
  // it has started), so a message now is a guess at its id. Dropped without a word.
  if (realm->awaiting_init()) return;
  jsg::Realm::CallbackScope scope(*realm);
  v8::Isolate* isolate = realm->isolate();
  v8::Local<v8::Context> ctx = realm->context();
  v8::TryCatch try_catch(isolate);
  Deserializer d(*realm, *bytes);
  v8::Local<v8::Value> value;
  if (d.get().ReadHeader(ctx).IsNothing() || !d.get().ReadValue(ctx).ToLocal(&value)) {
    if (try_catch.HasCaught() && !try_catch.HasTerminated()) {
      realm->ReportUncaught(try_catch.Exception(), false);
    }
    return;
  }
  v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, from), value};
  realm->CallHook(hook, 2, args);
}

// ---- ops ----

double RpcRealmId(OpContext& cx) { return cx.realm().id(); }

// A new export number: random in [1, 2^53). A realm names a capability by its number (to call
// it, read it, dispose of it); sequential numbers let any realm able to post raw messages name
// capabilities handed to other realms (the loader's Gateway specialized with another tenant's
// props) by counting from 1.
double RpcExportId(OpContext& cx) {
  uint64_t x = 0;
  if (RAND_bytes(reinterpret_cast<uint8_t*>(&x), sizeof x) != 1) {
    cx.ThrowError("RPC: the system's random source failed");
    return 0;
  }
  x &= (uint64_t{1} << 53) - 1;
  return static_cast<double>(x == 0 ? 1 : x);
}

v8::Local<v8::Value> RpcPlaceholder(OpContext& cx, double index) {
  v8::Local<v8::Object> obj;
  if (!NewPlaceholder(cx.realm(), static_cast<uint32_t>(index)).ToLocal(&obj)) return {};
  return obj;
}

// The number of a placeholder, or -1 for anything else.
double RpcPlaceholderIndex(OpContext& cx, v8::Local<v8::Value> value) {
  if (!value->IsObject() || !PlaceholderTemplate(cx.realm())->HasInstance(value)) return -1;
  return value.As<v8::Object>()->GetInternalField(0).As<v8::Uint32>()->Value();
}

void RpcPost(OpContext& cx, double to, v8::Local<v8::Value> message) {
  RpcBytes bytes = SerializeRpcMessage(cx.realm(), message);
  if (!bytes) return;  // the DataCloneError is pending
  PostRpcMessage(cx.realm().loop(), cx.realm().id(), static_cast<int>(to), std::move(bytes));
}

constexpr jsg::OpDef kOps[] = {
    DW_OP("rpcRealmId", RpcRealmId),
    DW_OP("rpcExportId", RpcExportId),
    DW_OP("rpcPlaceholder", RpcPlaceholder),
    DW_OP("rpcPlaceholderIndex", RpcPlaceholderIndex),
    DW_OP("rpcPost", RpcPost),
};

}  // namespace

RpcBytes SerializeRpcMessage(jsg::Realm& realm, v8::Local<v8::Value> value) {
  Serializer s(realm);
  s.get().WriteHeader();
  if (s.get().WriteValue(realm.context(), value).IsNothing()) return nullptr;
  std::pair<uint8_t*, size_t> data = s.get().Release();
  auto bytes = std::make_shared<std::vector<uint8_t>>(data.first, data.first + data.second);
  free(data.first);
  return bytes;
}

void DeliverRpcInit(int creator, int child, const RpcBytes& bytes) {
  jsg::Realm* realm = jsg::Realm::FromId(child);
  if (!realm) return;
  realm->set_awaiting_init(false);
  AddListener(creator, child);
  Deliver(creator, child, bytes, "rpcInit");
}

void PostRpcMessage(io::EventLoop& loop, int from, int to, RpcBytes bytes) {
  AddListener(from, to);
  loop.Defer([from, to, bytes = std::move(bytes)]() { Deliver(from, to, bytes); });
}

void SetRealmGoneReason(int id, std::string reason) {
  if (!gone_reasons) gone_reasons = new std::unordered_map<int, std::string>();
  (*gone_reasons)[id] = std::move(reason);
}

void NotifyRealmGone(io::EventLoop& loop, int id) {
  loop.Defer([id]() {
    if (!listeners) return;
    std::unordered_set<int> receivers;
    if (auto it = listeners->listeners.find(id); it != listeners->listeners.end()) {
      receivers = std::move(it->second);
      listeners->listeners.erase(it);
    }
    if (auto it = listeners->sent_to.find(id); it != listeners->sent_to.end()) {
      for (int to : it->second) {
        if (auto l = listeners->listeners.find(to); l != listeners->listeners.end()) l->second.erase(id);
      }
      listeners->sent_to.erase(it);
    }
    for (int receiver : receivers) {
      if (auto s = listeners->sent_to.find(receiver); s != listeners->sent_to.end()) s->second.erase(id);
    }
    for (int receiver : receivers) NotifyGone(receiver, id);
    if (gone_reasons) gone_reasons->erase(id);
  });
}

bool RpcPlaceholderIndex(jsg::Realm& realm, v8::Local<v8::Object> object, uint32_t* index) {
  if (!PlaceholderTemplate(realm)->HasInstance(object)) return false;
  *index = object->GetInternalField(0).As<v8::Uint32>()->Value();
  return true;
}

v8::MaybeLocal<v8::Object> NewRpcPlaceholder(jsg::Realm& realm, uint32_t index) {
  return NewPlaceholder(realm, index);
}

std::span<const jsg::OpDef> RpcOps() { return kOps; }

}  // namespace dw::api
