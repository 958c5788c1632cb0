// The WHATWG Streams standard (https://streams.spec.whatwg.org/): ReadableStream (default and
// byte streams, readers, tee, piping, async iteration, ReadableStream.from), WritableStream,
// TransformStream and the queuing strategies; plus TextEncoderStream / TextDecoderStream
// (Encoding standard) and CompressionStream / DecompressionStream (Compression Streams, on the
// native zlib ops).
//
// Structure: every public object (stream, reader, writer, controller, request) holds one
// private record (`#r`): a null-prototype object with the spec's internal slots under the
// spec's names. The abstract operations below work on records; a record's `wrapper` is its
// public object. Records never leave this module.
//
// Everything uses primordials only (user code may patch any prototype after this module is
// evaluated). In particular no promise is resolved with another promise whose then may have
// been patched (that would call the patched Promise.prototype.then): promise chaining is done
// with the captured PromisePrototypeThen (see resolveDeferredAdopting).
//
// Internal API for other runtime modules (Request/Response bodies, fetch):
//   isReadableStream(x)                      -> boolean
//   isReadableStreamLocked(stream)           -> boolean
//   isReadableStreamDisturbed(stream)        -> boolean
//   readAllBytes(stream)                     -> Promise<{ bytes: Uint8Array }> (TypeError for a chunk that
//                                               is not a Uint8Array; the stream stays locked)
//   createReadableStreamFromBytes(bytes)     -> a byte ReadableStream of a copy of the bytes
//   readableStreamTee(stream, cloneForBranch2 = true) -> [branch1, branch2]
//   readableStreamCancel(stream, reason)     -> Promise<undefined>
//   createReadableStream(pull, cancel, highWaterMark = 1, size = () => 1) -> ReadableStream
//   createReadableByteStream(pull, cancel)   -> byte ReadableStream (highWaterMark 0)
//       pull(controller) and cancel(reason) are optional functions returning a promise or
//       undefined; `controller` is the stream's public controller. Drive it with the
//       readableStreamController* helpers below, which user code cannot patch:
//   readableStreamControllerEnqueue(controller, chunk)  (byte controllers: an ArrayBufferView
//                                               whose buffer is transferred)
//   readableStreamControllerClose(controller)
//   readableStreamControllerError(controller, error)
//   readableStreamControllerDesiredSize(controller)
//   isWritableStream(x), isTransformStream(x)
//
// Not in the startup snapshot: evaluated on first use (see internal:lazy).

import primordials from 'internal:primordials';
import { isObject, illegalInvocation, plural, ctorArgCountError, toDOMString, finishInterface } from 'internal:webidl';
import ops from 'internal:ops';
import {
  AbortSignal, isAbortSignal, addAbortAlgorithm, createAbortSignal, abortSignal, reportException,
} from 'internal:events';
import { TextEncoder, TextDecoder } from 'internal:encoding';
import { registerPlatformClass } from 'internal:structured_clone';
import { streamsLoaded } from 'internal:lazy';
import * as streamsNamespace from 'internal:streams';  // this module's own, for streamsLoaded

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayPrototypePush,
  AsyncIteratorPrototype,
  BigInt64Array,
  BigUint64Array,
  DataView,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  Float32Array,
  Float64Array,
  Int16Array,
  Int32Array,
  Int8Array,
  MathTrunc,
  NumberIsFinite,
  NumberIsNaN,
  NumberMAX_SAFE_INTEGER,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectSetPrototypeOf,
  Promise,
  PromisePrototypeThen,
  PromiseReject,
  PromiseResolve,
  RangeError,
  ReflectApply,
  ReflectDeleteProperty,
  SafeMap,
  SafePromiseAll,
  SharedArrayBufferPrototypeGetByteLength,
  Symbol,
  SymbolAsyncIterator,
  SymbolIterator,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  SymbolToStringTag,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeSet,
  Uint16Array,
  Uint32Array,
  Uint8Array,
  Uint8ClampedArray,
  uncurryThis,
} = primordials;

// Captured now, before user code can replace them.
const AbortSignalPrototypeGetAborted = uncurryThis(
  ObjectGetOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get);
const AbortSignalPrototypeGetReason = uncurryThis(
  ObjectGetOwnPropertyDescriptor(AbortSignal.prototype, 'reason').get);
const TextDecoderPrototypeDecode = uncurryThis(TextDecoder.prototype.decode);
const TextDecoderPrototypeGetEncoding = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TextDecoder.prototype, 'encoding').get);
const TextDecoderPrototypeGetFatal = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TextDecoder.prototype, 'fatal').get);
const TextDecoderPrototypeGetIgnoreBOM = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TextDecoder.prototype, 'ignoreBOM').get);
const TextEncoderPrototypeEncode = uncurryThis(TextEncoder.prototype.encode);
const builtinPromiseThen = Promise.prototype.then;

const {
  zlibCreate, zlibPush, zlibClose, transferArrayBuffer, structuredClone, enqueueMicrotask,
} = ops;

// Passed by this module to constructors that user code must not call.
const kInternal = Symbol('kInternal');

// ---------------------------------------------------------------------------------------------
// Web IDL helpers

function illegalConstructor() {
  return new TypeError('Illegal constructor');
}

function argCountError(method, iface, required, present) {
  return new TypeError(`Failed to execute '${method}' on '${iface}': ` +
    `${plural(required)} required, but only ${present} present.`);
}

// Web IDL dictionary: undefined and null are an empty dictionary (null here); other
// non-objects are a TypeError.
function toDictionary(value, context, name) {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    throw new TypeError(`${context}: The provided value is not of type '${name}'.`);
  }
  return value;
}

// A callback function member: undefined when absent, else it must be callable.
function toCallback(value, context, member, dictName) {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new TypeError(`${context}: The '${member}' member of ${dictName} is not a function.`);
  }
  return value;
}

// [EnforceRange] unsigned long long.
function toEnforceRangeULL(value, context, what) {
  let x = +value;
  if (!NumberIsFinite(x)) {
    throw new TypeError(`${context}: ${what} is not a finite number, so it cannot be ` +
      `converted to 'unsigned long long'.`);
  }
  x = MathTrunc(x);
  if (x < 0 || x > NumberMAX_SAFE_INTEGER) {
    throw new TypeError(`${context}: ${what} is outside the 'unsigned long long' value range.`);
  }
  return x === 0 ? 0 : x;
}

// ---------------------------------------------------------------------------------------------
// Buffers

function isSharedArrayBuffer(value) {
  try {
    SharedArrayBufferPrototypeGetByteLength(value);
    return true;
  } catch {
    return false;
  }
}

function isArrayBuffer(value) {
  try {
    ArrayBufferPrototypeGetByteLength(value);
    return true;
  } catch {
    return false;
  }
}

