// Native zlib behind CompressionStream and DecompressionStream (js/internal/streams.js), and the
// ArrayBuffer transfer the Streams standard's byte streams need.
//
// A zlib stream lives in a C++ ZlibStream owned by a JS handle object (one internal field).
// The z_stream is freed as soon as the stream ends (finished, failed, or zlibClose), and the
// rest when the handle is garbage collected, or when the realm goes away, whichever is first.
#include <zlib.h>

#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/ops.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

using jsg::Bytes;
using jsg::OpContext;

constexpr size_t kOutChunk = 64 * 1024;

// What zlib allocates for one stream (zlib's doc/algorithm.txt, windowBits 15, memLevel 8),
// reported to V8 so that many unreferenced streams make it collect sooner.
constexpr int64_t kDeflateMemory = (1 << 17) + (1 << 17) + 8 * 1024;
constexpr int64_t kInflateMemory = (1 << 15) + 8 * 1024;

struct ZlibRegistry;

struct ZlibStream {
  z_stream strm{};
  std::string format;
  bool compress = false;
  bool live = false;      // strm is initialized and not yet ended
  bool finished = false;  // the whole stream was produced (compress) or seen (decompress)
  int64_t external_bytes = 0;
  v8::Global<v8::Object> handle;
  ZlibRegistry* registry = nullptr;
};

// Frees the z_stream. Returns the external memory to give back to V8.
int64_t EndZ(ZlibStream* s) {
  if (!s->live) return 0;
  s->live = false;
  if (s->compress) deflateEnd(&s->strm);
  else inflateEnd(&s->strm);
  int64_t bytes = s->external_bytes;
  s->external_bytes = 0;
  return bytes;
}

// Per realm: the handle template and every stream whose handle is still alive.
struct ZlibRegistry {
  v8::Global<v8::FunctionTemplate> tmpl;
  std::unordered_set<ZlibStream*> streams;
  ~ZlibRegistry() {
    for (ZlibStream* s : streams) {
      EndZ(s);
      s->handle.Reset();
      delete s;
    }
  }
};

void FreeAfterCollection(const v8::WeakCallbackInfo<ZlibStream>& info) {
  ZlibStream* s = info.GetParameter();
  if (s->external_bytes > 0) {
    info.GetIsolate()->AdjustAmountOfExternalAllocatedMemory(-s->external_bytes);
    s->external_bytes = 0;
  }
  delete s;
}

// First pass: only plain C++ and Reset. The V8 accounting happens in the second pass.
void OnHandleCollected(const v8::WeakCallbackInfo<ZlibStream>& info) {
  ZlibStream* s = info.GetParameter();
  s->handle.Reset();
  s->registry->streams.erase(s);
  s->registry = nullptr;
  if (s->live) {
    int64_t bytes = s->external_bytes;
    EndZ(s);
    s->external_bytes = bytes;  // given back to V8 in the second pass
  }
  info.SetSecondPassCallback(FreeAfterCollection);
}

ZlibRegistry& Registry(OpContext& cx) { return cx.realm().Slot<ZlibRegistry>(); }

v8::Local<v8::FunctionTemplate> HandleTemplate(OpContext& cx) {
  ZlibRegistry& reg = Registry(cx);
  v8::Isolate* isolate = cx.isolate();
  if (reg.tmpl.IsEmpty()) {
    v8::Local<v8::FunctionTemplate> t = v8::FunctionTemplate::New(isolate);
    t->SetClassName(jsg::Str(isolate, "ZlibHandle"));
    t->InstanceTemplate()->SetInternalFieldCount(1);
    reg.tmpl.Reset(isolate, t);
  }
  return reg.tmpl.Get(isolate);
}

ZlibStream* Unwrap(OpContext& cx, v8::Local<v8::Value> value, const char* op) {
  if (!value->IsObject() || !HandleTemplate(cx)->HasInstance(value)) {
    cx.ThrowTypeError(absl::StrCat("internal op ", op, ": argument 1 must be a zlib handle"));
    return nullptr;
  }
  auto* s = static_cast<ZlibStream*>(
      value.As<v8::Object>()->GetAlignedPointerFromInternalField(0));
  if (s == nullptr) cx.ThrowTypeError(absl::StrCat("internal op ", op, ": the zlib handle is gone"));
  return s;
}

