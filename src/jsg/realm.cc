#include "jsg/realm.h"

#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <climits>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "jsg/limits.h"
#include "jsg/modules.h"
#include "jsg/platform.h"

namespace dw::jsg {
namespace {
constexpr int kRealmSlot = 0;
std::atomic<int> next_realm_id{1};
// Realms by id, per thread: a realm is only ever used on the thread of its loop.
thread_local std::map<int, Realm*>* realms_by_id = nullptr;
}  // namespace

int Realm::ReserveId() { return next_realm_id.fetch_add(1); }

Realm* Realm::FromId(int id) {
  if (!realms_by_id) return nullptr;
  auto it = realms_by_id->find(id);
  return it == realms_by_id->end() ? nullptr : it->second;
}

v8::Local<v8::String> Str(v8::Isolate* isolate, std::string_view s) {
  return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(s.size()))
      .ToLocalChecked();
}

std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value utf8(isolate, value);
  if (*utf8 == nullptr) return "<unprintable>";
  return std::string(*utf8, utf8.length());
}

void OpContext::ThrowTypeError(std::string_view message) {
  threw_ = true;
  isolate()->ThrowException(v8::Exception::TypeError(Str(isolate(), message)));
}
void OpContext::ThrowRangeError(std::string_view message) {
  threw_ = true;
  isolate()->ThrowException(v8::Exception::RangeError(Str(isolate(), message)));
}
void OpContext::ThrowError(std::string_view message) {
  threw_ = true;
  isolate()->ThrowException(v8::Exception::Error(Str(isolate(), message)));
}
void OpContext::Throw(v8::Local<v8::Value> exception) {
  threw_ = true;
  isolate()->ThrowException(exception);
}

namespace internal {

std::string ArgError(const char* op, int index, const char* expected) {
  return absl::StrCat("internal op ", op, ": argument ", index + 1, " must be ", expected);
}

std::optional<Bytes> ArgTraits<Bytes>::Get(OpContext& cx, v8::Local<v8::Value> v, const char* op,
                                           int i) {
  Bytes b;
  b.holder = v;
  if (v->IsArrayBufferView()) {
    auto view = v.As<v8::ArrayBufferView>();
    auto store = view->Buffer()->GetBackingStore();
    b.data = static_cast<uint8_t*>(store->Data()) + view->ByteOffset();
    b.size = view->ByteLength();
    if (!store->Data()) b.data = nullptr;
    return b;
  }
  if (v->IsArrayBuffer()) {
    auto store = v.As<v8::ArrayBuffer>()->GetBackingStore();
    b.data = static_cast<uint8_t*>(store->Data());
    b.size = store->ByteLength();
    return b;
  }
  if (v->IsSharedArrayBuffer()) {
    auto store = v.As<v8::SharedArrayBuffer>()->GetBackingStore();
    b.data = static_cast<uint8_t*>(store->Data());
    b.size = store->ByteLength();
    return b;
  }
  cx.ThrowTypeError(ArgError(op, i, "an ArrayBuffer or ArrayBufferView"));
  return std::nullopt;
}

v8::Local<v8::Value> RetTraits<std::string>::Make(OpContext& cx, const std::string& v) {
  return Str(cx.isolate(), v);
}

Realm& RealmFromCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  return Realm::From(info.GetIsolate());
}

namespace {
thread_local std::vector<std::string>* op_trace = nullptr;
}  // namespace

void TraceOps(std::vector<std::string>* names) { op_trace = names; }

const char* OpNameFromCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  const char* name = static_cast<const OpDef*>(info.Data().As<v8::External>()->Value())->name;
  if (op_trace) op_trace->push_back(name);
  return name;
}

}  // namespace internal

// WebAssembly.compile / instantiate / new WebAssembly.Module from bytes: allowed where eval is,
// and always for a module of the worker's own bundle (WasmCompileScope). Without this callback
// V8 would allow wasm code generation even where eval is disallowed.
bool Realm::AllowWasmCodeGeneration(v8::Local<v8::Context> context, v8::Local<v8::String>) {
  Realm& realm = Realm::From(context->GetIsolate());
  return realm.embedder_wasm_compiles_ > 0 || context->IsCodeGenerationFromStringsAllowed();
}

