// Blob and File, per the W3C File API (https://w3c.github.io/FileAPI/#blob-section and
// #file-section).
//
// A Blob's bytes live in one Uint8Array that is never handed to user code and never written
// after construction, so slices and internal users (FormData, bodies) share it without copying.
//
// Internal API for other runtime modules (not installed as globals):
//   isBlob(v), isFile(v)
//   getBlobBytes(blob)             the blob's bytes (shared: callers must not write to them)
//   getBlobType(blob), getFileName(file), getFileLastModified(file)   (no user-patchable getter)
//   createBlob(bytes, type)        a Blob over `bytes` (taken, not copied; type used as is)
//   createFile(bytes, name, type, lastModified)
//   normalizeBlobType(string)      the File API's type normalisation
//   subarray(u8, start, end)       a view of u8's bytes [start, end) (no copy)
// (WebIDL helpers such as toUSVString are in internal:webidl, copyBufferSource in
// internal:bytes.)
//
// Not in the startup snapshot: evaluated on first use (see internal:lazy).
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import { isObject, illegalInvocation, ctorArgCountError, toDOMString, toUSVString, finishInterface } from 'internal:webidl';
import ops from 'internal:ops';
import { copyBufferSource, isSharedBuffer, utf8DecodeWithoutBOM } from 'internal:bytes';
import { registerPlatformClass } from 'internal:structured_clone';
import { streams, blobModuleLoaded } from 'internal:lazy';
import * as blobNamespace from 'internal:blob';  // this module's own, for blobModuleLoaded

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  BigInt,
  BigIntAsIntN,
  DateNow,
  MathFloor,
  MathMax,
  MathMin,
  Number,
  NumberIsFinite,
  PromiseReject,
  PromiseResolve,
  ReflectApply,
  SharedArrayBufferPrototypeGetByteLength,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  Symbol,
  SymbolFor,
  SymbolIterator,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSet,
  Uint8Array,
} = primordials;

const { utf8Encode } = ops;

// ---------------------------------------------------------------------------------------------
// WebIDL helpers

// WebIDL [Clamp] long long.
function toClampedLongLong(value) {
  let x = +value;
  if (x !== x) return 0;  // NaN
  const limit = 9223372036854775807;
  if (x > limit) x = limit;
  if (x < -limit) x = -limit;
  // Round to nearest, ties to even.
  const floor = MathFloor(x);
  const diff = x - floor;
  if (diff > 0.5) x = floor + 1;
  else if (diff < 0.5) x = floor;
  else x = floor % 2 === 0 ? floor : floor + 1;
  return x === 0 ? 0 : x;
}

// WebIDL long long (no [Clamp] / [EnforceRange]): modulo 2^64, as a signed value.
function toLongLong(value) {
  const x = +value;
  if (!NumberIsFinite(x)) return 0;
  const t = x < 0 ? -MathFloor(-x) : MathFloor(x);
  if (t >= -9007199254740991 && t <= 9007199254740991) return t === 0 ? 0 : t;
  return Number(BigIntAsIntN(64, BigInt(t)));
}

// File API type normalisation: any code unit outside U+0020..U+007E gives the empty string;
// otherwise ASCII lowercase.
function normalizeBlobType(type) {
  let out = '';
  let changed = false;
  const length = type.length;
  for (let i = 0; i < length; i++) {
    const c = StringPrototypeCharCodeAt(type, i);
    if (c < 0x20 || c > 0x7E) return '';
    if (c >= 0x41 && c <= 0x5A) changed = true;
  }
  if (!changed) return type;
  for (let i = 0; i < length; i++) {
    const c = StringPrototypeCharCodeAt(type, i);
    out += StringFromCharCode(c >= 0x41 && c <= 0x5A ? c + 0x20 : c);
  }
  return out;
}

// "convert line endings to native" (native is LF here): CRLF and lone CR become LF.
function convertLineEndingsToNative(s) {
  let out = '';
  let start = 0;
  const length = s.length;
  for (let i = 0; i < length; i++) {
    if (StringPrototypeCharCodeAt(s, i) !== 0x0D) continue;
    out += StringPrototypeSlice(s, start, i);
    out += '\n';
    if (i + 1 < length && StringPrototypeCharCodeAt(s, i + 1) === 0x0A) i++;
    start = i + 1;
  }
  if (start === 0) return s;
  return out + StringPrototypeSlice(s, start);
}

// ---------------------------------------------------------------------------------------------
// Blob

const kInternal = Symbol('kInternal');
const customInspect = SymbolFor('nodejs.util.inspect.custom');
let internalInit = null;  // { bytes, type } for createBlob / createFile, read by the constructor

let blobBytes;   // (blob) -> Uint8Array, or throws Illegal invocation
let blobType;    // (blob) -> string, or throws Illegal invocation
let isBlob;      // (value) -> boolean

