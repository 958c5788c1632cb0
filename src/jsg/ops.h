// The one way C++ is exposed to JavaScript: "ops", plain C++ functions with typed parameters,
// collected into the `internal:ops` module that only the runtime's own JS can import.
//
//   double Add(jsg::OpContext& cx, double a, double b) { return a + b; }
//   constexpr jsg::OpDef kMathOps[] = { DW_OP(Add) };
//
// Argument conversion and its TypeErrors are generated from the C++ signature here, never
// written by hand per op. User-facing argument validation (WebIDL messages) belongs in the JS
// that wraps an op; an op's own checks are a last line of defence.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jsg/v8.h"

namespace dw::jsg {

class Realm;

// What an op sees of its caller.
class OpContext {
 public:
  OpContext(const v8::FunctionCallbackInfo<v8::Value>& info, Realm& realm)
      : info_(info), realm_(realm) {}
  v8::Isolate* isolate() const { return info_.GetIsolate(); }
  v8::Local<v8::Context> context() const { return isolate()->GetCurrentContext(); }
  Realm& realm() const { return realm_; }

  // After a Throw*, the op's return value is ignored. An op returning a v8::Local may instead
  // return an empty handle when V8 already has an exception pending.
  void ThrowTypeError(std::string_view message);
  void ThrowRangeError(std::string_view message);
  void ThrowError(std::string_view message);
  void Throw(v8::Local<v8::Value> exception);
  bool threw() const { return threw_; }