void Realm::FreezeClockWhileRunning() {
  clock_frozen_ = true;
  TickFrozenClock();
  isolate_->SetData(kFrozenWallClockSlot, &frozen_wall_ms_);
}

void Realm::TickFrozenClock() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  // Whole milliseconds, as Date.now() gives them.
  frozen_wall_ms_ = static_cast<double>(tv.tv_sec) * 1000.0 + static_cast<double>(tv.tv_usec / 1000);
  frozen_hr_ns_ = uv_hrtime();
}

void Realm::SetLimits(std::unique_ptr<LimitEnforcer> limits) { limits_ = std::move(limits); }

bool Realm::condemned() const { return limits_ && limits_->condemned(); }

bool Realm::StoppedByLimit() const { return limits_ && limits_->stopped(); }

void Realm::StateLostToTermination() {
  if (limits_) limits_->Condemn(LimitKind::kCpu);
}

void Realm::DisallowCodeGeneration() {
  v8::HandleScope hs(isolate_);
  context()->AllowCodeGenerationFromStrings(false);
}

Realm::Realm(v8::Isolate* isolate, io::EventLoop& loop, std::span<const OpDef> ops,
             std::span<const BuiltinModule> builtins, int id, bool from_snapshot)
    : isolate_(isolate), loop_(loop), id_(id ? id : ReserveId()), ops_(ops) {
  if (!realms_by_id) realms_by_id = new std::map<int, Realm*>();
  (*realms_by_id)[id_] = this;
  isolate_->SetData(kRealmSlot, this);
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate_->SetPromiseRejectCallback(&Realm::PromiseRejectCallback);
  isolate_->SetCaptureStackTraceForUncaughtExceptions(true, 20);
  isolate_->SetAllowWasmCodeGenerationCallback(&Realm::AllowWasmCodeGeneration);
  v8::HandleScope hs(isolate_);
  v8::Local<v8::Context> context;
  // Context 0 of the snapshot is the bootstrapped one (the default context is a bare one).
  if (!from_snapshot || !v8::Context::FromSnapshot(isolate_, 0).ToLocal(&context)) {
    context = v8::Context::New(isolate_);
  }
  context_.Reset(isolate_, context);
  modules_ = std::make_unique<ModuleRegistry>(*this, builtins);
  if (from_snapshot && !RestoreFromSnapshot(context)) {
    // The snapshot does not match this binary's tables: a bug, not a user error.
    fprintf(stderr, "dynworker: internal error: the startup snapshot could not be restored\n");
    abort();
  }
  // After each V8 platform task (GC finalizers, Atomics.waitAsync, wasm compiles): the
  // microtasks it queued, in a CallbackScope like any other entry, so they run with the isolate
  // entered (Date.now() finds a dynamic worker's frozen clock) and the clock ticks as for I/O.
  RegisterIsolate(isolate_, &loop_, [this]() { CallbackScope scope(*this); });
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd))) cwd_url_ = absl::StrCat("file://", cwd, "/");
}

Realm::~Realm() {
  isolate_->SetData(kFrozenWallClockSlot, nullptr);  // points into this object
  limits_.reset();  // first: the watchdog must not interrupt an isolate being torn down
  realms_by_id->erase(id_);
  slots_.clear();
  UnregisterIsolate(isolate_);
  pending_rejections_.clear();
  hooks_.clear();
  modules_.reset();
  ops_object_.Reset();
  context_.Reset();
  isolate_->SetData(kRealmSlot, nullptr);
}

// Data layout of the snapshot's context: 0 = the ops object, 1 = an object of the hooks by
// name, then the modules (ModuleRegistry::AddToSnapshot).
void Realm::AddToSnapshot(v8::SnapshotCreator& creator) {
  v8::Local<v8::Context> ctx = context();
  creator.AddData(ctx, OpsObject());
  v8::Local<v8::Object> hooks = v8::Object::New(isolate_, v8::Null(isolate_), nullptr, nullptr, 0);
  for (const auto& [name, value] : hooks_) {
    hooks->CreateDataProperty(ctx, Str(isolate_, name), value.Get(isolate_)).Check();
  }
  creator.AddData(ctx, hooks);
  modules_->AddToSnapshot(creator, ctx);
}