// WebIDL sequence<BlobPart>: each element is converted (Blob, BufferSource or USVString) as it
// is taken from the iterator. Buffer sources are copied later, by processBlobParts.
function convertBlobParts(value, iface) {
  const notSequence = () => new TypeError(`Failed to construct '${iface}': The provided value ` +
    'cannot be converted to a sequence.');
  if (!isObject(value)) throw notSequence();
  const method = value[SymbolIterator];
  if (typeof method !== 'function') throw notSequence();
  const iterator = ReflectApply(method, value, []);
  if (!isObject(iterator)) throw new TypeError('The iterator returned by [Symbol.iterator]() is not an object.');
  const next = iterator.next;
  const parts = [];
  for (;;) {
    const result = ReflectApply(next, iterator, []);
    if (!isObject(result)) throw new TypeError('The iterator result is not an object.');
    if (result.done) break;
    const element = result.value;
    if (isBlob(element)) {
      parts[parts.length] = element;
    } else if (isObject(element) && (ArrayBufferIsView(element) || isBufferObject(element))) {
      parts[parts.length] = element;
    } else {
      parts[parts.length] = toUSVString(element);
    }
  }
  return parts;
}

function isBufferObject(value) {
  try {
    ArrayBufferPrototypeGetByteLength(value);
    return true;
  } catch {
    return isSharedBuffer(value);
  }
}

// BlobPropertyBag / FilePropertyBag, members in lexicographic order.
function convertBlobOptions(options, iface, fileMembers) {
  const result = { __proto__: null, endings: 'transparent', type: '', lastModified: undefined };
  if (options === undefined || options === null) return result;
  if (!isObject(options)) {
    throw new TypeError(`Failed to construct '${iface}': The provided value is not of type ` +
      `'${fileMembers ? 'FilePropertyBag' : 'BlobPropertyBag'}'.`);
  }
  const endings = options.endings;
  if (endings !== undefined) {
    const e = toDOMString(endings);
    if (e !== 'transparent' && e !== 'native') {
      throw new TypeError(`Failed to construct '${iface}': The provided value '${e}' is not a ` +
        "valid enum value of type EndingType (use 'transparent' or 'native').");
    }
    result.endings = e;
  }
  if (fileMembers) {
    const lastModified = options.lastModified;
    if (lastModified !== undefined) result.lastModified = toLongLong(lastModified);
  }
  const type = options.type;
  if (type !== undefined) result.type = toDOMString(type);
  return result;
}

// "process blob parts": the parts' bytes, concatenated into one new Uint8Array.
function processBlobParts(parts, endings) {
  const chunks = [];
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    let bytes;
    if (typeof part === 'string') {
      bytes = utf8Encode(endings === 'native' ? convertLineEndingsToNative(part) : part);
    } else if (isBlob(part)) {
      bytes = blobBytes(part);
    } else {
      bytes = copyBufferSource(part);
    }
    chunks[i] = bytes;
    total += TypedArrayPrototypeGetLength(bytes);
  }
  // One part: a fresh encoding or copy, or another blob's bytes (immutable, so shareable).
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], offset);
    offset += TypedArrayPrototypeGetLength(chunks[i]);
  }
  return out;
}

function subarray(u8, start, end) {
  return new Uint8Array(TypedArrayPrototypeGetBuffer(u8),
    TypedArrayPrototypeGetByteOffset(u8) + start, end - start);
}

function copyOf(u8) {
  const copy = new Uint8Array(TypedArrayPrototypeGetLength(u8));
  TypedArrayPrototypeSet(copy, u8);
  return copy;
}

function brandRejection() {
  return PromiseReject(illegalInvocation());
}

class Blob {
  #bytes;
  #type;

  constructor(blobParts = undefined, options = undefined) {
    if (blobParts === kInternal && internalInit !== null) {
      this.#bytes = internalInit.bytes;
      this.#type = internalInit.type;
      internalInit = null;
      return;
    }
    const parts = blobParts === undefined ? [] : convertBlobParts(blobParts, 'Blob');
    const opts = convertBlobOptions(options, 'Blob', false);
    this.#bytes = processBlobParts(parts, opts.endings);
    this.#type = normalizeBlobType(opts.type);
  }

  get size() {
    return TypedArrayPrototypeGetLength(blobBytes(this));
  }

  get type() {
    blobBytes(this);
    return this.#type;
  }

