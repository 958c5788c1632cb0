#include "server/serve_command.h"

#include <unistd.h>
#include <uv.h>

#include <cstdio>

#include "api/http_serve.h"
#include "api/storage.h"
#include "io/http_server.h"
#include "runtime/disk_modules.h"
#include "runtime/worker.h"
#include "server/config.h"
#include "server/env.h"

namespace dw::server {
namespace {

using jsg::Str;

// Evaluates internal:serve and points it at the main module's default export.
bool InstallServeTarget(runtime::Worker& worker, const std::string& main_url,
                        const WorkerConfig& config) {
  jsg::Realm& realm = worker.realm();
  v8::Isolate* isolate = worker.isolate();
  jsg::Realm::CallbackScope scope(realm);
  v8::Local<v8::Context> ctx = realm.context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Promise> loaded;
  v8::Local<v8::Object> serve_ns, main_ns;
  v8::Local<v8::Value> set_target;
  if (!realm.modules().Evaluate("internal:serve").ToLocal(&loaded) ||
      !realm.modules().Namespace("internal:serve").ToLocal(&serve_ns) ||
      !realm.modules().Namespace(main_url).ToLocal(&main_ns) ||
      !serve_ns->Get(ctx, Str(isolate, "setServeTarget")).ToLocal(&set_target) ||
      !set_target->IsFunction()) {
    fprintf(stderr, "dynworker: internal error: cannot load the serve module%s%s\n",
            try_catch.HasCaught() ? ": " : "",
            try_catch.HasCaught() ? jsg::ToUtf8(isolate, try_catch.Exception()).c_str() : "");
    return false;
  }
  v8::Local<v8::Object> env;
  if (!BuildEnv(worker, &config).ToLocal(&env) || !SetMainModule(worker, main_url, env)) {
    fprintf(stderr, "dynworker: internal error: cannot build the worker's env%s%s\n",
            try_catch.HasCaught() ? ": " : "",
            try_catch.HasCaught() ? worker.Describe(try_catch.Exception()).c_str() : "");
    return false;
  }
  v8::Local<v8::Value> args[] = {main_ns, env};
  if (set_target.As<v8::Function>()->Call(ctx, v8::Undefined(isolate), 2, args).IsEmpty()) {
    fprintf(stderr, "dynworker serve: %s\n",
            jsg::ToUtf8(isolate, try_catch.Exception()).c_str());
    return false;
  }
  return true;
}

}  // namespace

int RunServe(const ServeCommandOptions& options) {
  auto config = LoadWorkerConfig(options.config);
  if (!config.ok()) {
    fprintf(stderr, "dynworker serve: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  api::SetStateDir(options.state_dir);
  io::EventLoop loop;
  runtime::WorkerOptions wo;
  wo.modules = std::make_unique<runtime::DiskModuleProvider>();
  auto worker = runtime::Worker::Create(loop, std::move(wo));
  std::string main_url = runtime::FileUrlForPath(config->main);
  absl::Status started = worker->Start(main_url);
  if (!started.ok()) {
    fprintf(stderr, "dynworker serve: the worker failed to start:\n%s\n",
            std::string(started.message()).c_str());
    return 1;
  }
  if (!InstallServeTarget(*worker, main_url, *config)) return 1;

  io::HttpServerOptions so;
  so.ip = options.ip;
  so.port = options.port;
  so.max_body_bytes = options.max_body_bytes;
  so.listen_fd = options.listen_fd;
  api::ServeOptions serve_options;
  serve_options.log_requests = options.log_requests;
  jsg::Realm* realm = &worker->realm();
  auto server = std::make_unique<io::HttpServer>(
      loop, so, [realm, serve_options](std::shared_ptr<io::HttpExchange> exchange) {
        api::DispatchHttpRequest(*realm, std::move(exchange), serve_options);
      });
  absl::Status listening = server->Listen();
  if (!listening.ok()) {
    fprintf(stderr, "dynworker serve: %s; pass another --port or stop what uses it\n",
                std::string(listening.message()).c_str());
    return 1;
  }
  std::string host = options.ip.find(':') != std::string::npos ? "[" + options.ip + "]" : options.ip;
  printf("[dynworker] Ready on http://%s:%d (%s)\n", host.c_str(), server->port(),
         config->main.c_str());
  fflush(stdout);

  // First SIGINT/SIGTERM: stop accepting and let in-flight requests finish. A second one
  // exits at once.
  struct Signals {
    uv_signal_t sigint, sigterm;
    io::HttpServer* server;
    bool draining = false;
    bool done = false;
    uint64_t first_ms = 0;
  } signals;
  signals.server = server.get();
  auto on_signal = [](uv_signal_t* handle, int signum) {
    auto* s = static_cast<Signals*>(handle->data);
    if (s->draining) {
      // One stop sent twice at once (systemd or `kill 0` signal the supervisor and this process,
      // and the supervisor passes its copy on) is not a second request to stop.
      if (uv_hrtime() / 1000000 - s->first_ms < 500) return;
      fprintf(stderr, "[dynworker] second signal: exiting now\n");
      _exit(130);
    }
    s->draining = true;
    s->first_ms = uv_hrtime() / 1000000;
    fprintf(stderr, "[dynworker] shutting down: waiting for %zu connection(s)\n",
            s->server->active_connections());
    s->server->Shutdown([s]() {
      s->done = true;
      uv_signal_stop(&s->sigint);
      uv_signal_stop(&s->sigterm);
    });
  };
  for (uv_signal_t* h : {&signals.sigint, &signals.sigterm}) {
    uv_signal_init(loop.uv(), h);
    h->data = &signals;
  }
  uv_signal_start(&signals.sigint, on_signal, SIGINT);
  uv_signal_start(&signals.sigterm, on_signal, SIGTERM);

  // The worker's own timers may keep the loop alive after shutdown: stop once it is done.
  while (!signals.done && loop.RunOnce()) {
  }
  server.reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&signals.sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&signals.sigterm), nullptr);
  uv_run(loop.uv(), UV_RUN_NOWAIT);
  fprintf(stderr, "[dynworker] stopped\n");
  return 0;
}

}  // namespace dw::server
