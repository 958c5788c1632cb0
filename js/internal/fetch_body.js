// The Fetch standard's bodies (https://fetch.spec.whatwg.org/#bodies): extracting a body from a
// BodyInit, the Body mixin shared by Request and Response, cloning and transferring bodies.
//
// A body is a record
//   { stream, source, used, length }
// `source` holds the bytes when they are known up front (string, buffer, Blob, FormData,
// URLSearchParams bodies); it is immutable and may be shared between clones. `stream` is the
// body's ReadableStream: a user stream, or made from `source` the first time `body` is read. A
// body with a source and no stream yet is consumed straight from the source, and then `used`
// records that it was (a later `body` read gives a locked, disturbed, empty stream).
//
// Internal API for Request, Response and fetch:
//   toBodyInit(value)                WebIDL BodyInit conversion: the platform object or buffer,
//                                    else the value converted to a string
//   extractBody(object, keepalive)   -> [body, contentType or null]
//   bodyFromBytes(u8), bodyFromStream(stream)
//   bodyStream(body)                 the body's ReadableStream (made on first use)
//   bodyIsUsed(body), bodyIsUnusable(body)
//   cloneBody(body)                  "clone a body" (tees a user stream)
//   transferBody(body)               the body of a new Request made from a Request: the new
//                                    body reads what the old one would have; the old is used
//   defineBodyMixin(proto, internals)   installs body, bodyUsed, arrayBuffer(), blob(), bytes(),
//                                    formData(), json(), text(); internals(obj) returns the
//                                    object's record ({ body, headers }) or throws Illegal
//                                    invocation
//   extractMimeType(headers)         "extract a MIME type" -> MIME record or null
//   bodyUnusableError(body)          the TypeError for an unusable body
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { recordClass } from 'internal:webidl';
import { copyBufferSource, utf8DecodeWithoutBOM } from 'internal:bytes';
import { headersGetCombined } from 'internal:headers';
import {
  streams, loadedStreams, blobModule, loadedBlobModule, formDataModule, loadedFormDataModule,
} from 'internal:lazy';
import { isURLSearchParams, getSearchParamsList, urlencodedSerialize } from 'internal:url';

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  JSONParse,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  PromisePrototypeThen,
  PromiseReject,
  PromiseResolve,
  ReflectOwnKeys,
  SharedArrayBufferPrototypeGetByteLength,
  StringPrototypeCharCodeAt,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  Uint8Array,
} = primordials;

// internal:streams is evaluated on first use (internal:lazy): no stream exists before,
// so isReadableStream does not load it; the others run only once a stream exists, or make one.
function isReadableStream(value) {
  const ns = loadedStreams();
  return ns !== null && ns.isReadableStream(value);
}
function isReadableStreamLocked(stream) { return streams().isReadableStreamLocked(stream); }
function isReadableStreamDisturbed(stream) { return streams().isReadableStreamDisturbed(stream); }
function readAllBytes(stream) { return streams().readAllBytes(stream); }
function createReadableStreamFromBytes(bytes) {
  return streams().createReadableStreamFromBytes(bytes);
}
function readableStreamTee(stream, cloneForBranch2) {
  return streams().readableStreamTee(stream, cloneForBranch2);
}
function readableStreamCancel(stream, reason) {
  return streams().readableStreamCancel(stream, reason);
}

// internal:blob and internal:form_data are evaluated on first use too, the same way.
function isBlob(value) {
  const ns = loadedBlobModule();
  return ns !== null && ns.isBlob(value);
}
function isFormData(value) {
  const ns = loadedFormDataModule();
  return ns !== null && ns.isFormData(value);
}

const { utf8Encode, getPromiseState } = ops;
const kPromiseRejected = 2;  // getPromiseState's state of a rejected promise

function noop() {}

function markHandled(promise) {
  PromisePrototypeThen(promise, undefined, noop);
}

// ---------------------------------------------------------------------------------------------
// Body records

// Streams made from a body's source, to that source (see extractBody).
const streamSources = primordials.makePrivateSlot();  // one per body read as a stream

