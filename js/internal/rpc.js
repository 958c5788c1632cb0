// JS RPC between the isolates of one thread (loader.md sections 2 and 4): Fetchers and stubs,
// the calls they make, and the entrypoints that answer them.
//
// Transport: ops.rpcPost(realmId, message) copies `message` with V8's structured clone and
// delivers it to the other realm's `rpcMessage(from, message)` hook on a later turn of the
// loop. What structured clone cannot carry (functions, RpcTargets, stubs, streams, Requests,
// Responses, Headers) is replaced while encoding by a placeholder host object holding an index
// into the message's `caps` list, which describes it; decoding turns each placeholder back into
// a working object in the receiving realm.
//
// Capabilities: a function or RpcTarget sent to another realm is kept in this realm's export
// table under a number; the receiver gets a stub whose calls come back here as messages. Stubs
// release their entry when disposed or garbage collected; everything a realm held is dropped
// when it is gone (`rpcRealmGone`). Entrypoints are not exported objects: a call names the
// entrypoint and carries its props, and the callee makes a fresh request context for it, so
// `ctx.props` is a fresh copy each call. Props of a `ctx.exports.NAME({props})` Fetcher handed
// to a dynamic worker stay in this realm (an export entry): the other side only holds a number.
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { DOMException } from 'internal:dom_exception';
import {
  Request, requestRecord, isRequest, createIncomingRequest, createAbortSource, RequestInitParts,
} from 'internal:request';
import { Response, isResponse, responseRecord } from 'internal:response';
import { Headers, headersList } from 'internal:headers';
import { streams, loadedStreams } from 'internal:lazy';
import { setOutbound, setConnectOutbound, setSubrequestCheck, countSubrequest } from 'internal:outbound';
import { cancelRequestTimers } from 'internal:timers';
import { setConsoleTap } from 'internal:console_tap';
import { recordClass } from 'internal:webidl';
import { IdMap, filledArray, isId } from 'internal:id_map';

const {
  Array, ArrayIsArray, ArrayPrototypePush, ArrayPrototypeSlice, Error, EvalError,
  FinalizationRegistry, FinalizationRegistryPrototypeRegister, FinalizationRegistryPrototypeUnregister,
  ObjectGetPrototypeOf, ObjectDefineProperty,
  // ObjectPrototypeHasOwnProperty, not ObjectHasOwn: this module runs in the startup snapshot's
  // warm-up, where V8 has not installed Object.hasOwn yet (see internal:primordials).
  ObjectPrototypeHasOwnProperty, ObjectKeys, ObjectPrototype, Promise, PromisePrototypeThen, PromiseReject,
  PromiseResolve, Proxy, RangeError, ReferenceError, ReflectApply, SafeMap, SafeSet,
  SafeWeakSet, String, Symbol, SyntaxError, TypeError, URIError,
  ArrayBufferIsView, MapPrototypeForEach, SetPrototypeForEach,
  Map, Set, Date, RegExp, ArrayBuffer, Boolean, Number, BigInt, DateNow, ArrayPrototypeIndexOf,
  ArrayPrototypeSplice, ArrayPrototypeJoin, StringPrototypeSlice, FunctionPrototypeToString,
  RegExpPrototypeTest, MathMax, MathMin,
} = primordials;

// Symbol.dispose is newer than this V8: the runtime provides it (bootstrap installs it).
export const SymbolDispose = primordials.SymbolDispose ?? Symbol('Symbol.dispose');

