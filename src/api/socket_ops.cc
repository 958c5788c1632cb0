#include "api/socket_ops.h"

#include "api/address_denial.h"
#include "jsg/limits.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "io/tcp.h"
#include "io/tls.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

using jsg::OpContext;
using jsg::Str;

// One connection as JS knows it: its stream and the promises JS is waiting on.
struct Conn {
  std::shared_ptr<io::TcpStream> stream;
  uint64_t read_key = 0;     // the outstanding socketRead, if any
  std::set<uint64_t> keys;   // connect, write, shutdown and startTls promises
};

// Per-realm table. JS refers to connections by number only: a stale or forged id finds
// nothing. Promise resolvers live here, never in the stream's callbacks, so no V8 handle
// outlives the realm: a callback only carries the realm, a liveness token and numbers.
struct SocketState {
  std::map<double, Conn> live;
  double next_id = 1;
  std::map<uint64_t, v8::Global<v8::Promise::Resolver>> pending;
  uint64_t next_key = 1;
  int op_depth = 0;  // > 0 while one of these ops runs: settle without entering the realm again
  std::shared_ptr<char> alive = std::make_shared<char>(0);

  ~SocketState() {
    alive.reset();  // callbacks still queued in libuv find the realm gone
    for (auto& [id, conn] : live) conn.stream->Close();  // drops callbacks without calling them
  }
};

SocketState& State(jsg::Realm& realm) { return realm.Slot<SocketState>(); }

class OpScope {
 public:
  explicit OpScope(SocketState& state) : state_(state) { ++state_.op_depth; }
  ~OpScope() { --state_.op_depth; }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  SocketState& state_;
};

// What a libuv callback needs to settle one promise.
struct Waiter {
  jsg::Realm* realm;
  std::weak_ptr<char> alive;
  double id;
  uint64_t key;
};

enum class Kind { kRead, kOther };

Waiter NewWaiter(OpContext& cx, double id, Kind kind, v8::Local<v8::Promise>* promise) {
  SocketState& st = State(cx.realm());
  auto resolver = v8::Promise::Resolver::New(cx.context()).ToLocalChecked();
  uint64_t key = st.next_key++;
  st.pending.emplace(key, v8::Global<v8::Promise::Resolver>(cx.isolate(), resolver));
  auto it = st.live.find(id);
  if (it != st.live.end()) {
    if (kind == Kind::kRead) {
      it->second.read_key = key;
    } else {
      it->second.keys.insert(key);
    }
  }
  *promise = resolver->GetPromise();
  return Waiter{&cx.realm(), st.alive, id, key};
}

// Settles a waiter's promise with `settle(isolate, context, resolver)`. Nothing happens when the
// realm is gone or the promise was already settled. From libuv this enters the realm with a
// CallbackScope (microtasks run when it closes); inside an op it settles in place.
template <typename F>
void Settle(const Waiter& w, F&& settle) {
  if (w.alive.expired()) return;
  SocketState& st = State(*w.realm);
  auto it = st.pending.find(w.key);
  if (it == st.pending.end()) return;
  v8::Global<v8::Promise::Resolver> resolver = std::move(it->second);
  st.pending.erase(it);
  auto conn = st.live.find(w.id);
  if (conn != st.live.end()) {
    if (conn->second.read_key == w.key) conn->second.read_key = 0;
    conn->second.keys.erase(w.key);
  }
  v8::Isolate* isolate = w.realm->isolate();
  if (st.op_depth > 0) {
    v8::HandleScope handles(isolate);
    settle(isolate, w.realm->context(), resolver.Get(isolate));
  } else {
    jsg::Realm::CallbackScope scope(*w.realm);
    settle(isolate, w.realm->context(), resolver.Get(isolate));
  }
}

// A promise settles only while the isolate can run; a terminating one is not worth reporting.
void Ignore(v8::Maybe<bool>) {}

void RejectWith(v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                v8::Local<v8::Promise::Resolver> resolver, std::string_view message) {
  Ignore(resolver->Reject(ctx, v8::Exception::Error(Str(isolate, message))));
}

void ResolveUndefined(v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                      v8::Local<v8::Promise::Resolver> resolver) {
  Ignore(resolver->Resolve(ctx, v8::Undefined(isolate)));
}