bool Realm::RestoreFromSnapshot(v8::Local<v8::Context> context) {
  v8::Context::Scope cs(context);
  restored_ = true;
  v8::Local<v8::Object> ops;
  if (!context->GetDataFromSnapshotOnce<v8::Object>(0).ToLocal(&ops)) return false;
  ops_object_.Reset(isolate_, ops);
  v8::Local<v8::Object> hooks;
  if (!context->GetDataFromSnapshotOnce<v8::Object>(1).ToLocal(&hooks)) return false;
  v8::Local<v8::Array> names;
  if (!hooks->GetOwnPropertyNames(context).ToLocal(&names)) return false;
  for (uint32_t i = 0; i < names->Length(); ++i) {
    v8::Local<v8::Value> name = names->Get(context, i).ToLocalChecked();
    hooks_[ToUtf8(isolate_, name)].Reset(isolate_, hooks->Get(context, name).ToLocalChecked());
  }
  size_t index = 2;
  return modules_->RestoreFromSnapshot(context, &index);
}

Realm& Realm::From(v8::Isolate* isolate) {
  return *static_cast<Realm*>(isolate->GetData(kRealmSlot));
}

v8::Local<v8::Object> Realm::OpsObject() {
  if (!ops_object_.IsEmpty()) return ops_object_.Get(isolate_);
  v8::EscapableHandleScope hs(isolate_);
  v8::Local<v8::Context> ctx = context();
  v8::Local<v8::Object> obj = v8::Object::New(isolate_, v8::Null(isolate_), nullptr, nullptr, 0);
  for (const OpDef& op : ops_) {
    auto data = v8::External::New(isolate_, const_cast<OpDef*>(&op));
    auto fn = v8::Function::New(ctx, op.callback, data, op.length, v8::ConstructorBehavior::kThrow)
                  .ToLocalChecked();
    fn->SetName(Str(isolate_, op.name));
    obj->DefineOwnProperty(ctx, Str(isolate_, op.name), fn,
                           static_cast<v8::PropertyAttribute>(v8::ReadOnly | v8::DontDelete))
        .Check();
  }
  obj->SetIntegrityLevel(ctx, v8::IntegrityLevel::kFrozen).Check();
  ops_object_.Reset(isolate_, obj);
  return hs.Escape(obj);
}

void Realm::SetHook(const std::string& name, v8::Local<v8::Value> value) {
  hooks_[name].Reset(isolate_, value);
}

v8::Local<v8::Value> Realm::GetHook(const std::string& name) {
  auto it = hooks_.find(name);
  if (it == hooks_.end()) return v8::Undefined(isolate_);
  return it->second.Get(isolate_);
}

bool Realm::DefineLazyGlobal(v8::Local<v8::String> name) {
  // The loader is a hook, not the accessor's data: V8 serializes AccessorInfos in the
  // snapshot's isolate part, which cannot hold a function of the context (V8 10.2 then
  // serializes the context's objects twice and crashes).
  v8::Local<v8::Context> ctx = context();
  return ctx->Global()
      ->SetLazyDataProperty(ctx, name, &internal::LazyGlobalGetter, {}, v8::DontEnum)
      .FromMaybe(false);
}

namespace internal {

void LazyGlobalGetter(v8::Local<v8::Name> name, const v8::PropertyCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Value> hook = Realm::From(isolate).GetHook("lazyGlobal");
  if (!hook->IsFunction()) return;
  v8::Local<v8::Value> arg = name;
  v8::Local<v8::Value> value;
  // An exception the hook throws stays pending: the read throws it.
  if (hook.As<v8::Function>()
          ->Call(isolate->GetCurrentContext(), v8::Undefined(isolate), 1, &arg)
          .ToLocal(&value)) {
    info.GetReturnValue().Set(value);
  }
}

}  // namespace internal

void Realm::CallHook(const char* name, int argc, v8::Local<v8::Value>* argv) {
  if (StoppedByLimit()) return;  // no JS until the turn ends
  v8::Local<v8::Value> hook = GetHook(name);
  if (!hook->IsFunction()) return;
  v8::TryCatch try_catch(isolate_);
  if (hook.As<v8::Function>()->Call(context(), v8::Undefined(isolate_), argc, argv).IsEmpty() &&
      try_catch.HasCaught() && !try_catch.HasTerminated()) {
    ReportUncaught(try_catch.Exception(), false);
  }
}

