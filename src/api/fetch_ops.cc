#include "api/fetch_ops.h"

#include "absl/strings/str_cat.h"
#include "jsg/limits.h"

#include "api/address_denial.h"
#include "api/header_list.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "io/http_client.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

using jsg::OpContext;
using jsg::Str;

// One fetch() exchange as JS sees it: the client's exchange plus the promises JS is waiting
// on. The promises live here, not in the client's callbacks, so that they are released with
// the realm even when an exchange outlives it.
struct Exchange {
  std::shared_ptr<io::HttpClientExchange> exchange;
  v8::Global<v8::Promise::Resolver> head;
  v8::Global<v8::Promise::Resolver> body;
  std::map<uint64_t, v8::Global<v8::Promise::Resolver>> writes;
  uint64_t next_write = 1;
  // The response failed or its body ended: the entry goes once nothing is pending.
  bool finished = false;
};

// Per-realm fetch state. JS holds ids only: a stale or forged id finds nothing.
struct FetchState {
  std::unique_ptr<io::HttpClient> client;
  std::string config_error;  // DYNWORKER_EXTRA_CA_FILE could not be read
  uint64_t timeout_ms = 0;
  std::map<double, Exchange> live;
  double next_id = 1;
  // > 0 while one of our ops runs: a client callback that runs inside it settles promises
  // directly (JS is on the stack); otherwise it enters the realm with a CallbackScope.
  int op_depth = 0;
  // The client's callbacks hold this weakly: once the state is gone (with its realm), they
  // do nothing.
  std::shared_ptr<FetchState*> token = std::make_shared<FetchState*>(this);

  ~FetchState() {
    token.reset();
    // Cancel what is in flight. Callbacks run now find the token gone; the promises are
    // dropped while the isolate still exists.
    std::map<double, Exchange> doomed = std::move(live);
    live.clear();
    for (auto& [id, e] : doomed) {
      if (e.exchange) e.exchange->Abort();
    }
    doomed.clear();
    client.reset();
  }
};

FetchState& State(jsg::Realm& realm) { return realm.Slot<FetchState>(); }

// Settling a promise can run user code (a `then` getter on the value's prototype) and so fail
// when that code throws or the worker's JS is being terminated: never fatal.
void Ignore(v8::Maybe<bool>) {}

struct OpScope {
  explicit OpScope(FetchState& s) : state(s) { state.op_depth++; }
  ~OpScope() { state.op_depth--; }
  FetchState& state;
};

// Runs `fn(state)` for a client callback, in the realm, if the realm still exists.
template <typename Fn>
void Deliver(const std::weak_ptr<FetchState*>& weak, jsg::Realm* realm, Fn&& fn) {
  std::shared_ptr<FetchState*> token = weak.lock();
  if (!token) return;
  FetchState& state = **token;
  if (state.op_depth > 0) {
    fn(state);
    return;
  }
  jsg::Realm::CallbackScope scope(*realm);
  fn(state);
}

bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::strerror(errno);
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) {
    *error = "read error";
    return false;
  }
  *out = s.str();
  return true;
}

io::HttpClient& Client(jsg::Realm& realm, FetchState& state) {
  if (!state.client) {
    io::HttpClientOptions options;
    if (const char* file = getenv("DYNWORKER_EXTRA_CA_FILE"); file != nullptr && *file) {
      std::string error;
      if (!ReadFile(file, &options.extra_ca_pem, &error)) {
        state.config_error = std::string("cannot read the CA certificates in ") + file +
                             " (named by DYNWORKER_EXTRA_CA_FILE): " + error;
        options.extra_ca_pem.clear();
      }
    }
    if (const char* ms = getenv("DYNWORKER_FETCH_TIMEOUT_MS"); ms != nullptr && *ms) {
      state.timeout_ms = strtoull(ms, nullptr, 10);
    }
    state.client = std::make_unique<io::HttpClient>(realm.loop(), std::move(options));
  }
  return *state.client;
}