void GiveBackMemory(OpContext& cx, int64_t bytes) {
  if (bytes > 0) cx.isolate()->AdjustAmountOfExternalAllocatedMemory(-bytes);
}

}  // namespace

// zlibCreate(format, mode): format 'gzip' | 'deflate' | 'deflate-raw'; mode 'compress' |
// 'decompress'. Returns the handle object.
v8::Local<v8::Value> ZlibCreate(OpContext& cx, std::string format, std::string mode) {
  int window_bits;
  if (format == "gzip") window_bits = 15 + 16;
  else if (format == "deflate") window_bits = 15;
  else if (format == "deflate-raw") window_bits = -15;
  else {
    cx.ThrowTypeError(absl::StrCat("Unsupported compression format: '", format,
                                   "'. Use 'gzip', 'deflate' or 'deflate-raw'."));
    return {};
  }
  bool compress;
  if (mode == "compress") compress = true;
  else if (mode == "decompress") compress = false;
  else {
    cx.ThrowTypeError("internal op zlibCreate: mode must be 'compress' or 'decompress'");
    return {};
  }
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Object> obj;
  if (!HandleTemplate(cx)->InstanceTemplate()->NewInstance(cx.context()).ToLocal(&obj)) return {};

  auto s = std::make_unique<ZlibStream>();
  s->format = format;
  s->compress = compress;
  int ret = compress ? deflateInit2(&s->strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8,
                                    Z_DEFAULT_STRATEGY)
                     : inflateInit2(&s->strm, window_bits);
  if (ret != Z_OK) {
    cx.ThrowError(ret == Z_MEM_ERROR ? "Out of memory while creating a zlib stream"
                                     : "Could not create a zlib stream");
    return {};
  }
  s->live = true;
  s->external_bytes = compress ? kDeflateMemory : kInflateMemory;
  isolate->AdjustAmountOfExternalAllocatedMemory(s->external_bytes);

  ZlibRegistry& reg = Registry(cx);
  ZlibStream* raw = s.release();
  raw->registry = &reg;
  reg.streams.insert(raw);
  obj->SetAlignedPointerInInternalField(0, raw);
  raw->handle.Reset(isolate, obj);
  raw->handle.SetWeak(raw, OnHandleCollected, v8::WeakCallbackType::kParameter);
  return obj;
}