  slice(start = undefined, end = undefined, contentType = undefined) {
    const bytes = blobBytes(this);
    const size = TypedArrayPrototypeGetLength(bytes);
    let relativeStart = 0;
    if (start !== undefined) {
      const s = toClampedLongLong(start);
      relativeStart = s < 0 ? MathMax(size + s, 0) : MathMin(s, size);
    }
    let relativeEnd = size;
    if (end !== undefined) {
      const e = toClampedLongLong(end);
      relativeEnd = e < 0 ? MathMax(size + e, 0) : MathMin(e, size);
    }
    const type = contentType === undefined ? '' : normalizeBlobType(toDOMString(contentType));
    const span = MathMax(relativeEnd - relativeStart, 0);
    return createBlob(subarray(bytes, relativeStart, relativeStart + span), type);
  }

  stream() {
    const bytes = copyOf(blobBytes(this));
    return streams().createReadableStreamFromBytes(bytes);
  }

  text() {
    if (!isBlob(this)) return brandRejection();
    return PromiseResolve(utf8DecodeWithoutBOM(this.#bytes));
  }

  arrayBuffer() {
    if (!isBlob(this)) return brandRejection();
    return PromiseResolve(TypedArrayPrototypeGetBuffer(copyOf(this.#bytes)));
  }

  bytes() {
    if (!isBlob(this)) return brandRejection();
    return PromiseResolve(copyOf(this.#bytes));
  }

  [customInspect](depth, options, inspect) {
    if (!isBlob(this)) return this;
    const fields = { size: TypedArrayPrototypeGetLength(this.#bytes), type: this.#type };
    if (isFile(this)) {
      fields.name = fileName(this);
      fields.lastModified = fileLastModified(this);
    }
    return `${isFile(this) ? 'File' : 'Blob'} ${inspect(fields, options)}`;
  }

  static {
    blobBytes = (blob) => {
      if (!isObject(blob) || !(#bytes in blob)) throw illegalInvocation();
      return blob.#bytes;
    };
    blobType = (blob) => {
      if (!isObject(blob) || !(#bytes in blob)) throw illegalInvocation();
      return blob.#type;
    };
    isBlob = (value) => isObject(value) && #bytes in value;
  }
}

finishInterface(Blob, 'Blob');

function createBlob(bytes, type) {
  internalInit = { __proto__: null, bytes, type };
  try {
    return new Blob(kInternal);
  } finally {
    internalInit = null;
  }
}

// ---------------------------------------------------------------------------------------------
// File

let isFile;
let fileName;          // (file) -> string
let fileLastModified;  // (file) -> number

class File extends Blob {
  #name;
  #lastModified;

  constructor(fileBits, fileName, options = undefined) {
    if (fileBits === kInternal && internalInit !== null) {
      const init = internalInit;
      super(kInternal);
      this.#name = init.name;
      this.#lastModified = init.lastModified;
      return;
    }
    if (arguments.length < 2) throw ctorArgCountError('File', 2, arguments.length);
    const parts = convertBlobParts(fileBits, 'File');
    const name = toUSVString(fileName);
    const opts = convertBlobOptions(options, 'File', true);
    internalInit = {
      __proto__: null,
      bytes: processBlobParts(parts, opts.endings),
      type: normalizeBlobType(opts.type),
    };
    try {
      super(kInternal);
    } finally {
      internalInit = null;
    }
    this.#name = name;
    this.#lastModified = opts.lastModified === undefined ? DateNow() : opts.lastModified;
  }

  get name() {
    if (!isFile(this)) throw illegalInvocation();
    return this.#name;
  }

  get lastModified() {
    if (!isFile(this)) throw illegalInvocation();
    return this.#lastModified;
  }

  static {
    isFile = (value) => isObject(value) && #name in value;
    fileName = (file) => {
      if (!isFile(file)) throw illegalInvocation();
      return file.#name;
    };
    fileLastModified = (file) => {
      if (!isFile(file)) throw illegalInvocation();
      return file.#lastModified;
    };
  }
}

finishInterface(File, 'File');

function createFile(bytes, name, type, lastModified = undefined) {
  internalInit = {
    __proto__: null,
    bytes,
    type,
    name,
    lastModified: lastModified === undefined ? DateNow() : lastModified,
  };
  try {
    return new File(kInternal);
  } finally {
    internalInit = null;
  }
}

function getBlobBytes(blob) {
  return blobBytes(blob);
}

function getBlobType(blob) {
  return blobType(blob);
}

function getFileName(file) {
  return fileName(file);
}

function getFileLastModified(file) {
  return fileLastModified(file);
}

export {
  Blob,
  File,
  isBlob,
  isFile,
  getBlobBytes,
  getBlobType,
  getFileName,
  getFileLastModified,
  createBlob,
  createFile,
  normalizeBlobType,
  subarray,
};

// The bootstrap defines Blob and File lazily, so they register themselves as platform classes.
registerPlatformClass(Blob);
registerPlatformClass(File);
blobModuleLoaded(blobNamespace);