void Realm::Log(LogLevel level, std::string_view text) {
  if (log_sink_) {
    log_sink_(level, text);
    return;
  }
  FILE* out = level >= LogLevel::kWarn ? stderr : stdout;
  fwrite(text.data(), 1, text.size(), out);
  fputc('\n', out);
  fflush(out);
}

Realm::CallbackScope::CallbackScope(Realm& realm)
    : realm_(realm),
      isolate_scope_(realm.isolate_),
      handles_(realm.isolate_),
      context_scope_(realm.context()) {
  if (realm_.callback_depth_++ == 0) {
    // Entered from the event loop (not from inside its own JS): the clock may move on.
    if (realm_.clock_frozen_) realm_.TickFrozenClock();
    if (realm_.limits_) realm_.limits_->EnterTurn();
  }
}

Realm::CallbackScope::~CallbackScope() {
  if (--realm_.callback_depth_ == 0) {
    realm_.PerformCheckpoint();
    // After the checkpoint: a request stopped in it is failed here (or the isolate condemned).
    if (realm_.limits_) realm_.limits_->ExitTurn();
  }
}

void Realm::PerformCheckpoint() {
  // Not while a limit has stopped this realm's JS: V8 forgets a termination once it has unwound
  // to the outermost call, and the checkpoint would run the rest unchecked.
  if (in_checkpoint_ || isolate_->IsExecutionTerminating() || StoppedByLimit()) return;
  in_checkpoint_ = true;
  isolate_->PerformMicrotaskCheckpoint();
  // Report rejections that stayed unhandled through the whole checkpoint. Reporting runs JS
  // (console), which may queue more microtasks and rejections: loop until quiet.
  while (!pending_rejections_.empty() && !isolate_->IsExecutionTerminating() && !StoppedByLimit()) {
    auto batch = std::move(pending_rejections_);
    pending_rejections_.clear();
    for (auto& [promise, reason] : batch) {
      ReportUncaught(reason.Get(isolate_), /*in_promise=*/true);
    }
    isolate_->PerformMicrotaskCheckpoint();
  }
  in_checkpoint_ = false;
}

void Realm::MarkHandled(v8::Local<v8::Promise> promise) {
  promise->MarkAsHandled();
  for (auto it = pending_rejections_.begin(); it != pending_rejections_.end(); ++it) {
    if (it->first.Get(isolate_) == promise) {
      pending_rejections_.erase(it);
      break;
    }
  }
}

void Realm::PromiseRejectCallback(v8::PromiseRejectMessage message) {
  v8::Local<v8::Promise> promise = message.GetPromise();
  v8::Isolate* isolate = promise->GetIsolate();
  Realm& realm = From(isolate);
  switch (message.GetEvent()) {
    case v8::kPromiseRejectWithNoHandler:
      realm.pending_rejections_.emplace_back(v8::Global<v8::Promise>(isolate, promise),
                                             v8::Global<v8::Value>(isolate, message.GetValue()));
      break;
    case v8::kPromiseHandlerAddedAfterReject: {
      auto& list = realm.pending_rejections_;
      for (auto it = list.begin(); it != list.end(); ++it) {
        if (it->first.Get(isolate) == promise) {
          list.erase(it);
          break;
        }
      }
      break;
    }
    default:
      break;
  }
}

void Realm::ReportUncaught(v8::Local<v8::Value> exception, bool in_promise) {
  v8::HandleScope hs(isolate_);
  v8::Local<v8::Context> ctx = context();
  v8::Local<v8::Value> hook = GetHook("reportError");
  if (hook->IsFunction()) {
    v8::TryCatch try_catch(isolate_);
    v8::Local<v8::Value> args[] = {exception, v8::Boolean::New(isolate_, in_promise)};
    if (!hook.As<v8::Function>()->Call(ctx, v8::Undefined(isolate_), 2, args).IsEmpty()) return;
    if (try_catch.HasTerminated()) {
      try_catch.ReThrow();
      return;
    }
  }
  Log(LogLevel::kError, absl::StrCat(in_promise ? "Uncaught (in promise) " : "Uncaught ",
                                     ToUtf8(isolate_, exception)));
}