function isDetachedBuffer(buffer) {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

function arrayBufferByteLength(buffer) {
  return ArrayBufferPrototypeGetByteLength(buffer);
}

// Given ArrayBufferIsView(view):
function isDataView(view) {
  return TypedArrayPrototypeGetSymbolToStringTag(view) === undefined;
}

function viewBuffer(view) {
  return isDataView(view) ? DataViewPrototypeGetBuffer(view) : TypedArrayPrototypeGetBuffer(view);
}

function viewByteOffset(view) {
  if (!isDataView(view)) return TypedArrayPrototypeGetByteOffset(view);
  try {
    return DataViewPrototypeGetByteOffset(view);
  } catch {
    return 0; // detached
  }
}

function viewByteLength(view) {
  if (!isDataView(view)) return TypedArrayPrototypeGetByteLength(view);
  try {
    return DataViewPrototypeGetByteLength(view);
  } catch {
    return 0; // detached
  }
}

// name -> [constructor, element size]
const typedArrayInfo = new SafeMap();
{
  const ctors = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
  for (let i = 0; i < ctors.length; i++) {
    typedArrayInfo.set(ctors[i].name, [ctors[i], ctors[i].BYTES_PER_ELEMENT]);
  }
}

// Web IDL ArrayBufferView (not [AllowShared]).
function toArrayBufferView(value, context, n) {
  if (!ArrayBufferIsView(value) || isSharedArrayBuffer(viewBuffer(value))) {
    throw new TypeError(`${context}: parameter ${n} is not of type 'ArrayBufferView'.`);
  }
  return value;
}

// Web IDL BufferSource: a Uint8Array over the bytes (ArrayBuffer or non-shared view). A
// detached buffer holds no bytes.
// With allowShared (Web IDL AllowSharedBufferSource), bytes in a SharedArrayBuffer are
// accepted too; the Uint8Array returned then views the shared memory (the caller copies).
function bufferSourceBytes(value, context, allowShared = false) {
  if (ArrayBufferIsView(value)) {
    const buffer = viewBuffer(value);
    if (!isSharedArrayBuffer(buffer)) {
      if (isDetachedBuffer(buffer)) return new Uint8Array(0);
      return new Uint8Array(buffer, viewByteOffset(value), viewByteLength(value));
    }
    if (allowShared) return new Uint8Array(buffer, viewByteOffset(value), viewByteLength(value));
  } else if (isArrayBuffer(value)) {
    if (isDetachedBuffer(value)) return new Uint8Array(0);
    return new Uint8Array(value, 0, arrayBufferByteLength(value));
  } else if (allowShared && isSharedArrayBuffer(value)) {
    return new Uint8Array(value, 0, SharedArrayBufferPrototypeGetByteLength(value));
  }
  const types = allowShared ? '(ArrayBuffer or ArrayBufferView or SharedArrayBuffer)' :
    '(ArrayBuffer or ArrayBufferView)';
  throw new TypeError(`${context}: The provided chunk is not of type ` +
    `'${types}'. Write bytes (e.g. a Uint8Array) to this stream.`);
}

// CloneArrayBuffer(src, offset, length): a new ArrayBuffer with a copy of the bytes.
function cloneArrayBuffer(buffer, byteOffset, byteLength) {
  const copy = new ArrayBuffer(byteLength);
  if (byteLength > 0) {
    TypedArrayPrototypeSet(new Uint8Array(copy), new Uint8Array(buffer, byteOffset, byteLength));
  }
  return copy;
}

function copyDataBlockBytes(toBuffer, toIndex, fromBuffer, fromIndex, count) {
  TypedArrayPrototypeSet(new Uint8Array(toBuffer, toIndex, count),
    new Uint8Array(fromBuffer, fromIndex, count));
}

// TransferArrayBuffer: detaches `buffer`; the result owns its bytes.
function transferBuffer(buffer) {
  return transferArrayBuffer(buffer);
}

function canTransferArrayBuffer(buffer) {
  return !isDetachedBuffer(buffer);
}

// ---------------------------------------------------------------------------------------------
// Promises. A "deferred" is a promise with its resolving functions and whether it is pending.

function noop() {}

function newDeferred() {
  const d = {
    __proto__: null, promise: undefined, resolve: undefined, reject: undefined, pending: true,
  };
  d.promise = new Promise((resolve, reject) => {
    d.resolve = resolve;
    d.reject = reject;
  });
  return d;
}

function resolveDeferred(d, value) {
  if (!d.pending) return;
  d.pending = false;
  const resolve = d.resolve;
  d.resolve = undefined;
  d.reject = undefined;
  resolve(value);
}

function rejectDeferred(d, reason) {
  if (!d.pending) return;
  d.pending = false;
  const reject = d.reject;
  d.resolve = undefined;
  d.reject = undefined;
  reject(reason);
}

function resolvedDeferred(value) {
  return {
    __proto__: null, promise: PromiseResolve(value), resolve: undefined, reject: undefined,
    pending: false,
  };
}

function rejectedDeferred(reason) {
  const promise = PromiseReject(reason);
  markHandled(promise);
  return { __proto__: null, promise, resolve: undefined, reject: undefined, pending: false };
}

function markHandled(promise) {
  PromisePrototypeThen(promise, undefined, noop);
}

function resolvedUndefined() {
  return PromiseResolve(undefined);
}

// Resolves `d` with `value` as the standard's "resolve" does, including its timing: a promise
// or other thenable is adopted through a job, two microtasks later than a plain value. A
// promise of this realm whose then was replaced is adopted through the captured then, in the
// same microtasks, so a patched Promise.prototype.then is never called; another thenable's
// own then is called, as the standard does.
function resolveDeferredAdopting(d, value) {
  if (isObject(value) && ops.getPromiseState(value) !== undefined &&
      value.then !== builtinPromiseThen) {
    queueMicrotask(() => {
      PromisePrototypeThen(value, (v) => resolveDeferred(d, v), (e) => rejectDeferred(d, e));
    });
    return;
  }
  resolveDeferred(d, value);
}

// Web IDL's "a promise resolved with" x: a new promise, adopting x when it is a thenable.
function promiseResolvedWith(value) {
  if (!isObject(value)) return PromiseResolve(value);
  // The built-in resolve adopts a promise whose then is the built-in one without running
  // user code: the fast path.
  if (ops.getPromiseState(value) !== undefined && value.then === builtinPromiseThen) {
    return new Promise((resolve) => resolve(value));
  }
  const d = newDeferred();
  resolveDeferredAdopting(d, value);
  return d.promise;
}

// "upon fulfillment / rejection": the handlers must not return promises.
function uponPromise(promise, onFulfilled, onRejected) {
  PromisePrototypeThen(promise, onFulfilled, onRejected);
}

// "the result of reacting to": as uponPromise, returning the derived promise.
function transformPromise(promise, onFulfilled, onRejected) {
  return PromisePrototypeThen(promise, onFulfilled, onRejected);
}

// Reacting with handlers that return promises, without resolving a promise with a promise.
function chainPromise(promise, onFulfilled, onRejected) {
  const d = newDeferred();
  const forward = (fn, arg) => {
    let result;
    try {
      result = fn(arg);
    } catch (error) {
      rejectDeferred(d, error);
      return;
    }
    PromisePrototypeThen(result, (v) => resolveDeferred(d, v), (e) => rejectDeferred(d, e));
  };
  PromisePrototypeThen(promise, (v) => forward(onFulfilled, v), (e) => forward(onRejected, e));
  return d.promise;
}

// Invoke a Web IDL callback returning Promise<undefined>: exceptions become rejections, and
// the result is converted to a new promise as Web IDL converts to Promise<T> (a returned
// promise is adopted, which takes two microtasks; the standard's algorithms rely on it).
function promiseCall(fn, thisArg, args) {
  try {
    return promiseResolvedWith(ReflectApply(fn, thisArg, args));
  } catch (error) {
    return PromiseReject(error);
  }
}

function queueMicrotask(fn) {
  enqueueMicrotask(() => {
    try {
      fn();
    } catch (error) {
      reportException(error);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// A FIFO queue (amortized O(1) shift), for chunks and requests.

class SimpleQueue {
  constructor() {
    this.items = [];
    this.head = 0;
  }

  get size() {
    return this.items.length - this.head;
  }

  push(value) {
    const items = this.items;
    items[items.length] = value;
  }

  peek() {
    return this.items[this.head];
  }

  shift() {
    const items = this.items;
    const value = items[this.head];
    items[this.head] = undefined;
    this.head++;
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      const rest = [];
      for (let i = this.head; i < items.length; i++) rest[i - this.head] = items[i];
      this.items = rest;
      this.head = 0;
    }
    return value;
  }

  clear() {
    this.items = [];
    this.head = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Queue-with-sizes (for default controllers). `container` has queue and queueTotalSize.

function isNonNegativeNumber(v) {
  return typeof v === 'number' && !NumberIsNaN(v) && v >= 0;
}

function dequeueValue(container) {
  const pair = container.queue.shift();
  container.queueTotalSize -= pair.size;
  if (container.queueTotalSize < 0) container.queueTotalSize = 0; // rounding errors
  return pair.value;
}

function enqueueValueWithSize(container, value, size) {
  if (!isNonNegativeNumber(size) || size === Infinity) {
    throw new RangeError('The size of a chunk (from the queuing strategy\'s size function) ' +
      'must be a finite, non-negative number.');
  }
  container.queue.push({ __proto__: null, value, size });
  container.queueTotalSize += size;
}

function peekQueueValue(container) {
  return container.queue.peek().value;
}

function resetQueue(container) {
  container.queue = new SimpleQueue();
  container.queueTotalSize = 0;
}

// ---------------------------------------------------------------------------------------------
// Queuing strategies

// QueuingStrategy dictionary -> { highWaterMark (undefined when absent), size }.
function toQueuingStrategy(value, context) {
  const dict = toDictionary(value, context, 'QueuingStrategy');
  if (dict === null) return { __proto__: null, highWaterMark: undefined, size: undefined };
  const hwm = dict.highWaterMark;
  const highWaterMark = hwm === undefined ? undefined : +hwm;
  const size = toCallback(dict.size, context, 'size', 'QueuingStrategy');
  return { __proto__: null, highWaterMark, size };
}

function extractHighWaterMark(strategy, defaultHWM) {
  const hwm = strategy.highWaterMark;
  if (hwm === undefined) return defaultHWM;
  if (NumberIsNaN(hwm) || hwm < 0) {
    throw new RangeError(`Invalid highWaterMark ${hwm}: it must be a non-negative number.`);
  }
  return hwm;
}

function sizeOne() {
  return 1;
}

function extractSizeAlgorithm(strategy) {
  const size = strategy.size;
  if (size === undefined) return sizeOne;
  return (chunk) => +ReflectApply(size, undefined, [chunk]);
}

// One function object each per realm, as the standard requires; not constructors.
const byteLengthSizeFunction = ({ size(chunk) { return chunk.byteLength; } }).size;
const countSizeFunction = ({ size() { return 1; } }).size;

function toQueuingStrategyInit(init, iface) {
  const context = `Failed to construct '${iface}'`;
  const dict = toDictionary(init, context, 'QueuingStrategyInit');
  const hwm = dict === null ? undefined : dict.highWaterMark;
  if (hwm === undefined) {
    throw new TypeError(`${context}: Failed to read the 'highWaterMark' property from ` +
      `'QueuingStrategyInit': Required member is undefined.`);
  }
  return +hwm;
}

class ByteLengthQueuingStrategy {
  #highWaterMark;

  constructor(init) {
    if (arguments.length < 1) throw ctorArgCountError('ByteLengthQueuingStrategy', 1, 0);
    this.#highWaterMark = toQueuingStrategyInit(init, 'ByteLengthQueuingStrategy');
  }

  get highWaterMark() {
    if (!isObject(this) || !(#highWaterMark in this)) throw illegalInvocation();
    return this.#highWaterMark;
  }

  get size() {
    if (!isObject(this) || !(#highWaterMark in this)) throw illegalInvocation();
    return byteLengthSizeFunction;
  }
}
finishInterface(ByteLengthQueuingStrategy, 'ByteLengthQueuingStrategy');

class CountQueuingStrategy {
  #highWaterMark;

  constructor(init) {
    if (arguments.length < 1) throw ctorArgCountError('CountQueuingStrategy', 1, 0);
    this.#highWaterMark = toQueuingStrategyInit(init, 'CountQueuingStrategy');
  }

  get highWaterMark() {
    if (!isObject(this) || !(#highWaterMark in this)) throw illegalInvocation();
    return this.#highWaterMark;
  }

  get size() {
    if (!isObject(this) || !(#highWaterMark in this)) throw illegalInvocation();
    return countSizeFunction;
  }
}
finishInterface(CountQueuingStrategy, 'CountQueuingStrategy');

// ---------------------------------------------------------------------------------------------
// ReadableStream: records and public classes

function newReadableStreamRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    state: 'readable',     // 'readable' | 'closed' | 'errored'
    storedError: undefined,
    disturbed: false,
    reader: undefined,     // reader record
    controller: undefined, // controller record (default or byte)
  };
}

let readableStreamRecord;    // (value) -> record, or throws Illegal invocation
let maybeReadableStreamRecord; // (value) -> record | undefined

class ReadableStream {
  #r;

  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource === kInternal) {
      this.#r = strategy;
      strategy.wrapper = this;
      return;
    }
    const context = "Failed to construct 'ReadableStream'";
    if (underlyingSource === undefined) {
      underlyingSource = null;
    } else if (!isObject(underlyingSource)) {
      throw new TypeError(`${context}: parameter 1 is not of type 'object'.`);
    }
    const strat = toQueuingStrategy(strategy, context);
    const source = toUnderlyingSource(underlyingSource, context);
    const stream = newReadableStreamRecord();
    stream.wrapper = this;
    this.#r = stream;
    if (source.type === 'bytes') {
      if (strat.size !== undefined) {
        throw new RangeError(`${context}: The strategy for a byte stream cannot have a size ` +
          'function (chunk sizes are their byte lengths).');
      }
      const highWaterMark = extractHighWaterMark(strat, 0);
      setUpReadableByteStreamControllerFromUnderlyingSource(stream, underlyingSource, source,
        highWaterMark);
    } else {
      const sizeAlgorithm = extractSizeAlgorithm(strat);
      const highWaterMark = extractHighWaterMark(strat, 1);
      setUpReadableStreamDefaultControllerFromUnderlyingSource(stream, underlyingSource, source,
        highWaterMark, sizeAlgorithm);
    }
  }

  get locked() {
    return isReadableStreamLockedRecord(readableStreamRecord(this));
  }

  cancel(reason = undefined) {
    let stream;
    try {
      stream = readableStreamRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (isReadableStreamLockedRecord(stream)) {
      return PromiseReject(new TypeError("Failed to execute 'cancel' on 'ReadableStream': " +
        'the stream is locked to a reader; cancel through the reader, or release it first.'));
    }
    return readableStreamCancelRecord(stream, reason);
  }

  getReader(options = undefined) {
    const stream = readableStreamRecord(this);
    const context = "Failed to execute 'getReader' on 'ReadableStream'";
    const dict = toDictionary(options, context, 'ReadableStreamGetReaderOptions');
    let mode;
    if (dict !== null) {
      const value = dict.mode;
      if (value !== undefined) {
        mode = toDOMString(value);
        if (mode !== 'byob') {
          throw new TypeError(`${context}: The provided value '${mode}' is not a valid enum ` +
            "value of type ReadableStreamReaderMode (the only mode is 'byob').");
        }
      }
    }
    if (mode === undefined) return acquireReadableStreamDefaultReader(stream).wrapper;
    return acquireReadableStreamBYOBReader(stream).wrapper;
  }

  pipeThrough(transform, options = undefined) {
    const stream = readableStreamRecord(this);
    const context = "Failed to execute 'pipeThrough' on 'ReadableStream'";
    if (arguments.length < 1) throw argCountError('pipeThrough', 'ReadableStream', 1, 0);
    const pair = toDictionary(transform, context, 'ReadableWritablePair');
    const readableValue = pair === null ? undefined : pair.readable;
    if (readableValue === undefined) {
      throw new TypeError(`${context}: Failed to read the 'readable' property from ` +
        "'ReadableWritablePair': Required member is undefined.");
    }
    const readable = maybeReadableStreamRecord(readableValue);
    if (readable === undefined) {
      throw new TypeError(`${context}: The 'readable' member of ReadableWritablePair is not ` +
        "of type 'ReadableStream'.");
    }
    const writableValue = pair.writable;
    if (writableValue === undefined) {
      throw new TypeError(`${context}: Failed to read the 'writable' property from ` +
        "'ReadableWritablePair': Required member is undefined.");
    }
    const writable = maybeWritableStreamRecord(writableValue);
    if (writable === undefined) {
      throw new TypeError(`${context}: The 'writable' member of ReadableWritablePair is not ` +
        "of type 'WritableStream'.");
    }
    const opts = toStreamPipeOptions(options, context);
    if (isReadableStreamLockedRecord(stream)) {
      throw new TypeError(`${context}: This stream is locked to a reader; release it first.`);
    }
    if (isWritableStreamLockedRecord(writable)) {
      throw new TypeError(`${context}: The transform's writable side is locked to a writer; ` +
        'release it first.');
    }
    const promise = readableStreamPipeTo(stream, writable, opts.preventClose, opts.preventAbort,
      opts.preventCancel, opts.signal);
    markHandled(promise);
    return readable.wrapper;
  }

  pipeTo(destination, options = undefined) {
    try {
      const stream = readableStreamRecord(this);
      const context = "Failed to execute 'pipeTo' on 'ReadableStream'";
      if (arguments.length < 1) throw argCountError('pipeTo', 'ReadableStream', 1, 0);
      const dest = maybeWritableStreamRecord(destination);
      if (dest === undefined) {
        throw new TypeError(`${context}: parameter 1 is not of type 'WritableStream'.`);
      }
      const opts = toStreamPipeOptions(options, context);
      if (isReadableStreamLockedRecord(stream)) {
        throw new TypeError(`${context}: This stream is locked to a reader; release it first.`);
      }
      if (isWritableStreamLockedRecord(dest)) {
        throw new TypeError(`${context}: The destination is locked to a writer; release it first.`);
      }
      return readableStreamPipeTo(stream, dest, opts.preventClose, opts.preventAbort,
        opts.preventCancel, opts.signal);
    } catch (error) {
      return PromiseReject(error);
    }
  }

  tee() {
    const stream = readableStreamRecord(this);
    const branches = readableStreamTeeRecord(stream, false);
    return [branches[0].wrapper, branches[1].wrapper];
  }

  values(options = undefined) {
    const stream = readableStreamRecord(this);
    const context = "Failed to execute 'values' on 'ReadableStream'";
    const dict = toDictionary(options, context, 'ReadableStreamIteratorOptions');
    const preventCancel = dict === null ? false : !!dict.preventCancel;
    const reader = acquireReadableStreamDefaultReader(stream);
    return new ReadableStreamAsyncIterator(kInternal, reader, preventCancel);
  }

  static from(asyncIterable) {
    if (arguments.length < 1) throw argCountError('from', 'ReadableStream', 1, 0);
    return readableStreamFromIterable(asyncIterable).wrapper;
  }

  static {
    readableStreamRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
    maybeReadableStreamRecord = (value) => (isObject(value) && #r in value ? value.#r : undefined);
  }
}
finishInterface(ReadableStream, 'ReadableStream');
// The async iterator: [Symbol.asyncIterator] is the same function as values.
ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
  __proto__: null,
  value: ReadableStream.prototype.values,
  writable: true,
  enumerable: false,
  configurable: true,
});

function createReadableStreamRecordWithWrapper() {
  const stream = newReadableStreamRecord();
  new ReadableStream(kInternal, stream);
  return stream;
}

// UnderlyingSource dictionary, members in lexicographic order.
function toUnderlyingSource(value, context) {
  const dict = toDictionary(value, context, 'UnderlyingSource');
  const result = {
    __proto__: null,
    autoAllocateChunkSize: undefined,
    cancel: undefined,
    pull: undefined,
    start: undefined,
    type: undefined,
  };
  if (dict === null) return result;
  const aacs = dict.autoAllocateChunkSize;
  if (aacs !== undefined) {
    result.autoAllocateChunkSize = toEnforceRangeULL(aacs, context, 'autoAllocateChunkSize');
  }
  result.cancel = toCallback(dict.cancel, context, 'cancel', 'UnderlyingSource');
  result.pull = toCallback(dict.pull, context, 'pull', 'UnderlyingSource');
  result.start = toCallback(dict.start, context, 'start', 'UnderlyingSource');
  const type = dict.type;
  if (type !== undefined) {
    const t = toDOMString(type);
    if (t !== 'bytes') {
      throw new TypeError(`${context}: The provided value '${t}' is not a valid enum value of ` +
        "type ReadableStreamType (the only type is 'bytes').");
    }
    result.type = t;
  }
  return result;
}

// StreamPipeOptions, members in lexicographic order.
function toStreamPipeOptions(value, context) {
  const dict = toDictionary(value, context, 'StreamPipeOptions');
  const result = {
    __proto__: null, preventAbort: false, preventCancel: false, preventClose: false, signal: undefined,
  };
  if (dict === null) return result;
  result.preventAbort = !!dict.preventAbort;
  result.preventCancel = !!dict.preventCancel;
  result.preventClose = !!dict.preventClose;
  const signal = dict.signal;
  if (signal !== undefined) {
    if (!isAbortSignal(signal)) {
      throw new TypeError(`${context}: The 'signal' member of StreamPipeOptions is not of type ` +
        "'AbortSignal'.");
    }
    result.signal = signal;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// ReadableStream abstract operations

function isReadableStreamLockedRecord(stream) {
  return stream.reader !== undefined;
}

function readableStreamCancelRecord(stream, reason) {
  stream.disturbed = true;
  if (stream.state === 'closed') return resolvedUndefined();
  if (stream.state === 'errored') return PromiseReject(stream.storedError);
  readableStreamClose(stream);
  const reader = stream.reader;
  if (reader !== undefined && reader.byob) {
    const requests = reader.readIntoRequests;
    reader.readIntoRequests = new SimpleQueue();
    while (requests.size > 0) requests.shift().close(undefined);
  }
  const sourceCancelPromise = controllerCancelSteps(stream.controller, reason);
  return transformPromise(sourceCancelPromise, noop);
}

function readableStreamClose(stream) {
  stream.state = 'closed';
  const reader = stream.reader;
  if (reader === undefined) return;
  resolveDeferred(reader.closed, undefined);
  if (!reader.byob) {
    const requests = reader.readRequests;
    reader.readRequests = new SimpleQueue();
    while (requests.size > 0) requests.shift().close();
  }
}

function readableStreamError(stream, e) {
  stream.state = 'errored';
  stream.storedError = e;
  const reader = stream.reader;
  if (reader === undefined) return;
  rejectDeferred(reader.closed, e);
  markHandled(reader.closed.promise);
  if (!reader.byob) readableStreamDefaultReaderErrorReadRequests(reader, e);
  else readableStreamBYOBReaderErrorReadIntoRequests(reader, e);
}

function readableStreamAddReadRequest(stream, readRequest) {
  stream.reader.readRequests.push(readRequest);
}

function readableStreamAddReadIntoRequest(stream, readIntoRequest) {
  stream.reader.readIntoRequests.push(readIntoRequest);
}

function readableStreamFulfillReadRequest(stream, chunk, done) {
  const readRequest = stream.reader.readRequests.shift();
  if (done) readRequest.close();
  else readRequest.chunk(chunk);
}

function readableStreamFulfillReadIntoRequest(stream, chunk, done) {
  const readIntoRequest = stream.reader.readIntoRequests.shift();
  if (done) readIntoRequest.close(chunk);
  else readIntoRequest.chunk(chunk);
}

function readableStreamGetNumReadRequests(stream) {
  return stream.reader.readRequests.size;
}

function readableStreamGetNumReadIntoRequests(stream) {
  return stream.reader.readIntoRequests.size;
}

function readableStreamHasDefaultReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && !reader.byob;
}

function readableStreamHasBYOBReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && reader.byob;
}

// CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, sizeAlgorithm)
function createReadableStreamRecord(startAlgorithm, pullAlgorithm, cancelAlgorithm,
  highWaterMark = 1, sizeAlgorithm = sizeOne) {
  const stream = createReadableStreamRecordWithWrapper();
  const controller = newReadableStreamDefaultControllerRecord();
  setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

// CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm)
function createReadableByteStreamRecord(startAlgorithm, pullAlgorithm, cancelAlgorithm) {
  const stream = createReadableStreamRecordWithWrapper();
  const controller = newReadableByteStreamControllerRecord();
  setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, 0, undefined);
  return stream;
}

// ---------------------------------------------------------------------------------------------
// Readers

function newReaderRecord(byob) {
  return {
    __proto__: null,
    wrapper: undefined,
    byob,
    stream: undefined,
    closed: undefined,           // deferred
    readRequests: undefined,     // default reader
    readIntoRequests: undefined, // BYOB reader
  };
}

function readableStreamReaderGenericInitialize(reader, stream) {
  reader.stream = stream;
  stream.reader = reader;
  if (stream.state === 'readable') reader.closed = newDeferred();
  else if (stream.state === 'closed') reader.closed = resolvedDeferred(undefined);
  else reader.closed = rejectedDeferred(stream.storedError);
}

function readableStreamReaderGenericCancel(reader, reason) {
  return readableStreamCancelRecord(reader.stream, reason);
}

function readableStreamReaderGenericRelease(reader) {
  const stream = reader.stream;
  const error = new TypeError('The reader was released: its lock on the stream was released ' +
    'with releaseLock().');
  if (stream.state === 'readable') rejectDeferred(reader.closed, error);
  else reader.closed = rejectedDeferred(error);
  markHandled(reader.closed.promise);
  controllerReleaseSteps(stream.controller);
  stream.reader = undefined;
  reader.stream = undefined;
}

function readableStreamDefaultReaderErrorReadRequests(reader, e) {
  const requests = reader.readRequests;
  reader.readRequests = new SimpleQueue();
  while (requests.size > 0) requests.shift().error(e);
}

function readableStreamBYOBReaderErrorReadIntoRequests(reader, e) {
  const requests = reader.readIntoRequests;
  reader.readIntoRequests = new SimpleQueue();
  while (requests.size > 0) requests.shift().error(e);
}

function readableStreamDefaultReaderRelease(reader) {
  readableStreamReaderGenericRelease(reader);
  readableStreamDefaultReaderErrorReadRequests(reader,
    new TypeError('The reader was released while a read was pending.'));
}

function readableStreamBYOBReaderRelease(reader) {
  readableStreamReaderGenericRelease(reader);
  readableStreamBYOBReaderErrorReadIntoRequests(reader,
    new TypeError('The reader was released while a read was pending.'));
}

function lockedError(context) {
  return new TypeError(`${context}: This ReadableStream is already locked to a reader. ` +
    'Release the existing reader (reader.releaseLock()) before getting a new one.');
}

function setUpReadableStreamDefaultReader(reader, stream, context) {
  if (isReadableStreamLockedRecord(stream)) throw lockedError(context);
  readableStreamReaderGenericInitialize(reader, stream);
  reader.readRequests = new SimpleQueue();
}

function setUpReadableStreamBYOBReader(reader, stream, context) {
  if (isReadableStreamLockedRecord(stream)) throw lockedError(context);
  if (!stream.controller.byte) {
    throw new TypeError(`${context}: A BYOB reader can only be used with a byte stream ` +
      "(a ReadableStream created with type: 'bytes').");
  }
  readableStreamReaderGenericInitialize(reader, stream);
  reader.readIntoRequests = new SimpleQueue();
}

function acquireReadableStreamDefaultReader(stream) {
  const reader = newReaderRecord(false);
  setUpReadableStreamDefaultReader(reader, stream, "Failed to execute 'getReader' on 'ReadableStream'");
  new ReadableStreamDefaultReader(kInternal, reader);
  return reader;
}

function acquireReadableStreamBYOBReader(stream) {
  const reader = newReaderRecord(true);
  setUpReadableStreamBYOBReader(reader, stream, "Failed to execute 'getReader' on 'ReadableStream'");
  new ReadableStreamBYOBReader(kInternal, reader);
  return reader;
}

function readableStreamDefaultReaderRead(reader, readRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === 'closed') readRequest.close();
  else if (stream.state === 'errored') readRequest.error(stream.storedError);
  else controllerPullSteps(stream.controller, readRequest);
}

function readableStreamBYOBReaderRead(reader, view, min, readIntoRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === 'errored') readIntoRequest.error(stream.storedError);
  else readableByteStreamControllerPullInto(stream.controller, view, min, readIntoRequest);
}

function releasedReaderError(method, iface) {
  return new TypeError(`Failed to execute '${method}' on '${iface}': This reader has been ` +
    'released (releaseLock()) and no longer reads from a stream.');
}

let defaultReaderRecord; // (value) -> record, or throws Illegal invocation
let byobReaderRecord;    // (value) -> record, or throws Illegal invocation

class ReadableStreamDefaultReader {
  #r;

  constructor(stream) {
    if (stream === kInternal) {
      const reader = arguments[1];
      this.#r = reader;
      reader.wrapper = this;
      return;
    }
    if (arguments.length < 1) throw ctorArgCountError('ReadableStreamDefaultReader', 1, 0);
    const context = "Failed to construct 'ReadableStreamDefaultReader'";
    const s = maybeReadableStreamRecord(stream);
    if (s === undefined) throw new TypeError(`${context}: parameter 1 is not of type 'ReadableStream'.`);
    const reader = newReaderRecord(false);
    setUpReadableStreamDefaultReader(reader, s, context);
    this.#r = reader;
    reader.wrapper = this;
  }

  get closed() {
    let reader;
    try {
      reader = defaultReaderRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    return reader.closed.promise;
  }

  read() {
    let reader;
    try {
      reader = defaultReaderRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (reader.stream === undefined) {
      return PromiseReject(releasedReaderError('read', 'ReadableStreamDefaultReader'));
    }
    const d = newDeferred();
    readableStreamDefaultReaderRead(reader, {
      __proto__: null,
      chunk(chunk) { resolveDeferred(d, { value: chunk, done: false }); },
      close() { resolveDeferred(d, { value: undefined, done: true }); },
      error(e) { rejectDeferred(d, e); },
    });
    return d.promise;
  }

  releaseLock() {
    const reader = defaultReaderRecord(this);
    if (reader.stream === undefined) return;
    readableStreamDefaultReaderRelease(reader);
  }

  cancel(reason = undefined) {
    let reader;
    try {
      reader = defaultReaderRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (reader.stream === undefined) {
      return PromiseReject(releasedReaderError('cancel', 'ReadableStreamDefaultReader'));
    }
    return readableStreamReaderGenericCancel(reader, reason);
  }

  static {
    defaultReaderRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
  }
}
finishInterface(ReadableStreamDefaultReader, 'ReadableStreamDefaultReader');

class ReadableStreamBYOBReader {
  #r;

  constructor(stream) {
    if (stream === kInternal) {
      const reader = arguments[1];
      this.#r = reader;
      reader.wrapper = this;
      return;
    }
    if (arguments.length < 1) throw ctorArgCountError('ReadableStreamBYOBReader', 1, 0);
    const context = "Failed to construct 'ReadableStreamBYOBReader'";
    const s = maybeReadableStreamRecord(stream);
    if (s === undefined) throw new TypeError(`${context}: parameter 1 is not of type 'ReadableStream'.`);
    const reader = newReaderRecord(true);
    setUpReadableStreamBYOBReader(reader, s, context);
    this.#r = reader;
    reader.wrapper = this;
  }

  get closed() {
    let reader;
    try {
      reader = byobReaderRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    return reader.closed.promise;
  }

  read(view, options = undefined) {
    const context = "Failed to execute 'read' on 'ReadableStreamBYOBReader'";
    let reader;
    let min;
    try {
      reader = byobReaderRecord(this);
      if (arguments.length < 1) throw argCountError('read', 'ReadableStreamBYOBReader', 1, 0);
      toArrayBufferView(view, context, 1);
      const dict = toDictionary(options, context, 'ReadableStreamBYOBReaderReadOptions');
      min = 1;
      if (dict !== null) {
        const value = dict.min;
        if (value !== undefined) min = toEnforceRangeULL(value, context, 'min');
      }
    } catch (error) {
      return PromiseReject(error);
    }
    if (viewByteLength(view) === 0) {
      return PromiseReject(new TypeError(`${context}: The view must not be empty (its byteLength is 0).`));
    }
    const buffer = viewBuffer(view);
    if (arrayBufferByteLength(buffer) === 0) {
      return PromiseReject(new TypeError(`${context}: The view's buffer is detached or empty ` +
        '(a buffer passed to read() is transferred: use the view returned in the result).'));
    }
    if (isDetachedBuffer(buffer)) {
      return PromiseReject(new TypeError(`${context}: The view's buffer is detached.`));
    }
    if (min === 0) {
      return PromiseReject(new TypeError(`${context}: options.min must be greater than 0.`));
    }
    if (!isDataView(view)) {
      if (min > TypedArrayPrototypeGetLength(view)) {
        return PromiseReject(new RangeError(`${context}: options.min (${min}) is greater than ` +
          `the view's length (${TypedArrayPrototypeGetLength(view)}).`));
      }
    } else if (min > viewByteLength(view)) {
      return PromiseReject(new RangeError(`${context}: options.min (${min}) is greater than ` +
        `the view's byteLength (${viewByteLength(view)}).`));
    }
    if (reader.stream === undefined) {
      return PromiseReject(releasedReaderError('read', 'ReadableStreamBYOBReader'));
    }
    const d = newDeferred();
    readableStreamBYOBReaderRead(reader, view, min, {
      __proto__: null,
      chunk(chunk) { resolveDeferred(d, { value: chunk, done: false }); },
      close(chunk) { resolveDeferred(d, { value: chunk, done: true }); },
      error(e) { rejectDeferred(d, e); },
    });
    return d.promise;
  }

  releaseLock() {
    const reader = byobReaderRecord(this);
    if (reader.stream === undefined) return;
    readableStreamBYOBReaderRelease(reader);
  }

  cancel(reason = undefined) {
    let reader;
    try {
      reader = byobReaderRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (reader.stream === undefined) {
      return PromiseReject(releasedReaderError('cancel', 'ReadableStreamBYOBReader'));
    }
    return readableStreamReaderGenericCancel(reader, reason);
  }

  static {
    byobReaderRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
  }
}
finishInterface(ReadableStreamBYOBReader, 'ReadableStreamBYOBReader');

// ---------------------------------------------------------------------------------------------
// Controller dispatch ([[CancelSteps]], [[PullSteps]], [[ReleaseSteps]])

function controllerCancelSteps(controller, reason) {
  if (controller.byte) {
    readableByteStreamControllerClearPendingPullIntos(controller);
    resetQueue(controller);
    const result = controller.cancelAlgorithm(reason);
    readableByteStreamControllerClearAlgorithms(controller);
    return result;
  }
  resetQueue(controller);
  const result = controller.cancelAlgorithm(reason);
  readableStreamDefaultControllerClearAlgorithms(controller);
  return result;
}

function controllerPullSteps(controller, readRequest) {
  if (controller.byte) readableByteStreamControllerPullSteps(controller, readRequest);
  else readableStreamDefaultControllerPullSteps(controller, readRequest);
}

function controllerReleaseSteps(controller) {
  if (!controller.byte) return;
  const pending = controller.pendingPullIntos;
  if (pending.size > 0) {
    const first = pending.peek();
    first.readerType = 'none';
    const only = new SimpleQueue();
    only.push(first);
    controller.pendingPullIntos = only;
  }
}

// ---------------------------------------------------------------------------------------------
// ReadableStreamDefaultController

function newReadableStreamDefaultControllerRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    byte: false,
    stream: undefined,
    queue: undefined,
    queueTotalSize: 0,
    started: false,
    closeRequested: false,
    pullAgain: false,
    pulling: false,
    strategySizeAlgorithm: undefined,
    strategyHWM: 0,
    pullAlgorithm: undefined,
    cancelAlgorithm: undefined,
  };
}

let readableStreamDefaultControllerRecord; // (value) -> record, or throws
let maybeReadableStreamDefaultControllerRecord;

class ReadableStreamDefaultController {
  #r;

  constructor(key = undefined, record = undefined) {
    if (key !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.wrapper = this;
  }

  get desiredSize() {
    return readableStreamDefaultControllerGetDesiredSize(readableStreamDefaultControllerRecord(this));
  }

  close() {
    const controller = readableStreamDefaultControllerRecord(this);
    if (!readableStreamDefaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeError("Failed to execute 'close' on 'ReadableStreamDefaultController': " +
        closedOrClosingReason(controller));
    }
    readableStreamDefaultControllerClose(controller);
  }

  enqueue(chunk = undefined) {
    const controller = readableStreamDefaultControllerRecord(this);
    if (!readableStreamDefaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeError("Failed to execute 'enqueue' on 'ReadableStreamDefaultController': " +
        closedOrClosingReason(controller));
    }
    readableStreamDefaultControllerEnqueue(controller, chunk);
  }

  error(e = undefined) {
    readableStreamDefaultControllerError(readableStreamDefaultControllerRecord(this), e);
  }

  static {
    readableStreamDefaultControllerRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
    maybeReadableStreamDefaultControllerRecord = (value) =>
      (isObject(value) && #r in value ? value.#r : undefined);
  }
}
finishInterface(ReadableStreamDefaultController, 'ReadableStreamDefaultController');

function closedOrClosingReason(controller) {
  const state = controller.stream.state;
  if (state === 'errored') return 'The stream is errored.';
  if (state === 'closed') return 'The stream is closed.';
  return 'The stream is closing (close() was already called).';
}

function readableStreamDefaultControllerCallPullIfNeeded(controller) {
  if (!readableStreamDefaultControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  const pullPromise = controller.pullAlgorithm(controller.wrapper);
  uponPromise(pullPromise, () => {
    controller.pulling = false;
    if (controller.pullAgain) {
      controller.pullAgain = false;
      readableStreamDefaultControllerCallPullIfNeeded(controller);
    }
  }, (e) => {
    readableStreamDefaultControllerError(controller, e);
  });
}

function readableStreamDefaultControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (!readableStreamDefaultControllerCanCloseOrEnqueue(controller)) return false;
  if (!controller.started) return false;
  if (isReadableStreamLockedRecord(stream) && readableStreamHasDefaultReader(stream) &&
      readableStreamGetNumReadRequests(stream) > 0) {
    return true;
  }
  const desiredSize = readableStreamDefaultControllerGetDesiredSize(controller);
  return desiredSize > 0;
}

function readableStreamDefaultControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

function readableStreamDefaultControllerClose(controller) {
  if (!readableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  controller.closeRequested = true;
  if (controller.queue.size === 0) {
    readableStreamDefaultControllerClearAlgorithms(controller);
    readableStreamClose(stream);
  }
}

function readableStreamDefaultControllerEnqueue(controller, chunk) {
  if (!readableStreamDefaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  if (isReadableStreamLockedRecord(stream) && readableStreamGetNumReadRequests(stream) > 0) {
    readableStreamFulfillReadRequest(stream, chunk, false);
  } else {
    let chunkSize;
    try {
      chunkSize = controller.strategySizeAlgorithm(chunk);
    } catch (error) {
      readableStreamDefaultControllerError(controller, error);
      throw error;
    }
    try {
      enqueueValueWithSize(controller, chunk, chunkSize);
    } catch (error) {
      readableStreamDefaultControllerError(controller, error);
      throw error;
    }
  }
  readableStreamDefaultControllerCallPullIfNeeded(controller);
}

function readableStreamDefaultControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return;
  resetQueue(controller);
  readableStreamDefaultControllerClearAlgorithms(controller);
  readableStreamError(stream, e);
}

function readableStreamDefaultControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

function readableStreamDefaultControllerHasBackpressure(controller) {
  return !readableStreamDefaultControllerShouldCallPull(controller);
}

function readableStreamDefaultControllerCanCloseOrEnqueue(controller) {
  return !controller.closeRequested && controller.stream.state === 'readable';
}

function readableStreamDefaultControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (controller.queue.size > 0) {
    const chunk = dequeueValue(controller);
    if (controller.closeRequested && controller.queue.size === 0) {
      readableStreamDefaultControllerClearAlgorithms(controller);
      readableStreamClose(stream);
    } else {
      readableStreamDefaultControllerCallPullIfNeeded(controller);
    }
    readRequest.chunk(chunk);
  } else {
    readableStreamAddReadRequest(stream, readRequest);
    readableStreamDefaultControllerCallPullIfNeeded(controller);
  }
}

// Algorithms get the controller's wrapper as their argument (pull and start) where the
// standard's algorithms close over it.
function setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
  cancelAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  resetQueue(controller);
  controller.started = false;
  controller.closeRequested = false;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  if (controller.wrapper === undefined) new ReadableStreamDefaultController(kInternal, controller);
  stream.controller = controller;
  const startResult = startAlgorithm(controller.wrapper);
  const startPromise = promiseResolvedWith(startResult);
  uponPromise(startPromise, () => {
    controller.started = true;
    readableStreamDefaultControllerCallPullIfNeeded(controller);
  }, (r) => {
    readableStreamDefaultControllerError(controller, r);
  });
}

function setUpReadableStreamDefaultControllerFromUnderlyingSource(stream, underlyingSource,
  source, highWaterMark, sizeAlgorithm) {
  const controller = newReadableStreamDefaultControllerRecord();
  let startAlgorithm = noop;
  let pullAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const start = source.start;
  const pull = source.pull;
  const cancel = source.cancel;
  if (start !== undefined) {
    startAlgorithm = (c) => ReflectApply(start, underlyingSource, [c]);
  }
  if (pull !== undefined) {
    pullAlgorithm = (c) => promiseCall(pull, underlyingSource, [c]);
  }
  if (cancel !== undefined) {
    cancelAlgorithm = (reason) => promiseCall(cancel, underlyingSource, [reason]);
  }
  setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, sizeAlgorithm);
}

// ---------------------------------------------------------------------------------------------
// ReadableByteStreamController and ReadableStreamBYOBRequest

function newReadableByteStreamControllerRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    byte: true,
    stream: undefined,
    autoAllocateChunkSize: undefined,
    byobRequest: null,     // BYOB request record
    cancelAlgorithm: undefined,
    closeRequested: false,
    pullAgain: false,
    pullAlgorithm: undefined,
    pulling: false,
    pendingPullIntos: undefined, // SimpleQueue of pull-into descriptors
    queue: undefined,            // SimpleQueue of { buffer, byteOffset, byteLength }
    queueTotalSize: 0,
    started: false,
    strategyHWM: 0,
  };
}

let readableByteStreamControllerRecord; // (value) -> record, or throws
let maybeReadableByteStreamControllerRecord;

class ReadableByteStreamController {
  #r;

  constructor(key = undefined, record = undefined) {
    if (key !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.wrapper = this;
  }

  get byobRequest() {
    const request = readableByteStreamControllerGetBYOBRequest(readableByteStreamControllerRecord(this));
    return request === null ? null : request.wrapper;
  }

  get desiredSize() {
    return readableByteStreamControllerGetDesiredSize(readableByteStreamControllerRecord(this));
  }

  close() {
    const controller = readableByteStreamControllerRecord(this);
    const context = "Failed to execute 'close' on 'ReadableByteStreamController'";
    if (controller.closeRequested) {
      throw new TypeError(`${context}: The stream is closing (close() was already called).`);
    }
    if (controller.stream.state !== 'readable') {
      throw new TypeError(`${context}: ${closedOrClosingReason(controller)}`);
    }
    readableByteStreamControllerClose(controller);
  }

  enqueue(chunk) {
    const controller = readableByteStreamControllerRecord(this);
    const context = "Failed to execute 'enqueue' on 'ReadableByteStreamController'";
    if (arguments.length < 1) throw argCountError('enqueue', 'ReadableByteStreamController', 1, 0);
    toArrayBufferView(chunk, context, 1);
    if (viewByteLength(chunk) === 0) {
      throw new TypeError(`${context}: The chunk must not be empty (its byteLength is 0).`);
    }
    if (arrayBufferByteLength(viewBuffer(chunk)) === 0) {
      throw new TypeError(`${context}: The chunk's buffer is detached or empty.`);
    }
    if (controller.closeRequested) {
      throw new TypeError(`${context}: The stream is closing (close() was already called).`);
    }
    if (controller.stream.state !== 'readable') {
      throw new TypeError(`${context}: ${closedOrClosingReason(controller)}`);
    }
    readableByteStreamControllerEnqueue(controller, chunk);
  }

  error(e = undefined) {
    readableByteStreamControllerError(readableByteStreamControllerRecord(this), e);
  }

  static {
    readableByteStreamControllerRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
    maybeReadableByteStreamControllerRecord = (value) =>
      (isObject(value) && #r in value ? value.#r : undefined);
  }
}
finishInterface(ReadableByteStreamController, 'ReadableByteStreamController');

let byobRequestRecord; // (value) -> record, or throws

class ReadableStreamBYOBRequest {
  #r;

  constructor(key = undefined, record = undefined) {
    if (key !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.wrapper = this;
  }

  get view() {
    return byobRequestRecord(this).view;
  }

  respond(bytesWritten) {
    const request = byobRequestRecord(this);
    const context = "Failed to execute 'respond' on 'ReadableStreamBYOBRequest'";
    if (arguments.length < 1) throw argCountError('respond', 'ReadableStreamBYOBRequest', 1, 0);
    bytesWritten = toEnforceRangeULL(bytesWritten, context, 'bytesWritten');
    if (request.controller === undefined) {
      throw new TypeError(`${context}: This BYOB request was already responded to (or its ` +
        'stream was released or canceled).');
    }
    if (isDetachedBuffer(viewBuffer(request.view))) {
      throw new TypeError(`${context}: The view's buffer is detached.`);
    }
    readableByteStreamControllerRespond(request.controller, bytesWritten);
  }

  respondWithNewView(view) {
    const request = byobRequestRecord(this);
    const context = "Failed to execute 'respondWithNewView' on 'ReadableStreamBYOBRequest'";
    if (arguments.length < 1) {
      throw argCountError('respondWithNewView', 'ReadableStreamBYOBRequest', 1, 0);
    }
    toArrayBufferView(view, context, 1);
    if (request.controller === undefined) {
      throw new TypeError(`${context}: This BYOB request was already responded to (or its ` +
        'stream was released or canceled).');
    }
    if (isDetachedBuffer(viewBuffer(view))) {
      throw new TypeError(`${context}: The view's buffer is detached.`);
    }
    readableByteStreamControllerRespondWithNewView(request.controller, view);
  }

  static {
    byobRequestRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
  }
}
finishInterface(ReadableStreamBYOBRequest, 'ReadableStreamBYOBRequest');

function readableByteStreamControllerCallPullIfNeeded(controller) {
  if (!readableByteStreamControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  const pullPromise = controller.pullAlgorithm(controller.wrapper);
  uponPromise(pullPromise, () => {
    controller.pulling = false;
    if (controller.pullAgain) {
      controller.pullAgain = false;
      readableByteStreamControllerCallPullIfNeeded(controller);
    }
  }, (e) => {
    readableByteStreamControllerError(controller, e);
  });
}

function readableByteStreamControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

function readableByteStreamControllerClearPendingPullIntos(controller) {
  readableByteStreamControllerInvalidateBYOBRequest(controller);
  controller.pendingPullIntos = new SimpleQueue();
}

function readableByteStreamControllerClose(controller) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== 'readable') return;
  if (controller.queueTotalSize > 0) {
    controller.closeRequested = true;
    return;
  }
  if (controller.pendingPullIntos.size > 0) {
    const first = controller.pendingPullIntos.peek();
    if (first.bytesFilled % first.elementSize !== 0) {
      const e = new TypeError('The byte stream was closed with a partially filled BYOB view: ' +
        'the bytes written do not make up a whole element of the view.');
      readableByteStreamControllerError(controller, e);
      throw e;
    }
  }
  readableByteStreamControllerClearAlgorithms(controller);
  readableStreamClose(stream);
}

function readableByteStreamControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor) {
  let done = false;
  if (stream.state === 'closed') done = true;
  const filledView = readableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor);
  if (pullIntoDescriptor.readerType === 'default') {
    readableStreamFulfillReadRequest(stream, filledView, done);
  } else {
    readableStreamFulfillReadIntoRequest(stream, filledView, done);
  }
}

function readableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor) {
  const bytesFilled = pullIntoDescriptor.bytesFilled;
  const elementSize = pullIntoDescriptor.elementSize;
  const buffer = transferBuffer(pullIntoDescriptor.buffer);
  const Ctor = pullIntoDescriptor.viewConstructor;
  return new Ctor(buffer, pullIntoDescriptor.byteOffset, bytesFilled / elementSize);
}

function readableByteStreamControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== 'readable') return;
  const buffer = viewBuffer(chunk);
  const byteOffset = viewByteOffset(chunk);
  const byteLength = viewByteLength(chunk);
  if (isDetachedBuffer(buffer)) {
    throw new TypeError("The chunk's buffer is detached: it was already transferred.");
  }
  const transferredBuffer = transferBuffer(buffer);
  if (controller.pendingPullIntos.size > 0) {
    const first = controller.pendingPullIntos.peek();
    if (isDetachedBuffer(first.buffer)) {
      throw new TypeError("The BYOB request's buffer is detached.");
    }
    readableByteStreamControllerInvalidateBYOBRequest(controller);
    first.buffer = transferBuffer(first.buffer);
    if (first.readerType === 'none') {
      readableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, first);
    }
  }
  if (readableStreamHasDefaultReader(stream)) {
    readableByteStreamControllerProcessReadRequestsUsingQueue(controller);
    if (readableStreamGetNumReadRequests(stream) === 0) {
      readableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset,
        byteLength);
    } else {
      if (controller.pendingPullIntos.size > 0) {
        readableByteStreamControllerShiftPendingPullInto(controller);
      }
      const transferredView = new Uint8Array(transferredBuffer, byteOffset, byteLength);
      readableStreamFulfillReadRequest(stream, transferredView, false);
    }
  } else if (readableStreamHasBYOBReader(stream)) {
    readableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset,
      byteLength);
    const filled = readableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (let i = 0; i < filled.length; i++) {
      readableByteStreamControllerCommitPullIntoDescriptor(stream, filled[i]);
    }
  } else {
    readableByteStreamControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset,
      byteLength);
  }
  readableByteStreamControllerCallPullIfNeeded(controller);
}

function readableByteStreamControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength) {
  controller.queue.push({ __proto__: null, buffer, byteOffset, byteLength });
  controller.queueTotalSize += byteLength;
}

function readableByteStreamControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset,
  byteLength) {
  let cloneResult;
  try {
    cloneResult = cloneArrayBuffer(buffer, byteOffset, byteLength);
  } catch (error) {
    readableByteStreamControllerError(controller, error);
    throw error;
  }
  readableByteStreamControllerEnqueueChunkToQueue(controller, cloneResult, 0, byteLength);
}

function readableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor) {
  if (pullIntoDescriptor.bytesFilled > 0) {
    readableByteStreamControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer,
      pullIntoDescriptor.byteOffset, pullIntoDescriptor.bytesFilled);
  }
  readableByteStreamControllerShiftPendingPullInto(controller);
}

function readableByteStreamControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return;
  readableByteStreamControllerClearPendingPullIntos(controller);
  resetQueue(controller);
  readableByteStreamControllerClearAlgorithms(controller);
  readableStreamError(stream, e);
}

function readableByteStreamControllerFillHeadPullIntoDescriptor(controller, size, pullIntoDescriptor) {
  pullIntoDescriptor.bytesFilled += size;
}

function readableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor) {
  const maxBytesToCopy = controller.queueTotalSize <
    pullIntoDescriptor.byteLength - pullIntoDescriptor.bytesFilled ?
    controller.queueTotalSize : pullIntoDescriptor.byteLength - pullIntoDescriptor.bytesFilled;
  const maxBytesFilled = pullIntoDescriptor.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const remainderBytes = maxBytesFilled % pullIntoDescriptor.elementSize;
  const maxAlignedBytes = maxBytesFilled - remainderBytes;
  if (maxAlignedBytes >= pullIntoDescriptor.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - pullIntoDescriptor.bytesFilled;
    ready = true;
  }
  const queue = controller.queue;
  while (totalBytesToCopyRemaining > 0) {
    const headOfQueue = queue.peek();
    const bytesToCopy = totalBytesToCopyRemaining < headOfQueue.byteLength ?
      totalBytesToCopyRemaining : headOfQueue.byteLength;
    const destStart = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
    copyDataBlockBytes(pullIntoDescriptor.buffer, destStart, headOfQueue.buffer,
      headOfQueue.byteOffset, bytesToCopy);
    if (headOfQueue.byteLength === bytesToCopy) {
      queue.shift();
    } else {
      headOfQueue.byteOffset += bytesToCopy;
      headOfQueue.byteLength -= bytesToCopy;
    }
    controller.queueTotalSize -= bytesToCopy;
    readableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesToCopy,
      pullIntoDescriptor);
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

function readableByteStreamControllerFillReadRequestFromQueue(controller, readRequest) {
  const entry = controller.queue.shift();
  controller.queueTotalSize -= entry.byteLength;
  readableByteStreamControllerHandleQueueDrain(controller);
  const view = new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength);
  readRequest.chunk(view);
}

