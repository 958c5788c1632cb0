#include "api/header_list.h"

#include <vector>

namespace dw::api {

bool Latin1(jsg::OpContext& cx, v8::Local<v8::Value> value, std::string* out) {
  if (!value->IsString()) {
    cx.ThrowTypeError("internal op: expected a string");
    return false;
  }
  auto s = value.As<v8::String>();
  out->assign(s->Length(), '\0');
  s->WriteOneByte(cx.isolate(), reinterpret_cast<uint8_t*>(out->data()), 0,
                  static_cast<int>(out->size()), v8::String::NO_NULL_TERMINATION);
  return true;
}

v8::Local<v8::String> OneByteString(v8::Isolate* isolate, std::string_view bytes) {
  return v8::String::NewFromOneByte(isolate, reinterpret_cast<const uint8_t*>(bytes.data()),
                                    v8::NewStringType::kNormal, static_cast<int>(bytes.size()))
      .ToLocalChecked();
}

bool FlatToHeaderList(jsg::OpContext& cx, v8::Local<v8::Value> flat, HeaderList* out) {
  if (!flat->IsArray()) {
    cx.ThrowTypeError("internal op: headers must be a flat array of names and values");
    return false;
  }
  auto arr = flat.As<v8::Array>();
  v8::Local<v8::Context> ctx = cx.context();
  for (uint32_t i = 0; i + 1 < arr->Length(); i += 2) {
    v8::Local<v8::Value> name, value;
    if (!arr->Get(ctx, i).ToLocal(&name) || !arr->Get(ctx, i + 1).ToLocal(&value)) return false;
    std::string n, v;
    if (!Latin1(cx, name, &n) || !Latin1(cx, value, &v)) return false;
    out->emplace_back(std::move(n), std::move(v));
  }
  return true;
}

v8::Local<v8::Array> HeaderListToFlat(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                      const HeaderList& headers) {
  // Made from its elements: Set() would run setters a worker put on Array.prototype.
  std::vector<v8::Local<v8::Value>> items;
  items.reserve(headers.size() * 2);
  for (const auto& [name, value] : headers) {
    items.push_back(OneByteString(isolate, name));
    items.push_back(OneByteString(isolate, value));
  }
  return v8::Array::New(isolate, items.data(), items.size());
}

}  // namespace dw::api