void Realm::ThrowDOMException(std::string_view message, std::string_view name) {
  v8::Local<v8::Context> ctx = context();
  v8::Local<v8::Value> cls = GetHook("DOMException");
  if (cls->IsFunction()) {
    v8::Local<v8::Value> args[] = {Str(isolate_, message), Str(isolate_, name)};
    v8::Local<v8::Object> error;
    if (cls.As<v8::Function>()->NewInstance(ctx, 2, args).ToLocal(&error)) {
      isolate_->ThrowException(error);
    }
    return;  // NewInstance failing left its own exception pending
  }
  isolate_->ThrowException(v8::Exception::Error(Str(isolate_, message)));
}

std::string Realm::DisplayName(std::string_view url) const {
  if (!cwd_url_.empty() && url.substr(0, cwd_url_.size()) == cwd_url_) {
    return std::string(url.substr(cwd_url_.size()));
  }
  constexpr std::string_view kBundle = "file:///bundle/";
  if (url.substr(0, kBundle.size()) == kBundle) return std::string(url.substr(kBundle.size()));
  if (url.substr(0, 7) == "file://") return std::string(url.substr(7));
  return std::string(url);
}

std::string Realm::LocationFromStack(const std::string& stack) {
  // Frames look like "    at fn (file:///a/b.js:3:7)" or "    at file:///a/b.js:3:7".
  size_t pos = stack.find("file://");
  if (pos == std::string::npos) return "";
  size_t end = stack.find_first_of(")\n", pos);
  std::string frame = stack.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  size_t c2 = frame.rfind(':');
  if (c2 == std::string::npos || c2 == 0) return "";
  size_t c1 = frame.rfind(':', c2 - 1);
  if (c1 == std::string::npos) return "";
  std::string url = frame.substr(0, c1);
  int line = atoi(frame.c_str() + c1 + 1);
  int column = atoi(frame.c_str() + c2 + 1);
  if (line <= 0 || column <= 0) return "";
  std::string out = absl::StrCat(DisplayName(url), ":", line, ":", column, "\n");
  std::string src = modules_->SourceLine(url, line);
  if (!src.empty() && src.size() <= 300 && static_cast<size_t>(column) <= src.size() + 1) {
    absl::StrAppend(&out, src, "\n", std::string(column - 1, ' '), "^\n");
  }
  return out;
}

std::string Realm::FormatException(v8::Local<v8::Value> exception,
                                   v8::Local<v8::Message> message) {
  v8::HandleScope hs(isolate_);
  v8::Local<v8::Context> ctx = context();
  std::string out;
  if (!message.IsEmpty()) {
    std::string where = DisplayName(ToUtf8(isolate_, message->GetScriptResourceName()));
    int line = message->GetLineNumber(ctx).FromMaybe(0);
    int start = message->GetStartColumn(ctx).FromMaybe(-1);
    if (line > 0 && start >= 0 && !where.empty() && where != "undefined") {
      absl::StrAppend(&out, where, ":", line, ":", start + 1, "\n");
      v8::Local<v8::String> source_line;
      if (message->GetSourceLine(ctx).ToLocal(&source_line)) {
        std::string src = ToUtf8(isolate_, source_line);
        int end = std::max(start + 1, message->GetEndColumn(ctx).FromMaybe(start + 1));
        if (src.size() <= 300 && static_cast<size_t>(start) <= src.size()) {
          absl::StrAppend(&out, src, "\n", std::string(start, ' '), std::string(end - start, '^'),
                          "\n");
        }
      }
    }
  }
  std::string text;
  if (exception->IsObject()) {
    v8::Local<v8::Value> stack;
    v8::TryCatch try_catch(isolate_);
    if (exception.As<v8::Object>()->Get(ctx, Str(isolate_, "stack")).ToLocal(&stack) &&
        stack->IsString()) {
      text = ToUtf8(isolate_, stack);
    }
  }
  if (out.empty() && !text.empty()) {
    // No message location (the error is reported after the fact, e.g. a rejected top-level
    // await): take it from the first user frame of the stack.
    absl::StrAppend(&out, LocationFromStack(text));
  }
  if (text.empty()) text = ToUtf8(isolate_, exception);
  absl::StrAppend(&out, "Uncaught ", text);
  return out;
}

}  // namespace dw::jsg