function readableByteStreamControllerGetBYOBRequest(controller) {
  if (controller.byobRequest === null && controller.pendingPullIntos.size > 0) {
    const first = controller.pendingPullIntos.peek();
    const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled,
      first.byteLength - first.bytesFilled);
    const request = { __proto__: null, wrapper: undefined, controller, view };
    new ReadableStreamBYOBRequest(kInternal, request);
    controller.byobRequest = request;
  }
  return controller.byobRequest;
}

function readableByteStreamControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

function readableByteStreamControllerHandleQueueDrain(controller) {
  if (controller.queueTotalSize === 0 && controller.closeRequested) {
    readableByteStreamControllerClearAlgorithms(controller);
    readableStreamClose(controller.stream);
  } else {
    readableByteStreamControllerCallPullIfNeeded(controller);
  }
}

function readableByteStreamControllerInvalidateBYOBRequest(controller) {
  const request = controller.byobRequest;
  if (request === null) return;
  request.controller = undefined;
  request.view = null;
  controller.byobRequest = null;
}

function readableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller) {
  const filledPullIntos = [];
  while (controller.pendingPullIntos.size > 0) {
    if (controller.queueTotalSize === 0) break;
    const pullIntoDescriptor = controller.pendingPullIntos.peek();
    if (readableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
      readableByteStreamControllerShiftPendingPullInto(controller);
      filledPullIntos[filledPullIntos.length] = pullIntoDescriptor;
    }
  }
  return filledPullIntos;
}

function readableByteStreamControllerProcessReadRequestsUsingQueue(controller) {
  const reader = controller.stream.reader;
  while (reader.readRequests.size > 0) {
    if (controller.queueTotalSize === 0) return;
    const readRequest = reader.readRequests.shift();
    readableByteStreamControllerFillReadRequestFromQueue(controller, readRequest);
  }
}

function readableByteStreamControllerPullInto(controller, view, min, readIntoRequest) {
  const stream = controller.stream;
  let elementSize = 1;
  let ctor = DataView;
  const name = TypedArrayPrototypeGetSymbolToStringTag(view);
  if (name !== undefined) {
    const info = typedArrayInfo.get(name);
    ctor = info[0];
    elementSize = info[1];
  }
  const minimumFill = min * elementSize;
  const byteOffset = viewByteOffset(view);
  const byteLength = viewByteLength(view);
  let buffer;
  try {
    buffer = transferBuffer(viewBuffer(view));
  } catch (error) {
    readIntoRequest.error(error);
    return;
  }
  const pullIntoDescriptor = {
    __proto__: null,
    buffer,
    bufferByteLength: arrayBufferByteLength(buffer),
    byteOffset,
    byteLength,
    bytesFilled: 0,
    minimumFill,
    elementSize,
    viewConstructor: ctor,
    readerType: 'byob',
  };
  if (controller.pendingPullIntos.size > 0) {
    controller.pendingPullIntos.push(pullIntoDescriptor);
    readableStreamAddReadIntoRequest(stream, readIntoRequest);
    return;
  }
  if (stream.state === 'closed') {
    const emptyView = new ctor(pullIntoDescriptor.buffer, pullIntoDescriptor.byteOffset, 0);
    readIntoRequest.close(emptyView);
    return;
  }
  if (controller.queueTotalSize > 0) {
    if (readableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
      const filledView = readableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor);
      readableByteStreamControllerHandleQueueDrain(controller);
      readIntoRequest.chunk(filledView);
      return;
    }
    if (controller.closeRequested) {
      const e = new TypeError('The byte stream is closing and its remaining bytes do not fill ' +
        'the requested minimum of the view.');
      readableByteStreamControllerError(controller, e);
      readIntoRequest.error(e);
      return;
    }
  }
  controller.pendingPullIntos.push(pullIntoDescriptor);
  readableStreamAddReadIntoRequest(stream, readIntoRequest);
  readableByteStreamControllerCallPullIfNeeded(controller);
}

function readableByteStreamControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (controller.queueTotalSize > 0) {
    readableByteStreamControllerFillReadRequestFromQueue(controller, readRequest);
    return;
  }
  const autoAllocateChunkSize = controller.autoAllocateChunkSize;
  if (autoAllocateChunkSize !== undefined) {
    let buffer;
    try {
      buffer = new ArrayBuffer(autoAllocateChunkSize);
    } catch (error) {
      readRequest.error(error);
      return;
    }
    controller.pendingPullIntos.push({
      __proto__: null,
      buffer,
      bufferByteLength: autoAllocateChunkSize,
      byteOffset: 0,
      byteLength: autoAllocateChunkSize,
      bytesFilled: 0,
      minimumFill: 1,
      elementSize: 1,
      viewConstructor: Uint8Array,
      readerType: 'default',
    });
  }
  readableStreamAddReadRequest(stream, readRequest);
  readableByteStreamControllerCallPullIfNeeded(controller);
}

function readableByteStreamControllerRespond(controller, bytesWritten) {
  const first = controller.pendingPullIntos.peek();
  const state = controller.stream.state;
  if (state === 'closed') {
    if (bytesWritten !== 0) {
      throw new TypeError('bytesWritten must be 0 when the stream is closed (call respond(0) ' +
        'to hand the view back).');
    }
  } else {
    if (bytesWritten === 0) {
      throw new TypeError('bytesWritten must be greater than 0 while the stream is readable.');
    }
    if (first.bytesFilled + bytesWritten > first.byteLength) {
      throw new RangeError(`bytesWritten (${bytesWritten}) is larger than the space left in ` +
        `the view (${first.byteLength - first.bytesFilled} bytes).`);
    }
  }
  first.buffer = transferBuffer(first.buffer);
  readableByteStreamControllerRespondInternal(controller, bytesWritten);
}

function readableByteStreamControllerRespondInClosedState(controller, firstDescriptor) {
  if (firstDescriptor.readerType === 'none') {
    readableByteStreamControllerShiftPendingPullInto(controller);
  }
  const stream = controller.stream;
  if (readableStreamHasBYOBReader(stream)) {
    const filledPullIntos = [];
    while (filledPullIntos.length < readableStreamGetNumReadIntoRequests(stream)) {
      filledPullIntos[filledPullIntos.length] =
        readableByteStreamControllerShiftPendingPullInto(controller);
    }
    for (let i = 0; i < filledPullIntos.length; i++) {
      readableByteStreamControllerCommitPullIntoDescriptor(stream, filledPullIntos[i]);
    }
  }
}

function readableByteStreamControllerRespondInReadableState(controller, bytesWritten,
  pullIntoDescriptor) {
  readableByteStreamControllerFillHeadPullIntoDescriptor(controller, bytesWritten,
    pullIntoDescriptor);
  if (pullIntoDescriptor.readerType === 'none') {
    readableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor);
    const filled = readableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (let i = 0; i < filled.length; i++) {
      readableByteStreamControllerCommitPullIntoDescriptor(controller.stream, filled[i]);
    }
    return;
  }
  if (pullIntoDescriptor.bytesFilled < pullIntoDescriptor.minimumFill) return;
  readableByteStreamControllerShiftPendingPullInto(controller);
  const remainderSize = pullIntoDescriptor.bytesFilled % pullIntoDescriptor.elementSize;
  if (remainderSize > 0) {
    const end = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
    readableByteStreamControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer,
      end - remainderSize, remainderSize);
  }
  pullIntoDescriptor.bytesFilled -= remainderSize;
  const filled = readableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller);
  readableByteStreamControllerCommitPullIntoDescriptor(controller.stream, pullIntoDescriptor);
  for (let i = 0; i < filled.length; i++) {
    readableByteStreamControllerCommitPullIntoDescriptor(controller.stream, filled[i]);
  }
}

function readableByteStreamControllerRespondInternal(controller, bytesWritten) {
  const first = controller.pendingPullIntos.peek();
  readableByteStreamControllerInvalidateBYOBRequest(controller);
  const state = controller.stream.state;
  if (state === 'closed') {
    readableByteStreamControllerRespondInClosedState(controller, first);
  } else {
    readableByteStreamControllerRespondInReadableState(controller, bytesWritten, first);
  }
  readableByteStreamControllerCallPullIfNeeded(controller);
}

function readableByteStreamControllerRespondWithNewView(controller, view) {
  const first = controller.pendingPullIntos.peek();
  const state = controller.stream.state;
  const byteLength = viewByteLength(view);
  if (state === 'closed') {
    if (byteLength !== 0) {
      throw new TypeError("The view's byteLength must be 0 when the stream is closed.");
    }
  } else if (byteLength === 0) {
    throw new TypeError('The view must not be empty while the stream is readable.');
  }
  if (first.byteOffset + first.bytesFilled !== viewByteOffset(view)) {
    throw new RangeError("The view's byteOffset does not match the BYOB request's view.");
  }
  const buffer = viewBuffer(view);
  if (first.bufferByteLength !== arrayBufferByteLength(buffer)) {
    throw new RangeError("The view's buffer has a different size than the BYOB request's buffer.");
  }
  if (first.bytesFilled + byteLength > first.byteLength) {
    throw new RangeError("The view is larger than the space left in the BYOB request's view.");
  }
  first.buffer = transferBuffer(buffer);
  readableByteStreamControllerRespondInternal(controller, byteLength);
}

function readableByteStreamControllerShiftPendingPullInto(controller) {
  return controller.pendingPullIntos.shift();
}

function readableByteStreamControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (stream.state !== 'readable') return false;
  if (controller.closeRequested) return false;
  if (!controller.started) return false;
  if (readableStreamHasDefaultReader(stream) && readableStreamGetNumReadRequests(stream) > 0) {
    return true;
  }
  if (readableStreamHasBYOBReader(stream) && readableStreamGetNumReadIntoRequests(stream) > 0) {
    return true;
  }
  return readableByteStreamControllerGetDesiredSize(controller) > 0;
}

function setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
  cancelAlgorithm, highWaterMark, autoAllocateChunkSize) {
  controller.stream = stream;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.byobRequest = null;
  resetQueue(controller);
  controller.closeRequested = false;
  controller.started = false;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.autoAllocateChunkSize = autoAllocateChunkSize;
  controller.pendingPullIntos = new SimpleQueue();
  if (controller.wrapper === undefined) new ReadableByteStreamController(kInternal, controller);
  stream.controller = controller;
  const startResult = startAlgorithm(controller.wrapper);
  uponPromise(promiseResolvedWith(startResult), () => {
    controller.started = true;
    readableByteStreamControllerCallPullIfNeeded(controller);
  }, (r) => {
    readableByteStreamControllerError(controller, r);
  });
}

function setUpReadableByteStreamControllerFromUnderlyingSource(stream, underlyingSource, source,
  highWaterMark) {
  const controller = newReadableByteStreamControllerRecord();
  let startAlgorithm = noop;
  let pullAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const start = source.start;
  const pull = source.pull;
  const cancel = source.cancel;
  if (start !== undefined) startAlgorithm = (c) => ReflectApply(start, underlyingSource, [c]);
  if (pull !== undefined) pullAlgorithm = (c) => promiseCall(pull, underlyingSource, [c]);
  if (cancel !== undefined) {
    cancelAlgorithm = (reason) => promiseCall(cancel, underlyingSource, [reason]);
  }
  const autoAllocateChunkSize = source.autoAllocateChunkSize;
  if (autoAllocateChunkSize === 0) {
    throw new TypeError("Failed to construct 'ReadableStream': autoAllocateChunkSize must be " +
      'greater than 0.');
  }
  setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, autoAllocateChunkSize);
}

// ---------------------------------------------------------------------------------------------
// Tee

function readableStreamTeeRecord(stream, cloneForBranch2) {
  if (stream.controller.byte) return readableByteStreamTee(stream);
  return readableStreamDefaultTee(stream, cloneForBranch2);
}

function readableStreamDefaultTee(stream, cloneForBranch2) {
  const reader = acquireReadableStreamDefaultReader(stream);
  let reading = false;
  let readAgain = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1;
  let reason2;
  let branch1;
  let branch2;
  const cancelPromise = newDeferred();

  const resolveCancelWith = (promise) => {
    uponPromise(promise, (v) => resolveDeferred(cancelPromise, v),
      (e) => rejectDeferred(cancelPromise, e));
  };

  const pullAlgorithm = () => {
    if (reading) {
      readAgain = true;
      return resolvedUndefined();
    }
    reading = true;
    readableStreamDefaultReaderRead(reader, {
      __proto__: null,
      chunk(chunk) {
        queueMicrotask(() => {
          readAgain = false;
          const chunk1 = chunk;
          let chunk2 = chunk;
          if (!canceled2 && cloneForBranch2) {
            try {
              chunk2 = structuredClone(chunk2, undefined);
            } catch (error) {
              readableStreamDefaultControllerError(branch1.controller, error);
              readableStreamDefaultControllerError(branch2.controller, error);
              resolveCancelWith(readableStreamCancelRecord(stream, error));
              return;
            }
          }
          if (!canceled1) readableStreamDefaultControllerEnqueue(branch1.controller, chunk1);
          if (!canceled2) readableStreamDefaultControllerEnqueue(branch2.controller, chunk2);
          reading = false;
          if (readAgain) pullAlgorithm();
        });
      },
      close() {
        reading = false;
        if (!canceled1) readableStreamDefaultControllerClose(branch1.controller);
        if (!canceled2) readableStreamDefaultControllerClose(branch2.controller);
        if (!canceled1 || !canceled2) resolveDeferred(cancelPromise, undefined);
      },
      error() {
        reading = false;
      },
    });
    return resolvedUndefined();
  };

  const cancel1Algorithm = (reason) => {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) resolveCancelWith(readableStreamCancelRecord(stream, [reason1, reason2]));
    return cancelPromise.promise;
  };
  const cancel2Algorithm = (reason) => {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) resolveCancelWith(readableStreamCancelRecord(stream, [reason1, reason2]));
    return cancelPromise.promise;
  };

  branch1 = createReadableStreamRecord(noop, pullAlgorithm, cancel1Algorithm);
  branch2 = createReadableStreamRecord(noop, pullAlgorithm, cancel2Algorithm);

  uponPromise(reader.closed.promise, noop, (r) => {
    readableStreamDefaultControllerError(branch1.controller, r);
    readableStreamDefaultControllerError(branch2.controller, r);
    if (!canceled1 || !canceled2) resolveDeferred(cancelPromise, undefined);
  });
  return [branch1, branch2];
}