// [remoteAddress, localAddress] of an open stream ("127.0.0.1:8080", "[::1]:5000").
v8::Local<v8::Value> Addresses(v8::Isolate* isolate, const std::shared_ptr<io::TcpStream>& s) {
  v8::Local<v8::Value> items[] = {Str(isolate, s ? s->remote_address() : std::string()),
                                  Str(isolate, s ? s->local_address() : std::string())};
  return v8::Array::New(isolate, items, 2);
}

// Settles with the outcome of Connect or StartTls.
auto OpenedCallback(Waiter w, std::weak_ptr<io::TcpStream> weak) {
  return [w, weak](absl::Status status) {
    Settle(w, [&](v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                  v8::Local<v8::Promise::Resolver> resolver) {
      if (!status.ok()) {
        if (std::optional<io::AddressDenial> denial = io::GetAddressDenial(status)) {
          Ignore(resolver->Reject(ctx, AddressDenialError(isolate, ctx, *denial)));
        } else {
          RejectWith(isolate, ctx, resolver, std::string(status.message()));
        }
        return;
      }
      Ignore(resolver->Resolve(ctx, Addresses(isolate, weak.lock())));
    });
  };
}

// The trust settings for connect(): the system store, plus the PEM certificates of the file
// named by DYNWORKER_EXTRA_CA_FILE when set (a private CA in tests and development). Made once
// per process; the system store itself loads off the loop on first use.
const absl::StatusOr<std::shared_ptr<io::TlsContext>>& ClientTlsContext() {
  static const absl::StatusOr<std::shared_ptr<io::TlsContext>> context =
      []() -> absl::StatusOr<std::shared_ptr<io::TlsContext>> {
    const char* file = getenv("DYNWORKER_EXTRA_CA_FILE");
    if (file == nullptr || *file == '\0') {
      std::shared_ptr<io::TlsContext> system = io::TlsContext::SystemDefault();
      if (system == nullptr) return absl::InternalError("OpenSSL could not create a TLS context");
      return system;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(absl::StrCat("cannot read the CA certificates in ", file,
                                              " (named by DYNWORKER_EXTRA_CA_FILE): ",
                                              strerror(errno)));
    }
    std::stringstream pem;
    pem << in.rdbuf();
    io::TlsContextOptions options;
    options.extra_ca_pem = pem.str();
    auto created = io::TlsContext::CreateClient(options);
    if (!created.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the CA certificates in ", file,
                       " (named by DYNWORKER_EXTRA_CA_FILE) are unusable: ",
                       created.status().message()));
    }
    return *created;
  }();
  return context;
}

Conn* Find(SocketState& st, double id) {
  auto it = st.live.find(id);
  return it == st.live.end() ? nullptr : &it->second;
}

// Settles `key` of connection `id` at once (inside an op).
template <typename F>
void SettleNow(OpContext& cx, double id, uint64_t key, F&& settle) {
  Settle(Waiter{&cx.realm(), State(cx.realm()).alive, id, key}, std::forward<F>(settle));
}

// socketConnect(host, port, tls, deniedCidrs) -> [id, Promise<[remoteAddress, localAddress]>];
// tls is 0 (off), 1 (TLS from the start) or 2 (starttls). The promise rejects with an Error
// naming what failed and the peer ("connection refused: 127.0.0.1:9"). deniedCidrs:
// undefined/null, or CIDR strings; the connection is then made only to addresses outside them
// (AddressFilterArg), and the promise rejects with AddressDenialError's Error otherwise.
v8::Local<v8::Value> SocketConnect(OpContext& cx, std::string host, double port, double tls,
                                   v8::Local<v8::Value> denied_cidrs) {
  SocketState& st = State(cx.realm());
  OpScope scope(st);
  std::shared_ptr<const io::AddressFilter> filter;
  if (!AddressFilterArg(cx, denied_cidrs, &filter)) return {};
  if (cx.realm().limits() && st.live.size() >= jsg::kMaxConnections) {
    cx.ThrowError(absl::StrCat("Too many open connections: a dynamic worker may have at most ",
                               jsg::kMaxConnections, " open at once; close() the ones it is done with."));
    return {};
  }
  v8::Isolate* isolate = cx.isolate();
  io::TlsMode mode = tls == 1 ? io::TlsMode::kOn
                     : tls == 2 ? io::TlsMode::kStartTls
                                : io::TlsMode::kOff;
  io::TcpStreamOptions options;
  options.address_filter = std::move(filter);
  std::string context_error;
  if (mode != io::TlsMode::kOff) {
    const auto& context = ClientTlsContext();
    if (context.ok()) {
      options.tls_context = *context;
    } else {
      context_error = std::string(context.status().message());
    }
  }
  double id = st.next_id++;
  auto stream = io::TcpStream::Create(cx.realm().loop(), std::move(options));
  st.live[id].stream = stream;
  v8::Local<v8::Promise> promise;
  Waiter w = NewWaiter(cx, id, Kind::kOther, &promise);
  v8::Local<v8::Value> result[] = {v8::Number::New(isolate, id), promise};
  v8::Local<v8::Array> array = v8::Array::New(isolate, result, 2);
  if (!context_error.empty()) {
    Settle(w, [&](v8::Isolate* iso, v8::Local<v8::Context> ctx,
                  v8::Local<v8::Promise::Resolver> resolver) {
      RejectWith(iso, ctx, resolver,
                 absl::StrCat("TLS setup for ", host, " failed: ", context_error));
    });
    return array;
  }
  int p = port >= 1 && port <= 65535 ? static_cast<int>(port) : 0;  // 0: Connect reports it
  stream->Connect(host, p, mode, OpenedCallback(w, stream));
  return array;
}