v8::Local<v8::Value> TypeErrorValue(v8::Isolate* isolate, std::string_view message) {
  return v8::Exception::TypeError(Str(isolate, message));
}

// A promise the runtime's JS always handles itself; never reported as unhandled.
v8::Local<v8::Promise::Resolver> NewResolver(OpContext& cx) {
  auto resolver = v8::Promise::Resolver::New(cx.context()).ToLocalChecked();
  cx.realm().MarkHandled(resolver->GetPromise());
  return resolver;
}

void MaybeErase(FetchState& state, double id) {
  auto it = state.live.find(id);
  if (it == state.live.end()) return;
  Exchange& e = it->second;
  if (e.finished && e.head.IsEmpty() && e.body.IsEmpty() && e.writes.empty()) {
    state.live.erase(it);
  }
}

Exchange* Find(FetchState& state, double id) {
  auto it = state.live.find(id);
  return it == state.live.end() ? nullptr : &it->second;
}

// fetchStart(method, scheme, host, port, target, headersFlat, bodyKind, body, deniedCidrs) -> id
//   scheme 'http' or 'https'; host as the URL serializes it ("example.com", "[::1]"); port 0
//   for the scheme's default; target the path and query. bodyKind: 'none'; 'bytes' with body
//   a Uint8Array (sent with Content-Length); 'stream' with body the length if known (a
//   number) or null (chunked), the bytes following through fetchWrite and fetchEnd.
//   deniedCidrs: undefined/null, or CIDR strings; the exchange then connects only to addresses
//   outside them (AddressFilterArg), and its head rejects with AddressDenialError otherwise.
double FetchStart(OpContext& cx, v8::Local<v8::Value> method_value, std::string scheme,
                  std::string host, double port, std::string target,
                  v8::Local<v8::Value> headers_flat, std::string body_kind,
                  v8::Local<v8::Value> body, v8::Local<v8::Value> denied_cidrs) {
  jsg::Realm& realm = cx.realm();
  FetchState& state = State(realm);
  OpScope op(state);
  if (realm.limits() && state.live.size() >= jsg::kMaxFetches) {
    cx.ThrowTypeError(absl::StrCat("Too many fetches in progress: a dynamic worker may have at most ",
                                   jsg::kMaxFetches, " at once (a response body not yet read or "
                                   "canceled counts); read or cancel the ones it is done with."));
    return 0;
  }
  io::HttpClient& client = Client(realm, state);
  if (scheme == "https" && !state.config_error.empty()) {
    cx.ThrowTypeError(state.config_error);
    return 0;
  }

  io::HttpClientRequest request;
  if (!Latin1(cx, method_value, &request.method)) return 0;
  request.scheme = scheme;
  request.host = host;
  request.port = static_cast<int>(port);
  request.path_and_query = target;
  request.timeout_ms = state.timeout_ms;
  if (!FlatToHeaderList(cx, headers_flat, &request.headers)) return 0;
  if (!AddressFilterArg(cx, denied_cidrs, &request.address_filter)) return 0;

  std::string bytes;  // copied out of V8 before anything asynchronous
  bool send_bytes = false;
  if (body_kind == "bytes") {
    if (!body->IsArrayBufferView()) {
      cx.ThrowTypeError("internal op: a 'bytes' body must be a Uint8Array");
      return 0;
    }
    auto view = body.As<v8::ArrayBufferView>();
    bytes.resize(view->ByteLength());
    view->CopyContents(bytes.data(), bytes.size());
    request.has_body = true;
    request.body_length = bytes.size();
    send_bytes = true;
  } else if (body_kind == "stream") {
    request.has_body = true;
    if (body->IsNumber()) {
      double n = body.As<v8::Number>()->Value();
      if (n >= 0 && n <= 9007199254740991.0) request.body_length = static_cast<uint64_t>(n);
    }
  } else if (body_kind != "none") {
    cx.ThrowTypeError("internal op: bodyKind must be 'none', 'bytes' or 'stream'");
    return 0;
  }

  double id = state.next_id++;
  Exchange& e = state.live[id];
  e.exchange = client.Start(std::move(request));
  if (send_bytes) {
    auto ex = e.exchange;
    ex->Write(std::move(bytes), nullptr);
    ex->End();
  }
  return id;
}

