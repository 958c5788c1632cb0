// Header lists between C++ and the runtime's JS, shared by fetch() (api/fetch_ops.cc) and
// `dynworker serve` (api/http_serve.cc). JS passes and receives headers as one flat array
// [name0, value0, name1, value1, ...] of ByteStrings (every code unit <= 0xFF), which C++
// holds as their bytes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jsg/ops.h"

namespace dw::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The bytes of a ByteString; a TypeError (internal misuse) for anything but a string.
bool Latin1(jsg::OpContext& cx, v8::Local<v8::Value> value, std::string* out);

// A string whose code units are `bytes`.
v8::Local<v8::String> OneByteString(v8::Isolate* isolate, std::string_view bytes);

// The flat JS array -> `out` (appended); false with an exception pending on bad input.
bool FlatToHeaderList(jsg::OpContext& cx, v8::Local<v8::Value> flat, HeaderList* out);

// `headers` -> a new flat JS array.
v8::Local<v8::Array> HeaderListToFlat(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                      const HeaderList& headers);

}  // namespace dw::api