// socketRead(id) -> Promise<Uint8Array | undefined>: the next received bytes (a fresh buffer),
// undefined at the end of the stream (or once the connection is closed).
v8::Local<v8::Value> SocketRead(OpContext& cx, double id) {
  SocketState& st = State(cx.realm());
  OpScope scope(st);
  v8::Local<v8::Promise> promise;
  Conn* conn = Find(st, id);
  if (conn == nullptr) {
    auto resolver = v8::Promise::Resolver::New(cx.context()).ToLocalChecked();
    ResolveUndefined(cx.isolate(), cx.context(), resolver);
    return resolver->GetPromise();
  }
  if (conn->read_key != 0) {
    cx.ThrowTypeError("internal op: socketRead while a read is pending");
    return {};
  }
  std::shared_ptr<io::TcpStream> stream = conn->stream;
  Waiter w = NewWaiter(cx, id, Kind::kRead, &promise);
  stream->Read([w](std::string_view chunk, bool done, std::string_view error) {
    Settle(w, [&](v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                  v8::Local<v8::Promise::Resolver> resolver) {
      if (!error.empty()) {
        RejectWith(isolate, ctx, resolver, error);
      } else if (done || chunk.empty()) {
        ResolveUndefined(isolate, ctx, resolver);
      } else {
        auto store = v8::ArrayBuffer::NewBackingStore(isolate, chunk.size());
        memcpy(store->Data(), chunk.data(), chunk.size());
        auto buffer = v8::ArrayBuffer::New(isolate, std::move(store));
        Ignore(resolver->Resolve(ctx, v8::Uint8Array::New(buffer, 0, chunk.size())));
      }
    });
  });
  return promise;
}

// Settles the outstanding read of `conn` with undefined (its reader is done with the stream).
void EndPendingRead(OpContext& cx, double id, Conn* conn) {
  conn->stream->CancelRead();
  if (conn->read_key == 0) return;
  SettleNow(cx, id, conn->read_key, ResolveUndefined);
}

// A promise settled by a StatusCallback: undefined on success, an Error with the message else.
v8::Local<v8::Value> StatusPromise(OpContext& cx, double id,
                                   void (*start)(io::TcpStream&, io::TcpStream::StatusCallback,
                                                 std::string&&),
                                   std::string data) {
  SocketState& st = State(cx.realm());
  OpScope scope(st);
  v8::Local<v8::Promise> promise;
  Conn* conn = Find(st, id);
  if (conn == nullptr) {
    auto resolver = v8::Promise::Resolver::New(cx.context()).ToLocalChecked();
    RejectWith(cx.isolate(), cx.context(), resolver, "The socket is closed.");
    return resolver->GetPromise();
  }
  std::shared_ptr<io::TcpStream> stream = conn->stream;
  Waiter w = NewWaiter(cx, id, Kind::kOther, &promise);
  start(*stream,
        [w](absl::Status status) {
          Settle(w, [&](v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                        v8::Local<v8::Promise::Resolver> resolver) {
            if (status.ok()) {
              ResolveUndefined(isolate, ctx, resolver);
            } else {
              RejectWith(isolate, ctx, resolver, std::string(status.message()));
            }
          });
        },
        std::move(data));
  return promise;
}

