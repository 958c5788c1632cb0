#include "api/address_denial.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

using jsg::OpContext;
using jsg::Str;

// Building the Error can only fail while the isolate is terminating; the Error is then moot.
void Ignore(v8::Maybe<bool>) {}

// The mark of a runtime-made denial: a private symbol, which no JS (user code or ours) can name,
// read or set; only the isAddressDenial op reads it.
v8::Local<v8::Private> DenialMark(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate, Str(isolate, "dynworker:addressDenial"));
}

// isAddressDenial(value) -> boolean
bool IsAddressDenial(OpContext& cx, v8::Local<v8::Value> value) {
  if (!value->IsObject()) return false;
  return value.As<v8::Object>()->HasPrivate(cx.context(), DenialMark(cx.isolate())).FromMaybe(false);
}

const jsg::OpDef kOps[] = {
    DW_OP("isAddressDenial", IsAddressDenial),
};

}  // namespace

bool AddressFilterArg(OpContext& cx, v8::Local<v8::Value> cidrs,
                      std::shared_ptr<const io::AddressFilter>* filter) {
  filter->reset();
  if (cidrs->IsNullOrUndefined()) return true;
  constexpr std::string_view kNotStrings =
      "internal op: the denied CIDR blocks must be an array of strings";
  if (!cidrs->IsArray()) {
    cx.ThrowTypeError(kNotStrings);
    return false;
  }
  v8::Local<v8::Array> array = cidrs.As<v8::Array>();
  v8::Local<v8::Context> context = cx.context();
  std::vector<std::string> texts;
  for (uint32_t i = 0; i < array->Length(); i++) {
    v8::Local<v8::Value> item;
    if (!array->Get(context, i).ToLocal(&item)) return false;  // an exception is pending
    if (!item->IsString()) {
      cx.ThrowTypeError(kNotStrings);
      return false;
    }
    texts.push_back(jsg::ToUtf8(cx.isolate(), item));
  }
  if (texts.empty()) return true;
  absl::StatusOr<std::shared_ptr<const io::AddressFilter>> created = io::AddressFilter::Create(texts);
  if (!created.ok()) {
    cx.ThrowTypeError(std::string(created.status().message()));
    return false;
  }
  *filter = std::move(*created);
  return true;
}

v8::Local<v8::Value> AddressDenialError(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                        const io::AddressDenial& denial) {
  v8::Local<v8::Value> error = v8::Exception::Error(Str(
      isolate, absl::StrCat("Egress to ", denial.host_port, " is not permitted by the sandbox policy.")));
  if (!error->IsObject()) return error;
  v8::Local<v8::Object> object = error.As<v8::Object>();
  auto fixed = static_cast<v8::PropertyAttribute>(v8::ReadOnly | v8::DontDelete);
  Ignore(object->DefineOwnProperty(context, Str(isolate, "deniedAddress"), Str(isolate, denial.address),
                                   fixed));
  Ignore(object->DefineOwnProperty(context, Str(isolate, "deniedCidr"), Str(isolate, denial.cidr), fixed));
  Ignore(object->SetPrivate(context, DenialMark(isolate), v8::True(isolate)));
  return error;
}

std::span<const jsg::OpDef> AddressDenialOps() { return kOps; }

}  // namespace dw::api