// zlibPush(handle, bytes): feeds bytes (ArrayBuffer or view) and returns the output produced
// so far as an array of Uint8Arrays (possibly empty). zlibPush(handle, undefined) ends the
// stream: compression writes the trailer; decompression checks that the input was complete.
// Corrupt input, truncated input and data after the end are TypeErrors; after one, the handle
// is ended.
v8::Local<v8::Value> ZlibPush(OpContext& cx, v8::Local<v8::Value> handle,
                              v8::Local<v8::Value> input) {
  ZlibStream* s = Unwrap(cx, handle, "zlibPush");
  if (s == nullptr) return {};
  v8::Isolate* isolate = cx.isolate();
  const bool flush = input->IsUndefined();
  Bytes bytes;
  if (!flush) {
    auto b = jsg::internal::ArgTraits<Bytes>::Get(cx, input, "zlibPush", 1);
    if (!b) return {};
    bytes = *b;
  }
  std::vector<v8::Local<v8::Value>> out;
  auto result = [&]() -> v8::Local<v8::Value> {
    return v8::Array::New(isolate, out.data(), out.size());
  };
  if (!s->live) {
    if (s->finished) {
      if (!flush && bytes.size > 0) {
        cx.ThrowTypeError(absl::StrCat("Unexpected data after the end of the ", s->format,
                                       " stream: the input has trailing bytes."));
        return {};
      }
      return result();
    }
    cx.ThrowTypeError("This compression stream has already ended (after an error or close).");
    return {};
  }

  std::unique_ptr<uint8_t[]> buf(new uint8_t[kOutChunk]);
  auto emit = [&](size_t have) {
    if (have == 0) return;
    auto store = v8::ArrayBuffer::NewBackingStore(isolate, have);
    std::memcpy(store->Data(), buf.get(), have);
    auto ab = v8::ArrayBuffer::New(isolate, std::move(store));
    out.push_back(v8::Uint8Array::New(ab, 0, have));
  };
  z_stream& strm = s->strm;
  strm.next_in = bytes.data;
  strm.avail_in = static_cast<uInt>(bytes.size);
  if (bytes.size > UINT32_MAX) {
    GiveBackMemory(cx, EndZ(s));
    cx.ThrowRangeError("A compression stream chunk must be smaller than 4 GiB.");
    return {};
  }

  if (s->compress) {
    int mode = flush ? Z_FINISH : Z_NO_FLUSH;
    int ret;
    do {
      strm.next_out = buf.get();
      strm.avail_out = kOutChunk;
      ret = deflate(&strm, mode);
      if (ret == Z_STREAM_ERROR) {
        GiveBackMemory(cx, EndZ(s));
        cx.ThrowTypeError("Compression failed (zlib stream error).");
        return {};
      }
      emit(kOutChunk - strm.avail_out);
    } while (strm.avail_out == 0 || (flush && ret != Z_STREAM_END));
    if (flush) {
      s->finished = true;
      GiveBackMemory(cx, EndZ(s));
    }
    return result();
  }

  // Decompression.
  if (flush) {
    // Everything fed so far was already inflated; the stream did not reach its end.
    GiveBackMemory(cx, EndZ(s));
    cx.ThrowTypeError(absl::StrCat("The compressed data ended before the end of the ", s->format,
                                   " stream: the input is truncated."));
    return {};
  }
  for (;;) {
    strm.next_out = buf.get();
    strm.avail_out = kOutChunk;
    int ret = inflate(&strm, Z_NO_FLUSH);
    if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_STREAM_ERROR || ret == Z_MEM_ERROR) {
      std::string why = ret == Z_NEED_DICT ? "a preset dictionary is required"
                        : ret == Z_MEM_ERROR ? "out of memory"
                        : strm.msg != nullptr ? strm.msg
                                              : "invalid data";
      GiveBackMemory(cx, EndZ(s));
      cx.ThrowTypeError(absl::StrCat("The compressed data is not valid ", s->format, " data (",
                                     why, ")."));
      return {};
    }
    emit(kOutChunk - strm.avail_out);
    if (ret == Z_STREAM_END) {
      s->finished = true;
      bool trailing = strm.avail_in > 0;
      GiveBackMemory(cx, EndZ(s));
      if (trailing) {
        cx.ThrowTypeError(absl::StrCat("Unexpected data after the end of the ", s->format,
                                       " stream: the input has trailing bytes."));
        return {};
      }
      break;
    }
    // Output space left over means all input was consumed (or more input is needed).
    if (strm.avail_out != 0) break;
  }
  return result();
}

// zlibClose(handle): frees the z_stream now (a canceled or aborted stream). Idempotent.
void ZlibClose(OpContext& cx, v8::Local<v8::Value> handle) {
  ZlibStream* s = Unwrap(cx, handle, "zlibClose");
  if (s == nullptr) return;
  GiveBackMemory(cx, EndZ(s));
}

// transferArrayBuffer(buffer): the Streams standard's TransferArrayBuffer. Detaches `buffer` and
// returns a new ArrayBuffer over the same memory. TypeError for a detached or non-detachable
// (e.g. WebAssembly.Memory) buffer.
v8::Local<v8::Value> TransferArrayBuffer(OpContext& cx, v8::Local<v8::Value> value) {
  if (!value->IsArrayBuffer()) {
    cx.ThrowTypeError("Only an ArrayBuffer can be transferred (not a SharedArrayBuffer).");
    return {};
  }
  auto ab = value.As<v8::ArrayBuffer>();
  if (ab->WasDetached()) {
    cx.ThrowTypeError("The ArrayBuffer is detached: it was already transferred.");
    return {};
  }
  if (!ab->IsDetachable()) {
    cx.ThrowTypeError("This ArrayBuffer cannot be transferred (it is not detachable).");
    return {};
  }
  std::shared_ptr<v8::BackingStore> store = ab->GetBackingStore();
  size_t length = ab->ByteLength();
  ab->Detach();
  if (length == 0) return v8::ArrayBuffer::New(cx.isolate(), 0);
  return v8::ArrayBuffer::New(cx.isolate(), std::move(store));
}

}  // namespace dw::api
