#include "api/ops.h"

#include <cstring>
#include <vector>

#include "api/address_denial.h"
#include "api/egress_log.h"
#include "api/fetch_ops.h"
#include "api/http_serve.h"
#include "api/rpc_ops.h"
#include "api/socket_ops.h"
#include "api/storage.h"
#include "api/test_ops.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/time.h>
#include <uv.h>

#include <map>
#include <memory>

#include "absl/strings/str_format.h"
#include "jsg/limits.h"
#include "jsg/modules.h"
#include "jsg/realm.h"

namespace dw::api {

// Defined in idna.cc.
v8::Local<v8::Value> DomainToAscii(jsg::OpContext& cx, std::string domain, bool be_strict);
v8::Local<v8::Value> DomainToUnicode(jsg::OpContext& cx, std::string domain);

// Defined in compression.cc.
v8::Local<v8::Value> ZlibCreate(jsg::OpContext& cx, std::string format, std::string mode);
v8::Local<v8::Value> ZlibPush(jsg::OpContext& cx, v8::Local<v8::Value> handle,
                              v8::Local<v8::Value> input);
void ZlibClose(jsg::OpContext& cx, v8::Local<v8::Value> handle);
v8::Local<v8::Value> TransferArrayBuffer(jsg::OpContext& cx, v8::Local<v8::Value> buffer);

namespace {

using jsg::Bytes;
using jsg::OpContext;

// ---- console ----

void Log(OpContext& cx, std::string level, std::string text) {
  jsg::LogLevel l = jsg::LogLevel::kLog;
  if (level == "debug") l = jsg::LogLevel::kDebug;
  else if (level == "info") l = jsg::LogLevel::kInfo;
  else if (level == "warn") l = jsg::LogLevel::kWarn;
  else if (level == "error") l = jsg::LogLevel::kError;
  cx.realm().Log(l, text);
}

// ---- hooks the runtime's JS hands to C++ ----

void SetHook(OpContext& cx, std::string name, v8::Local<v8::Value> value) {
  cx.realm().SetHook(name, value);
}

// Global `name`, not enumerable, whose first read returns what the "lazyGlobal" hook returns
// for it (jsg::Realm::DefineLazyGlobal): the bootstrap defines the globals of modules left out
// of the startup snapshot this way.
void DefineLazyGlobal(OpContext& cx, v8::Local<v8::String> name) {
  if (!cx.realm().DefineLazyGlobal(name)) {
    cx.ThrowTypeError("defineLazyGlobal: cannot define " + jsg::ToUtf8(cx.isolate(), name));
  }
}

// ---- timers ----
// One libuv timer per JS timer id. JS owns the semantics (repeat, arguments, clamping); C++
// only says "id N is due" through the "timerHandler" hook.

struct TimerSet {
  std::map<double, std::unique_ptr<io::Timer>> timers;
};

TimerSet& Timers(jsg::Realm& realm) { return realm.Slot<TimerSet>(); }

void TimerStart(OpContext& cx, double id, double delay_ms) {
  jsg::Realm* realm = &cx.realm();
  auto& set = Timers(*realm);
  if (realm->limits() && set.timers.size() >= jsg::kMaxTimers && !set.timers.count(id)) {
    cx.ThrowRangeError(absl::StrFormat(
        "Too many timers: a dynamic worker may have at most %d pending at once.", jsg::kMaxTimers));
    return;
  }
  auto timer = std::make_unique<io::Timer>(realm->loop(), [realm, id]() {
    jsg::Realm::CallbackScope scope(*realm);
    v8::Isolate* isolate = realm->isolate();
    // Erase first: the handler may start a new timer with the same id (intervals).
    auto& timers = Timers(*realm).timers;
    auto it = timers.find(id);
    std::unique_ptr<io::Timer> self;
    if (it != timers.end()) {
      self = std::move(it->second);
      timers.erase(it);
    }
    v8::Local<v8::Value> args[] = {v8::Number::New(isolate, id)};
    realm->CallHook("timerHandler", 1, args);
    // `self` is destroyed here, after its callback finished running.
    realm->loop().Post([keep = std::shared_ptr<io::Timer>(std::move(self))]() {});
  });
  timer->Start(delay_ms < 0 ? 0 : static_cast<uint64_t>(delay_ms));
  set.timers[id] = std::move(timer);
}

void TimerStop(OpContext& cx, double id) { Timers(cx.realm()).timers.erase(id); }

void EnqueueMicrotask(OpContext& cx, v8::Local<v8::Function> fn) {
  cx.isolate()->EnqueueMicrotask(fn);
}

// ---- encoding ----

v8::Local<v8::Value> Utf8Encode(OpContext& cx, v8::Local<v8::String> str) {
  v8::Isolate* isolate = cx.isolate();
  size_t len = str->Utf8Length(isolate);
  auto store = v8::ArrayBuffer::NewBackingStore(isolate, len);
  // REPLACE_INVALID_UTF8 turns lone surrogates into U+FFFD, as TextEncoder requires.
  str->WriteUtf8(isolate, static_cast<char*>(store->Data()), static_cast<int>(len), nullptr,
                 v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  auto buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  return v8::Uint8Array::New(buffer, 0, len);
}

v8::Local<v8::Value> Utf8EncodeInto(OpContext& cx, v8::Local<v8::String> str, Bytes dest) {
  v8::Isolate* isolate = cx.isolate();
  int read = 0;
  int written = 0;
  if (dest.size > 0 && dest.data) {
    written = str->WriteUtf8(isolate, reinterpret_cast<char*>(dest.data),
                             static_cast<int>(std::min<size_t>(dest.size, INT32_MAX)), &read,
                             v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  }
  v8::Local<v8::Value> pair[] = {v8::Number::New(isolate, read), v8::Number::New(isolate, written)};
  return v8::Array::New(isolate, pair, 2);
}

// WHATWG UTF-8 decode with replacement (maximal subparts each become one U+FFFD).
// Returns false at the first error when `fatal`.
bool DecodeUtf8(const uint8_t* p, size_t n, bool fatal, std::u16string& out) {
  out.reserve(n);
  size_t i = 0;
  while (i < n) {
    uint8_t b = p[i];
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    int need = 0;
    uint32_t cp = 0;
    uint8_t lower = 0x80, upper = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) { need = 1; cp = b & 0x1F; }
    else if (b >= 0xE0 && b <= 0xEF) {
      need = 2; cp = b & 0x0F;
      if (b == 0xE0) lower = 0xA0;
      if (b == 0xED) upper = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3; cp = b & 0x07;
      if (b == 0xF0) lower = 0x90;
      if (b == 0xF4) upper = 0x8F;
    } else {
      if (fatal) return false;
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    size_t j = i + 1;
    bool bad = false;
    for (int k = 0; k < need; ++k, ++j) {
      if (j >= n) { bad = true; break; }
      uint8_t c = p[j];
      if (c < lower || c > upper) { bad = true; break; }
      lower = 0x80; upper = 0xBF;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (bad) {
      if (fatal) return false;
      out.push_back(0xFFFD);
      i = j;  // the bytes consumed so far form the maximal subpart
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i = j;
  }
  return true;
}

std::optional<v8::Local<v8::Value>> Utf8Decode(OpContext& cx, Bytes bytes, bool fatal) {
  v8::Isolate* isolate = cx.isolate();
  // Fast path: pure ASCII.
  bool ascii = true;
  for (size_t i = 0; i < bytes.size; ++i) {
    if (bytes.data[i] >= 0x80) { ascii = false; break; }
  }
  if (bytes.size > static_cast<size_t>(v8::String::kMaxLength)) {
    cx.ThrowRangeError("Invalid string length");
    return std::nullopt;
  }
  if (ascii) {
    return v8::String::NewFromOneByte(isolate, bytes.data, v8::NewStringType::kNormal,
                                      static_cast<int>(bytes.size))
        .FromMaybe(v8::Local<v8::String>());
  }
  std::u16string out;
  if (!DecodeUtf8(bytes.data, bytes.size, fatal, out)) {
    cx.ThrowTypeError("The encoded data was not valid for encoding utf-8");
    return std::nullopt;
  }
  if (out.size() > static_cast<size_t>(v8::String::kMaxLength)) {
    cx.ThrowRangeError("Invalid string length");
    return std::nullopt;
  }
  v8::Local<v8::String> result;
  if (!v8::String::NewFromTwoByte(isolate, reinterpret_cast<const uint16_t*>(out.data()),
                                  v8::NewStringType::kNormal, static_cast<int>(out.size()))
           .ToLocal(&result)) {
    cx.ThrowRangeError("Invalid string length");
    return std::nullopt;
  }
  return result;
}

// ---- crypto ----

v8::Local<v8::Value> GetRandomValues(OpContext& cx, v8::Local<v8::Value> view) {
  if (!view->IsArrayBufferView() || view->IsDataView() || view->IsFloat32Array() ||
      view->IsFloat64Array()) {
    cx.realm().ThrowDOMException(
        "The provided ArrayBufferView is not an integer-typed array.", "TypeMismatchError");
    return {};
  }
  auto v = view.As<v8::ArrayBufferView>();
  if (v->ByteLength() > 65536) {
    cx.realm().ThrowDOMException(
        absl::StrFormat("The ArrayBufferView's byte length (%d) exceeds the number of bytes of "
                        "entropy available via this API (65536)",
                        v->ByteLength()),
        "QuotaExceededError");
    return {};
  }
  if (v->ByteLength() > 0) {
    auto store = v->Buffer()->GetBackingStore();
    if (RAND_bytes(static_cast<uint8_t*>(store->Data()) + v->ByteOffset(),
                   static_cast<int>(v->ByteLength())) != 1) {
      cx.ThrowError("crypto.getRandomValues: the system's random source failed");
      return {};
    }
  }
  return view;
}

std::string RandomUuid(OpContext& cx) {
  uint8_t b[16];
  if (RAND_bytes(b, sizeof(b)) != 1) {
    cx.ThrowError("crypto.randomUUID: the system's random source failed");
    return {};
  }
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  return absl::StrFormat("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

// ---- structured clone ----

class CloneDelegate final : public v8::ValueSerializer::Delegate {
 public:
  explicit CloneDelegate(jsg::Realm& realm) : realm_(realm) {}
  void set_serializer(v8::ValueSerializer* serializer) { serializer_ = serializer; }
  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    realm_.ThrowDOMException(jsg::ToUtf8(realm_.isolate(), message), "DataCloneError");
  }
  // Placeholders stand for platform objects the JS clones itself (internal:structured_clone).
  v8::Maybe<bool> WriteHostObject(v8::Isolate* isolate, v8::Local<v8::Object> object) override {
    uint32_t index;
    if (!serializer_ || !RpcPlaceholderIndex(realm_, object, &index)) {
      realm_.ThrowDOMException("This object could not be cloned.", "DataCloneError");
      return v8::Nothing<bool>();
    }
    serializer_->WriteUint32(index);
    return v8::Just(true);
  }
  v8::Maybe<uint32_t> GetSharedArrayBufferId(v8::Isolate* isolate,
                                             v8::Local<v8::SharedArrayBuffer>) override {
    realm_.ThrowDOMException("SharedArrayBuffer cannot be cloned here.", "DataCloneError");
    return v8::Nothing<uint32_t>();
  }
 private:
  jsg::Realm& realm_;
  v8::ValueSerializer* serializer_ = nullptr;
};

class CloneReader final : public v8::ValueDeserializer::Delegate {
 public:
  explicit CloneReader(jsg::Realm& realm) : realm_(realm) {}
  void set_deserializer(v8::ValueDeserializer* deserializer) { deserializer_ = deserializer; }
  v8::MaybeLocal<v8::Object> ReadHostObject(v8::Isolate* isolate) override {
    uint32_t index;
    if (!deserializer_->ReadUint32(&index)) return {};
    return NewRpcPlaceholder(realm_, index);
  }
 private:
  jsg::Realm& realm_;
  v8::ValueDeserializer* deserializer_ = nullptr;
};

v8::Local<v8::Value> StructuredClone(OpContext& cx, v8::Local<v8::Value> value,
                                     v8::Local<v8::Value> transfer) {
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  CloneDelegate delegate(cx.realm());
  v8::ValueSerializer serializer(isolate, &delegate);
  delegate.set_serializer(&serializer);
  std::vector<std::shared_ptr<v8::BackingStore>> stores;
  std::vector<v8::Local<v8::ArrayBuffer>> buffers;
  if (transfer->IsArray()) {
    auto list = transfer.As<v8::Array>();
    for (uint32_t i = 0; i < list->Length(); ++i) {
      v8::Local<v8::Value> item;
      if (!list->Get(ctx, i).ToLocal(&item)) return {};
      if (!item->IsArrayBuffer()) {
        cx.realm().ThrowDOMException("Value in transfer list is not transferable.", "DataCloneError");
        return {};
      }
      auto ab = item.As<v8::ArrayBuffer>();
      for (auto& seen : buffers) {
        if (seen == ab) {
          cx.realm().ThrowDOMException("ArrayBuffer is listed in the transfer list more than once.",
                                       "DataCloneError");
          return {};
        }
      }
      if (!ab->IsDetachable() || (ab->ByteLength() == 0 && ab->GetBackingStore()->Data() == nullptr &&
                                  ab->WasDetached())) {
        cx.realm().ThrowDOMException("An ArrayBuffer is detached and could not be cloned.",
                                     "DataCloneError");
        return {};
      }
      serializer.TransferArrayBuffer(static_cast<uint32_t>(buffers.size()), ab);
      buffers.push_back(ab);
    }
  }
  serializer.WriteHeader();
  if (serializer.WriteValue(ctx, value).IsNothing()) return {};
  for (auto& ab : buffers) {
    stores.push_back(ab->GetBackingStore());
    ab->Detach();
  }
  std::pair<uint8_t*, size_t> data = serializer.Release();
  std::unique_ptr<uint8_t, decltype(&free)> owned(data.first, &free);
  CloneReader reader(cx.realm());
  v8::ValueDeserializer deserializer(isolate, data.first, data.second, &reader);
  reader.set_deserializer(&deserializer);
  for (size_t i = 0; i < stores.size(); ++i) {
    deserializer.TransferArrayBuffer(static_cast<uint32_t>(i),
                                     v8::ArrayBuffer::New(isolate, stores[i]));
  }
  if (deserializer.ReadHeader(ctx).IsNothing()) return {};
  v8::Local<v8::Value> result;
  if (!deserializer.ReadValue(ctx).ToLocal(&result)) return {};
  return result;
}

// ---- serialization to bytes (Durable-Object-like storage of sandboxes) ----

// V8's structured-clone wire format, as bytes that outlive the isolate (ctx.storage persists
// them in SQLite). Host objects (Blob, stubs) are refused: they cannot be stored.
v8::Local<v8::Value> SerializeValue(OpContext& cx, v8::Local<v8::Value> value) {
  v8::Isolate* isolate = cx.isolate();
  CloneDelegate delegate(cx.realm());
  v8::ValueSerializer serializer(isolate, &delegate);
  serializer.WriteHeader();
  if (serializer.WriteValue(cx.context(), value).IsNothing()) return {};
  std::pair<uint8_t*, size_t> data = serializer.Release();
  std::unique_ptr<uint8_t, decltype(&free)> owned(data.first, &free);
  auto ab = v8::ArrayBuffer::New(isolate, data.second);
  if (data.second > 0) memcpy(ab->GetBackingStore()->Data(), data.first, data.second);
  return v8::Uint8Array::New(ab, 0, data.second);
}

v8::Local<v8::Value> DeserializeValue(OpContext& cx, Bytes bytes) {
  v8::Isolate* isolate = cx.isolate();
  // The deserializer reads from our copy: nothing it runs can move or detach the input.
  std::vector<uint8_t> copy(bytes.data, bytes.data + bytes.size);
  CloneReader reader(cx.realm());
  v8::ValueDeserializer deserializer(isolate, copy.data(), copy.size(), &reader);
  reader.set_deserializer(&deserializer);
  if (deserializer.ReadHeader(cx.context()).IsNothing()) return {};
  v8::Local<v8::Value> result;
  if (!deserializer.ReadValue(cx.context()).ToLocal(&result)) return {};
  return result;
}

// SHA-256 of the bytes (sandbox ids from names).
v8::Local<v8::Value> Sha256(OpContext& cx, Bytes bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(bytes.data, bytes.size, digest);
  auto ab = v8::ArrayBuffer::New(cx.isolate(), sizeof digest);
  memcpy(ab->GetBackingStore()->Data(), digest, sizeof digest);
  return v8::Uint8Array::New(ab, 0, sizeof digest);
}

// ---- introspection for inspect() (things pure JS cannot see) ----

// Whether `value` is a SharedArrayBuffer: JS can only tell by calling a getter that throws
// otherwise, and creating that TypeError (with its stack) is far dearer than this.
bool IsSharedArrayBuffer(OpContext& cx, v8::Local<v8::Value> value) {
  return value->IsSharedArrayBuffer();
}

// undefined when not a promise, else [state, result]: 0 pending, 1 fulfilled, 2 rejected.
v8::Local<v8::Value> GetPromiseState(OpContext& cx, v8::Local<v8::Value> value) {
  v8::Isolate* isolate = cx.isolate();
  if (!value->IsPromise()) return v8::Undefined(isolate);
  auto promise = value.As<v8::Promise>();
  int state = 0;
  v8::Local<v8::Value> result = v8::Undefined(isolate);
  if (promise->State() == v8::Promise::kFulfilled) state = 1;
  if (promise->State() == v8::Promise::kRejected) state = 2;
  if (state != 0) result = promise->Result();
  v8::Local<v8::Value> pair[] = {v8::Integer::New(isolate, state), result};
  return v8::Array::New(isolate, pair, 2);
}

// undefined when not a proxy, else [target, handler] (both null once revoked). Reading them
// runs no user code, unlike any trap.
v8::Local<v8::Value> GetProxyDetails(OpContext& cx, v8::Local<v8::Value> value) {
  v8::Isolate* isolate = cx.isolate();
  if (!value->IsProxy()) return v8::Undefined(isolate);
  auto proxy = value.As<v8::Proxy>();
  v8::Local<v8::Value> pair[] = {proxy->GetTarget(), proxy->GetHandler()};
  if (proxy->IsRevoked()) pair[0] = pair[1] = v8::Null(isolate);
  return v8::Array::New(isolate, pair, 2);
}

// Own string and symbol keys that are not array indices (cheap on huge arrays).
v8::Local<v8::Value> GetOwnNonIndexProperties(OpContext& cx, v8::Local<v8::Object> object) {
  v8::Local<v8::Array> keys;
  if (!object->GetPropertyNames(cx.context(), v8::KeyCollectionMode::kOwnOnly,
                                v8::PropertyFilter::ALL_PROPERTIES, v8::IndexFilter::kSkipIndices,
                                v8::KeyConversionMode::kKeepNumbers)
           .ToLocal(&keys)) {
    return {};  // a proxy trap threw; its exception is pending
  }
  return keys;
}

// ---- time ----

// Both clocks start when the realm first asks (during bootstrap, before user code).
struct Clock {
  uint64_t origin_ns = uv_hrtime();
  double origin_wall_ms = [] {
    struct timeval tv;
    gettimeofday(&tv, nullptr);
    return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
  }();
};

double Now(OpContext& cx) {
  uint64_t origin = cx.realm().Slot<Clock>().origin_ns;  // before reading the time: it may start the clock
  // A dynamic worker's clock stands still while it runs (Realm::FreezeClockWhileRunning).
  uint64_t now = cx.realm().clock_frozen() ? cx.realm().frozen_hr_ns() : uv_hrtime();
  return now > origin ? static_cast<double>(now - origin) / 1e6 : 0;
}

double TimeOrigin(OpContext& cx) { return cx.realm().Slot<Clock>().origin_wall_ms; }

}  // namespace

void RestartClocks(jsg::Realm& realm) { realm.Slot<Clock>() = Clock{}; }

namespace {

// loadBuiltin(url) -> the namespace of runtime module `url`, evaluated now if it was not yet.
// For what the runtime loads on first use rather than at bootstrap (so that it is not in the
// startup snapshot every dynamic worker deserializes): runtime modules have no top-level await,
// so evaluation is complete when Evaluate returns.
v8::Local<v8::Value> LoadBuiltin(OpContext& cx, std::string url) {
  if (url.rfind("internal:", 0) != 0) {
    cx.ThrowTypeError("loadBuiltin: only internal: modules");
    return {};
  }
  jsg::ModuleRegistry& modules = cx.realm().modules();
  v8::Local<v8::Promise> evaluated;
  v8::Local<v8::Object> ns;
  if (!modules.Evaluate(url).ToLocal(&evaluated) || !modules.Namespace(url).ToLocal(&ns)) return {};
  if (evaluated->State() == v8::Promise::kRejected) {
    cx.isolate()->ThrowException(evaluated->Result());
    return {};
  }
  // Cached now for the next isolate that loads it, not only when this worker ends.
  modules.SaveCodeCache(/*refresh=*/false, /*builtins_only=*/true);
  return ns;
}

// builtinsMention(name) -> whether a runtime module's source contains the word `name`
// (internal:primordials keeps only the built-ins the runtime can name).
bool BuiltinsMention(OpContext& cx, std::string name) { return cx.realm().modules().BuiltinsMention(name); }

// ---- requests (limits: jsg/limits.h, loader.md section 5) ----
// A limited realm's JS marks each call it serves as a request: requestBegin gives it a number
// and a CPU budget, requestEnter makes that number the continuation-preserved embedder data
// (V8 carries it into every promise reaction made under it) and the owner of the turn.

double RequestBegin(OpContext& cx, double cpu_ms, double wall_ms) {
  jsg::LimitEnforcer* limits = cx.realm().limits();
  return limits ? limits->BeginRequest(cpu_ms, wall_ms) : 0;
}

void RequestEnd(OpContext& cx, double id) {
  if (jsg::LimitEnforcer* limits = cx.realm().limits()) limits->EndRequest(static_cast<int>(id));
}

void RequestEnter(OpContext& cx, double id) {
  jsg::LimitEnforcer* limits = cx.realm().limits();
  if (!limits) return;
  int n = static_cast<int>(id);
  cx.context()->SetContinuationPreservedEmbedderData(
      n > 0 ? v8::Integer::New(cx.isolate(), n).As<v8::Value>() : v8::Undefined(cx.isolate()).As<v8::Value>());
  if (n > 0) limits->SetTurnOwner(n);
}

double RequestCurrent(OpContext& cx) {
  v8::Local<v8::Value> data = cx.context()->GetContinuationPreservedEmbedderData();
  return data->IsInt32() ? data.As<v8::Int32>()->Value() : 0;
}

// Whether anything native could still call this realm back: timers, fetches, socket
// operations, V8 background work (async wasm compilation). For hang detection.
bool HasPendingIo(OpContext& cx) {
  jsg::Realm& realm = cx.realm();
  return !Timers(realm).timers.empty() || FetchesInFlight(realm) || SocketOpsInFlight(realm) ||
         cx.isolate()->HasPendingBackgroundTasks();
}

const jsg::OpDef kOps[] = {
    DW_OP("requestBegin", RequestBegin),
    DW_OP("requestEnd", RequestEnd),
    DW_OP("requestEnter", RequestEnter),
    DW_OP("requestCurrent", RequestCurrent),
    DW_OP("hasPendingIo", HasPendingIo),
    DW_OP("loadBuiltin", LoadBuiltin),
    DW_OP("builtinsMention", BuiltinsMention),
    DW_OP("log", Log),
    DW_OP("setHook", SetHook),
    DW_OP("defineLazyGlobal", DefineLazyGlobal),
    DW_OP("timerStart", TimerStart),
    DW_OP("timerStop", TimerStop),
    DW_OP("enqueueMicrotask", EnqueueMicrotask),
    DW_OP("utf8Encode", Utf8Encode),
    DW_OP("utf8EncodeInto", Utf8EncodeInto),
    DW_OP("utf8Decode", Utf8Decode),
    DW_OP("getRandomValues", GetRandomValues),
    DW_OP("randomUUID", RandomUuid),
    DW_OP("structuredClone", StructuredClone),
    DW_OP("serializeValue", SerializeValue),
    DW_OP("deserializeValue", DeserializeValue),
    DW_OP("sha256", Sha256),
    DW_OP("getPromiseState", GetPromiseState),
    DW_OP("isSharedArrayBuffer", IsSharedArrayBuffer),
    DW_OP("getProxyDetails", GetProxyDetails),
    DW_OP("getOwnNonIndexProperties", GetOwnNonIndexProperties),
    DW_OP("domainToAscii", DomainToAscii),
    DW_OP("domainToUnicode", DomainToUnicode),
    DW_OP("zlibCreate", ZlibCreate),
    DW_OP("zlibPush", ZlibPush),
    DW_OP("zlibClose", ZlibClose),
    DW_OP("transferArrayBuffer", TransferArrayBuffer),
    DW_OP("now", Now),
    DW_OP("timeOrigin", TimeOrigin),
};

}  // namespace

std::span<const jsg::OpDef> AllOps() {
  // One table for the realm: the OpDefs must stay at stable addresses (each function's data
  // points at its entry).
  static const std::vector<jsg::OpDef> all = [] {
    std::vector<jsg::OpDef> v(std::begin(kOps), std::end(kOps));
    for (const auto& op : HttpServeOps()) v.push_back(op);
    for (const auto& op : FetchOps()) v.push_back(op);
    for (const auto& op : SocketOps()) v.push_back(op);
    for (const auto& op : AddressDenialOps()) v.push_back(op);
    for (const auto& op : RpcOps()) v.push_back(op);
    for (const auto& op : EgressLogOps()) v.push_back(op);
    for (const auto& op : SqliteOps()) v.push_back(op);
    for (const auto& op : FileOps()) v.push_back(op);
    for (const auto& op : TestOps()) v.push_back(op);
    return v;
  }();
  return all;
}

}  // namespace dw::api