 private:
  const v8::FunctionCallbackInfo<v8::Value>& info_;
  Realm& realm_;
  bool threw_ = false;
};

// Bytes of an ArrayBuffer, SharedArrayBuffer or ArrayBufferView. Valid only during the op's
// synchronous run: copy before any asynchronous step (GC may move or free the store after).
struct Bytes {
  uint8_t* data = nullptr;
  size_t size = 0;
  v8::Local<v8::Value> holder;
  std::span<uint8_t> span() const { return {data, size}; }
};

namespace internal {

// Converts argument `i` of op `op`; on failure throws a TypeError and returns nullopt.
template <typename T>
struct ArgTraits;

std::string ArgError(const char* op, int index, const char* expected);

template <>
struct ArgTraits<double> {
  static std::optional<double> Get(OpContext& cx, v8::Local<v8::Value> v, const char* op, int i) {
    if (v->IsNumber()) return v.As<v8::Number>()->Value();
    cx.ThrowTypeError(ArgError(op, i, "a number"));
    return std::nullopt;
  }
};
template <>
struct ArgTraits<int64_t> {
  static std::optional<int64_t> Get(OpContext& cx, v8::Local<v8::Value> v, const char* op, int i) {
    if (v->IsNumber()) return static_cast<int64_t>(v.As<v8::Number>()->Value());
    cx.ThrowTypeError(ArgError(op, i, "a number"));
    return std::nullopt;
  }
};
template <>
struct ArgTraits<bool> {
  static std::optional<bool> Get(OpContext& cx, v8::Local<v8::Value> v, const char*, int) {
    return v->BooleanValue(cx.isolate());
  }
};
template <>
struct ArgTraits<std::string> {
  static std::optional<std::string> Get(OpContext& cx, v8::Local<v8::Value> v, const char* op,
                                        int i) {
    if (!v->IsString()) {
      cx.ThrowTypeError(ArgError(op, i, "a string"));
      return std::nullopt;
    }
    v8::String::Utf8Value utf8(cx.isolate(), v);
    return std::string(*utf8, utf8.length());
  }
};
template <>
struct ArgTraits<v8::Local<v8::Value>> {
  static std::optional<v8::Local<v8::Value>> Get(OpContext&, v8::Local<v8::Value> v, const char*,
                                                 int) {
    return v;
  }
};
template <>
struct ArgTraits<v8::Local<v8::String>> {
  static std::optional<v8::Local<v8::String>> Get(OpContext& cx, v8::Local<v8::Value> v,
                                                  const char* op, int i) {
    if (v->IsString()) return v.As<v8::String>();
    cx.ThrowTypeError(ArgError(op, i, "a string"));
    return std::nullopt;
  }
};
template <>
struct ArgTraits<v8::Local<v8::Function>> {
  static std::optional<v8::Local<v8::Function>> Get(OpContext& cx, v8::Local<v8::Value> v,
                                                    const char* op, int i) {
    if (v->IsFunction()) return v.As<v8::Function>();
    cx.ThrowTypeError(ArgError(op, i, "a function"));
    return std::nullopt;
  }
};
template <>
struct ArgTraits<v8::Local<v8::Object>> {
  static std::optional<v8::Local<v8::Object>> Get(OpContext& cx, v8::Local<v8::Value> v,
                                                  const char* op, int i) {
    if (v->IsObject()) return v.As<v8::Object>();
    cx.ThrowTypeError(ArgError(op, i, "an object"));
    return std::nullopt;
  }
};
template <>
struct ArgTraits<Bytes> {
  static std::optional<Bytes> Get(OpContext& cx, v8::Local<v8::Value> v, const char* op, int i);
};

template <typename T>
struct RetTraits;
template <>
struct RetTraits<double> {
  static v8::Local<v8::Value> Make(OpContext& cx, double v) { return v8::Number::New(cx.isolate(), v); }
};
template <>
struct RetTraits<int64_t> {
  static v8::Local<v8::Value> Make(OpContext& cx, int64_t v) {
    return v8::Number::New(cx.isolate(), static_cast<double>(v));
  }
};
template <>
struct RetTraits<bool> {
  static v8::Local<v8::Value> Make(OpContext& cx, bool v) { return v8::Boolean::New(cx.isolate(), v); }
};
template <>
struct RetTraits<std::string> {
  static v8::Local<v8::Value> Make(OpContext& cx, const std::string& v);
};
template <typename T>
struct RetTraits<v8::Local<T>> {
  static v8::Local<v8::Value> Make(OpContext&, v8::Local<T> v) { return v; }
};

template <typename T>
using Bare = std::remove_cvref_t<T>;

template <typename Sig>
struct OpSignature;
template <typename R, typename... A>
struct OpSignature<R (*)(OpContext&, A...)> {
  using Ret = R;
  using Args = std::tuple<Bare<A>...>;
  static constexpr int kArity = sizeof...(A);
};

Realm& RealmFromCallback(const v8::FunctionCallbackInfo<v8::Value>& info);

const char* OpNameFromCallback(const v8::FunctionCallbackInfo<v8::Value>& info);

// While `names` is set, every op this thread calls appends its name (the startup snapshot
// records what the bootstrap calls: see jsg/snapshot.h). Null to stop.
void TraceOps(std::vector<std::string>* names);

template <auto Fn>
void Trampoline(const v8::FunctionCallbackInfo<v8::Value>& info) {
  using Sig = OpSignature<decltype(Fn)>;
  OpContext cx(info, RealmFromCallback(info));
  const char* Name = OpNameFromCallback(info);
  typename Sig::Args args;
  bool ok = true;
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((ok = ok && [&] {
       auto v = ArgTraits<std::tuple_element_t<I, typename Sig::Args>>::Get(cx, info[I], Name, I);
       if (!v) return false;
       std::get<I>(args) = std::move(*v);
       return true;
     }()),
     ...);
  }(std::make_index_sequence<Sig::kArity>());
  if (!ok) return;
  if constexpr (std::is_void_v<typename Sig::Ret>) {
    std::apply([&](auto&&... a) { Fn(cx, std::move(a)...); }, std::move(args));
  } else {
    auto result = std::apply([&](auto&&... a) { return Fn(cx, std::move(a)...); }, std::move(args));
    if (cx.threw()) return;
    if constexpr (requires { result.has_value(); *result; }) {
      // std::optional<T>: nullopt is `undefined`.
      if (result) info.GetReturnValue().Set(RetTraits<Bare<decltype(*result)>>::Make(cx, *result));
    } else if constexpr (requires { result.IsEmpty(); }) {
      // An empty handle means "an exception is pending" (thrown by V8 or by a helper).
      if (!result.IsEmpty()) info.GetReturnValue().Set(result);
    } else {
      info.GetReturnValue().Set(RetTraits<Bare<decltype(result)>>::Make(cx, result));
    }
  }
}

}  // namespace internal

struct OpDef {
  const char* name;
  v8::FunctionCallback callback;
  int length;
};

}  // namespace dw::jsg

// DW_OP("name", Fn): an op entry for a table. The callback's data is the OpDef itself, which
// is how a trampoline learns its op's name for error messages.
#define DW_OP(js_name, Fn) \
  ::dw::jsg::OpDef { js_name, &::dw::jsg::internal::Trampoline<&Fn>, \
                     ::dw::jsg::internal::OpSignature<decltype(&Fn)>::kArity }
