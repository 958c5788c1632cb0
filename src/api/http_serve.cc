#include "api/http_serve.h"

#include "api/header_list.h"

#include <uv.h>

#include <map>

#include "absl/strings/str_format.h"

namespace dw::api {
namespace {

using jsg::OpContext;
using jsg::Str;

struct Pending {
  std::shared_ptr<io::HttpExchange> exchange;
  uint64_t start_ns = 0;
  int status = 0;
  bool log = true;
};

// Per-realm table of live exchanges. JS refers to them by number only: a stale or forged id
// finds nothing.
struct ServeState {
  // Tasks posted to the loop hold this weakly: the realm (and this state) may be gone by the
  // time they run.
  std::shared_ptr<ServeState*> token = std::make_shared<ServeState*>(this);
  std::map<double, Pending> live;
  double next_id = 1;
  // Servers started from JS (httpListen), by id. Declared last: destroyed first, so their
  // pending callbacks never see a half-destroyed state.
  std::map<double, std::unique_ptr<io::HttpServer>> servers;
  double next_server_id = 1;
};

ServeState& State(jsg::Realm& realm) { return realm.Slot<ServeState>(); }

Pending* Find(OpContext& cx, double id) {
  auto& live = State(cx.realm()).live;
  auto it = live.find(id);
  return it == live.end() ? nullptr : &it->second;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

// Called when a response is complete (or abandoned): one log line, like `wrangler dev`.
void Finish(jsg::Realm& realm, double id) {
  auto& live = State(realm).live;
  auto it = live.find(id);
  if (it == live.end()) return;
  Pending& p = it->second;
  if (p.log) {
    double ms = (uv_hrtime() - p.start_ns) / 1e6;
    std::string path = p.exchange->target();
    realm.Log(jsg::LogLevel::kInfo,
              absl::StrFormat("[dynworker:info] %s %s %d %s (%.0fms)%s", p.exchange->method(),
                              path, p.status, ReasonPhrase(p.status), ms,
                              p.exchange->aborted() ? " - client disconnected" : ""));
  }
  live.erase(it);
}

// Header names and values are ByteStrings: one char (<= 0xFF, checked by Headers) per byte.
// httpReadBody(id) -> Promise<Uint8Array | undefined>; undefined at the end of the body.
v8::Local<v8::Value> HttpReadBody(OpContext& cx, double id) {
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  auto resolver = v8::Promise::Resolver::New(ctx).ToLocalChecked();
  Pending* p = Find(cx, id);
  if (!p) {
    resolver->Reject(ctx, v8::Exception::TypeError(Str(isolate, "The request body is no longer available.")))
        .Check();
    return resolver->GetPromise();
  }
  auto global = std::make_shared<v8::Global<v8::Promise::Resolver>>(isolate, resolver);
  jsg::Realm* realm = &cx.realm();
  // The callback may run synchronously, inside this op (no CallbackScope then), or later.
  auto in_op = std::make_shared<bool>(true);
  p->exchange->ReadBody([realm, global, in_op](std::string_view chunk, bool done,
                                                std::string_view error) {
    auto settle = [&]() {
      v8::Isolate* iso = realm->isolate();
      v8::Local<v8::Context> c = realm->context();
      auto r = global->Get(iso);
      if (!error.empty()) {
        r->Reject(c, v8::Exception::TypeError(Str(iso, absl::StrFormat(
                                                           "Reading the request body failed: %s",
                                                           std::string(error)))))
            .Check();
      } else if (done && chunk.empty()) {
        r->Resolve(c, v8::Undefined(iso)).Check();
      } else {
        auto store = v8::ArrayBuffer::NewBackingStore(iso, chunk.size());
        memcpy(store->Data(), chunk.data(), chunk.size());
        auto ab = v8::ArrayBuffer::New(iso, std::move(store));
        r->Resolve(c, v8::Uint8Array::New(ab, 0, chunk.size())).Check();
      }
    };
    if (*in_op) {
      settle();
    } else {
      jsg::Realm::CallbackScope scope(*realm);
      settle();
    }
  });
  *in_op = false;
  return resolver->GetPromise();
}

// httpRespond(id, status, statusText, headersFlat, body): body is a Uint8Array or string for
// a complete response, null for an empty one, undefined when Write/End follow.
void HttpRespond(OpContext& cx, double id, double status, std::string status_text,
                 v8::Local<v8::Value> headers_flat, v8::Local<v8::Value> body) {
  Pending* p = Find(cx, id);
  if (!p) return;  // client gone and already cleaned up
  io::HeaderList headers;
  if (!FlatToHeaderList(cx, headers_flat, &headers)) return;
  p->status = static_cast<int>(status);
  std::optional<std::string> complete;
  if (body->IsNull()) {
    complete = std::string();
  } else if (body->IsString()) {
    complete = jsg::ToUtf8(cx.isolate(), body);
  } else if (body->IsArrayBufferView()) {
    auto view = body.As<v8::ArrayBufferView>();
    complete = std::string(view->ByteLength(), '\0');
    view->CopyContents(complete->data(), complete->size());
  }
  p->exchange->Respond(p->status, headers, std::move(complete), status_text);
  if (!body->IsUndefined()) Finish(cx.realm(), id);
}

// httpWrite(id, chunk) -> Promise<boolean>: true once handed to the kernel, false when the
// client is gone. JS awaits it before writing more (backpressure).
v8::Local<v8::Value> HttpWrite(OpContext& cx, double id, jsg::Bytes chunk) {
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  auto resolver = v8::Promise::Resolver::New(ctx).ToLocalChecked();
  Pending* p = Find(cx, id);
  if (!p) {
    resolver->Resolve(ctx, v8::False(isolate)).Check();
    return resolver->GetPromise();
  }
  auto global = std::make_shared<v8::Global<v8::Promise::Resolver>>(isolate, resolver);
  jsg::Realm* realm = &cx.realm();
  auto in_op = std::make_shared<bool>(true);
  std::string bytes(reinterpret_cast<const char*>(chunk.data), chunk.size);  // copied before going async
  p->exchange->Write(std::move(bytes), [realm, global, in_op](bool ok) {
    if (*in_op) {
      global->Get(realm->isolate())->Resolve(realm->context(), v8::Boolean::New(realm->isolate(), ok)).Check();
      return;
    }
    jsg::Realm::CallbackScope scope(*realm);
    global->Get(realm->isolate())->Resolve(realm->context(), v8::Boolean::New(realm->isolate(), ok)).Check();
  });
  *in_op = false;
  return resolver->GetPromise();
}

// httpAbortResponse(id): the response body failed after the head was sent. Dropping the
// exchange without End() makes the server close the connection, so the client sees a cut-off
// body instead of a complete one.
void HttpAbortResponse(OpContext& cx, double id) {
  Pending* p = Find(cx, id);
  if (!p) return;
  Finish(cx.realm(), id);
}

void HttpEnd(OpContext& cx, double id) {
  Pending* p = Find(cx, id);
  if (!p) return;
  p->exchange->End();
  Finish(cx.realm(), id);
}

// httpListen(ip, port, logRequests) -> Promise<[serverId, port]>: a loopback server whose
// requests reach the serveRequest hook with that server id.
v8::Local<v8::Value> HttpListen(OpContext& cx, std::string ip, double port, bool log_requests) {
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  auto resolver = v8::Promise::Resolver::New(ctx).ToLocalChecked();
  jsg::Realm* realm = &cx.realm();
  auto& state = State(*realm);
  double server_id = state.next_server_id++;
  io::HttpServerOptions so;
  so.ip = ip;
  so.port = static_cast<int>(port);
  ServeOptions serve_options;
  serve_options.log_requests = log_requests;
  auto server = std::make_unique<io::HttpServer>(
      realm->loop(), so, [realm, serve_options, server_id](std::shared_ptr<io::HttpExchange> ex) {
        DispatchHttpRequest(*realm, std::move(ex), serve_options, server_id);
      });
  absl::Status listening = server->Listen();
  if (!listening.ok()) {
    resolver->Reject(ctx, v8::Exception::Error(Str(isolate, std::string(listening.message())))).Check();
    return resolver->GetPromise();
  }
  v8::Local<v8::Value> pair[] = {v8::Number::New(isolate, server_id),
                                 v8::Number::New(isolate, server->port())};
  state.servers[server_id] = std::move(server);
  resolver->Resolve(ctx, v8::Array::New(isolate, pair, 2)).Check();
  return resolver->GetPromise();
}

// httpClose(serverId) -> Promise<undefined>: stops accepting, lets in-flight requests finish.
v8::Local<v8::Value> HttpClose(OpContext& cx, double server_id) {
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  auto resolver = v8::Promise::Resolver::New(ctx).ToLocalChecked();
  auto& servers = State(cx.realm()).servers;
  auto it = servers.find(server_id);
  if (it == servers.end()) {
    resolver->Resolve(ctx, v8::Undefined(isolate)).Check();
    return resolver->GetPromise();
  }
  auto global = std::make_shared<v8::Global<v8::Promise::Resolver>>(isolate, resolver);
  jsg::Realm* realm = &cx.realm();
  it->second->Shutdown([realm, global, server_id]() {
    {
      jsg::Realm::CallbackScope scope(*realm);
      global->Get(realm->isolate())->Resolve(realm->context(), v8::Undefined(realm->isolate())).Check();
    }
    // Destroyed on a later turn: this callback runs inside the server. (If the loop ends
    // first, the realm's state destroys it.)
    std::weak_ptr<ServeState*> weak = State(*realm).token;
    realm->loop().Post([weak, server_id]() {
      if (auto state = weak.lock()) (*state)->servers.erase(server_id);
    });
  });
  return resolver->GetPromise();
}

const jsg::OpDef kOps[] = {
    DW_OP("httpListen", HttpListen),
    DW_OP("httpClose", HttpClose),
    DW_OP("httpReadBody", HttpReadBody),
    DW_OP("httpRespond", HttpRespond),
    DW_OP("httpWrite", HttpWrite),
    DW_OP("httpEnd", HttpEnd),
    DW_OP("httpAbortResponse", HttpAbortResponse),
};

}  // namespace

std::span<const jsg::OpDef> HttpServeOps() { return kOps; }

void DispatchHttpRequest(jsg::Realm& realm, std::shared_ptr<io::HttpExchange> exchange,
                         const ServeOptions& options, double server_id) {
  auto& state = State(realm);
  double id = state.next_id++;
  state.live[id] = Pending{exchange, uv_hrtime(), 0, options.log_requests};
  jsg::Realm* r = &realm;
  exchange->OnAbort([r, id]() {
    auto& live = State(*r).live;
    if (!live.count(id)) return;
    jsg::Realm::CallbackScope scope(*r);
    v8::Local<v8::Value> hook = r->GetHook("serveAbort");
    if (hook->IsFunction()) {
      v8::Local<v8::Value> args[] = {v8::Number::New(r->isolate(), id)};
      v8::TryCatch try_catch(r->isolate());
      (void)hook.As<v8::Function>()->Call(r->context(), v8::Undefined(r->isolate()), 1, args);
    }
    if (live.count(id) && live[id].status == 0) live[id].status = 499;
    Finish(*r, id);
  });

  jsg::Realm::CallbackScope scope(realm);
  v8::Isolate* isolate = realm.isolate();
  v8::Local<v8::Context> ctx = realm.context();
  v8::Local<v8::Value> hook = realm.GetHook("serveRequest");
  if (!hook->IsFunction()) {
    exchange->Respond(500, {{"content-type", "text/plain"}}, std::string("internal error: no request handler\n"));
    state.live.erase(id);
    return;
  }
  std::string host = exchange->host();
  if (host.empty()) host = "localhost";
  std::string url = "http://" + host + exchange->target();
  v8::Local<v8::Array> flat = HeaderListToFlat(isolate, ctx, exchange->headers());
  v8::Local<v8::Value> args[] = {v8::Number::New(isolate, id), Str(isolate, exchange->method()),
                                 Str(isolate, url), flat, v8::Boolean::New(isolate, exchange->has_body()),
                                 v8::Number::New(isolate, server_id)};
  v8::TryCatch try_catch(isolate);
  if (hook.As<v8::Function>()->Call(ctx, v8::Undefined(isolate), 6, args).IsEmpty() &&
      !try_catch.HasTerminated()) {
    realm.ReportUncaught(try_catch.Exception(), false);
    if (State(realm).live.count(id)) {
      exchange->Respond(500, {{"content-type", "text/plain"}}, std::string("Internal Server Error\n"));
      State(realm).live[id].status = 500;
      Finish(realm, id);
    }
  }
}

size_t InFlightRequests(jsg::Realm& realm) { return State(realm).live.size(); }

}  // namespace dw::api