// socketWrite(id, bytes) -> Promise<undefined>: resolves once the bytes are handed to the kernel
// (JS awaits it before writing more). The bytes are copied before anything asynchronous.
v8::Local<v8::Value> SocketWrite(OpContext& cx, double id, jsg::Bytes bytes) {
  std::string data(reinterpret_cast<const char*>(bytes.data), bytes.data ? bytes.size : 0);
  return StatusPromise(
      cx, id,
      [](io::TcpStream& s, io::TcpStream::StatusCallback cb, std::string&& d) {
        s.Write(std::move(d), std::move(cb));
      },
      std::move(data));
}

// socketShutdown(id) -> Promise<undefined>: sends FIN after the queued writes.
v8::Local<v8::Value> SocketShutdown(OpContext& cx, double id) {
  return StatusPromise(
      cx, id,
      [](io::TcpStream& s, io::TcpStream::StatusCallback cb, std::string&&) {
        s.ShutdownWrite(std::move(cb));
      },
      std::string());
}

// socketCancelRead(id): the reader is gone; an outstanding read resolves with undefined.
// Received data keeps being buffered (up to the stream's limit).
void SocketCancelRead(OpContext& cx, double id) {
  SocketState& st = State(cx.realm());
  OpScope scope(st);
  if (Conn* conn = Find(st, id)) EndPendingRead(cx, id, conn);
}

// socketStartTls(id, hostname) -> Promise<[remoteAddress, localAddress]> once the TLS handshake
// (verifying `hostname`) is done. An outstanding plaintext read resolves with undefined first.
v8::Local<v8::Value> SocketStartTls(OpContext& cx, double id, std::string hostname) {
  SocketState& st = State(cx.realm());
  OpScope scope(st);
  v8::Local<v8::Promise> promise;
  Conn* conn = Find(st, id);
  if (conn == nullptr) {
    auto resolver = v8::Promise::Resolver::New(cx.context()).ToLocalChecked();
    RejectWith(cx.isolate(), cx.context(), resolver, "The socket is closed.");
    return resolver->GetPromise();
  }
  EndPendingRead(cx, id, conn);
  conn = Find(st, id);
  if (conn == nullptr) {
    auto resolver = v8::Promise::Resolver::New(cx.context()).ToLocalChecked();
    RejectWith(cx.isolate(), cx.context(), resolver, "The socket is closed.");
    return resolver->GetPromise();
  }
  std::shared_ptr<io::TcpStream> stream = conn->stream;
  Waiter w = NewWaiter(cx, id, Kind::kOther, &promise);
  stream->StartTls(std::move(hostname), OpenedCallback(w, stream));
  return promise;
}

// socketClose(id): closes the connection at once and forgets the id. An outstanding read
// resolves with undefined; other pending operations reject.
void SocketClose(OpContext& cx, double id) {
  SocketState& st = State(cx.realm());
  OpScope scope(st);
  auto it = st.live.find(id);
  if (it == st.live.end()) return;
  std::shared_ptr<io::TcpStream> stream = std::move(it->second.stream);
  uint64_t read_key = it->second.read_key;
  std::set<uint64_t> keys = std::move(it->second.keys);
  st.live.erase(it);
  stream->Close();
  if (read_key != 0) SettleNow(cx, id, read_key, ResolveUndefined);
  for (uint64_t key : keys) {
    SettleNow(cx, id, key, [](v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                              v8::Local<v8::Promise::Resolver> resolver) {
      RejectWith(isolate, ctx, resolver, "The socket was closed.");
    });
  }
}

const jsg::OpDef kOps[] = {
    DW_OP("socketConnect", SocketConnect),
    DW_OP("socketRead", SocketRead),
    DW_OP("socketWrite", SocketWrite),
    DW_OP("socketShutdown", SocketShutdown),
    DW_OP("socketCancelRead", SocketCancelRead),
    DW_OP("socketStartTls", SocketStartTls),
    DW_OP("socketClose", SocketClose),
};

}  // namespace

bool SocketOpsInFlight(jsg::Realm& realm) { return !State(realm).pending.empty(); }

std::span<const jsg::OpDef> SocketOps() { return kOps; }

}  // namespace dw::api
