// Installs the Workers globals. Runs once per isolate, before any user code, so every module
// imported here captures pristine built-ins.
import primordials, { completePrimordials, warmPrimordials } from 'internal:primordials';
import ops from 'internal:ops';
import { DOMException } from 'internal:dom_exception';
import {
  Event, EventTarget, CustomEvent, AbortController, AbortSignal, setErrorReporter, initEventTarget,
} from 'internal:events';
import { cloneValue, registerPlatformClass } from 'internal:structured_clone';
import {
  setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask, setTimerErrorReporter,
} from 'internal:timers';
import { Headers } from 'internal:headers';
import { Request } from 'internal:request';
import { Response } from 'internal:response';
import { URL, URLSearchParams } from 'internal:url';
// Registers the RPC hooks (messages from other isolates, dynamic worker start-up).
import { SymbolDispose, traceUncaught, initRealmId, warmRpc } from 'internal:rpc';

const {
  ObjectDefineProperty, TypeError, SymbolToStringTag, globalThis: global,
} = primordials;

function reportError(error, inPromise = false) {
  traceUncaught(error);
  let text;
  try {
    // internal:inspect is loaded on first use: most workers never report an error.
    text = ops.loadBuiltin('internal:inspect').inspect(error);
  } catch {
    text = '[error could not be formatted]';
  }
  ops.log('error', `${inPromise ? 'Uncaught (in promise) ' : 'Uncaught '}${text}`);
}
ops.setHook('reportError', reportError);
ops.setHook('DOMException', DOMException);
setErrorReporter((e) => reportError(e));
setTimerErrorReporter((e) => reportError(e));

// Passed by the runtime itself; `new Crypto()` from user code has no way to produce it.
const kIllegal = Symbol('illegal constructor guard');

// ---- crypto ----
class Crypto {
  constructor(key) { if (key !== kIllegal) throw new TypeError('Illegal constructor'); }
  getRandomValues(array) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.");
    }
    return ops.getRandomValues(array);
  }
  randomUUID() { return ops.randomUUID(); }
}
ObjectDefineProperty(Crypto.prototype, SymbolToStringTag, { value: 'Crypto', configurable: true });
const crypto = new Crypto(kIllegal);

// ---- performance ----
class Performance extends EventTarget {
  constructor(key) {
    if (key !== kIllegal) throw new TypeError('Illegal constructor');
    super();
  }
  get timeOrigin() { return ops.timeOrigin(); }
  now() { return ops.now(); }
  toJSON() { return { timeOrigin: this.timeOrigin }; }
}
ObjectDefineProperty(Performance.prototype, SymbolToStringTag, { value: 'Performance', configurable: true });
const performance = new Performance(kIllegal);

// ---- navigator ----
class Navigator {
  constructor(key) { if (key !== kIllegal) throw new TypeError('Illegal constructor'); }
  get userAgent() { return 'Cloudflare-Workers'; }
  get hardwareConcurrency() { return 1; }
  get language() { return 'en'; }
  get languages() { return ['en']; }
}
ObjectDefineProperty(Navigator.prototype, SymbolToStringTag, { value: 'Navigator', configurable: true });
const navigator = new Navigator(kIllegal);

// ---- structuredClone ----
function structuredClone(value, options = undefined) {
  if (arguments.length < 1) {
    throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  }
  let transfer;
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object') {
      throw new TypeError("Failed to execute 'structuredClone': The provided value is not of type 'StructuredSerializeOptions'.");
    }
    const list = options.transfer;
    if (list !== undefined) {
      transfer = [];
      for (const item of list) primordials.ArrayPrototypePush(transfer, item);
    }
  }
  return cloneValue(value, transfer);
}

// Web IDL: interface objects and operations are writable, configurable, not enumerable.
function define(name, value) {
  ObjectDefineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
  // Interfaces (capitalized names) are platform classes for structuredClone's rules.
  const first = primordials.StringPrototypeCharCodeAt(name, 0);
  if (first >= 65 && first <= 90 && typeof value === 'function') registerPlatformClass(value);
}