// fetchHead(id) -> Promise<[status, statusText, headersFlat]>; rejects with a TypeError
// whose message is the client's sentence ("connection refused: 127.0.0.1:9"), or with
// AddressDenialError's Error when fetchStart's deniedCidrs refused the connection.
v8::Local<v8::Value> FetchHead(OpContext& cx, double id) {
  jsg::Realm* realm = &cx.realm();
  FetchState& state = State(*realm);
  OpScope op(state);
  v8::Isolate* isolate = cx.isolate();
  auto resolver = NewResolver(cx);
  Exchange* e = Find(state, id);
  if (e == nullptr || !e->head.IsEmpty()) {
    Ignore(resolver->Reject(cx.context(), TypeErrorValue(isolate, "The response is no longer available.")));
    return resolver->GetPromise();
  }
  e->head.Reset(isolate, resolver);
  std::shared_ptr<io::HttpClientExchange> ex = e->exchange;
  std::weak_ptr<FetchState*> weak = state.token;
  ex->OnHead([weak, realm, id](absl::StatusOr<io::HttpClientResponseHead> head) {
    Deliver(weak, realm, [&](FetchState& st) {
      Exchange* x = Find(st, id);
      if (x == nullptr || x->head.IsEmpty()) return;
      v8::Isolate* iso = realm->isolate();
      v8::Local<v8::Context> c = realm->context();
      auto r = x->head.Get(iso);
      x->head.Reset();
      if (!head.ok()) {
        x->finished = true;
        std::optional<io::AddressDenial> denial = io::GetAddressDenial(head.status());
        Ignore(r->Reject(c, denial ? AddressDenialError(iso, c, *denial)
                                   : TypeErrorValue(iso, std::string(head.status().message()))));
        MaybeErase(st, id);
        return;
      }
      v8::Local<v8::Value> parts[] = {v8::Number::New(iso, head->status),
                                      OneByteString(iso, head->status_text),
                                      HeaderListToFlat(iso, c, head->headers)};
      Ignore(r->Resolve(c, v8::Array::New(iso, parts, 3)));
    });
  });
  return resolver->GetPromise();
}

// fetchReadBody(id) -> Promise<Uint8Array | undefined>: the next piece of the response body,
// undefined at its end; rejects with a TypeError saying why the body broke off.
v8::Local<v8::Value> FetchReadBody(OpContext& cx, double id) {
  jsg::Realm* realm = &cx.realm();
  FetchState& state = State(*realm);
  OpScope op(state);
  v8::Isolate* isolate = cx.isolate();
  auto resolver = NewResolver(cx);
  Exchange* e = Find(state, id);
  if (e == nullptr || !e->body.IsEmpty()) {
    Ignore(resolver->Reject(
        cx.context(), TypeErrorValue(isolate, e == nullptr ? "The response body is no longer available."
                                                           : "A read of the response body is already pending.")));
    return resolver->GetPromise();
  }
  e->body.Reset(isolate, resolver);
  std::shared_ptr<io::HttpClientExchange> ex = e->exchange;
  std::weak_ptr<FetchState*> weak = state.token;
  ex->ReadBody([weak, realm, id](std::string_view chunk, bool done, std::string_view error) {
    Deliver(weak, realm, [&](FetchState& st) {
      Exchange* x = Find(st, id);
      if (x == nullptr || x->body.IsEmpty()) return;
      v8::Isolate* iso = realm->isolate();
      v8::Local<v8::Context> c = realm->context();
      auto r = x->body.Get(iso);
      x->body.Reset();
      if (!error.empty()) {
        x->finished = true;
        Ignore(r->Reject(c, TypeErrorValue(iso, error)));
      } else if (done && chunk.empty()) {
        x->finished = true;
        Ignore(r->Resolve(c, v8::Undefined(iso)));
      } else {
        auto store = v8::ArrayBuffer::NewBackingStore(iso, chunk.size());
        memcpy(store->Data(), chunk.data(), chunk.size());
        auto ab = v8::ArrayBuffer::New(iso, std::move(store));
        Ignore(r->Resolve(c, v8::Uint8Array::New(ab, 0, chunk.size())));
      }
      MaybeErase(st, id);
    });
  });
  return resolver->GetPromise();
}

