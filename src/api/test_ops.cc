// `dynworker serve` as a child process of a test (dynworker:test's spawnServe): this same
// binary, started with libuv, its output on pipes. The promise of testServeStart settles when the
// child prints its "Ready on http://..." line (or exits first, with what it wrote to stderr);
// testServeStop sends SIGTERM and settles when it has exited. Children still running when the
// test's realm goes away are killed.
#include "api/test_ops.h"

#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <climits>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/storage.h"
#include "jsg/realm.h"

extern char** environ;

namespace dw::api {
namespace {

using jsg::OpContext;

std::atomic<bool> test_ops_enabled{false};

constexpr size_t kKeepOutput = 64 * 1024;

struct TestOpsState;

struct ServeChild {
  uv_process_t process;
  uv_pipe_t out;
  uv_pipe_t err;
  int open_handles = 0;
  double id = 0;
  std::string output;  // stdout and stderr, interleaved as read (the last 64 KiB)
  std::string stdout_line;  // stdout since the last newline, until ready
  bool ready = false;
  bool exited = false;
  int open_pipes = 2;  // until each reads its end
  int64_t exit_status = 0;
  int term_signal = 0;
  TestOpsState* state = nullptr;  // null once the realm is gone
  v8::Global<v8::Promise::Resolver> on_ready;
  v8::Global<v8::Promise::Resolver> on_exit;
};

struct TestOpsState {
  jsg::Realm* realm = nullptr;
  std::map<double, ServeChild*> children;
  double next_id = 1;
  ~TestOpsState() {
    for (auto& [id, child] : children) {
      child->on_ready.Reset();
      child->on_exit.Reset();
      child->state = nullptr;
      if (!child->exited) uv_process_kill(&child->process, SIGKILL);
    }
  }
};

TestOpsState& State(jsg::Realm& realm) {
  TestOpsState& st = realm.Slot<TestOpsState>();
  st.realm = &realm;
  return st;
}

void Keep(ServeChild* c, const char* data, size_t n) {
  c->output.append(data, n);
  if (c->output.size() > kKeepOutput) c->output.erase(0, c->output.size() - kKeepOutput);
}

void OnClosed(uv_handle_t* handle) {
  auto* c = static_cast<ServeChild*>(handle->data);
  if (--c->open_handles == 0) delete c;
}

void CloseAll(ServeChild* c) {
  if (c->state != nullptr) c->state->children.erase(c->id);
  c->state = nullptr;
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&c->process),
                         reinterpret_cast<uv_handle_t*>(&c->out),
                         reinterpret_cast<uv_handle_t*>(&c->err)}) {
    if (!uv_is_closing(h)) uv_close(h, OnClosed);
  }
}

// Settles `resolver` of `c` in its realm with `make(isolate)`; nothing when the realm is gone.
template <typename F>
void Settle(ServeChild* c, v8::Global<v8::Promise::Resolver>& resolver, bool resolve, F&& make) {
  if (c->state == nullptr || resolver.IsEmpty()) return;
  jsg::Realm& realm = *c->state->realm;
  v8::Global<v8::Promise::Resolver> r = std::move(resolver);
  jsg::Realm::CallbackScope scope(realm);
  v8::Isolate* isolate = realm.isolate();
  v8::Local<v8::Value> value = make(isolate);
  if (resolve) {
    (void)r.Get(isolate)->Resolve(realm.context(), value);
  } else {
    (void)r.Get(isolate)->Reject(realm.context(), value);
  }
}

void OnAlloc(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
  buf->base = new char[suggested];
  buf->len = suggested;
}

void Finish(ServeChild* c);

void OnRead(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<ServeChild*>(stream->data);
  std::unique_ptr<char[]> data(buf->base);
  if (n < 0) {
    uv_read_stop(stream);
    c->open_pipes--;
    Finish(c);
    return;
  }
  Keep(c, buf->base, static_cast<size_t>(n));
  if (c->ready || stream != reinterpret_cast<uv_stream_t*>(&c->out)) return;
  c->stdout_line.append(buf->base, static_cast<size_t>(n));
  size_t nl;
  while ((nl = c->stdout_line.find('\n')) != std::string::npos) {
    std::string line = c->stdout_line.substr(0, nl);
    c->stdout_line.erase(0, nl + 1);
    // "[dynworker] Ready on http://127.0.0.1:PORT (main)"
    size_t at = line.find("Ready on http://");
    if (at == std::string::npos) continue;
    std::string url = line.substr(at + 9);
    url = url.substr(0, url.find(' '));
    c->ready = true;
    Settle(c, c->on_ready, true, [&](v8::Isolate* isolate) -> v8::Local<v8::Value> {
      v8::Local<v8::Value> pair[] = {v8::Number::New(isolate, c->id), jsg::Str(isolate, url + "/")};
      return v8::Array::New(isolate, pair, 2);
    });
    return;
  }
}

void OnExit(uv_process_t* process, int64_t exit_status, int term_signal) {
  auto* c = static_cast<ServeChild*>(process->data);
  c->exited = true;
  c->exit_status = exit_status;
  c->term_signal = term_signal;
  Finish(c);
}

// Once the child has exited and both pipes are drained (so its last words are in `output`).
void Finish(ServeChild* c) {
  if (!c->exited || c->open_pipes > 0) return;
  int64_t exit_status = c->exit_status;
  int term_signal = c->term_signal;
  if (!c->ready) {
    std::string why = term_signal ? absl::StrCat("was killed by signal ", term_signal)
                                  : absl::StrCat("exited with status ", exit_status);
    Settle(c, c->on_ready, false, [&](v8::Isolate* isolate) -> v8::Local<v8::Value> {
      return v8::Exception::Error(jsg::Str(
          isolate, absl::StrCat("dynworker serve ", why, " before it was ready:\n", c->output)));
    });
  }
  Settle(c, c->on_exit, true, [&](v8::Isolate* isolate) -> v8::Local<v8::Value> {
    v8::Local<v8::Value> pair[] = {v8::Number::New(isolate, static_cast<double>(exit_status)),
                                   v8::Number::New(isolate, term_signal)};
    return v8::Array::New(isolate, pair, 2);
  });
  CloseAll(c);
}