// Global name -> the runtime module that exports it, for the globals of modules left out of the
// startup snapshot, which every new isolate deserializes: the module is evaluated when user
// code first reads one of them (ops.defineLazyGlobal), and registers its interfaces as
// platform classes itself.
const lazyGlobals = { __proto__: null };
function defineLazy(name, url) {
  lazyGlobals[name] = url;
  ops.defineLazyGlobal(name);
}
// Returns the value of a global defined with defineLazy, on its first read.
ops.setHook('lazyGlobal', (name) => ops.loadBuiltin(lazyGlobals[name])[name]);
defineLazy('console', 'internal:console');
define('self', global);
// Symbol.dispose (explicit resource management) is newer than this V8; RPC stubs use it, as in
// workerd.
if (global.Symbol.dispose === undefined) {
  ObjectDefineProperty(global.Symbol, 'dispose', { __proto__: null, value: SymbolDispose, writable: false, enumerable: false, configurable: false });
}
define('crypto', crypto);
define('Crypto', Crypto);
define('performance', performance);
define('Performance', Performance);
define('navigator', navigator);
define('Navigator', Navigator);
define('structuredClone', structuredClone);
define('setTimeout', setTimeout);
define('setInterval', setInterval);
define('clearTimeout', clearTimeout);
define('clearInterval', clearInterval);
define('queueMicrotask', queueMicrotask);
defineLazy('TextEncoder', 'internal:encoding');
defineLazy('TextDecoder', 'internal:encoding');
defineLazy('atob', 'internal:base64');
defineLazy('btoa', 'internal:base64');
define('DOMException', DOMException);
define('Event', Event);
define('EventTarget', EventTarget);
defineLazy('FetchEvent', 'internal:fetch_event');
// The global scope is an EventTarget, as in Workers (service-worker syntax listens on it).
initEventTarget(global);
{
  const { addEventListener, removeEventListener, dispatchEvent } = EventTarget.prototype;
  define('addEventListener', function addEventListener_(type, listener, options) {
    return primordials.ReflectApply(addEventListener, global, arguments);
  });
  define('removeEventListener', function removeEventListener_(type, listener, options) {
    return primordials.ReflectApply(removeEventListener, global, arguments);
  });
  define('dispatchEvent', function dispatchEvent_(event) {
    return primordials.ReflectApply(dispatchEvent, global, arguments);
  });
}
define('CustomEvent', CustomEvent);
define('AbortController', AbortController);
define('AbortSignal', AbortSignal);
// The stream interfaces.
{
  const names = [
    'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader',
    'ReadableStreamDefaultController', 'ReadableByteStreamController', 'ReadableStreamBYOBRequest',
    'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController',
    'TransformStream', 'TransformStreamDefaultController', 'ByteLengthQueuingStrategy',
    'CountQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream', 'CompressionStream',
    'DecompressionStream',
  ];
  for (let i = 0; i < names.length; i++) defineLazy(names[i], 'internal:streams');
}
define('URL', URL);
define('URLSearchParams', URLSearchParams);
defineLazy('Blob', 'internal:blob');
defineLazy('File', 'internal:blob');
defineLazy('FormData', 'internal:form_data');
define('Headers', Headers);
define('Request', Request);
define('Response', Response);
defineLazy('fetch', 'internal:fetch');

// Per-realm start: C++ calls this once per realm, after the bootstrap above (or after the
// realm was deserialized from the startup snapshot, which holds everything above, evaluated
// once per process) and before any user code. Anything that differs between isolates is read
// here, never at module top level, where the snapshot would bake one isolate's value into all.
// `warmOnly` (the snapshot's warm-up) only compiles it and what it calls, changing nothing:
// a function is compiled whole on its first call, so they are in the snapshot as bytecode
// instead of being parsed and compiled again in every new isolate.
function realmInit(warmOnly = false) {
  completePrimordials(warmOnly);
  initRealmId(warmOnly);
  if (!warmOnly) ops.timeOrigin();  // starts the realm's clocks now, at isolate start, not at first use
}
ops.setHook('realmInit', realmInit);

// Run once in the isolate that builds the startup snapshot (runtime/worker.cc): exercises what
// nearly every request runs, so those functions are compiled in the snapshot instead of lazily
// in each new isolate. Must not call ops or leave state behind (tests/cc/snapshot_test.cc
// checks which ops the boot calls), nor use what defineLazy keeps out of the snapshot.
ops.setHook('snapshotWarmup', () => {
  const headers = new Headers([['content-type', 'text/plain'], ['x-a', 'b']]);
  headers.set('x-b', 'c');
  headers.get('content-type');
  for (const pair of headers) void pair;
  const url = new URL('https://example.com/a/b?c=d#e');
  void url.pathname; void url.searchParams.get('c'); void url.href;
  const request = new Request(url.href, { method: 'POST', headers, body: 'body' });
  void new Request('http://127.0.0.1:8787/a').url;  // an IPv4 host: isNormalizedHttpURL's other branch
  void request.method; void request.url; void request.headers.get('x-a');
  const response = new Response('hello', { status: 200, headers: { 'content-type': 'text/plain' } });
  void response.status; void response.headers.get('content-type');
  const json = Response.json({ a: 1 });
  primordials.PromisePrototypeThen(request.text(), undefined, () => {});
  primordials.PromisePrototypeThen(response.text(), undefined, () => {});
  primordials.PromisePrototypeThen(json.json(), undefined, () => {});
  warmRpc();
  warmPrimordials();
  realmInit(true);
});