// CloneAsUint8Array
function cloneAsUint8Array(view) {
  const byteLength = viewByteLength(view);
  return new Uint8Array(cloneArrayBuffer(viewBuffer(view), viewByteOffset(view), byteLength), 0,
    byteLength);
}

function readableByteStreamTee(stream) {
  let reader = acquireReadableStreamDefaultReader(stream);
  let reading = false;
  let readAgainForBranch1 = false;
  let readAgainForBranch2 = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1;
  let reason2;
  let branch1;
  let branch2;
  const cancelPromise = newDeferred();

  const resolveCancelWith = (promise) => {
    uponPromise(promise, (v) => resolveDeferred(cancelPromise, v),
      (e) => rejectDeferred(cancelPromise, e));
  };

  const forwardReaderError = (thisReader) => {
    uponPromise(thisReader.closed.promise, noop, (r) => {
      if (thisReader !== reader) return;
      readableByteStreamControllerError(branch1.controller, r);
      readableByteStreamControllerError(branch2.controller, r);
      if (!canceled1 || !canceled2) resolveDeferred(cancelPromise, undefined);
    });
  };

  const pullWithDefaultReader = () => {
    if (reader.byob) {
      readableStreamBYOBReaderRelease(reader);
      reader = acquireReadableStreamDefaultReader(stream);
      forwardReaderError(reader);
    }
    readableStreamDefaultReaderRead(reader, {
      __proto__: null,
      chunk(chunk) {
        queueMicrotask(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          const chunk1 = chunk;
          let chunk2 = chunk;
          if (!canceled1 && !canceled2) {
            try {
              chunk2 = cloneAsUint8Array(chunk);
            } catch (error) {
              readableByteStreamControllerError(branch1.controller, error);
              readableByteStreamControllerError(branch2.controller, error);
              resolveCancelWith(readableStreamCancelRecord(stream, error));
              return;
            }
          }
          if (!canceled1) readableByteStreamControllerEnqueue(branch1.controller, chunk1);
          if (!canceled2) readableByteStreamControllerEnqueue(branch2.controller, chunk2);
          reading = false;
          if (readAgainForBranch1) pull1Algorithm();
          else if (readAgainForBranch2) pull2Algorithm();
        });
      },
      close() {
        reading = false;
        if (!canceled1) readableByteStreamControllerClose(branch1.controller);
        if (!canceled2) readableByteStreamControllerClose(branch2.controller);
        if (branch1.controller.pendingPullIntos.size > 0) {
          readableByteStreamControllerRespond(branch1.controller, 0);
        }
        if (branch2.controller.pendingPullIntos.size > 0) {
          readableByteStreamControllerRespond(branch2.controller, 0);
        }
        if (!canceled1 || !canceled2) resolveDeferred(cancelPromise, undefined);
      },
      error() {
        reading = false;
      },
    });
  };

  const pullWithBYOBReader = (view, forBranch2) => {
    if (!reader.byob) {
      readableStreamDefaultReaderRelease(reader);
      reader = acquireReadableStreamBYOBReader(stream);
      forwardReaderError(reader);
    }
    const byobBranch = forBranch2 ? branch2 : branch1;
    const otherBranch = forBranch2 ? branch1 : branch2;
    readableStreamBYOBReaderRead(reader, view, 1, {
      __proto__: null,
      chunk(chunk) {
        queueMicrotask(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          const byobCanceled = forBranch2 ? canceled2 : canceled1;
          const otherCanceled = forBranch2 ? canceled1 : canceled2;
          if (!otherCanceled) {
            let clonedChunk;
            try {
              clonedChunk = cloneAsUint8Array(chunk);
            } catch (error) {
              readableByteStreamControllerError(byobBranch.controller, error);
              readableByteStreamControllerError(otherBranch.controller, error);
              resolveCancelWith(readableStreamCancelRecord(stream, error));
              return;
            }
            if (!byobCanceled) {
              readableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
            }
            readableByteStreamControllerEnqueue(otherBranch.controller, clonedChunk);
          } else if (!byobCanceled) {
            readableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
          }
          reading = false;
          if (readAgainForBranch1) pull1Algorithm();
          else if (readAgainForBranch2) pull2Algorithm();
        });
      },
      close(chunk) {
        reading = false;
        const byobCanceled = forBranch2 ? canceled2 : canceled1;
        const otherCanceled = forBranch2 ? canceled1 : canceled2;
        if (!byobCanceled) readableByteStreamControllerClose(byobBranch.controller);
        if (!otherCanceled) readableByteStreamControllerClose(otherBranch.controller);
        if (chunk !== undefined) {
          if (!byobCanceled) {
            readableByteStreamControllerRespondWithNewView(byobBranch.controller, chunk);
          }
          if (!otherCanceled && otherBranch.controller.pendingPullIntos.size > 0) {
            readableByteStreamControllerRespond(otherBranch.controller, 0);
          }
        }
        if (!byobCanceled || !otherCanceled) resolveDeferred(cancelPromise, undefined);
      },
      error() {
        reading = false;
      },
    });
  };

  const pull1Algorithm = () => {
    if (reading) {
      readAgainForBranch1 = true;
      return resolvedUndefined();
    }
    reading = true;
    const byobRequest = readableByteStreamControllerGetBYOBRequest(branch1.controller);
    if (byobRequest === null) pullWithDefaultReader();
    else pullWithBYOBReader(byobRequest.view, false);
    return resolvedUndefined();
  };

  const pull2Algorithm = () => {
    if (reading) {
      readAgainForBranch2 = true;
      return resolvedUndefined();
    }
    reading = true;
    const byobRequest = readableByteStreamControllerGetBYOBRequest(branch2.controller);
    if (byobRequest === null) pullWithDefaultReader();
    else pullWithBYOBReader(byobRequest.view, true);
    return resolvedUndefined();
  };

  const cancel1Algorithm = (reason) => {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) resolveCancelWith(readableStreamCancelRecord(stream, [reason1, reason2]));
    return cancelPromise.promise;
  };
  const cancel2Algorithm = (reason) => {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) resolveCancelWith(readableStreamCancelRecord(stream, [reason1, reason2]));
    return cancelPromise.promise;
  };

  branch1 = createReadableByteStreamRecord(noop, pull1Algorithm, cancel1Algorithm);
  branch2 = createReadableByteStreamRecord(noop, pull2Algorithm, cancel2Algorithm);
  forwardReaderError(reader);
  return [branch1, branch2];
}

// ---------------------------------------------------------------------------------------------
// Piping

function readableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
  const reader = acquireReadableStreamDefaultReader(source);
  const writer = acquireWritableStreamDefaultWriter(dest);
  source.disturbed = true;
  let shuttingDown = false;
  let currentWrite = resolvedUndefined();
  const result = newDeferred();
  let removeAbortAlgorithm = null;

  const finalize = (isError, error) => {
    writableStreamDefaultWriterRelease(writer);
    readableStreamDefaultReaderRelease(reader);
    if (removeAbortAlgorithm !== null) removeAbortAlgorithm();
    if (isError) rejectDeferred(result, error);
    else resolveDeferred(result, undefined);
  };

  // Waits until every chunk read so far has been written (or failed to be).
  const waitForWritesToFinish = (then) => {
    const oldCurrentWrite = currentWrite;
    const check = () => {
      if (oldCurrentWrite !== currentWrite) waitForWritesToFinish(then);
      else then();
    };
    uponPromise(currentWrite, check, check);
  };

  const shutdownWithAction = (action, isError, originalError) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const doTheRest = () => {
      let p;
      try {
        p = action();
      } catch (error) {
        p = PromiseReject(error);
      }
      uponPromise(p, () => finalize(isError, originalError), (newError) => finalize(true, newError));
    };
    if (dest.state === 'writable' && !writableStreamCloseQueuedOrInFlight(dest)) {
      waitForWritesToFinish(doTheRest);
    } else {
      doTheRest();
    }
  };

  const shutdown = (isError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (dest.state === 'writable' && !writableStreamCloseQueuedOrInFlight(dest)) {
      waitForWritesToFinish(() => finalize(isError, error));
    } else {
      finalize(isError, error);
    }
  };

  if (signal !== undefined) {
    const abortAlgorithm = () => {
      const error = AbortSignalPrototypeGetReason(signal);
      const actions = [];
      if (!preventAbort) {
        actions[actions.length] = () => {
          if (dest.state === 'writable') return writableStreamAbort(dest, error);
          return resolvedUndefined();
        };
      }
      if (!preventCancel) {
        actions[actions.length] = () => {
          if (source.state === 'readable') return readableStreamCancelRecord(source, error);
          return resolvedUndefined();
        };
      }
      shutdownWithAction(() => {
        const promises = [];
        for (let i = 0; i < actions.length; i++) promises[i] = actions[i]();
        return SafePromiseAll(promises);
      }, true, error);
    };
    if (AbortSignalPrototypeGetAborted(signal)) {
      abortAlgorithm();
      return result.promise;
    }
    removeAbortAlgorithm = addAbortAlgorithm(signal, abortAlgorithm);
  }

  // Errors must be propagated forward.
  const onSourceErrored = (storedError) => {
    if (!preventAbort) {
      shutdownWithAction(() => writableStreamAbort(dest, storedError), true, storedError);
    } else {
      shutdown(true, storedError);
    }
  };
  // Errors must be propagated backward.
  const onDestErrored = (storedError) => {
    if (!preventCancel) {
      shutdownWithAction(() => readableStreamCancelRecord(source, storedError), true, storedError);
    } else {
      shutdown(true, storedError);
    }
  };
  // Closing must be propagated forward.
  const onSourceClosed = () => {
    if (!preventClose) {
      shutdownWithAction(() => writableStreamDefaultWriterCloseWithErrorPropagation(writer), false);
    } else {
      shutdown(false);
    }
  };

  if (source.state === 'errored') onSourceErrored(source.storedError);
  else uponPromise(reader.closed.promise, noop, () => onSourceErrored(source.storedError));

  if (dest.state === 'errored') onDestErrored(dest.storedError);
  else uponPromise(writer.closed.promise, noop, () => onDestErrored(dest.storedError));

  if (source.state === 'closed') onSourceClosed();
  else uponPromise(reader.closed.promise, onSourceClosed, noop);

  // Closing must be propagated backward.
  if (writableStreamCloseQueuedOrInFlight(dest) || dest.state === 'closed') {
    const destClosed = new TypeError('The destination WritableStream is closed or closing; ' +
      'nothing more can be piped to it.');
    if (!preventCancel) {
      shutdownWithAction(() => readableStreamCancelRecord(source, destClosed), true, destClosed);
    } else {
      shutdown(true, destClosed);
    }
  }

  // The loop: wait for the destination to be ready, read one chunk, write it (without waiting
  // for the write to finish), repeat. The piping runs "in parallel" with the caller: a chunk
  // the source's enqueue() hands to a pending read is written in a microtask, never inside
  // enqueue() (which would run the sink's write() synchronously from the source's code).
  // currentWrite covers the chunk from the moment it is read, so a shutdown waits for it.
  // A chunk our own read takes from the source's queue is written at once.
  let readingFromQueue = false;
  const readRequest = {
    __proto__: null,
    chunk(chunk) {
      if (readingFromQueue) {
        currentWrite = writableStreamDefaultWriterWrite(writer, chunk);
        markHandled(currentWrite);
        pipeStep();
        return;
      }
      const written = newDeferred();
      currentWrite = written.promise;
      queueMicrotask(() => {
        const settle = () => resolveDeferred(written, undefined);
        // Finalized meanwhile (the destination errored): the chunk is dropped.
        if (writer.stream === undefined) {
          settle();
          return;
        }
        const write = writableStreamDefaultWriterWrite(writer, chunk);
        uponPromise(write, settle, settle);
        pipeStep();
      });
    },
    close: noop,
    error: noop,
  };
  const onReady = () => {
    if (shuttingDown) return;
    readingFromQueue = source.controller.queue.size > 0;
    readableStreamDefaultReaderRead(reader, readRequest);
    readingFromQueue = false;
  };
  const pipeStep = () => {
    if (shuttingDown) return;
    uponPromise(writer.ready.promise, onReady, noop);
  };
  pipeStep();

  return result.promise;
}

// ---------------------------------------------------------------------------------------------
// Async iteration

const kEndOfIteration = Symbol('end of iteration');

class ReadableStreamAsyncIterator {
  #s;

  constructor(key = undefined, reader = undefined, preventCancel = false) {
    if (key !== kInternal) throw illegalConstructor();
    this.#s = { __proto__: null, reader, preventCancel, ongoing: undefined, finished: false };
  }