bool Refused(OpContext& cx, const char* op) {
  if (RefusedInDynamicWorker(cx, op)) return true;
  if (!test_ops_enabled.load()) {
    cx.ThrowError(absl::StrCat("internal op ", op, " is only available under dynworker test"));
    return true;
  }
  return false;
}

// testServeStart(args) -> Promise<[id, url]>: runs `dynworker serve ARGS...` (this binary, no
// supervisor); `url` is the one it prints when ready ("http://127.0.0.1:PORT/").
v8::Local<v8::Value> TestServeStart(OpContext& cx, v8::Local<v8::Value> args_value) {
  if (Refused(cx, "testServeStart")) return {};
  if (!args_value->IsArray()) {
    cx.ThrowTypeError("internal op testServeStart: args must be an array of strings");
    return {};
  }
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (len <= 0) {
    cx.ThrowError("testServeStart: cannot find this program's path");
    return {};
  }
  exe[len] = '\0';
  std::vector<std::string> args = {exe, "serve"};
  auto list = args_value.As<v8::Array>();
  for (uint32_t i = 0; i < list->Length(); ++i) {
    v8::Local<v8::Value> v;
    if (!list->Get(ctx, i).ToLocal(&v)) return {};
    if (!v->IsString()) {
      cx.ThrowTypeError("internal op testServeStart: args must be an array of strings");
      return {};
    }
    args.push_back(jsg::ToUtf8(isolate, v));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (strncmp(*e, "DYNWORKER_NO_SUPERVISOR=", 24) != 0) env_strings.push_back(*e);
  }
  env_strings.push_back("DYNWORKER_NO_SUPERVISOR=1");
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  TestOpsState& st = State(cx.realm());
  uv_loop_t* loop = cx.realm().loop().uv();
  auto* c = new ServeChild();
  c->id = st.next_id++;
  uv_pipe_init(loop, &c->out, 0);
  uv_pipe_init(loop, &c->err, 0);
  c->out.data = c->err.data = c->process.data = c;
  c->open_handles = 2;
  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&c->out);
  stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&c->err);
  uv_process_options_t options{};
  options.exit_cb = OnExit;
  options.file = exe;
  options.args = argv.data();
  options.env = envp.data();
  options.stdio_count = 3;
  options.stdio = stdio;
  int rc = uv_spawn(loop, &c->process, &options);
  if (rc != 0) {
    // The process handle must be closed even when uv_spawn failed.
    c->open_handles++;
    for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&c->out),
                           reinterpret_cast<uv_handle_t*>(&c->err),
                           reinterpret_cast<uv_handle_t*>(&c->process)}) {
      uv_close(h, OnClosed);
    }
    cx.ThrowError(absl::StrCat("testServeStart: cannot start ", exe, ": ", uv_strerror(rc)));
    return {};
  }
  c->open_handles++;
  c->state = &st;
  st.children[c->id] = c;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->out), OnAlloc, OnRead);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->err), OnAlloc, OnRead);
  auto resolver = v8::Promise::Resolver::New(ctx).ToLocalChecked();
  c->on_ready.Reset(isolate, resolver);
  return resolver->GetPromise();
}

// testServeStop(id, kill) -> Promise<[exitStatus, termSignal]>: SIGTERM (a graceful stop), or
// SIGKILL when `kill` (a crash), settled once the child has exited.
v8::Local<v8::Value> TestServeStop(OpContext& cx, double id, bool kill) {
  if (Refused(cx, "testServeStop")) return {};
  auto resolver = v8::Promise::Resolver::New(cx.context()).ToLocalChecked();
  TestOpsState& st = State(cx.realm());
  auto it = st.children.find(id);
  if (it == st.children.end()) {
    (void)resolver->Reject(cx.context(),
                           v8::Exception::Error(jsg::Str(cx.isolate(), "this server has already stopped")));
    return resolver->GetPromise();
  }
  ServeChild* c = it->second;
  c->on_exit.Reset(cx.isolate(), resolver);
  uv_process_kill(&c->process, kill ? SIGKILL : SIGTERM);
  return resolver->GetPromise();
}

// testServeOutput(id) -> what the child wrote to stdout and stderr so far (the last 64 KiB), or
// undefined once it has exited and been forgotten.
v8::Local<v8::Value> TestServeOutput(OpContext& cx, double id) {
  if (Refused(cx, "testServeOutput")) return {};
  TestOpsState& st = State(cx.realm());
  auto it = st.children.find(id);
  if (it == st.children.end()) return v8::Undefined(cx.isolate());
  return jsg::Str(cx.isolate(), it->second->output);
}

// testOpsEnabled() -> whether this is `dynworker test` (dynworker:test's test-only helpers).
bool TestOpsEnabled(OpContext& cx) { return test_ops_enabled.load() && cx.realm().limits() == nullptr; }

constexpr jsg::OpDef kOps[] = {
    DW_OP("testOpsEnabled", TestOpsEnabled),
    DW_OP("testServeStart", TestServeStart),
    DW_OP("testServeStop", TestServeStop),
    DW_OP("testServeOutput", TestServeOutput),
};

}  // namespace

void EnableTestOps() { test_ops_enabled.store(true); }

std::span<const jsg::OpDef> TestOps() { return kOps; }

}  // namespace dw::api