const BodyRecord = recordClass(class BodyRecord {
  constructor(stream, source, length) {
    this.stream = stream;
    this.source = source;
    this.used = false;
    this.length = length;
  }
});

function bodyFromBytes(bytes) {
  return new BodyRecord(null, bytes, TypedArrayPrototypeGetLength(bytes));
}

function bodyFromStream(stream) {
  return new BodyRecord(stream, null, null);
}

function isObject(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function isBufferLike(value) {
  if (ArrayBufferIsView(value)) return true;
  try {
    ArrayBufferPrototypeGetByteLength(value);
    return true;
  } catch {
    // not an ArrayBuffer
  }
  try {
    SharedArrayBufferPrototypeGetByteLength(value);
    return true;
  } catch {
    return false;
  }
}

// WebIDL (ReadableStream or Blob or BufferSource or FormData or URLSearchParams or USVString).
function toBodyInit(value) {
  if (typeof value === 'string') return value;
  if (isObject(value) && (isReadableStream(value) || isBlob(value) || isFormData(value) ||
      isURLSearchParams(value) || isBufferLike(value))) {
    return value;
  }
  return `${value}`;
}

// UTF-8 bytes of a string body. Short ASCII strings are copied here: V8 keeps a typed array of
// up to 64 bytes on its heap, while the native encoder allocates an off-heap buffer, which costs
// far more than the copy for a body such as 'Hello World'.
function encodeText(text) {
  const length = text.length;
  if (length <= 64) {
    const bytes = new Uint8Array(length);
    let i = 0;
    for (; i < length; i++) {
      const c = StringPrototypeCharCodeAt(text, i);
      if (c >= 0x80) break;
      bytes[i] = c;
    }
    if (i === length) return bytes;
  }
  return utf8Encode(text);
}

// "extract a body": [body, Content-Type or null]. `object` is not null/undefined.
function extractBody(object, keepalive = false) {
  if (typeof object === 'string') {
    return [bodyFromBytes(encodeText(object)), 'text/plain;charset=UTF-8'];
  }
  if (isReadableStream(object)) {
    if (keepalive) {
      throw new TypeError('A keepalive request cannot have a ReadableStream body; pass the ' +
        'bytes (a string, ArrayBuffer or Blob) instead.');
    }
    if (isReadableStreamDisturbed(object) || isReadableStreamLocked(object)) {
      throw new TypeError('This ReadableStream is disturbed (it has been read from or ' +
        'canceled) or locked to a reader, so it cannot be used as a body.');
    }
    const body = bodyFromStream(object);
    // The `body` stream of another Request/Response (new Request(url, request) reads it): its
    // bytes are still all in that body's source, which keeps the length known.
    const source = streamSources.get(object);
    if (source !== undefined) {
      body.source = source;
      body.length = TypedArrayPrototypeGetLength(source);
    }
    return [body, null];
  }
  if (isBlob(object)) {
    const { getBlobType, getBlobBytes } = blobModule();
    const type = getBlobType(object);
    return [bodyFromBytes(getBlobBytes(object)), type === '' ? null : type];
  }
  const bytes = copyBufferSource(object);
  if (bytes !== undefined) return [bodyFromBytes(bytes), null];
  if (isFormData(object)) {
    const multipart = formDataModule().serializeMultipart(object);
    return [bodyFromBytes(multipart.body), multipart.contentType];
  }
  if (isURLSearchParams(object)) {
    const text = urlencodedSerialize(getSearchParamsList(object));
    return [bodyFromBytes(utf8Encode(text)), 'application/x-www-form-urlencoded;charset=UTF-8'];
  }
  // USVString (the native encoder replaces lone surrogates).
  const text = typeof object === 'string' ? object : `${object}`;
  return [bodyFromBytes(encodeText(text)), 'text/plain;charset=UTF-8'];
}

function bodyIsUsed(body) {
  if (body.used) return true;
  return body.stream !== null && isReadableStreamDisturbed(body.stream);
}

function bodyIsUnusable(body) {
  return bodyIsUsed(body) || (body.stream !== null && isReadableStreamLocked(body.stream));
}

function bodyUnusableError(body) {
  if (bodyIsUsed(body)) {
    return new TypeError('Body has already been used. It can only be used once. Use tee() ' +
      'first if you need to read it twice, or clone() the Request/Response before reading it.');
  }
  return new TypeError("The body's ReadableStream is locked to a reader. Release the lock " +
    '(reader.releaseLock()) or read the body through that reader instead.');
}

// A stream in the state a fully read body leaves: locked, disturbed and closed.
function spentStream() {
  const stream = createReadableStreamFromBytes(new Uint8Array(0));
  markHandled(readAllBytes(stream));
  return stream;
}

function bodyStream(body) {
  if (body.stream === null) {
    if (body.used) {
      body.stream = spentStream();
    } else {
      body.stream = createReadableStreamFromBytes(body.source);
      streamSources.set(body.stream, body.source);
    }
  }
  return body.stream;
}

// Whether the body's bytes are all in `source`, with nothing read yet (a stream made from the
// source that nobody has read or locked holds them all too).
function sourceIntact(body) {
  if (body.source === null || body.used) return false;
  const stream = body.stream;
  return stream === null || (!isReadableStreamDisturbed(stream) && !isReadableStreamLocked(stream));
}

// "clone a body". The caller has checked that the body is usable.
function cloneBody(body) {
  if (sourceIntact(body)) {
    return new BodyRecord(null, body.source, body.length);
  }
  const branches = readableStreamTee(body.stream);
  body.stream = branches[0];
  return new BodyRecord(branches[1], body.source, body.length);
}

// The body of a Request made from another Request (the standard pipes the old body into a new
// stream, which locks and disturbs it). The caller has checked that the body is usable.
function transferBody(body) {
  if (sourceIntact(body)) {
    const moved = new BodyRecord(null, body.source, body.length);
    if (body.stream !== null) markHandled(readAllBytes(body.stream));  // lock and drain it
    body.used = true;
    return moved;
  }
  const branches = readableStreamTee(body.stream, false);
  markHandled(readableStreamCancel(branches[1], undefined));
  body.used = true;
  return new BodyRecord(branches[0], body.source, body.length);
}

// ---------------------------------------------------------------------------------------------
// MIME type of a Request/Response

// internal:mime_type is loaded on first use: only blob() and formData() (and Blob, FormData,
// data: URLs, which load it themselves) parse MIME types.
let mimeTypeNs = null;
function mimeTypeModule() {
  if (mimeTypeNs === null) mimeTypeNs = ops.loadBuiltin('internal:mime_type');
  return mimeTypeNs;
}
function serializeMimeType(mimeType) { return mimeTypeModule().serializeMimeType(mimeType); }

// "extract a MIME type" from a Headers object: a MIME record or null.
function extractMimeType(headers) {
  const combined = headersGetCombined(headers, 'content-type');
  if (combined === null) return null;
  const { parseMimeType, splitHeaderValue } = mimeTypeModule();
  const values = splitHeaderValue(combined);
  let charset = null;
  let essence = null;
  let mimeType = null;
  for (let i = 0; i < values.length; i++) {
    const temporary = parseMimeType(values[i]);
    if (temporary === null || temporary.essence === '*/*') continue;
    mimeType = temporary;
    if (mimeType.essence !== essence) {
      charset = null;
      const c = mimeType.parameters.get('charset');
      if (c !== undefined) charset = c;
      essence = mimeType.essence;
    } else if (!mimeType.parameters.has('charset') && charset !== null) {
      mimeType.parameters.set('charset', charset);
    }
  }
  return mimeType;
}

// ---------------------------------------------------------------------------------------------
// Consuming a body

const kArrayBuffer = 0;
const kBlob = 1;
const kBytes = 2;
const kFormData = 3;
const kJson = 4;
const kText = 5;

function copyOf(bytes) {
  const copy = new Uint8Array(TypedArrayPrototypeGetLength(bytes));
  TypedArrayPrototypeSet(copy, bytes);
  return copy;
}

// `shared`: the bytes are the body's source (shared with clones), so they must be copied
// before they are handed out.
function convertBytes(bytes, kind, headers, shared) {
  switch (kind) {
    case kArrayBuffer:
      return TypedArrayPrototypeGetBuffer(copyOf(bytes));
    case kBytes:
      return copyOf(bytes);
    case kText:
      return utf8DecodeWithoutBOM(bytes);
    case kJson:
      return JSONParse(utf8DecodeWithoutBOM(bytes));
    case kBlob: {
      const { createBlob, normalizeBlobType } = blobModule();
      const mimeType = extractMimeType(headers);
      const type = mimeType === null ? '' : normalizeBlobType(serializeMimeType(mimeType));
      // Blob bytes are immutable: a body's source can be shared, stream output is copied.
      return createBlob(shared ? bytes : copyOf(bytes), type);
    }
    case kFormData: {
      const mimeType = extractMimeType(headers);
      if (mimeType !== null && mimeType.essence === 'multipart/form-data') {
        const boundary = mimeType.parameters.get('boundary');
        if (boundary === undefined) {
          throw new TypeError('Failed to parse the body as multipart/form-data: the ' +
            'Content-Type header has no boundary parameter.');
        }
        return formDataModule().parseMultipartWithBoundary(bytes, boundary);
      }
      if (mimeType !== null && mimeType.essence === 'application/x-www-form-urlencoded') {
        return formDataModule().parseUrlencoded(bytes);
      }
      throw new TypeError('Failed to parse the body as FormData: the Content-Type must be ' +
        'multipart/form-data (with a boundary) or application/x-www-form-urlencoded, but it is ' +
        `${mimeType === null ? 'missing or invalid' : `"${serializeMimeType(mimeType)}"`}.`);
    }
  }
  return undefined;
}

// "consume body": a promise for the converted bytes.
function consumeBody(obj, internals, kind) {
  let record;
  try {
    record = internals(obj);
  } catch (error) {
    return PromiseReject(error);
  }
  const body = record.body;
  const headers = record.headers;
  try {
    if (body === null) return PromiseResolve(convertBytes(new Uint8Array(0), kind, headers, false));
    if (bodyIsUnusable(body)) return PromiseReject(bodyUnusableError(body));
    if (body.stream === null) {
      body.used = true;
      return PromiseResolve(convertBytes(body.source, kind, headers, true));
    }
  } catch (error) {
    return PromiseReject(error);
  }
  // "Fully read" runs its error steps during the first read of an errored stream (an aborted
  // fetch's body, say): the promise returned here is already rejected, with the stream's error.
  const read = readAllBytes(body.stream);
  const state = getPromiseState(read);
  if (state !== undefined && state[0] === kPromiseRejected) return read;
  return PromisePrototypeThen(read, (holder) => convertBytes(holder.bytes, kind, headers, false));
}

function defineBodyMixin(proto, internals) {
  const members = {
    get body() {
      const body = internals(this).body;
      return body === null ? null : bodyStream(body);
    },
    get bodyUsed() {
      const body = internals(this).body;
      return body !== null && bodyIsUsed(body);
    },
    arrayBuffer() {
      return consumeBody(this, internals, kArrayBuffer);
    },
    blob() {
      return consumeBody(this, internals, kBlob);
    },
    bytes() {
      return consumeBody(this, internals, kBytes);
    },
    formData() {
      return consumeBody(this, internals, kFormData);
    },
    json() {
      return consumeBody(this, internals, kJson);
    },
    text() {
      return consumeBody(this, internals, kText);
    },
  };
  const keys = ReflectOwnKeys(members);
  for (let i = 0; i < keys.length; i++) {
    const desc = ObjectGetOwnPropertyDescriptor(members, keys[i]);
    desc.enumerable = true;
    ObjectDefineProperty(proto, keys[i], desc);
  }
}

export {
  toBodyInit,
  extractBody,
  bodyFromBytes,
  bodyFromStream,
  bodyStream,
  bodyIsUsed,
  bodyIsUnusable,
  bodyUnusableError,
  cloneBody,
  transferBody,
  defineBodyMixin,
  extractMimeType,
};