// fetchWrite(id, chunk) -> Promise<boolean>: true once the chunk is on its way to the server
// (the cue to write the next one), false when the request can take no more (it failed, was
// aborted, or the server already answered).
v8::Local<v8::Value> FetchWrite(OpContext& cx, double id, jsg::Bytes chunk) {
  jsg::Realm* realm = &cx.realm();
  FetchState& state = State(*realm);
  OpScope op(state);
  v8::Isolate* isolate = cx.isolate();
  auto resolver = NewResolver(cx);
  Exchange* e = Find(state, id);
  if (e == nullptr) {
    Ignore(resolver->Resolve(cx.context(), v8::False(isolate)));
    return resolver->GetPromise();
  }
  std::string bytes(reinterpret_cast<const char*>(chunk.data), chunk.size);
  uint64_t write_id = e->next_write++;
  e->writes[write_id].Reset(isolate, resolver);
  std::shared_ptr<io::HttpClientExchange> ex = e->exchange;
  std::weak_ptr<FetchState*> weak = state.token;
  ex->Write(std::move(bytes), [weak, realm, id, write_id](bool ok) {
    Deliver(weak, realm, [&](FetchState& st) {
      Exchange* x = Find(st, id);
      if (x == nullptr) return;
      auto it = x->writes.find(write_id);
      if (it == x->writes.end()) return;
      v8::Isolate* iso = realm->isolate();
      auto r = it->second.Get(iso);
      x->writes.erase(it);
      Ignore(r->Resolve(realm->context(), v8::Boolean::New(iso, ok)));
      MaybeErase(st, id);
    });
  });
  return resolver->GetPromise();
}

// fetchEnd(id): the streamed request body is complete.
void FetchEnd(OpContext& cx, double id) {
  FetchState& state = State(cx.realm());
  OpScope op(state);
  Exchange* e = Find(state, id);
  if (e == nullptr) return;
  std::shared_ptr<io::HttpClientExchange> ex = e->exchange;
  ex->End();
}

// fetchAbort(id): cancels the exchange if it is unfinished (its connection is closed) and
// forgets it. Promises still pending settle now: reads and the head reject, writes give false.
// Also how JS lets go of a response it will not read (a complete one keeps its pooled
// connection).
void FetchAbort(OpContext& cx, double id) {
  FetchState& state = State(cx.realm());
  OpScope op(state);
  Exchange* e = Find(state, id);
  if (e == nullptr) return;
  std::shared_ptr<io::HttpClientExchange> ex = e->exchange;
  ex->Abort();
  state.live.erase(id);
}

const jsg::OpDef kOps[] = {
    DW_OP("fetchStart", FetchStart),
    DW_OP("fetchHead", FetchHead),
    DW_OP("fetchReadBody", FetchReadBody),
    DW_OP("fetchWrite", FetchWrite),
    DW_OP("fetchEnd", FetchEnd),
    DW_OP("fetchAbort", FetchAbort),
};

}  // namespace

bool FetchesInFlight(jsg::Realm& realm) { return !State(realm).live.empty(); }

std::span<const jsg::OpDef> FetchOps() { return kOps; }

}  // namespace dw::api