  next() {
    if (!isObject(this) || !(#s in this)) return PromiseReject(illegalInvocation());
    const s = this.#s;
    const nextSteps = () => {
      if (s.finished) return PromiseResolve({ value: undefined, done: true });
      const d = newDeferred();
      getNextIterationResult(s.reader, d);
      return transformPromise(d.promise, (next) => {
        s.ongoing = undefined;
        if (next === kEndOfIteration) {
          s.finished = true;
          return { value: undefined, done: true };
        }
        return { value: next, done: false };
      }, (reason) => {
        s.ongoing = undefined;
        s.finished = true;
        throw reason;
      });
    };
    s.ongoing = s.ongoing !== undefined ? chainPromise(s.ongoing, nextSteps, nextSteps) : nextSteps();
    return s.ongoing;
  }

  return(value) {
    if (!isObject(this) || !(#s in this)) return PromiseReject(illegalInvocation());
    const s = this.#s;
    const returnSteps = () => {
      if (s.finished) return PromiseResolve({ value, done: true });
      s.finished = true;
      return asyncIteratorReturn(s, value);
    };
    // Web IDL: return() becomes the ongoing promise too, so a later next() or return() waits
    // for this one to finish.
    s.ongoing = s.ongoing !== undefined ?
      chainPromise(s.ongoing, returnSteps, returnSteps) : returnSteps();
    return transformPromise(s.ongoing, () => ({ value, done: true }));
  }
}
ObjectSetPrototypeOf(ReadableStreamAsyncIterator.prototype, AsyncIteratorPrototype);
ReflectDeleteProperty(ReadableStreamAsyncIterator.prototype, 'constructor');
{
  const proto = ReadableStreamAsyncIterator.prototype;
  const keys = ['next', 'return'];
  for (let i = 0; i < keys.length; i++) {
    const desc = ObjectGetOwnPropertyDescriptor(proto, keys[i]);
    desc.enumerable = true;
    ObjectDefineProperty(proto, keys[i], desc);
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: 'ReadableStream AsyncIterator', writable: false, enumerable: false,
    configurable: true,
  });
}

function getNextIterationResult(reader, d) {
  if (reader.stream === undefined) {
    rejectDeferred(d, new TypeError('The async iterator\'s reader was released.'));
    return;
  }
  readableStreamDefaultReaderRead(reader, {
    __proto__: null,
    chunk(chunk) { resolveDeferred(d, chunk); },
    close() {
      readableStreamDefaultReaderRelease(reader);
      resolveDeferred(d, kEndOfIteration);
    },
    error(e) {
      readableStreamDefaultReaderRelease(reader);
      rejectDeferred(d, e);
    },
  });
}

function asyncIteratorReturn(s, arg) {
  const reader = s.reader;
  if (reader.stream === undefined) return resolvedUndefined();
  if (!s.preventCancel) {
    const result = readableStreamReaderGenericCancel(reader, arg);
    readableStreamDefaultReaderRelease(reader);
    return result;
  }
  readableStreamDefaultReaderRelease(reader);
  return resolvedUndefined();
}

// ---------------------------------------------------------------------------------------------
// ReadableStream.from

function readableStreamFromIterable(asyncIterable) {
  const notIterable = () => new TypeError("Failed to execute 'from' on 'ReadableStream': " +
    'The argument is neither async iterable nor iterable (it has no [Symbol.asyncIterator] ' +
    'or [Symbol.iterator] method).');
  if (asyncIterable === undefined || asyncIterable === null) throw notIterable();
  let sync = false;
  let method = asyncIterable[SymbolAsyncIterator];
  if (method === undefined || method === null) {
    method = asyncIterable[SymbolIterator];
    if (method === undefined || method === null) throw notIterable();
    sync = true;
  }
  if (typeof method !== 'function') throw notIterable();
  const iterator = ReflectApply(method, asyncIterable, []);
  if (!isObject(iterator)) {
    throw new TypeError("Failed to execute 'from' on 'ReadableStream': The iterator is not an object.");
  }
  const nextMethod = iterator.next;
  let stream;

  const notAnObject = () => new TypeError('The iterator result is not an object.');

  const closeSyncIterator = () => {
    try {
      const ret = iterator.return;
      if (ret !== undefined && ret !== null) ReflectApply(ret, iterator, []);
    } catch {
      // The original error wins.
    }
  };

  const pullAlgorithm = () => {
    let nextResult;
    try {
      nextResult = ReflectApply(nextMethod, iterator, []);
    } catch (error) {
      return PromiseReject(error);
    }
    if (sync) {
      // CreateAsyncFromSyncIterator: the value is awaited.
      if (!isObject(nextResult)) return PromiseReject(notAnObject());
      let done;
      let valuePromise;
      try {
        done = !!nextResult.done;
        valuePromise = PromiseResolve(nextResult.value);
      } catch (error) {
        return PromiseReject(error);
      }
      return transformPromise(valuePromise, (value) => {
        if (done) readableStreamDefaultControllerClose(stream.controller);
        else readableStreamDefaultControllerEnqueue(stream.controller, value);
      }, (error) => {
        if (!done) closeSyncIterator();
        throw error;
      });
    }
    let nextPromise;
    try {
      nextPromise = PromiseResolve(nextResult);
    } catch (error) {
      return PromiseReject(error);
    }
    return transformPromise(nextPromise, (iterResult) => {
      if (!isObject(iterResult)) throw notAnObject();
      if (iterResult.done) {
        readableStreamDefaultControllerClose(stream.controller);
      } else {
        readableStreamDefaultControllerEnqueue(stream.controller, iterResult.value);
      }
    });
  };

  const cancelAlgorithm = (reason) => {
    let returnMethod;
    try {
      returnMethod = iterator.return;
    } catch (error) {
      return PromiseReject(error);
    }
    if (returnMethod === undefined || returnMethod === null) return resolvedUndefined();
    let returnResult;
    try {
      returnResult = ReflectApply(returnMethod, iterator, [reason]);
    } catch (error) {
      return PromiseReject(error);
    }
    if (sync) {
      if (!isObject(returnResult)) return PromiseReject(notAnObject());
      let valuePromise;
      try {
        valuePromise = PromiseResolve(returnResult.value);
      } catch (error) {
        return PromiseReject(error);
      }
      return transformPromise(valuePromise, noop);
    }
    let returnPromise;
    try {
      returnPromise = PromiseResolve(returnResult);
    } catch (error) {
      return PromiseReject(error);
    }
    return transformPromise(returnPromise, (iterResult) => {
      if (!isObject(iterResult)) throw notAnObject();
    });
  };

  stream = createReadableStreamRecord(noop, pullAlgorithm, cancelAlgorithm, 0);
  return stream;
}

// ---------------------------------------------------------------------------------------------
// WritableStream

function newWritableStreamRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    state: 'writable',          // 'writable' | 'closed' | 'erroring' | 'errored'
    storedError: undefined,
    backpressure: false,
    closeRequest: undefined,        // deferred
    inFlightWriteRequest: undefined,
    inFlightCloseRequest: undefined,
    pendingAbortRequest: undefined, // { promise (deferred), reason, wasAlreadyErroring }
    writer: undefined,
    writeRequests: new SimpleQueue(),
    controller: undefined,
  };
}

let writableStreamRecord;
let maybeWritableStreamRecord;

class WritableStream {
  #r;

  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink === kInternal) {
      this.#r = strategy;
      strategy.wrapper = this;
      return;
    }
    const context = "Failed to construct 'WritableStream'";
    if (underlyingSink === undefined) {
      underlyingSink = null;
    } else if (!isObject(underlyingSink)) {
      throw new TypeError(`${context}: parameter 1 is not of type 'object'.`);
    }
    const strat = toQueuingStrategy(strategy, context);
    const sink = toUnderlyingSink(underlyingSink, context);
    if (sink.type !== undefined) {
      throw new RangeError(`${context}: Invalid type is specified: a WritableStream has no types.`);
    }
    const stream = newWritableStreamRecord();
    stream.wrapper = this;
    this.#r = stream;
    const sizeAlgorithm = extractSizeAlgorithm(strat);
    const highWaterMark = extractHighWaterMark(strat, 1);
    setUpWritableStreamDefaultControllerFromUnderlyingSink(stream, underlyingSink, sink,
      highWaterMark, sizeAlgorithm);
  }

  get locked() {
    return isWritableStreamLockedRecord(writableStreamRecord(this));
  }

  abort(reason = undefined) {
    let stream;
    try {
      stream = writableStreamRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (isWritableStreamLockedRecord(stream)) {
      return PromiseReject(new TypeError("Failed to execute 'abort' on 'WritableStream': The " +
        'stream is locked to a writer; abort through the writer, or release it first.'));
    }
    return writableStreamAbort(stream, reason);
  }

  close() {
    let stream;
    try {
      stream = writableStreamRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (isWritableStreamLockedRecord(stream)) {
      return PromiseReject(new TypeError("Failed to execute 'close' on 'WritableStream': The " +
        'stream is locked to a writer; close through the writer, or release it first.'));
    }
    if (writableStreamCloseQueuedOrInFlight(stream)) {
      return PromiseReject(new TypeError("Failed to execute 'close' on 'WritableStream': The " +
        'stream is already closing.'));
    }
    return writableStreamClose(stream);
  }

  getWriter() {
    return acquireWritableStreamDefaultWriter(writableStreamRecord(this)).wrapper;
  }

  static {
    writableStreamRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
    maybeWritableStreamRecord = (value) => (isObject(value) && #r in value ? value.#r : undefined);
  }
}
finishInterface(WritableStream, 'WritableStream');

// UnderlyingSink dictionary, members in lexicographic order.
function toUnderlyingSink(value, context) {
  const dict = toDictionary(value, context, 'UnderlyingSink');
  const result = {
    __proto__: null, abort: undefined, close: undefined, start: undefined, type: undefined, write: undefined,
  };
  if (dict === null) return result;
  result.abort = toCallback(dict.abort, context, 'abort', 'UnderlyingSink');
  result.close = toCallback(dict.close, context, 'close', 'UnderlyingSink');
  result.start = toCallback(dict.start, context, 'start', 'UnderlyingSink');
  result.type = dict.type;
  result.write = toCallback(dict.write, context, 'write', 'UnderlyingSink');
  return result;
}

function createWritableStreamRecordWithWrapper() {
  const stream = newWritableStreamRecord();
  new WritableStream(kInternal, stream);
  return stream;
}

// CreateWritableStream
function createWritableStreamRecord(startAlgorithm, writeAlgorithm, closeAlgorithm,
  abortAlgorithm, highWaterMark, sizeAlgorithm) {
  const stream = createWritableStreamRecordWithWrapper();
  const controller = newWritableStreamDefaultControllerRecord();
  setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
    closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

function isWritableStreamLockedRecord(stream) {
  return stream.writer !== undefined;
}

function writableStreamAbort(stream, reason) {
  if (stream.state === 'closed' || stream.state === 'errored') return resolvedUndefined();
  abortSignal(stream.controller.signal, reason);
  const state = stream.state;
  if (state === 'closed' || state === 'errored') return resolvedUndefined();
  if (stream.pendingAbortRequest !== undefined) return stream.pendingAbortRequest.promise.promise;
  let wasAlreadyErroring = false;
  if (state === 'erroring') {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const d = newDeferred();
  stream.pendingAbortRequest = { __proto__: null, promise: d, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) writableStreamStartErroring(stream, reason);
  return d.promise;
}

function writableStreamClose(stream) {
  const state = stream.state;
  if (state === 'closed' || state === 'errored') {
    return PromiseReject(new TypeError(`The WritableStream is ${state}: it cannot be closed.`));
  }
  const d = newDeferred();
  stream.closeRequest = d;
  const writer = stream.writer;
  if (writer !== undefined && stream.backpressure && state === 'writable') {
    resolveDeferred(writer.ready, undefined);
  }
  writableStreamDefaultControllerClose(stream.controller);
  return d.promise;
}

function writableStreamAddWriteRequest(stream) {
  const d = newDeferred();
  stream.writeRequests.push(d);
  return d.promise;
}

function writableStreamCloseQueuedOrInFlight(stream) {
  return stream.closeRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function writableStreamDealWithRejection(stream, error) {
  if (stream.state === 'writable') {
    writableStreamStartErroring(stream, error);
    return;
  }
  writableStreamFinishErroring(stream);
}

function writableStreamFinishErroring(stream) {
  stream.state = 'errored';
  resetQueue(stream.controller); // [[ErrorSteps]]
  const storedError = stream.storedError;
  const requests = stream.writeRequests;
  stream.writeRequests = new SimpleQueue();
  while (requests.size > 0) rejectDeferred(requests.shift(), storedError);
  if (stream.pendingAbortRequest === undefined) {
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  const abortRequest = stream.pendingAbortRequest;
  stream.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    rejectDeferred(abortRequest.promise, storedError);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  const promise = writableStreamDefaultControllerAbortSteps(stream.controller, abortRequest.reason);
  uponPromise(promise, () => {
    resolveDeferred(abortRequest.promise, undefined);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  }, (reason) => {
    rejectDeferred(abortRequest.promise, reason);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  });
}

function writableStreamFinishInFlightClose(stream) {
  resolveDeferred(stream.inFlightCloseRequest, undefined);
  stream.inFlightCloseRequest = undefined;
  if (stream.state === 'erroring') {
    stream.storedError = undefined;
    if (stream.pendingAbortRequest !== undefined) {
      resolveDeferred(stream.pendingAbortRequest.promise, undefined);
      stream.pendingAbortRequest = undefined;
    }
  }
  stream.state = 'closed';
  const writer = stream.writer;
  if (writer !== undefined) resolveDeferred(writer.closed, undefined);
}

function writableStreamFinishInFlightCloseWithError(stream, error) {
  rejectDeferred(stream.inFlightCloseRequest, error);
  stream.inFlightCloseRequest = undefined;
  if (stream.pendingAbortRequest !== undefined) {
    rejectDeferred(stream.pendingAbortRequest.promise, error);
    stream.pendingAbortRequest = undefined;
  }
  writableStreamDealWithRejection(stream, error);
}

function writableStreamFinishInFlightWrite(stream) {
  resolveDeferred(stream.inFlightWriteRequest, undefined);
  stream.inFlightWriteRequest = undefined;
}

function writableStreamFinishInFlightWriteWithError(stream, error) {
  rejectDeferred(stream.inFlightWriteRequest, error);
  stream.inFlightWriteRequest = undefined;
  writableStreamDealWithRejection(stream, error);
}

function writableStreamHasOperationMarkedInFlight(stream) {
  return stream.inFlightWriteRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function writableStreamMarkCloseRequestInFlight(stream) {
  stream.inFlightCloseRequest = stream.closeRequest;
  stream.closeRequest = undefined;
}

function writableStreamMarkFirstWriteRequestInFlight(stream) {
  stream.inFlightWriteRequest = stream.writeRequests.shift();
}

function writableStreamRejectCloseAndClosedPromiseIfNeeded(stream) {
  if (stream.closeRequest !== undefined) {
    rejectDeferred(stream.closeRequest, stream.storedError);
    stream.closeRequest = undefined;
  }
  const writer = stream.writer;
  if (writer !== undefined) {
    rejectDeferred(writer.closed, stream.storedError);
    markHandled(writer.closed.promise);
  }
}

function writableStreamStartErroring(stream, reason) {
  const controller = stream.controller;
  stream.state = 'erroring';
  stream.storedError = reason;
  const writer = stream.writer;
  if (writer !== undefined) writableStreamDefaultWriterEnsureReadyPromiseRejected(writer, reason);
  if (!writableStreamHasOperationMarkedInFlight(stream) && controller.started) {
    writableStreamFinishErroring(stream);
  }
}

function writableStreamUpdateBackpressure(stream, backpressure) {
  const writer = stream.writer;
  if (writer !== undefined && backpressure !== stream.backpressure) {
    if (backpressure) writer.ready = newDeferred();
    else resolveDeferred(writer.ready, undefined);
  }
  stream.backpressure = backpressure;
}

// ---------------------------------------------------------------------------------------------
// WritableStreamDefaultWriter

function newWriterRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    stream: undefined,
    closed: undefined, // deferred
    ready: undefined,  // deferred
  };
}

let writerRecord;

function releasedWriterError(method) {
  return new TypeError(`Failed to execute '${method}' on 'WritableStreamDefaultWriter': This ` +
    'writer has been released (releaseLock()) and no longer writes to a stream.');
}

class WritableStreamDefaultWriter {
  #r;

  constructor(stream) {
    if (stream === kInternal) {
      const writer = arguments[1];
      this.#r = writer;
      writer.wrapper = this;
      return;
    }
    if (arguments.length < 1) throw ctorArgCountError('WritableStreamDefaultWriter', 1, 0);
    const context = "Failed to construct 'WritableStreamDefaultWriter'";
    const s = maybeWritableStreamRecord(stream);
    if (s === undefined) throw new TypeError(`${context}: parameter 1 is not of type 'WritableStream'.`);
    const writer = newWriterRecord();
    setUpWritableStreamDefaultWriter(writer, s, context);
    this.#r = writer;
    writer.wrapper = this;
  }

  get closed() {
    let writer;
    try {
      writer = writerRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    return writer.closed.promise;
  }

  get desiredSize() {
    const writer = writerRecord(this);
    if (writer.stream === undefined) {
      throw new TypeError("Failed to read the 'desiredSize' property from " +
        "'WritableStreamDefaultWriter': This writer has been released.");
    }
    return writableStreamDefaultWriterGetDesiredSize(writer);
  }

  get ready() {
    let writer;
    try {
      writer = writerRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    return writer.ready.promise;
  }

  abort(reason = undefined) {
    let writer;
    try {
      writer = writerRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (writer.stream === undefined) return PromiseReject(releasedWriterError('abort'));
    return writableStreamAbort(writer.stream, reason);
  }

  close() {
    let writer;
    try {
      writer = writerRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    const stream = writer.stream;
    if (stream === undefined) return PromiseReject(releasedWriterError('close'));
    if (writableStreamCloseQueuedOrInFlight(stream)) {
      return PromiseReject(new TypeError("Failed to execute 'close' on " +
        "'WritableStreamDefaultWriter': The stream is already closing."));
    }
    return writableStreamClose(stream);
  }

  releaseLock() {
    const writer = writerRecord(this);
    if (writer.stream === undefined) return;
    writableStreamDefaultWriterRelease(writer);
  }

  write(chunk = undefined) {
    let writer;
    try {
      writer = writerRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (writer.stream === undefined) return PromiseReject(releasedWriterError('write'));
    return writableStreamDefaultWriterWrite(writer, chunk);
  }

  static {
    writerRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
  }
}
finishInterface(WritableStreamDefaultWriter, 'WritableStreamDefaultWriter');

function acquireWritableStreamDefaultWriter(stream) {
  const writer = newWriterRecord();
  setUpWritableStreamDefaultWriter(writer, stream, "Failed to execute 'getWriter' on 'WritableStream'");
  new WritableStreamDefaultWriter(kInternal, writer);
  return writer;
}

function setUpWritableStreamDefaultWriter(writer, stream, context) {
  if (isWritableStreamLockedRecord(stream)) {
    throw new TypeError(`${context}: This WritableStream is already locked to a writer. ` +
      'Release the existing writer (writer.releaseLock()) before getting a new one.');
  }
  writer.stream = stream;
  stream.writer = writer;
  const state = stream.state;
  if (state === 'writable') {
    if (!writableStreamCloseQueuedOrInFlight(stream) && stream.backpressure) {
      writer.ready = newDeferred();
    } else {
      writer.ready = resolvedDeferred(undefined);
    }
    writer.closed = newDeferred();
  } else if (state === 'erroring') {
    writer.ready = rejectedDeferred(stream.storedError);
    writer.closed = newDeferred();
  } else if (state === 'closed') {
    writer.ready = resolvedDeferred(undefined);
    writer.closed = resolvedDeferred(undefined);
  } else {
    writer.ready = rejectedDeferred(stream.storedError);
    writer.closed = rejectedDeferred(stream.storedError);
  }
}

function writableStreamDefaultWriterCloseWithErrorPropagation(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (writableStreamCloseQueuedOrInFlight(stream) || state === 'closed') return resolvedUndefined();
  if (state === 'errored') return PromiseReject(stream.storedError);
  return writableStreamClose(stream);
}

function writableStreamDefaultWriterEnsureClosedPromiseRejected(writer, error) {
  if (writer.closed.pending) rejectDeferred(writer.closed, error);
  else writer.closed = rejectedDeferred(error);
  markHandled(writer.closed.promise);
}

function writableStreamDefaultWriterEnsureReadyPromiseRejected(writer, error) {
  if (writer.ready.pending) rejectDeferred(writer.ready, error);
  else writer.ready = rejectedDeferred(error);
  markHandled(writer.ready.promise);
}

function writableStreamDefaultWriterGetDesiredSize(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (state === 'errored' || state === 'erroring') return null;
  if (state === 'closed') return 0;
  return writableStreamDefaultControllerGetDesiredSize(stream.controller);
}

function writableStreamDefaultWriterRelease(writer) {
  const stream = writer.stream;
  const releasedError = new TypeError('The writer was released: its lock on the stream was ' +
    'released with releaseLock().');
  writableStreamDefaultWriterEnsureReadyPromiseRejected(writer, releasedError);
  writableStreamDefaultWriterEnsureClosedPromiseRejected(writer, releasedError);
  stream.writer = undefined;
  writer.stream = undefined;
}

function writableStreamDefaultWriterWrite(writer, chunk) {
  const stream = writer.stream;
  const controller = stream.controller;
  const chunkSize = writableStreamDefaultControllerGetChunkSize(controller, chunk);
  if (stream !== writer.stream) {
    return PromiseReject(new TypeError('The writer was released while the chunk size was ' +
      'being computed.'));
  }
  const state = stream.state;
  if (state === 'errored') return PromiseReject(stream.storedError);
  if (writableStreamCloseQueuedOrInFlight(stream) || state === 'closed') {
    return PromiseReject(new TypeError('The WritableStream is closing or closed: nothing more ' +
      'can be written to it.'));
  }
  if (state === 'erroring') return PromiseReject(stream.storedError);
  const promise = writableStreamAddWriteRequest(stream);
  writableStreamDefaultControllerWrite(controller, chunk, chunkSize);
  return promise;
}

// ---------------------------------------------------------------------------------------------
// WritableStreamDefaultController

const kCloseSentinel = Symbol('close sentinel');

function newWritableStreamDefaultControllerRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    stream: undefined,
    queue: undefined,
    queueTotalSize: 0,
    signal: undefined, // the [[abortController]]'s signal
    started: false,
    strategyHWM: 1,
    strategySizeAlgorithm: undefined,
    writeAlgorithm: undefined,
    closeAlgorithm: undefined,
    abortAlgorithm: undefined,
  };
}

let writableStreamDefaultControllerRecord;

class WritableStreamDefaultController {
  #r;

  constructor(key = undefined, record = undefined) {
    if (key !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.wrapper = this;
  }

  get signal() {
    return writableStreamDefaultControllerRecord(this).signal;
  }

  error(e = undefined) {
    const controller = writableStreamDefaultControllerRecord(this);
    if (controller.stream.state !== 'writable') return;
    writableStreamDefaultControllerError(controller, e);
  }

  static {
    writableStreamDefaultControllerRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
  }
}
finishInterface(WritableStreamDefaultController, 'WritableStreamDefaultController');

function writableStreamDefaultControllerAbortSteps(controller, reason) {
  const result = controller.abortAlgorithm(reason);
  writableStreamDefaultControllerClearAlgorithms(controller);
  return result;
}

function setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
  closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  if (controller.wrapper === undefined) new WritableStreamDefaultController(kInternal, controller);
  stream.controller = controller;
  resetQueue(controller);
  controller.signal = createAbortSignal();
  controller.started = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.writeAlgorithm = writeAlgorithm;
  controller.closeAlgorithm = closeAlgorithm;
  controller.abortAlgorithm = abortAlgorithm;
  const backpressure = writableStreamDefaultControllerGetBackpressure(controller);
  writableStreamUpdateBackpressure(stream, backpressure);
  const startResult = startAlgorithm(controller.wrapper);
  uponPromise(promiseResolvedWith(startResult), () => {
    controller.started = true;
    writableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
  }, (r) => {
    controller.started = true;
    writableStreamDealWithRejection(stream, r);
  });
}

function setUpWritableStreamDefaultControllerFromUnderlyingSink(stream, underlyingSink, sink,
  highWaterMark, sizeAlgorithm) {
  const controller = newWritableStreamDefaultControllerRecord();
  let startAlgorithm = noop;
  let writeAlgorithm = resolvedUndefined;
  let closeAlgorithm = resolvedUndefined;
  let abortAlgorithm = resolvedUndefined;
  const start = sink.start;
  const write = sink.write;
  const close = sink.close;
  const abort = sink.abort;
  if (start !== undefined) startAlgorithm = (c) => ReflectApply(start, underlyingSink, [c]);
  if (write !== undefined) {
    writeAlgorithm = (chunk, c) => promiseCall(write, underlyingSink, [chunk, c]);
  }
  if (close !== undefined) closeAlgorithm = () => promiseCall(close, underlyingSink, []);
  if (abort !== undefined) abortAlgorithm = (reason) => promiseCall(abort, underlyingSink, [reason]);
  setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
    closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
}

function writableStreamDefaultControllerAdvanceQueueIfNeeded(controller) {
  const stream = controller.stream;
  if (!controller.started) return;
  if (stream.inFlightWriteRequest !== undefined) return;
  const state = stream.state;
  if (state === 'erroring') {
    writableStreamFinishErroring(stream);
    return;
  }
  if (controller.queue.size === 0) return;
  const value = peekQueueValue(controller);
  if (value === kCloseSentinel) writableStreamDefaultControllerProcessClose(controller);
  else writableStreamDefaultControllerProcessWrite(controller, value);
}

function writableStreamDefaultControllerClearAlgorithms(controller) {
  controller.writeAlgorithm = undefined;
  controller.closeAlgorithm = undefined;
  controller.abortAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

function writableStreamDefaultControllerClose(controller) {
  enqueueValueWithSize(controller, kCloseSentinel, 0);
  writableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
}

function writableStreamDefaultControllerError(controller, error) {
  const stream = controller.stream;
  writableStreamDefaultControllerClearAlgorithms(controller);
  writableStreamStartErroring(stream, error);
}

function writableStreamDefaultControllerErrorIfNeeded(controller, error) {
  if (controller.stream.state === 'writable') writableStreamDefaultControllerError(controller, error);
}

function writableStreamDefaultControllerGetBackpressure(controller) {
  return writableStreamDefaultControllerGetDesiredSize(controller) <= 0;
}

function writableStreamDefaultControllerGetChunkSize(controller, chunk) {
  const sizeAlgorithm = controller.strategySizeAlgorithm;
  if (sizeAlgorithm === undefined) return 1;
  try {
    return sizeAlgorithm(chunk);
  } catch (error) {
    writableStreamDefaultControllerErrorIfNeeded(controller, error);
    return 1;
  }
}

function writableStreamDefaultControllerGetDesiredSize(controller) {
  return controller.strategyHWM - controller.queueTotalSize;
}

function writableStreamDefaultControllerProcessClose(controller) {
  const stream = controller.stream;
  writableStreamMarkCloseRequestInFlight(stream);
  dequeueValue(controller);
  const sinkClosePromise = controller.closeAlgorithm();
  writableStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(sinkClosePromise, () => {
    writableStreamFinishInFlightClose(stream);
  }, (reason) => {
    writableStreamFinishInFlightCloseWithError(stream, reason);
  });
}

function writableStreamDefaultControllerProcessWrite(controller, chunk) {
  const stream = controller.stream;
  writableStreamMarkFirstWriteRequestInFlight(stream);
  const sinkWritePromise = controller.writeAlgorithm(chunk, controller.wrapper);
  uponPromise(sinkWritePromise, () => {
    writableStreamFinishInFlightWrite(stream);
    const state = stream.state;
    dequeueValue(controller);
    if (!writableStreamCloseQueuedOrInFlight(stream) && state === 'writable') {
      const backpressure = writableStreamDefaultControllerGetBackpressure(controller);
      writableStreamUpdateBackpressure(stream, backpressure);
    }
    writableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
  }, (reason) => {
    if (stream.state === 'writable') writableStreamDefaultControllerClearAlgorithms(controller);
    writableStreamFinishInFlightWriteWithError(stream, reason);
  });
}

function writableStreamDefaultControllerWrite(controller, chunk, chunkSize) {
  try {
    enqueueValueWithSize(controller, chunk, chunkSize);
  } catch (error) {
    writableStreamDefaultControllerErrorIfNeeded(controller, error);
    return;
  }
  const stream = controller.stream;
  if (!writableStreamCloseQueuedOrInFlight(stream) && stream.state === 'writable') {
    const backpressure = writableStreamDefaultControllerGetBackpressure(controller);
    writableStreamUpdateBackpressure(stream, backpressure);
  }
  writableStreamDefaultControllerAdvanceQueueIfNeeded(controller);
}

// ---------------------------------------------------------------------------------------------
// TransformStream

function newTransformStreamRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    readable: undefined, // ReadableStream record
    writable: undefined, // WritableStream record
    backpressure: undefined,
    backpressureChangePromise: undefined, // deferred
    controller: undefined,
  };
}

let transformStreamRecord;
let maybeTransformStreamRecord;

class TransformStream {
  #r;

  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (transformer === kInternal) {
      this.#r = writableStrategy;
      writableStrategy.wrapper = this;
      return;
    }
    const context = "Failed to construct 'TransformStream'";
    if (transformer === undefined) {
      transformer = null;
    } else if (!isObject(transformer)) {
      throw new TypeError(`${context}: parameter 1 is not of type 'object'.`);
    }
    const writableStrat = toQueuingStrategy(writableStrategy, context);
    const readableStrat = toQueuingStrategy(readableStrategy, context);
    const t = toTransformer(transformer, context);
    if (t.readableType !== undefined) {
      throw new RangeError(`${context}: Invalid readableType is specified.`);
    }
    if (t.writableType !== undefined) {
      throw new RangeError(`${context}: Invalid writableType is specified.`);
    }
    const readableHighWaterMark = extractHighWaterMark(readableStrat, 0);
    const readableSizeAlgorithm = extractSizeAlgorithm(readableStrat);
    const writableHighWaterMark = extractHighWaterMark(writableStrat, 1);
    const writableSizeAlgorithm = extractSizeAlgorithm(writableStrat);
    const stream = newTransformStreamRecord();
    stream.wrapper = this;
    this.#r = stream;
    const startPromise = newDeferred();
    initializeTransformStream(stream, startPromise.promise, writableHighWaterMark,
      writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm);
    const controller = setUpTransformStreamDefaultControllerFromTransformer(stream, transformer, t);
    if (t.start !== undefined) {
      const startResult = ReflectApply(t.start, transformer, [controller.wrapper]);
      resolveDeferredAdopting(startPromise, startResult);
    } else {
      resolveDeferred(startPromise, undefined);
    }
  }

  get readable() {
    return transformStreamRecord(this).readable.wrapper;
  }

  get writable() {
    return transformStreamRecord(this).writable.wrapper;
  }

  static {
    transformStreamRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
    maybeTransformStreamRecord = (value) => (isObject(value) && #r in value ? value.#r : undefined);
  }
}
finishInterface(TransformStream, 'TransformStream');

// Transformer dictionary, members in lexicographic order.
function toTransformer(value, context) {
  const dict = toDictionary(value, context, 'Transformer');
  const result = {
    __proto__: null,
    cancel: undefined,
    flush: undefined,
    readableType: undefined,
    start: undefined,
    transform: undefined,
    writableType: undefined,
  };
  if (dict === null) return result;
  result.cancel = toCallback(dict.cancel, context, 'cancel', 'Transformer');
  result.flush = toCallback(dict.flush, context, 'flush', 'Transformer');
  result.readableType = dict.readableType;
  result.start = toCallback(dict.start, context, 'start', 'Transformer');
  result.transform = toCallback(dict.transform, context, 'transform', 'Transformer');
  result.writableType = dict.writableType;
  return result;
}

function initializeTransformStream(stream, startPromise, writableHighWaterMark,
  writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm) {
  const startAlgorithm = () => startPromise;
  const writeAlgorithm = (chunk) => transformStreamDefaultSinkWriteAlgorithm(stream, chunk);
  const abortAlgorithm = (reason) => transformStreamDefaultSinkAbortAlgorithm(stream, reason);
  const closeAlgorithm = () => transformStreamDefaultSinkCloseAlgorithm(stream);
  stream.writable = createWritableStreamRecord(startAlgorithm, writeAlgorithm, closeAlgorithm,
    abortAlgorithm, writableHighWaterMark, writableSizeAlgorithm);
  const pullAlgorithm = () => transformStreamDefaultSourcePullAlgorithm(stream);
  const cancelAlgorithm = (reason) => transformStreamDefaultSourceCancelAlgorithm(stream, reason);
  stream.readable = createReadableStreamRecord(startAlgorithm, pullAlgorithm, cancelAlgorithm,
    readableHighWaterMark, readableSizeAlgorithm);
  stream.backpressure = undefined;
  stream.backpressureChangePromise = undefined;
  transformStreamSetBackpressure(stream, true);
  stream.controller = undefined;
}

function transformStreamError(stream, e) {
  readableStreamDefaultControllerError(stream.readable.controller, e);
  transformStreamErrorWritableAndUnblockWrite(stream, e);
}

function transformStreamErrorWritableAndUnblockWrite(stream, e) {
  transformStreamDefaultControllerClearAlgorithms(stream.controller);
  writableStreamDefaultControllerErrorIfNeeded(stream.writable.controller, e);
  transformStreamUnblockWrite(stream);
}

function transformStreamSetBackpressure(stream, backpressure) {
  if (stream.backpressureChangePromise !== undefined) {
    resolveDeferred(stream.backpressureChangePromise, undefined);
  }
  stream.backpressureChangePromise = newDeferred();
  stream.backpressure = backpressure;
}

function transformStreamUnblockWrite(stream) {
  if (stream.backpressure) transformStreamSetBackpressure(stream, false);
}

// ---------------------------------------------------------------------------------------------
// TransformStreamDefaultController

function newTransformStreamDefaultControllerRecord() {
  return {
    __proto__: null,
    wrapper: undefined,
    stream: undefined,
    transformAlgorithm: undefined,
    flushAlgorithm: undefined,
    cancelAlgorithm: undefined,
    finishPromise: undefined, // deferred
  };
}

let transformStreamDefaultControllerRecord;

class TransformStreamDefaultController {
  #r;

  constructor(key = undefined, record = undefined) {
    if (key !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.wrapper = this;
  }

  get desiredSize() {
    const controller = transformStreamDefaultControllerRecord(this);
    return readableStreamDefaultControllerGetDesiredSize(controller.stream.readable.controller);
  }

  enqueue(chunk = undefined) {
    transformStreamDefaultControllerEnqueue(transformStreamDefaultControllerRecord(this), chunk);
  }

  error(reason = undefined) {
    transformStreamError(transformStreamDefaultControllerRecord(this).stream, reason);
  }

  terminate() {
    transformStreamDefaultControllerTerminate(transformStreamDefaultControllerRecord(this));
  }

  static {
    transformStreamDefaultControllerRecord = (value) => {
      if (!isObject(value) || !(#r in value)) throw illegalInvocation();
      return value.#r;
    };
  }
}
finishInterface(TransformStreamDefaultController, 'TransformStreamDefaultController');

function setUpTransformStreamDefaultController(stream, controller, transformAlgorithm,
  flushAlgorithm, cancelAlgorithm) {
  controller.stream = stream;
  if (controller.wrapper === undefined) new TransformStreamDefaultController(kInternal, controller);
  stream.controller = controller;
  controller.transformAlgorithm = transformAlgorithm;
  controller.flushAlgorithm = flushAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
}

function setUpTransformStreamDefaultControllerFromTransformer(stream, transformer, t) {
  const controller = newTransformStreamDefaultControllerRecord();
  new TransformStreamDefaultController(kInternal, controller);
  let transformAlgorithm = (chunk) => {
    try {
      transformStreamDefaultControllerEnqueue(controller, chunk);
    } catch (error) {
      return PromiseReject(error);
    }
    return resolvedUndefined();
  };
  let flushAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const transform = t.transform;
  const flush = t.flush;
  const cancel = t.cancel;
  if (transform !== undefined) {
    transformAlgorithm = (chunk) => promiseCall(transform, transformer, [chunk, controller.wrapper]);
  }
  if (flush !== undefined) flushAlgorithm = () => promiseCall(flush, transformer, [controller.wrapper]);
  if (cancel !== undefined) cancelAlgorithm = (reason) => promiseCall(cancel, transformer, [reason]);
  setUpTransformStreamDefaultController(stream, controller, transformAlgorithm, flushAlgorithm,
    cancelAlgorithm);
  return controller;
}

function transformStreamDefaultControllerClearAlgorithms(controller) {
  controller.transformAlgorithm = undefined;
  controller.flushAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

function transformStreamDefaultControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  const readableController = stream.readable.controller;
  if (!readableStreamDefaultControllerCanCloseOrEnqueue(readableController)) {
    throw new TypeError('The TransformStream\'s readable side is closed or errored: nothing ' +
      'more can be enqueued.');
  }
  try {
    readableStreamDefaultControllerEnqueue(readableController, chunk);
  } catch (error) {
    transformStreamErrorWritableAndUnblockWrite(stream, error);
    throw stream.readable.storedError;
  }
  const backpressure = readableStreamDefaultControllerHasBackpressure(readableController);
  if (backpressure !== stream.backpressure) transformStreamSetBackpressure(stream, true);
}

function transformStreamDefaultControllerPerformTransform(controller, chunk) {
  const transformPromiseResult = controller.transformAlgorithm(chunk);
  return transformPromise(transformPromiseResult, undefined, (r) => {
    transformStreamError(controller.stream, r);
    throw r;
  });
}

function transformStreamDefaultControllerTerminate(controller) {
  const stream = controller.stream;
  readableStreamDefaultControllerClose(stream.readable.controller);
  const error = new TypeError('The TransformStream was terminated: its writable side accepts ' +
    'no more chunks.');
  transformStreamErrorWritableAndUnblockWrite(stream, error);
}

function transformStreamDefaultSinkWriteAlgorithm(stream, chunk) {
  const controller = stream.controller;
  if (stream.backpressure) {
    const backpressureChangePromise = stream.backpressureChangePromise.promise;
    return chainPromise(backpressureChangePromise, () => {
      const writable = stream.writable;
      if (writable.state === 'erroring') throw writable.storedError;
      return transformStreamDefaultControllerPerformTransform(controller, chunk);
    }, PromiseReject);
  }
  return transformStreamDefaultControllerPerformTransform(controller, chunk);
}

function transformStreamDefaultSinkAbortAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finish = newDeferred();
  controller.finishPromise = finish;
  const cancelPromise = controller.cancelAlgorithm(reason);
  transformStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(cancelPromise, () => {
    if (readable.state === 'errored') {
      rejectDeferred(finish, readable.storedError);
    } else {
      readableStreamDefaultControllerError(readable.controller, reason);
      resolveDeferred(finish, undefined);
    }
  }, (r) => {
    readableStreamDefaultControllerError(readable.controller, r);
    rejectDeferred(finish, r);
  });
  return finish.promise;
}

function transformStreamDefaultSinkCloseAlgorithm(stream) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finish = newDeferred();
  controller.finishPromise = finish;
  const flushPromise = controller.flushAlgorithm();
  transformStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(flushPromise, () => {
    if (readable.state === 'errored') {
      rejectDeferred(finish, readable.storedError);
    } else {
      readableStreamDefaultControllerClose(readable.controller);
      resolveDeferred(finish, undefined);
    }
  }, (r) => {
    readableStreamDefaultControllerError(readable.controller, r);
    rejectDeferred(finish, r);
  });
  return finish.promise;
}

function transformStreamDefaultSourceCancelAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const writable = stream.writable;
  const finish = newDeferred();
  controller.finishPromise = finish;
  const cancelPromise = controller.cancelAlgorithm(reason);
  transformStreamDefaultControllerClearAlgorithms(controller);
  uponPromise(cancelPromise, () => {
    if (writable.state === 'errored') {
      rejectDeferred(finish, writable.storedError);
    } else {
      writableStreamDefaultControllerErrorIfNeeded(writable.controller, reason);
      transformStreamUnblockWrite(stream);
      resolveDeferred(finish, undefined);
    }
  }, (r) => {
    writableStreamDefaultControllerErrorIfNeeded(writable.controller, r);
    transformStreamUnblockWrite(stream);
    rejectDeferred(finish, r);
  });
  return finish.promise;
}

function transformStreamDefaultSourcePullAlgorithm(stream) {
  transformStreamSetBackpressure(stream, false);
  return stream.backpressureChangePromise.promise;
}

// "Set up" a TransformStream for other specifications: transform(chunk) and flush() run
// synchronously (a throw errors the stream; they may return a promise), cancel(reason) when
// either side is canceled or aborted. They enqueue with transformEnqueue(stream, chunk).
function createTransformStreamFromAlgorithms(transform, flush, cancel) {
  const stream = newTransformStreamRecord();
  new TransformStream(kInternal, stream);
  const wrap = (fn) => (arg) => {
    try {
      const result = fn === undefined ? undefined : fn(arg);
      return result === undefined ? resolvedUndefined() : PromiseResolve(result);
    } catch (error) {
      return PromiseReject(error);
    }
  };
  initializeTransformStream(stream, resolvedUndefined(), 1, sizeOne, 0, sizeOne);
  const controller = newTransformStreamDefaultControllerRecord();
  setUpTransformStreamDefaultController(stream, controller, wrap(transform), wrap(flush),
    wrap(cancel));
  return stream;
}

function transformEnqueue(stream, chunk) {
  transformStreamDefaultControllerEnqueue(stream.controller, chunk);
}

// ---------------------------------------------------------------------------------------------
// TextEncoderStream and TextDecoderStream
// (https://encoding.spec.whatwg.org/#interface-textencoderstream)

const textEncoder = new TextEncoder();
const kStreamOption = { __proto__: null, stream: true };

class TextEncoderStream {
  #transform;

  constructor() {
    // A lead surrogate at the end of a chunk, waiting for its trail in the next one.
    let pendingHighSurrogate = '';
    this.#transform = createTransformStreamFromAlgorithms((chunk) => {
      let input = toDOMString(chunk);
      if (pendingHighSurrogate !== '') {
        input = pendingHighSurrogate + input;
        pendingHighSurrogate = '';
      }
      const length = input.length;
      if (length > 0) {
        const last = StringPrototypeCharCodeAt(input, length - 1);
        if (last >= 0xD800 && last <= 0xDBFF) {
          pendingHighSurrogate = StringPrototypeSlice(input, length - 1);
          input = StringPrototypeSlice(input, 0, length - 1);
        }
      }
      if (input === '') return;
      transformEnqueue(this.#transform, TextEncoderPrototypeEncode(textEncoder, input));
    }, () => {
      if (pendingHighSurrogate !== '') {
        pendingHighSurrogate = '';
        const replacement = new Uint8Array(3);
        replacement[0] = 0xEF;
        replacement[1] = 0xBF;
        replacement[2] = 0xBD;
        transformEnqueue(this.#transform, replacement);
      }
    });
  }

  get encoding() {
    if (!isObject(this) || !(#transform in this)) throw illegalInvocation();
    return 'utf-8';
  }

  get readable() {
    if (!isObject(this) || !(#transform in this)) throw illegalInvocation();
    return this.#transform.readable.wrapper;
  }

  get writable() {
    if (!isObject(this) || !(#transform in this)) throw illegalInvocation();
    return this.#transform.writable.wrapper;
  }
}
finishInterface(TextEncoderStream, 'TextEncoderStream');

class TextDecoderStream {
  #decoder;
  #transform;

  constructor(label = 'utf-8', options = undefined) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    this.#transform = createTransformStreamFromAlgorithms((chunk) => {
      // The Encoding standard converts chunks to AllowSharedBufferSource; decode() copies.
      const bytes = bufferSourceBytes(chunk, 'TextDecoderStream', true);
      const output = TextDecoderPrototypeDecode(decoder, bytes, kStreamOption);
      if (output !== '') transformEnqueue(this.#transform, output);
    }, () => {
      const output = TextDecoderPrototypeDecode(decoder);
      if (output !== '') transformEnqueue(this.#transform, output);
    });
  }

  get encoding() {
    if (!isObject(this) || !(#decoder in this)) throw illegalInvocation();
    return TextDecoderPrototypeGetEncoding(this.#decoder);
  }

  get fatal() {
    if (!isObject(this) || !(#decoder in this)) throw illegalInvocation();
    return TextDecoderPrototypeGetFatal(this.#decoder);
  }

  get ignoreBOM() {
    if (!isObject(this) || !(#decoder in this)) throw illegalInvocation();
    return TextDecoderPrototypeGetIgnoreBOM(this.#decoder);
  }

  get readable() {
    if (!isObject(this) || !(#decoder in this)) throw illegalInvocation();
    return this.#transform.readable.wrapper;
  }

  get writable() {
    if (!isObject(this) || !(#decoder in this)) throw illegalInvocation();
    return this.#transform.writable.wrapper;
  }
}
finishInterface(TextDecoderStream, 'TextDecoderStream');

// ---------------------------------------------------------------------------------------------
// CompressionStream and DecompressionStream (https://compression.spec.whatwg.org/)

function toCompressionFormat(format, iface) {
  const value = toDOMString(format);
  if (value !== 'gzip' && value !== 'deflate' && value !== 'deflate-raw') {
    throw new TypeError(`Failed to construct '${iface}': Unsupported compression format: ` +
      `'${value}'. Use 'gzip', 'deflate' or 'deflate-raw'.`);
  }
  return value;
}

function createZlibTransform(format, mode, iface) {
  const handle = zlibCreate(format, mode);
  let stream;
  const enqueueAll = (chunks) => {
    for (let i = 0; i < chunks.length; i++) transformEnqueue(stream, chunks[i]);
  };
  stream = createTransformStreamFromAlgorithms((chunk) => {
    const bytes = bufferSourceBytes(chunk, iface);
    enqueueAll(zlibPush(handle, bytes));
  }, () => {
    enqueueAll(zlibPush(handle, undefined));
  }, () => {
    zlibClose(handle);
  });
  return stream;
}

class CompressionStream {
  #transform;

  constructor(format) {
    if (arguments.length < 1) throw ctorArgCountError('CompressionStream', 1, 0);
    this.#transform = createZlibTransform(toCompressionFormat(format, 'CompressionStream'),
      'compress', 'CompressionStream');
  }

  get readable() {
    if (!isObject(this) || !(#transform in this)) throw illegalInvocation();
    return this.#transform.readable.wrapper;
  }

  get writable() {
    if (!isObject(this) || !(#transform in this)) throw illegalInvocation();
    return this.#transform.writable.wrapper;
  }
}
finishInterface(CompressionStream, 'CompressionStream');

class DecompressionStream {
  #transform;

  constructor(format) {
    if (arguments.length < 1) throw ctorArgCountError('DecompressionStream', 1, 0);
    this.#transform = createZlibTransform(toCompressionFormat(format, 'DecompressionStream'),
      'decompress', 'DecompressionStream');
  }

  get readable() {
    if (!isObject(this) || !(#transform in this)) throw illegalInvocation();
    return this.#transform.readable.wrapper;
  }

  get writable() {
    if (!isObject(this) || !(#transform in this)) throw illegalInvocation();
    return this.#transform.writable.wrapper;
  }
}
finishInterface(DecompressionStream, 'DecompressionStream');

// ---------------------------------------------------------------------------------------------
// Internal API for other runtime modules

function streamRecordOrThrow(stream, fn) {
  const record = maybeReadableStreamRecord(stream);
  if (record === undefined) throw new TypeError(`${fn}: the argument is not a ReadableStream.`);
  return record;
}

function isReadableStream(value) {
  return maybeReadableStreamRecord(value) !== undefined;
}

function isWritableStream(value) {
  return maybeWritableStreamRecord(value) !== undefined;
}

function isTransformStream(value) {
  return maybeTransformStreamRecord(value) !== undefined;
}

function isReadableStreamLocked(stream) {
  return isReadableStreamLockedRecord(streamRecordOrThrow(stream, 'isReadableStreamLocked'));
}

function isReadableStreamDisturbed(stream) {
  return streamRecordOrThrow(stream, 'isReadableStreamDisturbed').disturbed;
}

function readableStreamCancel(stream, reason) {
  return readableStreamCancelRecord(streamRecordOrThrow(stream, 'readableStreamCancel'), reason);
}

function readableStreamTee(stream, cloneForBranch2 = true) {
  const branches = readableStreamTeeRecord(streamRecordOrThrow(stream, 'readableStreamTee'),
    cloneForBranch2);
  return [branches[0].wrapper, branches[1].wrapper];
}

// Reads the whole stream with a default reader (which keeps the stream locked afterwards).
function readAllBytes(stream) {
  let reader;
  try {
    reader = acquireReadableStreamDefaultReader(streamRecordOrThrow(stream, 'readAllBytes'));
  } catch (error) {
    return PromiseReject(error);
  }
  const d = newDeferred();
  const chunks = [];
  let total = 0;
  let inRead = false;
  let readAgain = false;
  const readRequest = {
    __proto__: null,
    chunk(chunk) {
      if (TypedArrayPrototypeGetSymbolToStringTag(chunk) !== 'Uint8Array') {
        rejectDeferred(d, new TypeError('The stream produced a chunk that is not a Uint8Array; ' +
          'a body stream must produce Uint8Array chunks.'));
        return;
      }
      chunks[chunks.length] = chunk;
      total += TypedArrayPrototypeGetByteLength(chunk);
      if (inRead) readAgain = true;
      else pump();
    },
    close() {
      const result = new Uint8Array(total);
      let offset = 0;
      for (let i = 0; i < chunks.length; i++) {
        TypedArrayPrototypeSet(result, chunks[i], offset);
        offset += TypedArrayPrototypeGetByteLength(chunks[i]);
      }
      // In a null-prototype holder: resolving a promise with the array itself would look up
      // `then` on it, reaching a user-patched Object.prototype.then.
      resolveDeferred(d, { __proto__: null, bytes: result });
    },
    error(e) {
      rejectDeferred(d, e);
    },
  };
  // A loop rather than recursion: chunks already queued are delivered synchronously.
  const pump = () => {
    do {
      readAgain = false;
      inRead = true;
      readableStreamDefaultReaderRead(reader, readRequest);
      inRead = false;
    } while (readAgain);
  };
  pump();
  return d.promise;
}

// A byte stream over a copy of `bytes` (ArrayBuffer or view).
function createReadableStreamFromBytes(bytes) {
  const source = bufferSourceBytes(bytes, 'createReadableStreamFromBytes');
  const length = TypedArrayPrototypeGetLength(source);
  let copy = new Uint8Array(length);
  TypedArrayPrototypeSet(copy, source);
  const stream = createReadableByteStreamRecord(noop, () => {
    const controller = stream.controller;
    if (copy !== null) {
      const chunk = copy;
      copy = null;
      if (length > 0) readableByteStreamControllerEnqueue(controller, chunk);
    }
    readableByteStreamControllerClose(controller);
    if (controller.pendingPullIntos.size > 0 && stream.state === 'closed') {
      readableByteStreamControllerRespond(controller, 0);
    }
    return resolvedUndefined();
  }, () => {
    copy = null;
    return resolvedUndefined();
  });
  return stream.wrapper;
}

// Wraps an internal caller's optional pull(controller) / cancel(reason).
function wrapAlgorithm(fn) {
  if (fn === undefined || fn === null) return resolvedUndefined;
  return (arg) => {
    try {
      const result = fn(arg);
      return result === undefined ? resolvedUndefined() : PromiseResolve(result);
    } catch (error) {
      return PromiseReject(error);
    }
  };
}

function createReadableStream(pullAlgorithm, cancelAlgorithm, highWaterMark = 1,
  sizeAlgorithm = sizeOne) {
  return createReadableStreamRecord(noop, wrapAlgorithm(pullAlgorithm),
    wrapAlgorithm(cancelAlgorithm), highWaterMark, sizeAlgorithm).wrapper;
}

function createReadableByteStream(pullAlgorithm, cancelAlgorithm) {
  return createReadableByteStreamRecord(noop, wrapAlgorithm(pullAlgorithm),
    wrapAlgorithm(cancelAlgorithm)).wrapper;
}

function controllerRecordOrThrow(controller, fn) {
  const byte = maybeReadableByteStreamControllerRecord(controller);
  if (byte !== undefined) return byte;
  const record = maybeReadableStreamDefaultControllerRecord(controller);
  if (record === undefined) throw new TypeError(`${fn}: the argument is not a ReadableStream controller.`);
  return record;
}

function readableStreamControllerEnqueue(controller, chunk) {
  const c = controllerRecordOrThrow(controller, 'readableStreamControllerEnqueue');
  if (c.byte) {
    toArrayBufferView(chunk, 'readableStreamControllerEnqueue', 2);
    if (viewByteLength(chunk) === 0) return;
    readableByteStreamControllerEnqueue(c, chunk);
  } else {
    readableStreamDefaultControllerEnqueue(c, chunk);
  }
}

function readableStreamControllerClose(controller) {
  const c = controllerRecordOrThrow(controller, 'readableStreamControllerClose');
  if (c.byte) {
    readableByteStreamControllerClose(c);
    // A pending BYOB read is answered with an empty view, as respond(0) would.
    if (c.stream.state === 'closed' && c.pendingPullIntos.size > 0) {
      readableByteStreamControllerRespond(c, 0);
    }
  } else {
    readableStreamDefaultControllerClose(c);
  }
}

function readableStreamControllerError(controller, error) {
  const c = controllerRecordOrThrow(controller, 'readableStreamControllerError');
  if (c.byte) readableByteStreamControllerError(c, error);
  else readableStreamDefaultControllerError(c, error);
}

function readableStreamControllerDesiredSize(controller) {
  const c = controllerRecordOrThrow(controller, 'readableStreamControllerDesiredSize');
  if (c.byte) return readableByteStreamControllerGetDesiredSize(c);
  return readableStreamDefaultControllerGetDesiredSize(c);
}

// Writable streams over runtime sinks (sockets). `writeAlgorithm(chunk)`, `closeAlgorithm()`
// and `abortAlgorithm(reason)` may return promises or throw; the queue uses `highWaterMark` and
// `sizeAlgorithm` as a queuing strategy would.
function createWritableStream(writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark = 1,
  sizeAlgorithm = sizeOne) {
  return createWritableStreamRecord(noop, wrapAlgorithm(writeAlgorithm),
    wrapAlgorithm(closeAlgorithm), wrapAlgorithm(abortAlgorithm), highWaterMark,
    sizeAlgorithm).wrapper;
}

function writableRecordOrThrow(stream, fn) {
  const record = maybeWritableStreamRecord(stream);
  if (record === undefined) throw new TypeError(`${fn}: the argument is not a WritableStream.`);
  return record;
}

// 'writable', 'erroring', 'errored' or 'closed'; 'closing' once a close is queued or in flight.
function writableStreamState(stream) {
  const record = writableRecordOrThrow(stream, 'writableStreamState');
  if (record.state === 'writable' && writableStreamCloseQueuedOrInFlight(record)) return 'closing';
  return record.state;
}

// Errors a writable stream from its sink's side (as its controller's error() would).
function writableStreamControllerError(stream, error) {
  const record = writableRecordOrThrow(stream, 'writableStreamControllerError');
  writableStreamDefaultControllerErrorIfNeeded(record.controller, error);
}

// Closes after the queued chunks are written, even while a writer holds the lock. Resolves at
// once when the stream is already closed, closing or errored.
function writableStreamForceClose(stream) {
  const record = writableRecordOrThrow(stream, 'writableStreamForceClose');
  if (record.state !== 'writable' || writableStreamCloseQueuedOrInFlight(record)) {
    return resolvedUndefined();
  }
  return writableStreamClose(record);
}

// Aborts even while a writer holds the lock.
function writableStreamForceAbort(stream, reason) {
  return writableStreamAbort(writableRecordOrThrow(stream, 'writableStreamForceAbort'), reason);
}

// Resolves once every chunk queued before this call has been written: `marker` goes through the
// queue in order, and the sink's write algorithm must recognise it and resolve at once. Rejects
// when the stream errors first; resolves at once when it is closed or closing (nothing more can
// be queued).
function writableStreamFlush(stream, marker) {
  const record = writableRecordOrThrow(stream, 'writableStreamFlush');
  const state = record.state;
  if (state === 'errored' || state === 'erroring') return PromiseReject(record.storedError);
  if (state === 'closed') return resolvedUndefined();
  if (writableStreamCloseQueuedOrInFlight(record)) {
    const closing = record.closeRequest !== undefined ? record.closeRequest : record.inFlightCloseRequest;
    return transformPromise(closing.promise, noop);
  }
  const promise = writableStreamAddWriteRequest(record);
  writableStreamDefaultControllerWrite(record.controller, marker, 0);
  return promise;
}

// For internal:fetch, which is evaluated before this module: the methods as defined here,
// whatever user code later does to the prototypes.
const ReadableStreamPrototypeGetReader = uncurryThis(ReadableStream.prototype.getReader);
const ReadableStreamDefaultReaderPrototypeRead =
  uncurryThis(ReadableStreamDefaultReader.prototype.read);
const ReadableStreamDefaultReaderPrototypeCancel =
  uncurryThis(ReadableStreamDefaultReader.prototype.cancel);

// The bootstrap registers the interfaces it defines as platform classes for structuredClone's
// rules; it defines these lazily, so they register themselves.
{
  const interfaces = [
    ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader,
    ReadableStreamDefaultController, ReadableByteStreamController, ReadableStreamBYOBRequest,
    WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, TransformStream,
    TransformStreamDefaultController, ByteLengthQueuingStrategy, CountQueuingStrategy,
    TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream,
  ];
  for (let i = 0; i < interfaces.length; i++) registerPlatformClass(interfaces[i]);
}
streamsLoaded(streamsNamespace);

export {
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamBYOBReader,
  ReadableStreamDefaultController,
  ReadableByteStreamController,
  ReadableStreamBYOBRequest,
  WritableStream,
  WritableStreamDefaultWriter,
  WritableStreamDefaultController,
  TransformStream,
  TransformStreamDefaultController,
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  TextEncoderStream,
  TextDecoderStream,
  CompressionStream,
  DecompressionStream,
  isReadableStream,
  isReadableStreamLocked,
  isReadableStreamDisturbed,
  readAllBytes,
  createReadableStreamFromBytes,
  readableStreamTee,
  readableStreamCancel,
  createReadableStream,
  createReadableByteStream,
  readableStreamControllerEnqueue,
  readableStreamControllerClose,
  readableStreamControllerError,
  readableStreamControllerDesiredSize,
  isWritableStream,
  isTransformStream,
  createWritableStream,
  writableStreamState,
  writableStreamControllerError,
  writableStreamForceClose,
  writableStreamForceAbort,
  writableStreamFlush,
  ReadableStreamPrototypeGetReader,
  ReadableStreamDefaultReaderPrototypeRead,
  ReadableStreamDefaultReaderPrototypeCancel,
};