export function setOwn(object, key, value) {
  if (key === '__proto__') {
    ObjectDefineProperty(object, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

// This realm's id: per isolate, so read at realm init (internal:bootstrap's realmInit), never
// while the startup snapshot is built.
let myRealm = 0;
export function initRealmId(warmOnly = false) { if (!warmOnly) myRealm = ops.rpcRealmId(); }
export function realmId() { return myRealm; }

// internal:streams is evaluated on first use (internal:lazy). No stream exists before,
// so recognizing one does not load it.
function isReadableStreamObject(value) {
  const ns = loadedStreams();
  return ns !== null && value instanceof ns.ReadableStream;
}
function isWritableStreamObject(value) {
  const ns = loadedStreams();
  return ns !== null && value instanceof ns.WritableStream;
}

// ---------------------------------------------------------------------------------------------
// The worker this realm runs: its main module's exports and its env.

let mainNamespace = null;
let workerEnv = {};

export function setMain(namespace, env) {
  mainNamespace = namespace;
  if (env !== undefined) workerEnv = env;
}
const onSetMain = (namespace) => { mainNamespace = namespace; };
ops.setHook('rpcSetMain', onSetMain);

export function currentEnv() { return workerEnv; }
// The main module's export `name` (undefined when there is none, or it is not initialized yet).
export function mainExport(name) {
  if (mainNamespace === null) return undefined;
  try {
    return mainNamespace[name];
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// RpcTarget and WorkerEntrypoint (cloudflare:workers).

export class RpcTarget {}

export class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

function isRpcTarget(value) {
  let proto = ObjectGetPrototypeOf(value);
  while (proto !== null) {
    if (proto === RpcTarget.prototype || proto === WorkerEntrypoint.prototype) return true;
    proto = ObjectGetPrototypeOf(proto);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Request contexts.

export function createContext(props) {
  const waitUntil = [];
  const ctx = {
    waitUntil(promise) { ArrayPrototypePush(waitUntil, PromiseResolve(promise)); },
    passThroughOnException() {},
    props,
    exports: ctxExports,
  };
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// Export table (capabilities other realms hold) and pending calls.

const exportsTable = new IdMap();  // id -> { kind, target, holder, ... }
let nextCall = 1;
const pendingCalls = new IdMap();  // id -> { to, resolve, reject }

// What this realm still expects of each other realm: calls waiting for their answer, imported
// capabilities, and open streams reading from it. A worker nothing references any more (an
// anonymous one from LOADER.load) may be destroyed only once this is zero, or a call made as
// `env.LOADER.load(code).getEntrypoint().fetch(request)` could lose its worker to the garbage
// collector mid-call (internal:loader asks realmInUse and waits for the idle listener).
const realmUse = new IdMap();  // realm id -> count
let realmIdleListener = null;
export function setRealmIdleListener(fn) { realmIdleListener = fn; }
export function realmInUse(realm) { return (realmUse.get(realm) ?? 0) > 0; }
function useRealm(realm) {
  if (realm !== kWarmRealm) realmUse.set(realm, (realmUse.get(realm) ?? 0) + 1);
}
function unuseRealm(realm) {
  const count = realmUse.get(realm);
  if (count === undefined) return;  // gone meanwhile (rpcRealmGone forgot it)
  if (count > 1) {
    realmUse.set(realm, count - 1);
    return;
  }
  realmUse.delete(realm);
  if (realmIdleListener !== null) realmIdleListener(realm);
}

// The records every call makes are record classes (internal:webidl), not {__proto__: null}
// literals, which V8 builds as dictionaries, one property at a time in its runtime.
const PendingCall = recordClass(class PendingCall {
  constructor(to, resolve, reject) {
    this.to = to;
    this.resolve = resolve;
    this.reject = reject;
  }
});

const CallRequest = recordClass(class CallRequest {  // a request served by a dynamic worker
  constructor(id, from, callId, trace, maxSubrequests) {
    this.id = id;
    this.from = from;
    this.callId = callId;
    this.trace = trace;
    this.done = false;
    this.subrequests = 0;
    this.maxSubrequests = maxSubrequests;
  }
});

const ResponseInitRecord = recordClass(class ResponseInitRecord {
  constructor(status, statusText, headers) {
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
  }
});

const StubHandler = recordClass(class StubHandler {  // a stub's Proxy handler: no other traps
  constructor(get, apply) {
    this.get = get;
    this.apply = apply;
  }
});

const Flag = recordClass(class Flag {
  constructor() { this.value = false; }
});

// What `released` holds for a stub: small (a record class, not a dictionary-mode literal), as it
// lives until a full GC whatever becomes of the stub.
const Release = recordClass(class Release {
  constructor(realm, cap, disposed) {
    this.realm = realm;
    this.cap = cap;
    this.disposed = disposed;
  }
});

function exportCapability(record, holder) {
  // Unguessable (api/rpc_ops.cc RpcExportId): knowing the number is holding the capability.
  let id = ops.rpcExportId();
  while (exportsTable.has(id)) id = ops.rpcExportId();
  record.holder = holder;
  exportsTable.set(id, record);
  return id;
}

// A stub's state; stubs themselves are Proxies, so user code never reaches this.
const stubInfo = primordials.makePrivateSlot();  // not a WeakMap: see makePrivateSlot
// Imported capabilities, counted per (realm, export number): dup() and repeated receipt share
// one export, which is released when the last stub for it is disposed or collected.
// realm -> (export number -> count): IdMaps, as the counts come and go with every stub received
// (see internal:id_map).
const importRefs = new IdMap();
function retainImport(info) {
  let counts = importRefs.get(info.realm);
  if (counts === undefined) {
    counts = new IdMap();
    importRefs.set(info.realm, counts);
  }
  const count = counts.get(info.cap) ?? 0;
  if (count === 0) useRealm(info.realm);
  counts.set(info.cap, count + 1);
}
function releaseImport(realm, cap) {
  const counts = importRefs.get(realm);
  const count = (counts?.get(cap) ?? 1) - 1;
  if (count > 0) {
    counts.set(cap, count);
    return;
  }
  if (counts !== undefined && counts.delete(cap) && counts.size === 0) importRefs.delete(realm);
  try {
    post(realm, { __proto__: null, t: 3, cap });
  } catch {
    // the realm is gone
  }
  unuseRealm(realm);
}
const released = new FinalizationRegistry((held) => {
  if (!held.disposed.value) releaseImport(held.realm, held.cap);
});

// The realm the snapshot warm-up (warmRpc) pretends to talk to: what is sent to it is dropped.
const kWarmRealm = -1;

function post(to, message) {
  if (to === kWarmRealm) return;
  ops.rpcPost(to, message);
}

ops.setHook('rpcRealmGone', (realm, reason) => {
  // Calls waiting on that realm can never be answered (`reason`: why it went, such as its
  // memory limit).
  pendingCalls.forEach((call, id) => {
    if (call.to !== realm) return;
    pendingCalls.delete(id);
    call.reject(new Error(reason ?? 'The Worker was unloaded while this call was in progress.'));
  });
  realmUse.delete(realm);
  retargetExports(realm, null);
});

// Exports recorded for holder `from` now belong to `to` (null: dropped).
export function retargetExports(from, to) {
  // (forEach skips what a stream's cancel, run by disposeExport, disposed of meanwhile.)
  exportsTable.forEach((record, id) => {
    if (record.holder !== from) return;
    if (to === null) disposeExport(id);
    else record.holder = to;
  });
}

function disposeExport(id) {
  const record = exportsTable.get(id);
  if (record === undefined) return;
  exportsTable.delete(id);
  if (record.kind === 'reader') {
    PromisePrototypeThen(record.reader.cancel(new Error('The RPC stream was dropped.')), undefined, () => {});
  } else if (record.kind === 'writer') {
    PromisePrototypeThen(record.writer.abort(new Error('The RPC stream was dropped.')), undefined, () => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding: values -> structured-clonable values with placeholders + a caps list.

function dataCloneError(value) {
  let type = 'Object';
  try {
    const proto = ObjectGetPrototypeOf(value);
    if (proto !== null && typeof proto.constructor === 'function' && typeof proto.constructor.name === 'string') {
      type = proto.constructor.name || 'Object';
    }
  } catch {
    // keep "Object"
  }
  return new DOMException(`Could not serialize object of type "${type}". This type does not ` +
    'support serialization.', 'DataCloneError');
}

class Encoder {
  constructor(to, options) {
    this.to = to;
    this.caps = [];
    this.seen = new SafeMap();
    this.allowUnspecialized = options?.allowUnspecialized === true;
  }

  cap(descriptor) {
    const index = this.caps.length;
    ArrayPrototypePush(this.caps, descriptor);
    return ops.rpcPlaceholder(index);
  }

  encode(value) {
    if (typeof value === 'function') {
      const info = stubInfo.get(value);
      if (info !== undefined) return this.stub(info);
      const id = exportCapability({ __proto__: null, kind: 'object', target: value }, this.to);
      return this.cap({ __proto__: null, k: 'stub', realm: myRealm, cap: id, fn: true });
    }
    if (typeof value !== 'object' || value === null) return value;
    const stub = stubInfo.get(value);  // a Fetcher (stubs of entrypoints are objects)
    if (stub !== undefined) return this.stub(stub);
    const prior = this.seen.get(value);
    if (prior !== undefined) return prior;
    if (ArrayIsArray(value)) {
      const out = new Array(value.length);
      this.seen.set(value, out);
      // Holes stay holes, as structured clone keeps them.
      for (let i = 0; i < value.length; i++) if (ObjectPrototypeHasOwnProperty(value, i)) out[i] = this.encode(value[i]);
      return out;
    }
    if (ArrayBufferIsView(value)) return value;
    const proto = ObjectGetPrototypeOf(value);
    if (proto === ObjectPrototype || proto === null) {
      const out = {};
      this.seen.set(value, out);
      const keys = ObjectKeys(value);
      for (let i = 0; i < keys.length; i++) setOwn(out, keys[i], this.encode(value[keys[i]]));
      return out;
    }
    if (isRequest(value)) return this.request(value);
    if (isResponse(value)) return this.response(value);
    if (value instanceof Headers) return this.cap({ __proto__: null, k: 'headers', list: headersList(value) });
    if (isReadableStreamObject(value)) return this.readable(value, false);
    if (isWritableStreamObject(value)) return this.writable(value);
    if (isRpcTarget(value)) {
      const id = exportCapability({ __proto__: null, kind: 'object', target: value }, this.to);
      return this.cap({ __proto__: null, k: 'stub', realm: myRealm, cap: id, fn: false });
    }
    if (value instanceof Map) {
      const out = new Map();
      this.seen.set(value, out);
      MapPrototypeForEach(value, (v, k) => { out.set(this.encode(k), this.encode(v)); });
      return out;
    }
    if (value instanceof Set) {
      const out = new Set();
      this.seen.set(value, out);
      SetPrototypeForEach(value, (v) => { out.add(this.encode(v)); });
      return out;
    }
    if (value instanceof Error) return this.cap({ __proto__: null, k: 'error', error: errorRecord(value) });
    if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer ||
        value instanceof Boolean || value instanceof Number || value instanceof String ||
        value instanceof BigInt) {
      return value;  // structured clone carries these
    }
    throw dataCloneError(value);
  }

  stub(info) {
    checkSendable(info, this.allowUnspecialized);
    if (info.entry !== null) {
      if (info.realm === myRealm) {
        // Our own entrypoint: the props stay here, the receiver gets a number.
        const id = exportCapability({ __proto__: null, kind: 'entry', name: info.entry, props: info.props }, this.to);
        return this.cap({ __proto__: null, k: 'stub', realm: myRealm, cap: id, fn: false, entry: info.entry,
          dynamic: dynamicRealm });
      }
    }
    return this.cap({ __proto__: null, k: 'stub', realm: info.realm, cap: info.cap, fn: info.fn,
      entry: info.entry, dynamic: info.dynamic });
  }

  // `owner.body` is read only when the bytes are not known up front: reading it makes a stream
  // from the source, after which the source could no longer be sent inline.
  body(bodyRecord, owner) {
    if (bodyRecord === null) return null;
    if (bodyRecord.stream === null && bodyRecord.source !== null && !bodyRecord.used) {
      bodyRecord.used = true;
      return bodyRecord.source;  // bytes known up front: copied inline
    }
    return this.readable(owner.body, true);
  }

  request(request) {
    const r = requestRecord(request);
    return this.cap({
      __proto__: null, k: 'request', url: r.url, method: r.method, headers: headersList(r.headers),
      redirect: r.redirect, body: this.body(r.body, request),
    });
  }

  response(response) {
    const r = responseRecord(response);
    return this.cap({
      __proto__: null, k: 'response', status: r.status, statusText: r.statusText,
      headers: headersList(r.headers), body: this.body(r.body, response),
    });
  }

  readable(stream, bytes) {
    const reader = stream.getReader();
    const id = exportCapability({ __proto__: null, kind: 'reader', reader }, this.to);
    return this.cap({ __proto__: null, k: 'readable', realm: myRealm, cap: id, bytes });
  }

  writable(stream) {
    const writer = stream.getWriter();
    const id = exportCapability({ __proto__: null, kind: 'writer', writer }, this.to);
    return this.cap({ __proto__: null, k: 'writable', realm: myRealm, cap: id });
  }
}

// Throws when the stub described by `info` may not leave this worker.
function checkSendable(info, allowUnspecialized) {
  if (info.disposed) throw new Error('RPC stub used after being disposed.');
  if (info.entry === null) return;
  if (info.dynamic) {
    throw new DOMException('An entrypoint of a dynamic worker cannot be sent to another worker.',
      'DataCloneError');
  }
  if (info.unspecialized && !allowUnspecialized) {
    throw new DOMException(`ctx.exports.${info.entry} must be specialized before it can be sent to ` +
      `another worker: pass ctx.exports.${info.entry}({props: {...}}) instead.`, 'DataCloneError');
  }
}

// A Fetcher's props are fixed when it is made, as workerd serializes them then: later changes to
// the caller's object are not seen, and props that could not be sent fail at once. Each call
// also gets its own copy (`ctx.props` is fresh per request context). Plain data is copied;
// stubs, functions and RpcTargets are capabilities and stay shared.
export function snapshotProps(props) {
  if (props === undefined || props === null) return {};
  return copyProps(props, null);
}

// `seen`: copies made so far by value, to keep identities and cycles; made when the first
// object with contents is met (the usual props, {}, need none).
function copyProps(value, seen) {
  const info = stubInfo.get(value);  // functions and objects (Fetchers) alike
  if (info !== undefined) {
    checkSendable(info, false);
    return value;
  }
  if (typeof value === 'function') return value;
  if (typeof value !== 'object' || value === null) return value;
  const prior = seen === null ? undefined : seen.get(value);
  if (prior !== undefined) return prior;
  if (ArrayIsArray(value)) {
    const out = new Array(value.length);
    seen ??= new SafeMap();
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) if (ObjectPrototypeHasOwnProperty(value, i)) out[i] = copyProps(value[i], seen);
    return out;
  }
  const proto = ObjectGetPrototypeOf(value);
  if (proto === ObjectPrototype || proto === null) {
    const out = proto === null ? { __proto__: null } : {};
    if (seen !== null) seen.set(value, out);
    const keys = ObjectKeys(value);
    if (keys.length > 0 && seen === null) {
      seen = new SafeMap();
      seen.set(value, out);
    }
    for (let i = 0; i < keys.length; i++) setOwn(out, keys[i], copyProps(value[keys[i]], seen));
    return out;
  }
  if (isRpcTarget(value) || isRequest(value) || isResponse(value) || value instanceof Headers ||
      isReadableStreamObject(value) || isWritableStreamObject(value)) {
    return value;  // sent as a capability or a copy of its own when a call carries the props
  }
  if (value instanceof Map) {
    const out = new Map();
    seen ??= new SafeMap();
    seen.set(value, out);
    MapPrototypeForEach(value, (v, k) => { out.set(copyProps(k, seen), copyProps(v, seen)); });
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen ??= new SafeMap();
    seen.set(value, out);
    SetPrototypeForEach(value, (v) => { out.add(copyProps(v, seen)); });
    return out;
  }
  if (value instanceof Error || value instanceof Date || value instanceof RegExp ||
      value instanceof ArrayBuffer || ArrayBufferIsView(value) || value instanceof Boolean ||
      value instanceof Number || value instanceof String || value instanceof BigInt) {
    const out = ops.structuredClone(value, undefined);
    if (seen !== null) seen.set(value, out);
    return out;
  }
  throw dataCloneError(value);
}

export function errorRecord(error) {
  let name = 'Error', message = '', stack;
  try { name = String(error.name); } catch { /* keep */ }
  try { message = String(error.message); } catch { /* keep */ }
  try { stack = typeof error.stack === 'string' ? error.stack : undefined; } catch { /* none */ }
  return { __proto__: null, name, message, stack, domException: error instanceof DOMException };
}

const errorTypes = {
  __proto__: null, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

export function errorFromRecord(record, remote) {
  let error;
  if (record.domException) {
    error = new DOMException(record.message, record.name);
  } else {
    const Ctor = errorTypes[record.name] ?? Error;
    error = new Ctor(record.message);
    if (error.name !== record.name) {
      ObjectDefineProperty(error, 'name', {
        __proto__: null, value: record.name, writable: true, enumerable: false, configurable: true,
      });
    }
  }
  if (record.stack !== undefined) {
    ObjectDefineProperty(error, 'stack', {
      __proto__: null, value: record.stack, writable: true, enumerable: false, configurable: true,
    });
  }
  if (remote) error.remote = true;
  return error;
}


function encodeMessage(to, value, options) {
  const encoder = new Encoder(to, options);
  const encoded = encoder.encode(value);
  return [encoded, encoder.caps];
}

// ---------------------------------------------------------------------------------------------
// Decoding.

function decodeMessage(from, value, caps) {
  if (caps === undefined || caps.length === 0) return value;
  return replacePlaceholders(value, caps.length, (index, replace) => materialize(from, caps[index], replace));
}

// Replaces, in place, each placeholder inside a value V8's deserializer just made (through
// arrays, Maps, Sets and plain objects) with build(index, replace), built once per index so
// identity is kept. The one walk behind RPC decoding and structuredClone's platform objects
// (internal:structured_clone). Array holes stay holes.
export function replacePlaceholders(value, count, build) {
  const built = new Array(count);
  const visited = new SafeSet();
  const replace = (v) => {
    if (typeof v !== 'object' || v === null || ArrayBufferIsView(v)) return v;
    const index = ops.rpcPlaceholderIndex(v);
    if (index >= 0) {
      built[index] ??= build(index, replace);
      return built[index];
    }
    if (visited.has(v)) return v;
    visited.add(v);
    if (v instanceof Map) {
      const entries = [];
      MapPrototypeForEach(v, (val, key) => { ArrayPrototypePush(entries, [key, val]); });
      v.clear();
      for (let i = 0; i < entries.length; i++) v.set(replace(entries[i][0]), replace(entries[i][1]));
    } else if (v instanceof Set) {
      const items = [];
      SetPrototypeForEach(v, (val) => { ArrayPrototypePush(items, val); });
      v.clear();
      for (let i = 0; i < items.length; i++) v.add(replace(items[i]));
    } else {
      const keys = ObjectKeys(v);  // array indices too, without the holes
      for (let i = 0; i < keys.length; i++) {
        const old = v[keys[i]];
        const now = replace(old);
        if (now !== old) setOwn(v, keys[i], now);
      }
    }
    return v;
  };
  return replace(value);
}

// A header list another realm sent ([name, value, ...], as headersList() gives). The sender
// may be hostile: a sparse array of length 2^32-2 is a few bytes on the wire, and walking it
// blocked the loop every worker shares for seconds and then ran the process out of memory, so
// its shape is checked before anything walks it.
const kMaxHeaderListLength = 2 * 10000;
function checkedHeaderList(flat) {
  let ok = ArrayIsArray(flat) && flat.length % 2 === 0 && flat.length <= kMaxHeaderListLength;
  for (let i = 0; ok && i < flat.length; i++) ok = typeof flat[i] === 'string';
  if (!ok) throw new TypeError('Invalid RPC message: a header list must be an even-length array of strings.');
  return flat;
}

function headerPairs(flat) {
  checkedHeaderList(flat);
  const pairs = [];
  for (let i = 0; i + 1 < flat.length; i += 2) ArrayPrototypePush(pairs, [flat[i], flat[i + 1]]);
  return pairs;
}

// A realm id or export number in a message: a non-negative safe integer. Only a realm that
// posts raw messages can send anything else; it gets this error, not a table's (internal:id_map
// takes only such numbers as keys, and would spread others poorly).
function checkedId(value) {
  if (!isId(value)) {
    throw new TypeError('Invalid RPC message: a capability names its realm and number with non-negative integers.');
  }
  return value;
}

function materialize(from, d, resolve) {
  switch (d.k) {
    case 'stub':
      return makeStub({ realm: checkedId(d.realm), cap: checkedId(d.cap), fn: d.fn, entry: d.entry ?? null, props: undefined,
        dynamic: d.dynamic === true, unspecialized: false });
    case 'headers':
      return new Headers(headerPairs(d.list));
    case 'error':
      return errorFromRecord(d.error, false);
    case 'readable':
      return remoteReadable(checkedId(d.realm), checkedId(d.cap), d.bytes);
    case 'writable':
      return remoteWritable(checkedId(d.realm), checkedId(d.cap));
    case 'request':
      return requestFromParts(d.url, d.method, d.headers, d.redirect, resolve(d.body));
    case 'response':
      return responseFromParts(d.status, d.statusText, d.headers, resolve(d.body));
    default:
      throw new TypeError(`Unknown RPC capability kind: ${d.k}`);
  }
}

// A Request or Response as another realm described it (`headers` flat, `body` decoded), with
// the checks of their constructors: the sender may be hostile.
function requestFromParts(url, method, headers, redirect, body) {
  // Strings, not objects that behave like them (an Array passes a length-and-charCodeAt check
  // while its joined text says something else).
  if (typeof url !== 'string' || typeof method !== 'string') {
    throw new TypeError('Invalid RPC message: a request\'s url and method must be strings.');
  }
  if (redirect === 'follow' && (body === null || isReadableStreamObject(body))) {
    // The common case, built directly: the URL and headers come from a Request already.
    return createIncomingRequest(method, url, checkedHeaderList(headers), body, createAbortSource());
  }
  const init = new RequestInitParts(method, headerPairs(headers), redirect);
  if (body !== null && body !== undefined) {
    init.body = body;
    init.duplex = 'half';
  }
  return new Request(url, init);
}

function responseFromParts(status, statusText, headers, body) {
  if (status === 0) return Response.error();
  return new Response(body ?? null, new ResponseInitRecord(status, statusText, headerPairs(headers)));
}

// Open streams reading from another realm count as a use of it until they end, are canceled,
// or are collected unread.
const readableUses = new FinalizationRegistry((held) => { if (!held.ended) { held.ended = true; unuseRealm(held.realm); } });

function remoteReadable(realm, cap, bytes) {
  let done = false;
  const use = { __proto__: null, realm, ended: false };
  const end = () => {
    if (use.ended) return;
    use.ended = true;
    // Registered streams outlive V8 10.2's minor GCs until a full GC (see fetch.js's
    // unreadBodies): one that ended needs no finalizer.
    FinalizationRegistryPrototypeUnregister(readableUses, use);
    unuseRealm(realm);
  };
  const source = {
    __proto__: null,
    pull(controller) {
      return PromisePrototypeThen(call(realm, cap, 'read', [], []), (result) => {
        if (result.done) {
          done = true;
          end();
          controller.close();
          return;
        }
        const chunk = result.value;
        if (bytes) {
          if (!ArrayBufferIsView(chunk)) {
            // The stream errors: the sender's reader is canceled, and this realm's use of the
            // sender ends (it would otherwise last until the stream was collected).
            source.cancel(undefined);
            throw new TypeError('A body chunk sent over RPC was not a Uint8Array.');
          }
          if (chunk.byteLength > 0) controller.enqueue(chunk);
        } else {
          controller.enqueue(chunk);
        }
      }, (error) => {
        end();
        throw error;
      });
    },
    cancel(reason) {
      if (done) return undefined;
      done = true;
      return PromisePrototypeThen(call(realm, cap, 'cancel', [reason], []), end, end);
    },
  };
  if (bytes) source.type = 'bytes';
  const { ReadableStream } = streams();
  const stream = new ReadableStream(source);
  if (realm !== kWarmRealm) {
    useRealm(realm);
    FinalizationRegistryPrototypeRegister(readableUses, stream, use, use);
  }
  return stream;
}

function remoteWritable(realm, cap) {
  const { WritableStream } = streams();
  return new WritableStream({
    __proto__: null,
    write(chunk) { return call(realm, cap, 'write', [chunk], []); },
    close() { return call(realm, cap, 'close', [], []); },
    abort(reason) { return PromisePrototypeThen(call(realm, cap, 'abort', [reason], []), undefined, () => {}); },
  });
}

// ---------------------------------------------------------------------------------------------
// Flat messages. A fetch call whose Request, and a reply whose Response, has no body or a body
// of known bytes (what nearly every request to a warm worker and every gateway fetch is) travels
// as one dense array of primitives instead of an object with a caps list: no Encoder, no
// placeholders to make and replace, and V8's serializer copies a flat array for a fraction of
// what nested objects cost it. The receiver builds the Request or Response the general path
// builds (requestFromParts, responseFromParts), with the same checks. Anything else (a stream
// body, props to carry, other arguments) takes the general path.
//   [kFetchCall, id, cap, entry, lim, url, method, headers, redirect, body]
//   [kFetchReply, id, status, statusText, headers, body]
const kFetchCall = 4;
const kFetchReply = 5;

// A body the flat messages can carry: null (none) or its bytes, sent inline as Encoder.body
// sends them; undefined when it needs a stream.
function flatBody(bodyRecord) {
  if (bodyRecord === null) return null;
  if (bodyRecord.stream === null && bodyRecord.source !== null && !bodyRecord.used) return bodyRecord.source;
  return undefined;
}

// Props the general path would send as an empty plain object.
function isEmptyProps(props) {
  if (typeof props !== 'object' || props === null) return false;
  const proto = ObjectGetPrototypeOf(props);
  return (proto === ObjectPrototype || proto === null) && ObjectKeys(props).length === 0 &&
    stubInfo.get(props) === undefined;
}

function fetchCallMessage(id, cap, args, entry, props, limits) {
  if (args.length !== 1 || !isRequest(args[0])) return null;
  if (entry !== undefined && !isEmptyProps(props)) return null;
  const request = args[0];
  const r = requestRecord(request);
  const body = flatBody(r.body);
  if (body === undefined) return null;
  const headers = headersList(r.headers);
  if (body !== null) r.body.used = true;
  return [kFetchCall, id, cap, entry ?? null, limits, r.url, r.method, headers, r.redirect, body];
}

function fetchReplyMessage(id, response) {
  const r = responseRecord(response);
  const body = flatBody(r.body);
  if (body === undefined) return null;
  const headers = headersList(r.headers);
  if (body !== null) r.body.used = true;
  return [kFetchReply, id, r.status, r.statusText, headers, body];
}

// The call a kFetchCall message makes, in the general message's terms (onCall). Not a
// null-prototype literal, which V8 builds as a dictionary, property by property in its runtime:
// every field is an own property, so nothing is looked up on Object.prototype.
function fetchCallRecord(parts) {
  return { t: 1, id: parts[1], cap: parts[2], kind: 'fetch', path: [], args: null, caps: null,
    entry: parts[3], lim: parts[4] };
}

// What decodeMessage gives for the general message's arguments: [request], or
// [[request], props] for an entrypoint.
function fetchCallArgs(message, parts) {
  const request = requestFromParts(parts[5], parts[6], parts[7], parts[8], parts[9]);
  return message.entry !== null ? [[request], {}] : [request];
}

// ---------------------------------------------------------------------------------------------
// Calls.

// Sends one call; `target` is an export number (cap) or, for entrypoints, 0 with `entry`.
// kind: 'call' (method at `path` with args), 'get' (property at `path`), 'fetch', 'connect',
// 'read'/'cancel'/'write'/'close'/'abort' (streams).
function call(realmOrNull, cap, kind, args, path, entry, props, ready, limits = null) {
  const send = (realm) => new Promise((resolve, reject) => {
    const id = nextCall++;
    let message;
    try {
      message = kind === 'fetch' ? fetchCallMessage(id, cap, args, entry, props, limits) : null;
      if (message === null) {
        const [encodedArgs, caps] = encodeMessage(realm, entry === undefined ? args : [args, props]);
        message = { __proto__: null, t: 1, id, cap, kind, path, args: encodedArgs, caps,
          entry: entry ?? null, lim: limits };
      }
      pendingCalls.set(id, new PendingCall(realm, resolve, reject));
      useRealm(realm);
      post(realm, message);
    } catch (error) {
      if (pendingCalls.delete(id)) unuseRealm(realm);
      reject(error);
    }
  });
  // A worker still starting (or to be reloaded after eviction) says where to send once ready;
  // a running one gives its realm id at once (no promise reaction on the way).
  if (ready !== undefined && ready !== null) {
    const where = ready();
    return typeof where === 'number' ? send(where) : PromisePrototypeThen(where, send);
  }
  return send(realmOrNull);
}

function reply(to, id, ok, value) {
  let message;
  try {
    if (ok) {
      message = isResponse(value) ? fetchReplyMessage(id, value) : null;
      if (message === null) {
        const [encoded, caps] = encodeMessage(to, value);
        message = { __proto__: null, t: 2, id, ok: true, value: encoded, caps };
      }
    } else {
      message = { __proto__: null, t: 2, id, ok: false, error: errorRecord(value) };
    }
  } catch (error) {
    message = { __proto__: null, t: 2, id, ok: false, error: errorRecord(error) };
  }
  post(to, message);
}

const onMessage = (from, message) => {
  if (ArrayIsArray(message)) {
    switch (message[0]) {
      case kFetchCall: return onCall(from, fetchCallRecord(message), message);
      case kFetchReply: return onReturn(from, null, message);
      default: return undefined;
    }
  }
  switch (message.t) {
    case 1: return onCall(from, message);
    case 2: return onReturn(from, message);
    case 3: return disposeExport(message.cap);
    default: return undefined;
  }
};
ops.setHook('rpcMessage', onMessage);
// Only C++ delivers an init message, once, from the creator (api/rpc_ops.h DeliverRpcInit).
ops.setHook('rpcInit', onInit);

// `parts`: a kFetchReply message (then `message` is null), or null.
function onReturn(from, message, parts = null) {
  const id = parts === null ? message.id : parts[1];
  const pending = pendingCalls.get(id);
  // Only the realm a call went to answers it: call ids are sequential, and a reply from any
  // other realm (one that guessed an id) must not settle another worker's call.
  if (pending === undefined || pending.to !== from) return;
  pendingCalls.delete(id);
  // The call's use of the realm ends after its result is decoded: what the result holds from
  // that realm (a stream, a stub) is a use of its own, counted while decoding.
  try {
    if (parts !== null || message.ok) {
      let value;
      try {
        value = parts === null ? decodeMessage(from, message.value, message.caps)
          : responseFromParts(parts[2], parts[3], parts[4], parts[5]);
      } catch (error) {
        pending.reject(error);
        return;
      }
      pending.resolve(value);
    } else {
      pending.reject(errorFromRecord(message.error, true));
    }
  } finally {
    unuseRealm(pending.to);
  }
}

// A call that names an entrypoint (rather than an export number) comes from this worker's
// creator (WorkerStub.getEntrypoint) or from this realm itself (ctx.exports): other realms
// reach entrypoints only through the capabilities they were given, whose props were bound
// when those were made. Without this, a realm able to post raw messages could call the
// loader's Gateway entrypoint with the props (a tenant id) of its choice.
const kNotYourEntrypoint = 'Entrypoints of this worker can only be called by its creator.';

// `parts`: the kFetchCall message `message` stands for, or null.
function onCall(from, message, parts = null) {
  if (message.entry !== null && from !== myRealm && (!dynamicRealm || from !== creatorRealm)) {
    reply(from, message.id, false, new Error(kNotYourEntrypoint));
    return;
  }
  let result;
  const trace = tails.length > 0 && (message.entry !== null || exportsTable.get(message.cap)?.kind === 'entry')
    ? startTrace(message, parts) : null;
  // In a dynamic worker every call of user code is a request with its own limits (loader.md
  // section 5); the steps of a stream are not (their CPU is limited per turn).
  const kind = message.entry !== null ? 'entry' : exportsTable.get(message.cap)?.kind;
  const request = workerLimits === null || (kind !== 'entry' && kind !== 'object')
    ? null : beginRequest(from, message, trace);
  try {
    const decoded = parts === null ? decodeMessage(from, message.args, message.caps)
      : fetchCallArgs(message, parts);
    if (message.entry !== null) {
      result = invokeEntrypoint(message.entry, decoded[1], message.kind, message.path, decoded[0], from);
    } else {
      const record = exportsTable.get(message.cap);
      if (record === undefined) throw new Error('RPC stub used after being disposed.');
      if (record.kind === 'entry') {
        result = invokeEntrypoint(record.name, freshProps(record.props), message.kind, message.path,
          decoded, from);
      } else {
        result = invokeExport(message.cap, record, message.kind, message.path, decoded);
      }
    }
    PromisePrototypeThen(PromiseResolve(result), (value) => {
      complete(from, message.id, trace, request, true, value);
    }, (error) => {
      complete(from, message.id, trace, request, false, error);
    });
  } catch (error) {
    complete(from, message.id, trace, request, false, error);
  } finally {
    if (request !== null) ops.requestEnter(0);
  }
}

function complete(from, id, trace, request, ok, value) {
  if (request !== null && request.done) return;  // already failed by a limit
  if (trace !== null) {
    if (ok) finishTrace(trace, undefined, value);
    else finishTrace(trace, value, undefined);
  }
  // Encoding the result runs the worker's code (getters): still within the request's limits, so
  // the request ends only once its reply is on its way.
  reply(from, id, ok, value);
  if (request !== null) endRequest(request);
}

// ---------------------------------------------------------------------------------------------
// Requests and their limits (loader.md section 5), in a dynamic worker. CPU time is measured
// and enforced in C++ (jsg/limits.h), and so is the wall-clock limit: C++ calls
// `requestLimitExceeded`; the request's number
// is the continuation-preserved embedder data of its JS (ops.requestEnter), so its promise
// reactions and timers (internal:timers) carry it. Subrequests and hang detection are here.

let workerLimits = null;  // { cpuMs, subRequests, wallMs } from the init message
const requests = new IdMap();  // request number -> record
const kDefaultSubrequests = 50;
// No response after this long fails the request, whatever it waits on (a gateway that never
// answers, a server that never responds). Workers have no such default; a limit keeps a
// forgotten request from holding its caller forever.
const kDefaultWallMs = 30000;
const kHung = "The Workers runtime canceled this request because it detected that your Worker's " +
  'code had hung and would never generate a response. Refer to: ' +
  'https://developers.cloudflare.com/workers/observability/errors/';

// getEntrypoint(name, {limits}) may only lower the worker's limits.
function lower(mine, asked) {
  if (typeof asked !== 'number' || !(asked > 0)) return mine;
  return mine === undefined || asked < mine ? asked : mine;
}

function beginRequest(from, message, trace) {
  const lim = message.lim;
  // A connect() handler lasts as long as its connection: only an explicit limit applies.
  const wallMs = lower(workerLimits.wallMs, lim?.wallMs) ?? (message.kind === 'connect' ? 0 : kDefaultWallMs);
  const id = ops.requestBegin(lower(workerLimits.cpuMs, lim?.cpuMs) ?? 0, wallMs);
  if (id === 0) return null;  // a realm without limits (the snapshot's warm-up)
  const request = new CallRequest(id, from, message.id, trace,
    lower(workerLimits.subRequests, lim?.subRequests) ?? kDefaultSubrequests);
  requests.set(id, request);
  ops.requestEnter(id);
  return request;
}

// The last kEndedKept requests that have ended: what they left running (a timer, a stream)
// still counts its subrequests against them. `endedOrder` is a ring of them, oldest at
// `endedNext` once full: taking the oldest from the Map itself (ended.keys().next()) walked
// the deleted entries at the front of its table, about a thousand of them, every request.
const ended = new IdMap();
const kEndedKept = 1000;
// Grown by copying into filled arrays, never by push: a push would hand each record to setters
// for indices that user code may have put on Array.prototype (setting `done`, or raising
// `maxSubrequests`).
let endedOrder = filledArray(0);
let endedCount = 0;
let endedNext = 0;

function endRequest(request) {
  request.done = true;
  requests.delete(request.id);
  ops.requestEnd(request.id);
  if (endedCount < kEndedKept) {
    if (endedCount === endedOrder.length) {
      const bigger = filledArray(MathMin(kEndedKept, MathMax(16, endedCount * 2)));
      for (let i = 0; i < endedCount; i++) bigger[i] = endedOrder[i];
      endedOrder = bigger;
    }
    endedOrder[endedCount++] = request;
  } else {
    const oldest = endedOrder[endedNext];
    if (ended.get(oldest.id) === oldest) ended.delete(oldest.id);
    endedOrder[endedNext] = request;
    endedNext = (endedNext + 1) % kEndedKept;
  }
  ended.set(request.id, request);
}

// The request fails with `error` now; nothing it left behind (timers) runs again.
function failRequest(request, error) {
  if (request.done) return;
  endRequest(request);
  cancelRequestTimers(request.id);
  if (request.trace !== null) finishTrace(request.trace, error, undefined);
  reply(request.from, request.callId, false, error);
}

ops.setHook('requestLimitExceeded', (id, message) => {
  const request = requests.get(id);
  if (request !== undefined) {
    failRequest(request, new Error(message));
  } else {
    // JS that ran for no request (a timer left by a finished one): nobody to fail.
    ops.log('error', `Uncaught Error: ${message}`);
  }
});

// After a turn that ends with requests in flight: if nothing could ever wake this isolate
// again (no timer but the wall-clock limits, no fetch, socket or call in progress, no stream
// or object of this worker that another one could still call), they are hung, as workerd says.
function mayBeCalledBack() {
  let found = false;
  exportsTable.forEach((record) => { if (record.kind !== 'entry') found = true; });
  return found;
}

ops.setHook('requestsCheckHung', () => {
  if (requests.size === 0 || pendingCalls.size > 0 || ops.hasPendingIo() ||
      mayBeCalledBack()) {
    return;
  }
  requests.forEach((request) => failRequest(request, new Error(kHung)));
});

// Subrequests of code that runs for no request known here (the top level, or what a long
// forgotten request left running) share one budget for the worker's life.
let unattributedSubrequests = 0;

function chargeSubrequest() {
  const id = ops.requestCurrent();
  const request = requests.get(id) ?? ended.get(id);
  if (request === undefined) {
    if (++unattributedSubrequests > (workerLimits.subRequests ?? kDefaultSubrequests)) {
      throw new Error('Too many subrequests.');
    }
    return;
  }
  if (++request.subrequests > request.maxSubrequests) throw new Error('Too many subrequests.');
}

// ---------------------------------------------------------------------------------------------
// Tail workers (loader.md section 3, `tails`): after each call into this worker's entrypoints,
// every tail Fetcher gets tail([item]) with the call's event, console logs, uncaught exceptions
// and outcome. Without async context tracking, output is attributed to the most recently
// started call still in progress (exact when calls do not overlap).

let tails = [];
const activeTraces = [];

function startTrace(message, parts) {
  let event;
  if (message.kind === 'fetch') {
    const request = (message.entry !== null ? decodedRequestOf(message, parts) : null);
    event = { __proto__: null, request };
  } else {
    event = { __proto__: null, rpcMethod: ArrayPrototypeJoin(message.path, '.') };
  }
  const trace = {
    __proto__: null,
    eventTimestamp: DateNow(),
    entrypoint: message.entry ?? exportsTable.get(message.cap)?.name ?? null,
    event,
    logs: [],
    exceptions: [],
    outcome: 'unknown',
  };
  ArrayPrototypePush(activeTraces, trace);
  return trace;
}

// The request of a fetch call, described for tails, read from the message without consuming
// its body.
function decodedRequestOf(message, parts) {
  if (parts !== null) return traceRequest(parts[5], parts[6], parts[7]);
  const caps = message.caps;
  for (let i = 0; i < caps.length; i++) {
    if (caps[i].k === 'request') return traceRequest(caps[i].url, caps[i].method, caps[i].headers);
  }
  return null;
}

function traceRequest(url, method, flat) {
  const headers = {};
  // setOwn: a header named __proto__ is a header like any other, not the object's prototype.
  for (let j = 0; j + 1 < flat.length; j += 2) setOwn(headers, flat[j], flat[j + 1]);
  return { __proto__: null, url, method, headers };
}

function currentTrace() {
  return activeTraces.length === 0 ? null : activeTraces[activeTraces.length - 1];
}

setConsoleTap((level, text) => {
  const trace = currentTrace();
  if (trace !== null) ArrayPrototypePush(trace.logs, { __proto__: null, level, message: [text], timestamp: DateNow() });
});

export function traceUncaught(error) {
  const trace = currentTrace();
  if (trace !== null) ArrayPrototypePush(trace.exceptions, exceptionItem(error));
}

function exceptionItem(error) {
  const record = errorRecord(error);
  return { __proto__: null, name: record.name, message: record.message, stack: record.stack, timestamp: DateNow() };
}

function finishTrace(trace, error, value) {
  const index = ArrayPrototypeIndexOf(activeTraces, trace);
  if (index >= 0) ArrayPrototypeSplice(activeTraces, index, 1);
  if (error !== undefined) {
    trace.outcome = 'exception';
    ArrayPrototypePush(trace.exceptions, exceptionItem(error));
  } else {
    trace.outcome = 'ok';
    if (trace.event.request !== undefined && isResponse(value)) {
      trace.event.response = { __proto__: null, status: responseRecord(value).status };
    }
  }
  const items = [{ ...trace }];
  for (let i = 0; i < tails.length; i++) {
    PromisePrototypeThen(stubCall(stubInfo.get(tails[i]), 'call', ['tail'], [items]), undefined, (e) => {
      ops.log('error', `A tail worker failed: ${e?.message ?? e}`);
    });
  }
}

// Each call sees its own copy of the props it was made with.
function freshProps(props) {
  return snapshotProps(props);
}

// Names refused before any lookup, whether or not the receiver has them (as workerd). On an
// entrypoint, fetch and connect have their own events and the Durable Object handlers are kept
// for later; every receiver refuses `constructor` (all classes have one) and `dup` (the stub's
// own method). RpcTargets and functions may have methods named fetch or connect.
const reservedOnEntrypoint = new SafeSet([
  'fetch', 'connect', 'constructor', 'dup', 'alarm', 'webSocketMessage', 'webSocketClose',
  'webSocketError',
]);
const reservedOnTarget = new SafeSet(['constructor', 'dup']);

function noSuchMethod(name) {
  return new TypeError(`The RPC receiver does not implement the method "${name}".`);
}

// Member `name` of `holder` on an RPC path, with workerd's visibility rules: plain objects and
// functions expose their own properties only; class instances (entrypoints, RpcTargets) only
// what their classes define: no own properties (this.env, this.ctx, fields), nothing from
// Object.prototype. Stubs met on the way are descended into (their members are remote calls).
function member(holder, name, reserved) {
  if (typeof name !== 'string') throw noSuchMethod(String(name));
  if (reserved.has(name)) throw new TypeError(`'${name}' is a reserved method and cannot be called over RPC.`);
  if (holder === null || (typeof holder !== 'object' && typeof holder !== 'function')) {
    throw noSuchMethod(name);
  }
  if (stubInfo.get(holder) !== undefined) return holder[name];
  const proto = ObjectGetPrototypeOf(holder);
  if (typeof holder === 'function' || proto === ObjectPrototype || proto === null || ArrayIsArray(holder)) {
    if (!ObjectPrototypeHasOwnProperty(holder, name)) throw noSuchMethod(name);
    return holder[name];
  }
  if (!isRpcTarget(holder)) throw noSuchMethod(name);
  if (ObjectPrototypeHasOwnProperty(holder, name)) throw noSuchMethod(name);
  const value = holder[name];
  if (value === undefined || value === ObjectPrototype[name]) throw noSuchMethod(name);
  return value;
}

// Follows `path` from `target`; returns [holder, value] for the last member.
function walk(target, path, reserved) {
  let holder = target;
  let value = target;
  for (let i = 0; i < path.length; i++) {
    holder = value;
    value = member(holder, path[i], reserved);
  }
  return [holder, value];
}

// A plain-object handler gets (arg, env, ctx), as workerd: exactly one argument from the caller,
// and the function may declare no more than those three parameters.
function callWithEnvCtx(fn, holder, name, args, env, ctx) {
  const arity = fn.length;
  if (typeof arity !== 'number' || !(arity >= 0 && arity < 256)) {
    throw new TypeError(`RPC function has unreasonable length attribute: ${String(arity)}`);
  }
  if (arity > 3) {
    throw new TypeError(`Cannot call handler function "${name}" over RPC because it has the wrong ` +
      'number of arguments. A simple function handler can only be called over RPC if it has ' +
      'exactly the arguments (arg, env, ctx), where only the first argument comes from the ' +
      'client. To support multi-argument RPC functions, use class-based syntax (extending ' +
      'WorkerEntrypoint) instead.');
  }
  if (args.length !== 1) {
    throw new TypeError(`Attempted to call RPC function "${name}" with the wrong number of ` +
      'arguments. When calling a top-level handler function that is not declared as part of a ' +
      'class, you must always send exactly one argument. In order to support variable numbers ' +
      'of arguments, the server must use class-based syntax (extending WorkerEntrypoint) instead.');
  }
  return ReflectApply(fn, holder, [args[0], env, ctx]);
}

function resolveEntrypoint(name) {
  const key = name === null || name === undefined ? 'default' : name;
  const ns = mainNamespace;
  const value = ns === null ? undefined : ns[key];
  if (value === undefined) {
    if (key === 'default') throw new Error('Worker has no default entrypoint.');
    throw new Error(`Worker has no such entrypoint: ${key}`);
  }
  return value;
}

function isClass(value) {
  return typeof value === 'function' && value.prototype !== undefined &&
    (value === WorkerEntrypoint || value.prototype instanceof WorkerEntrypoint ||
     value.prototype instanceof RpcTarget);
}

function invokeEntrypoint(name, props, kind, path, args, from) {
  const exported = resolveEntrypoint(name);
  const ctx = createContext(props ?? {});
  const env = workerEnv;
  let target;
  let plain = false;
  if (isClass(exported)) {
    target = new exported(ctx, env);
  } else if (typeof exported === 'object' && exported !== null) {
    target = exported;
    plain = true;
  } else if (name === null || name === undefined || name === 'default') {
    throw new Error('Worker has no default entrypoint.');
  } else {
    throw new Error(`Worker has no such entrypoint: ${name}`);
  }
  if (kind === 'fetch') {
    const handler = target.fetch;
    if (typeof handler !== 'function') {
      throw new TypeError('Handler does not export a fetch() function.');
    }
    const request = args[0];
    return PromisePrototypeThen(PromiseResolve(plain ? ReflectApply(handler, target, [request, env, ctx])
      : ReflectApply(handler, target, [request])), (response) => {
      if (!isResponse(response)) {
        throw new TypeError('Incorrect type for Promise: the Promise did not resolve to \'Response\'.');
      }
      return response;
    });
  }
  if (kind === 'connect') return acceptConnect(target, plain, args[0], env, ctx);
  // RPC: a path of members under the entrypoint's rules.
  if (path.length === 0) {
    throw new TypeError(kind === 'get' ? 'An entrypoint cannot be awaited.' : 'An entrypoint cannot be called.');
  }
  const [holder, value] = walk(target, path, reservedOnEntrypoint);
  if (kind === 'get') return value;
  const method = ArrayPrototypeJoin(path, '.');  // workerd names the method by its whole path
  if (typeof value !== 'function') throw new TypeError(`"${method}" is not a function.`);
  // A plain-object export gets env and ctx as arguments wherever the method is (as workerd).
  if (plain) return callWithEnvCtx(value, holder, method, args, env, ctx);
  return ReflectApply(value, holder, args);
}

function invokeExport(id, record, kind, path, args) {
  switch (record.kind) {
    case 'reader':
      if (kind === 'read') {
        return PromisePrototypeThen(record.reader.read(), (result) => {
          if (result.done) exportsTable.delete(id);
          return { __proto__: null, done: result.done, value: result.value };
        }, (error) => { exportsTable.delete(id); throw error; });
      }
      if (kind === 'cancel') {
        exportsTable.delete(id);
        return record.reader.cancel(args[0]);
      }
      break;
    case 'writer':
      if (kind === 'write') return record.writer.write(args[0]);
      if (kind === 'close') { exportsTable.delete(id); return record.writer.close(); }
      if (kind === 'abort') { exportsTable.delete(id); return record.writer.abort(args[0]); }
      break;
    case 'object': {
      const target = record.target;
      // A sandbox's egress (internal:sandbox), the globalOutbound of its workloads: their
      // fetch() and connect() arrive as calls of these kinds.
      if (path.length === 0 && (kind === 'fetch' || kind === 'connect') && egressTargets.has(target)) {
        return kind === 'fetch' ? target.fetch(args[0]) : target.connect(args[0]);
      }
      if (typeof target === 'function' && path.length === 0) {
        if (kind === 'call') return ReflectApply(target, undefined, args);
        throw new TypeError('A function stub cannot be read as a property.');
      }
      const [holder, value] = walk(target, path, reservedOnTarget);
      if (kind === 'get') return value;
      if (typeof value !== 'function') throw new TypeError(`"${ArrayPrototypeJoin(path, '.')}" is not a function.`);
      return ReflectApply(value, holder, args);
    }
    default:
      break;
  }
  throw new TypeError(`This RPC capability does not support '${kind}'.`);
}

// RpcTargets that answer a worker's fetch() and connect() as its globalOutbound.
const egressTargets = new SafeWeakSet();
export function markEgressTarget(target) { egressTargets.add(target); }

// ---------------------------------------------------------------------------------------------
// Stubs and Fetchers.

function stubCall(info, kind, path, args) {
  if (info.disposed) return PromiseReject(new Error('RPC stub used after being disposed.'));
  if (info.entry !== null && (info.cap === 0)) {
    return call(info.realm, 0, kind, args, path, info.entry, info.props, info.ready, info.limits ?? null);
  }
  return call(info.realm, info.cap, kind, args, path, undefined, undefined, info.ready);
}

// A callable, awaitable reference to `path` on a stub: calling it calls the method, awaiting it
// reads the property. Its own properties continue the path (promise pipelining).
function pathRef(info, path) {
  let got = null;
  const property = () => {
    if (got === null) got = stubCall(info, 'get', path, []);
    return got;
  };
  return new Proxy(function rpcProperty() {}, {
    __proto__: null,
    get(target, prop) {
      if (prop === 'then') return (a, b) => PromisePrototypeThen(property(), a, b);
      if (prop === 'catch') return (b) => PromisePrototypeThen(property(), undefined, b);
      if (prop === 'finally') return (f) => PromisePrototypeThen(property(), (v) => { f(); return v; }, (e) => { f(); throw e; });
      if (typeof prop !== 'string') return undefined;
      return pathRef(info, [...path, prop]);
    },
    apply(target, thisArg, args) {
      return rpcPromise(stubCall(info, 'call', path, args));
    },
  });
}

// The promise of a call's result, which can also be used before it settles: `p.x` and
// `p.m(...)` are applied to the result once it arrives.
function rpcPromise(promise) {
  const pipelined = (path) => new Proxy(function rpcPipelined() {}, {
    __proto__: null,
    get(target, prop) {
      const settle = () => PromisePrototypeThen(promise, (v) => follow(v, path));
      if (prop === 'then') return (a, b) => PromisePrototypeThen(settle(), a, b);
      if (prop === 'catch') return (b) => PromisePrototypeThen(settle(), undefined, b);
      if (prop === 'finally') return (f) => PromisePrototypeThen(settle(), (v) => { f(); return v; }, (e) => { f(); throw e; });
      if (typeof prop !== 'string') return undefined;
      return pipelined([...path, prop]);
    },
    apply(target, thisArg, args) {
      return rpcPromise(PromisePrototypeThen(promise, (v) => {
        // `api.makeAdder(1)(2)`: the result itself is called.
        if (path.length === 0) {
          if (typeof v !== 'function') throw new TypeError('The RPC result is not a function.');
          return ReflectApply(v, undefined, args);
        }
        const holder = follow(v, ArrayPrototypeSlice(path, 0, path.length - 1));
        return PromisePrototypeThen(PromiseResolve(holder), (h) => {
          const fn = pipelineMember(h, path[path.length - 1]);
          if (typeof fn !== 'function') throw new TypeError(`"${ArrayPrototypeJoin(path, '.')}" is not a function.`);
          return ReflectApply(fn, h, args);
        });
      }));
    },
  });
  return pipelined([]);
}

// Pipelined members are looked up in the copy of the result the call returned, under the rules
// the callee would apply (workerd sends them to the callee): stubs are descended into,
// `constructor` and Object.prototype's members are not reachable.
function pipelineMember(holder, name) {
  if (stubInfo.get(holder) !== undefined) return holder[name];
  return member(holder, name, reservedOnTarget);
}

function follow(value, path) {
  let v = value;
  for (let i = 0; i < path.length; i++) v = pipelineMember(v, path[i]);
  return v;
}

// info: { realm, cap, fn, entry, props, dynamic, unspecialized, ready }
function makeStub(info) {
  info.disposed = false;
  info.ready ??= null;
  const fetcher = info.entry !== null;
  const fetchFn = (input, init = undefined) => {
    let request;
    try {
      // fetch(request) sends a copy, new Request(request); of a Request without a body it
      // would copy only what the call reads from the request itself (its record), and take
      // nothing from it, so the request is sent as it is.
      request = init === undefined && isRequest(input) && requestRecord(input).body === null ? input
        : new Request(input, init);
      countSubrequest();
    } catch (error) {
      return PromiseReject(error);
    }
    return stubCall(info, 'fetch', [], [request]);
  };
  const connectFn = (address, options) => {
    countSubrequest();
    return connectThrough(info, address, options);
  };
  const disposedFlag = new Flag();
  // What the `released` registry watches instead of the stub: an object that only this stub's
  // closures and its state hold (dispose names it), so it dies with them. V8 10.2 makes each registration's
  // WeakCell in the old generation, and a WeakCell, even once unregistered, keeps its target
  // through every minor GC until a full one: with the stub itself as the target, every stub
  // received kept all it reached alive that long (tests/cc/minor_gc_test.cc).
  const sentinel = new Flag();
  // Method and property references (pathRef) and pipelines hold `info`, not the stub: they keep
  // the export too, as long as they can still call through it.
  info.keepAlive = sentinel;
  const dispose = () => {
    if (info.disposed) return;
    info.disposed = true;
    disposedFlag.value = true;
    if (info.cap !== 0) {
      FinalizationRegistryPrototypeUnregister(released, sentinel);
      releaseImport(info.realm, info.cap);
    }
  };
  const handler = new StubHandler((target, prop) => {
      if (prop === SymbolDispose) return dispose;
      if (typeof prop !== 'string') return undefined;
      if (fetcher && prop === 'fetch') return fetchFn;
      if (fetcher && prop === 'connect') return connectFn;
      if (prop === 'then') return undefined;  // a stub is not a promise
      // JSON.stringify(env) must not turn into a remote call; a stub serializes as {}.
      if (prop === 'toJSON') return undefined;
      if (prop === 'dup') return () => makeStub({ ...info, disposed: false });
      return pathRef(info, [prop]);
  }, (target, thisArg, args) => {
      if (info.unspecialized) {
        const options = args[0];
        const props = options === undefined || options === null ? {} : snapshotProps(options.props);
        return makeStub({ ...info, props, unspecialized: false, disposed: false });
      }
      return rpcPromise(stubCall(info, 'call', [], args));
  });
  // A Fetcher is an object (typeof 'object', JSON {}), as in workerd; ctx.exports.NAME is also
  // callable (to specialize it with props), and stubs of functions and RpcTargets are callable.
  const target = info.entry !== null && !info.unspecialized ? {} : function stub() {};
  const stub = new Proxy(target, handler);
  stubInfo.set(stub, info);
  if (info.cap !== 0) {
    retainImport(info);
    FinalizationRegistryPrototypeRegister(released, sentinel, new Release(info.realm, info.cap, disposedFlag),
      sentinel);
  }
  return stub;
}

// A Fetcher to entrypoint `name` (null = default) of a worker with `props`. `ready` returns a
// promise of the worker's realm id once it has started (rejected if it failed to); it is
// called for every call, so a worker evicted meanwhile is started again.
export function entrypointFetcher(name, props, ready, dynamic, limits = null) {
  return makeStub({ realm: null, cap: 0, fn: false, entry: name ?? 'default', props: snapshotProps(props),
    dynamic: dynamic === true, unspecialized: false, ready: ready ?? null, limits });
}

// ctx.exports: NAME -> a Fetcher to this worker's own export NAME (callable with {props}).
const localEntries = new SafeMap();
// Only exports that can be entrypoints are there (as workerd): objects (handlers such as the
// default export) and classes; `export const n = 42` or a plain function is not.
function isEntrypointExport(name) {
  if (typeof name !== 'string' || mainNamespace === null || !(name in mainNamespace)) return false;
  let value;
  try {
    value = mainNamespace[name];
  } catch {
    return false;  // not initialized yet
  }
  if (typeof value === 'object') return value !== null;
  return typeof value === 'function' && value.prototype !== undefined &&
    StringPrototypeSlice(FunctionPrototypeToString(value), 0, 5) === 'class';
}

const ctxExports = new Proxy({ __proto__: null }, {
  __proto__: null,
  get(target, name) {
    if (!isEntrypointExport(name)) return undefined;
    let stub = localEntries.get(name);
    if (stub === undefined) {
      stub = makeStub({ realm: myRealm, cap: 0, fn: false, entry: name, props: {}, dynamic: dynamicRealm,
        unspecialized: true });
      localEntries.set(name, stub);
    }
    return stub;
  },
  has(target, name) { return isEntrypointExport(name); },
  ownKeys() {
    if (mainNamespace === null) return [];
    const keys = ObjectKeys(mainNamespace);
    const out = [];
    for (let i = 0; i < keys.length; i++) if (isEntrypointExport(keys[i])) ArrayPrototypePush(out, keys[i]);
    return out;
  },
  getOwnPropertyDescriptor(target, name) {
    const value = ctxExports[name];
    if (value === undefined) return undefined;
    return { __proto__: null, value, writable: false, enumerable: true, configurable: true };
  },
});
export { ctxExports };

export function isStub(value) { return stubInfo.get(value) !== undefined; }
export function stubDetails(value) { return stubInfo.get(value); }

// ---------------------------------------------------------------------------------------------
// Creating workers: the init message carries the child's env and outbound.

// Builds the init message: env may not hold unspecialized ctx.exports; the outbound may.
export function initMessage(to, env, outbound, tailList, limits = null) {
  const encoder = new Encoder(to, { __proto__: null, allowUnspecialized: false });
  const encodedEnv = encoder.encode(env);
  let encodedOutbound = outbound;
  encoder.allowUnspecialized = true;
  if (outbound !== null && outbound !== undefined) encodedOutbound = encoder.encode(outbound);
  const encodedTails = tailList === undefined ? [] : encoder.encode(tailList);
  return { __proto__: null, t: 0, value: { __proto__: null, env: encodedEnv, outbound: encodedOutbound,
    tails: encodedTails, limits }, caps: encoder.caps };
}

export const kNoInternet = 'This worker is not permitted to access the internet via global ' +
  "functions like fetch(). It must use capabilities (such as bindings in 'env') to talk to the " +
  'outside world.';

// True in a dynamic worker (it got an init message): its own entrypoints, as ctx.exports or
// sent out, are marked dynamic and cannot be passed on to other workers (loader.md section 4).
let dynamicRealm = false;

// The realm that created this dynamic worker (its init message's sender), or null.
let creatorRealm = null;

function onInit(from, message) {
  if (dynamicRealm) return;  // once: C++ sends one, this is its second line
  dynamicRealm = true;
  creatorRealm = from;
  const value = decodeMessage(from, message.value, message.caps);
  workerLimits = { __proto__: null, ...value.limits };
  setSubrequestCheck(chargeSubrequest);
  workerEnv = value.env ?? {};
  if (ArrayIsArray(value.tails)) tails = value.tails;
  const outbound = value.outbound;
  if (outbound === null) {
    setOutbound(() => PromiseReject(new Error(kNoInternet)));
    setConnectOutbound(() => { throw new Error(kNoInternet); });
  } else if (outbound !== undefined) {
    // Straight to the call: fetch() has counted the subrequest already.
    const info = stubInfo.get(outbound);
    setOutbound((request) => stubCall(info, 'fetch', [], [request]));
    setConnectOutbound((address, options) => connectThrough(stubInfo.get(outbound), address, options));
  }
}

// ---------------------------------------------------------------------------------------------
// connect() through a Fetcher: the socket's bytes travel as two RPC streams.

const kProxyFailed = 'proxy request failed, cannot connect to the specified address';
const kEgressDenied = /^Egress to .+ is not permitted by the sandbox policy\.$/;

function deferred() {
  let resolve, reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  return { __proto__: null, promise, resolve, reject };
}

// A socket opened through a gateway, on either side. `secureTransport` is what the dynamic
// worker asked for ('off', 'on' or 'starttls'): the gateway reads it from its socket and is the
// one to speak TLS to the destination (the hop between the two isolates never leaves the
// process).
class ProxiedSocket {
  #readable; #writable; #opened; #closed; #closeFn; #secureTransport;
  constructor(readable, writable, opened, closed, closeFn, secureTransport) {
    this.#readable = readable;
    this.#writable = writable;
    this.#opened = opened;
    this.#closed = closed;
    this.#closeFn = closeFn;
    this.#secureTransport = secureTransport;
  }
  get readable() { return this.#readable; }
  get writable() { return this.#writable; }
  get opened() { return this.#opened; }
  get closed() { return this.#closed; }
  get upgraded() { return false; }
  get secureTransport() { return this.#secureTransport; }
  close() { this.#closeFn(); return this.#closed; }
  startTls() { throw new TypeError('startTls() is not available on a socket opened through a gateway.'); }
}
export { ProxiedSocket };

// Closes a TransformStream's readable side (after what is queued) and errors its writable side.
function terminate(controller) {
  try {
    controller.terminate();
  } catch {
    // already closed or errored
  }
}

function addressString(address) {
  if (typeof address === 'string') return address;
  if (typeof address === 'object' && address !== null) return `${address.hostname}:${address.port}`;
  throw new TypeError("Failed to execute 'connect' on 'SocketsModule': parameter 1 is not of type 'string or SocketAddress'.");
}

function connectThrough(info, address, options) {
  const where = addressString(address);
  const { WritableStream, TransformStream } = streams();
  // Their controllers let close() end both directions even while the user holds a reader or a
  // writer (ReadableStream.cancel() and WritableStream.close() refuse locked streams).
  let inboundControl, outboundControl;
  const inbound = new TransformStream({ __proto__: null, start(c) { inboundControl = c; } });   // gateway -> this worker
  const outbound = new TransformStream({ __proto__: null, start(c) { outboundControl = c; } });  // this worker -> gateway
  const opened = deferred();
  const closed = deferred();
  PromisePrototypeThen(opened.promise, undefined, () => {});
  PromisePrototypeThen(closed.promise, undefined, () => {});
  let isClosed = false;
  const finish = (error) => {
    if (isClosed) return;
    isClosed = true;
    if (error === undefined) closed.resolve(undefined); else closed.reject(error);
  };
  const inboundWriter = inbound.writable.getWriter();
  const toWorker = new WritableStream({
    __proto__: null,
    write(chunk) { return inboundWriter.write(chunk); },
    close() { finish(undefined); return inboundWriter.close(); },
    abort(reason) { finish(undefined); return inboundWriter.abort(reason); },
  });
  const secureTransport = transportMode(options === null || typeof options !== 'object' ? undefined
    : options.secureTransport);
  const socketArg = { __proto__: null, address: where, readable: outbound.readable, writable: toWorker,
    secureTransport };
  PromisePrototypeThen(stubCall(info, 'connect', [], [socketArg]), () => {
    opened.resolve({ __proto__: null, remoteAddress: where, localAddress: where });
  }, (error) => {
    // A sandbox's denial says which destination it refused (egress-policy.md section 4).
    const failure = new Error(typeof error?.message === 'string' &&
      RegExpPrototypeTest(kEgressDenied, error.message) ? error.message : kProxyFailed);
    opened.reject(failure);
    finish(failure);
    PromisePrototypeThen(inbound.readable.cancel(failure), undefined, () => {});
  });
  // The socket counts as closed once the gateway has finished writing to us.
  const mine = inbound.readable;
  const closeFn = () => {
    terminate(outboundControl);
    terminate(inboundControl);
    finish(undefined);
  };
  return new ProxiedSocket(mine, outbound.writable, opened.promise, closed.promise, closeFn, secureTransport);
}

// The secureTransport a socket reports: connect()'s options were checked by internal:sockets
// before they got here; the gateway's side gets the same value from the RPC message.
function transportMode(mode) {
  return mode === 'on' || mode === 'starttls' ? mode : 'off';
}

// The gateway side of connect(): a socket whose readable is what the worker writes and whose
// writable reaches the worker. The connection ends when the handler's promise settles.
export function acceptConnect(target, plain, arg, env, ctx) {
  const handler = target.connect;
  if (typeof handler !== 'function') throw new Error(kProxyFailed);
  const opened = PromiseResolve({ __proto__: null, remoteAddress: arg.address, localAddress: arg.address });
  const closed = deferred();
  PromisePrototypeThen(closed.promise, undefined, () => {});
  // The handler gets streams of ours in front of the RPC ones, so that the connection can be
  // ended when the handler settles even if it still holds a reader or a writer on them.
  const fromWorker = arg.readable.getReader();
  const { ReadableStream, TransformStream } = streams();
  let readControl;
  const readable = new ReadableStream({
    __proto__: null,
    start(c) { readControl = c; },
    pull(c) {
      return PromisePrototypeThen(fromWorker.read(), (result) => {
        try {
          if (result.done) c.close(); else c.enqueue(result.value);
        } catch {
          // ended meanwhile
        }
      });
    },
    cancel(reason) { return fromWorker.cancel(reason); },
  });
  let writeControl;
  const toWorker = new TransformStream({ __proto__: null, start(c) { writeControl = c; } });
  PromisePrototypeThen(toWorker.readable.pipeTo(arg.writable), undefined, () => {});
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    terminate(writeControl);  // what was written is still delivered, then the worker reads EOF
    PromisePrototypeThen(fromWorker.cancel(), undefined, () => {});
    try { readControl.close(); } catch { /* already closed or errored */ }
    closed.resolve(undefined);
  };
  const socket = new ProxiedSocket(readable, toWorker.writable, opened, closed.promise, end,
    transportMode(arg.secureTransport));
  const result = plain ? ReflectApply(handler, target, [socket, env, ctx])
    : ReflectApply(handler, target, [socket]);
  PromisePrototypeThen(PromiseResolve(result), end, end);
  return undefined;  // the reply means "opened"; the handler runs on
}

// For the startup snapshot's warm-up (internal:bootstrap): runs a call's encode and decode
// steps on throwaway values, and a new dynamic worker's first moments (its init message, then a
// fetch to its default entrypoint) against kWarmRealm, so the functions all of them run are
// compiled in the snapshot rather than lazily in every new isolate. Leaves no exports, pending
// calls or worker state behind (the reply is sent, to nobody, from a microtask: nothing it
// exports outlives it, as its body is inline).
export function warmRpc() {
  const request = new Request('https://example.com/a?b=c', {
    __proto__: null, method: 'POST', headers: { 'x-a': 'b' }, body: 'body',
  });
  const response = new Response('hello', { __proto__: null, headers: { 'content-type': 'text/plain' } });
  const [value, caps] = encodeMessage(kWarmRealm, [request, response, { a: [1, 'x', { b: 2 }] }, new Map([[1, 2]])]);
  decodeMessage(kWarmRealm, value, caps);

  const savedEnv = workerEnv;
  const savedTails = tails;
  onInit(kWarmRealm, initMessage(kWarmRealm, {}, undefined, []));
  onSetMain({ __proto__: null, default: { fetch() { return new Response('warm'); } } });
  onMessage(kWarmRealm, fetchCallMessage(0, 0, [new Request('https://example.com/')], 'default', {}, null));
  // A gateway's answer to this worker's fetch() (no call waits for it; the Response is made).
  onMessage(kWarmRealm, fetchReplyMessage(0, new Response('warm')));
  responseFromParts(200, '', ['content-type', 'text/plain'], null);
  onSetMain(null);
  workerEnv = savedEnv;
  tails = savedTails;
  dynamicRealm = false;
  creatorRealm = null;
  workerLimits = null;
  setSubrequestCheck(null);
}
