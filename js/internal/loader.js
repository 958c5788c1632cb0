// The Worker Loader binding (loader.md sections 2, 3 and 5): `env.LOADER.get(id, getCode)` and
// `env.LOADER.load(code)`, the WorkerStubs they return, and the warm cache behind them.
//
// Each dynamic worker is an isolate made by ops.workerCreate (runtime/loader.cc), which
// validates the modules at once and starts the isolate on a later turn; `workerStarted` tells
// us how that went. Calls go through the Fetchers of internal:rpc. A cache entry remembers how
// to make its code again (getCode, or the code given to load()), so an evicted or failed worker
// is simply started again on its next use.
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import {
  entrypointFetcher, initMessage, isStub, stubDetails, retargetExports, realmInUse,
  setRealmIdleListener,
} from 'internal:rpc';
import { setTimeout } from 'internal:timers';
import { recordClass } from 'internal:webidl';

const {
  ArrayIsArray, ArrayPrototypePush, DateNow, Error, FinalizationRegistry, JSONStringify,
  MapPrototypeForEach, NumberIsInteger, ObjectKeys, Promise, PromisePrototypeThen,
  PromiseReject, PromiseResolve, RegExpPrototypeExec, SafeMap, String, Symbol, TypeError,
  ArrayBufferIsView, ObjectPrototypeToString, DatePrototypeToISOString, Date,
  StringPrototypeSlice, MathMax, MathMin, Uint8Array, TypedArrayPrototypeSlice,
  TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetByteLength,
  ArrayBufferPrototypeSlice, ArrayPrototypeIndexOf, WeakRef, WeakRefPrototypeDeref,
  FinalizationRegistryPrototypeRegister,
} = primordials;

const kInternal = Symbol('internal');

const kSandboxOutbound = 'A sandbox workload cannot set globalOutbound; its egress is the sandbox policy.';

// Compatibility flags dynworker knows (workerd's names). Each may also be given as its "no_"
// form where workerd has one; they are accepted so Workers code runs unchanged.
const kKnownFlags = new primordials.SafeSet([
  'nodejs_compat', 'nodejs_compat_v2', 'nodejs_als', 'no_nodejs_compat_v2', 'rpc',
  'streams_enable_constructors', 'transformstream_enable_standard_constructor',
  'global_navigator', 'no_global_navigator', 'url_standard', 'url_original',
  'formdata_parser_supports_files', 'fetch_refuses_unknown_protocols',
  'fetch_treats_unknown_protocols_as_http', 'global_fetch_strictly_public',
  'allow_eval_during_startup', 'export_commonjs_default', 'export_commonjs_namespace',
  'web_socket_compression', 'no_web_socket_compression', 'fetch_standard_url',
  'fetch_legacy_url', 'response_json', 'brotli_content_encoding', 'no_brotli_content_encoding',
  'strict_compression_checks', 'strict_crypto_checks', 'no_strict_crypto_checks',
  'capture_async_api_throws', 'do_not_capture_async_api_throws', 'new_module_registry',
  'nodejs_zlib', 'no_nodejs_zlib', 'experimental', 'request_signal_passthrough',
  'enable_request_signal', 'disable_request_signal', 'expose_global_message_channel',
  'no_expose_global_message_channel', 'set_tostring_tag', 'no_set_tostring_tag',
  'durable_object_fetch_requires_full_url', 'no_durable_object_fetch_requires_full_url',
  'service_binding_extra_handlers', 'cache_option_enabled', 'cache_option_disabled',
  'queues_json_messages', 'js_rpc', 'minimal_subrequests', 'no_minimal_subrequests',
  'unwrap_custom_thenables', 'no_unwrap_custom_thenables', 'fetcher_no_get_put_delete',
  'fetcher_has_get_put_delete', 'handle_cross_request_promise_resolution',
  'no_handle_cross_request_promise_resolution', 'increase_websocket_message_size',
  'internal_writable_stream_abort_clears_queue', 'python_workers', 'jsweak_ref',
  'no_jsweak_ref', 'ctx_exports', 'no_ctx_exports', 'enable_ctx_exports',
]);

// Defaults for the warm cache; `worker_loaders` entries in the config may override them.
const kDefaults = {
  __proto__: null,
  maxWorkers: 1000,             // warm workers per cache
  maxMemoryMb: 4096,            // memory of all of them together (ops.workerMemory)
  idleTimeoutMs: 5 * 60 * 1000, // unused this long: evicted
};

// ---------------------------------------------------------------------------------------------
// Starting workers.

const starting = new SafeMap();  // realm id -> { resolve, reject }

ops.setHook('workerStarted', (realm, error) => {
  const pending = starting.get(realm);
  if (pending === undefined) return;
  starting.delete(realm);
  if (error === null) {
    pending.resolve(realm);
  } else {
    ops.workerDestroy(realm);  // its isolate exists; nothing will ever call it
    pending.reject(new Error(`Failed to start Worker:\n${error}`));
  }
});

function isValidDate(text) {
  const m = RegExpPrototypeExec(/^(\d{4})-(\d{2})-(\d{2})$/, text);
  if (m === null) return false;
  const year = +m[1], month = +m[2], day = +m[3];
  // workerd's range: no Workers date is before 2000 or after 2999.
  if (year < 2000 || year > 2999) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28, 31, 30,
    31, 30, 31, 31, 30, 31, 30, 31];
  return day <= days[month - 1];
}

function today() {
  return StringPrototypeSlice(DatePrototypeToISOString(new Date(DateNow())), 0, 10);
}

// `data` and `wasm` bytes are copied when the code is taken (loader.md section 3): changing the
// caller's buffer afterwards changes nothing, not even for a restart of the same worker.
function copyBytes(content, name, key) {
  if (ArrayBufferIsView(content)) {
    return TypedArrayPrototypeSlice(new Uint8Array(TypedArrayPrototypeGetBuffer(content),
      TypedArrayPrototypeGetByteOffset(content), TypedArrayPrototypeGetByteLength(content)));
  }
  if (ObjectPrototypeToString(content) === '[object ArrayBuffer]') {
    return new Uint8Array(ArrayBufferPrototypeSlice(content, 0));
  }
  throw new TypeError(`Module '${name}': '${key}' must be an ArrayBuffer or a typed array.`);
}

// Checks a WorkerCode and turns it into workerCreate's arguments. Throws with loader.md section
// 3's messages (module-level ones come from the C++ validation). As workerd, compatibility
// date and flag errors are plain Errors; a WorkerCode of the wrong shape is a TypeError.
//
// `egress`: for a sandbox's workloads (internal:sandbox), a function of the worker id returning
// the RpcTarget that decides every fetch() and connect() of the worker; the code then may not
// name a globalOutbound of its own.
function prepare(code, egress = null, workerId = null) {
  if (code === null || typeof code !== 'object') {
    throw new TypeError('The WorkerCode must be an object with compatibilityDate, mainModule and modules.');
  }
  if (egress !== null && 'globalOutbound' in code) throw new TypeError(kSandboxOutbound);
  const date = code.compatibilityDate;
  if (date === undefined) {
    throw new TypeError('WorkerCode.compatibilityDate is required: give the date as "YYYY-MM-DD".');
  }
  if (typeof date !== 'string' || !isValidDate(date)) throw new Error(`Invalid compatibility date: ${String(date)}`);
  if (date > today()) throw new Error(`Can't set compatibility date in the future: ${date}`);
  const flags = code.compatibilityFlags;
  if (flags !== undefined) {
    if (!ArrayIsArray(flags)) throw new TypeError('WorkerCode.compatibilityFlags must be an array of strings.');
    for (let i = 0; i < flags.length; i++) {
      if (typeof flags[i] !== 'string' || !kKnownFlags.has(flags[i])) {
        throw new Error(`No such compatibility flag: ${String(flags[i])}`);
      }
    }
  }
  const main = code.mainModule;
  if (typeof main !== 'string') {
    throw new TypeError('WorkerCode.mainModule is required: the name of the main module in modules.');
  }
  const modules = code.modules;
  if (modules === null || typeof modules !== 'object') {
    throw new TypeError('WorkerCode.modules is required: an object mapping module names to their code.');
  }
  const list = [];
  const names = ObjectKeys(modules);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = modules[name];
    if (typeof value === 'string') {
      ArrayPrototypePush(list, [name, value, null]);
      continue;
    }
    if (value === null || typeof value !== 'object') {
      throw new TypeError(`Module '${name}' must be a string or an object such as { js: "..." }.`);
    }
    const keys = ObjectKeys(value);
    const fields = [];
    for (let j = 0; j < keys.length; j++) {
      let content = value[keys[j]];
      // With other than one key the C++ validation reports the count (loader.md section 3's
      // message), whatever the fields hold.
      if (keys.length !== 1) {
        content = '';
      } else if (keys[j] === 'json') {
        content = JSONStringify(content);
      } else if (keys[j] === 'data' || keys[j] === 'wasm') {
        content = copyBytes(content, name, keys[j]);
      } else if (typeof content !== 'string') {
        content = String(content);
      }
      ArrayPrototypePush(fields, [keys[j], content]);
    }
    ArrayPrototypePush(list, [name, null, fields]);
  }
  let outbound = code.globalOutbound;
  if (egress !== null) {
    outbound = egress(workerId);
  } else if (outbound !== undefined && outbound !== null) {
    const info = isStub(outbound) ? stubDetails(outbound) : undefined;
    if (info === undefined || info.entry === null) {
      throw new TypeError('globalOutbound must be a Fetcher, such as ctx.exports.NAME({props: {...}}), or null.');
    }
  }
  const tails = code.tails;
  if (tails !== undefined) {
    if (!ArrayIsArray(tails)) throw new TypeError('WorkerCode.tails must be an array of Fetchers.');
    for (let i = 0; i < tails.length; i++) {
      const info = isStub(tails[i]) ? stubDetails(tails[i]) : undefined;
      if (info === undefined || info.entry === null) {
        throw new TypeError('WorkerCode.tails must be an array of Fetchers, such as ctx.exports.NAME.');
      }
    }
  }
  const limits = checkLimits(code.limits, 'WorkerCode.limits');
  const env = code.env === undefined ? {} : code.env;
  return { __proto__: null, main, list, env, outbound, tails, limits };
}

// `limits` of a WorkerCode or of getEntrypoint(name, {limits}) (loader.md sections 3 and 5):
// each a positive number; an entrypoint's may only lower the worker's, so the lower of the two
// applies. memoryMb is the isolate's, so an entrypoint's memoryMb cannot lower it (it is
// accepted, for code written against the spec, and has no effect). Enforced by the worker:
// CPU and memory in C++ (jsg/limits.h), subrequests and wall-clock in internal:rpc.
const kLimitNames = ['cpuMs', 'memoryMb', 'subRequests', 'wallMs'];
function checkLimits(limits, where) {
  if (limits === undefined || limits === null) return null;
  if (typeof limits !== 'object') {
    throw new TypeError(`${where} must be an object such as { cpuMs: 50, memoryMb: 128 }.`);
  }
  const out = { __proto__: null };
  const keys = ObjectKeys(limits);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (ArrayPrototypeIndexOf(kLimitNames, key) === -1) {
      throw new TypeError(`${where}: unknown limit '${key}'; the limits are cpuMs, memoryMb, ` +
        'subRequests and wallMs.');
    }
    const value = limits[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0) || value === Infinity) {
      throw new TypeError(`${where}.${key} must be a positive number, not ${String(value)}.`);
    }
    out[key] = value;
  }
  return out;
}

// Creates the isolate now (validation errors throw); returns a promise of its realm id once
// its main module has run.
function start(prepared) {
  // The realm id is unknown until workerCreate returns: exports made while encoding the init
  // message are recorded for holder -1, then handed to the new realm (and dropped with it).
  let realm;
  try {
    const init = initMessage(-1, prepared.env, prepared.outbound, prepared.tails, prepared.limits);
    realm = ops.workerCreate(prepared.main, prepared.list, init, prepared.limits);
  } catch (error) {
    retargetExports(-1, null);
    throw error;
  }
  retargetExports(-1, realm);
  return new Promise((resolve, reject) => {
    starting.set(realm, { __proto__: null, resolve, reject });
  });
}

// ---------------------------------------------------------------------------------------------
// The cache.

// A cache's workers by key, and in least-recently-used order (a list through the entries).
// Not a Map whose key is deleted and set again to move it to the end at each use: in V8 10.2 a
// deleted entry stays on its bucket's chain until the table is rehashed, so the lookups of a
// key moved to the end at every call walk a chain that grows by one per call, up to the
// table's free capacity (with 1,500 workers cached, ~5 µs per call; ~20 µs with 5,000).
const LruTable = recordClass(class LruTable {
  constructor() {
    this.map = new SafeMap();  // key -> Entry
    this.oldest = null;
    this.newest = null;
  }

  get size() { return this.map.size; }
  get(key) { return this.map.get(key); }

  // Makes `entry` the one for its key, as the most recently used, unlinking an entry it
  // replaces (an entry already there for its key stays where it is).
  set(entry) {
    const other = this.map.get(entry.key);
    if (other === entry) return;
    if (other !== undefined) this.#unlink(other);
    this.map.set(entry.key, entry);
    this.#append(entry);
  }

  delete(entry) {
    if (this.map.get(entry.key) !== entry) return;
    this.map.delete(entry.key);
    this.#unlink(entry);
  }

  touch(entry) {
    if (this.map.get(entry.key) !== entry || this.newest === entry) return;
    this.#unlink(entry);
    this.#append(entry);
  }

  #append(entry) {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest !== null) this.newest.newer = entry; else this.oldest = entry;
    this.newest = entry;
  }

  #unlink(entry) {
    if (entry.older !== null) entry.older.newer = entry.newer; else this.oldest = entry.newer;
    if (entry.newer !== null) entry.newer.older = entry.older; else this.newest = entry.older;
    entry.older = null;
    entry.newer = null;
  }
});

// The cache's state. Record classes (internal:webidl), as Entry: nothing user code puts on
// Object.prototype sees their fields being set.
const Cache = recordClass(class Cache {
  constructor(options) {
    this.options = options;
    this.entries = new LruTable();
    this.anonymous = 0;
    this.lastMemoryCheck = 0;
    // The last measurement (sweep): total memory, entries then, and the average per running
    // worker (1.5 MiB, a small worker's, until measured).
    this.measuredTotal = 0;
    this.measuredCount = 0;
    this.perWorker = 1.5 * 1024 * 1024;
    this.sweepPending = false;
    this.recheckPending = false;  // a sweep set for when measuring is allowed again
    // The last sweep had to keep workers in use over the count or memory bound: the next one
    // runs as soon as one of the cache's workers is idle (setRealmIdleListener below).
    this.keptOverCount = false;
    this.keptOverMemory = false;
  }
});

const caches = new SafeMap();  // config id -> Cache (bindings with one id share it)

// An entry is one worker slot: its code source, and the running worker when there is one.
//
// Workers from load() and get(null) are anonymous: not in the cache's LRU table, alive exactly
// as long as something can call them (their WorkerStub, a Fetcher or a dup of one: all of
// these reach the entry). When the entry is collected its isolate is destroyed; the creator's
// GC is told what each isolate costs (runtime/loader.cc), so that happens soon enough.
const Entry = recordClass(class Entry {
  // `prepared`: load()'s code as checked by load() itself, which every (re)start of the entry
  // uses; get() entries have null and call getCode for each start.
  constructor(cache, key, getCode, anonymous = false, prepared = null, workerId = null, egress = null) {
    this.cache = cache;
    this.key = key;
    this.workerId = workerId;  // the id given to get(), for a sandbox's audit log
    this.egress = egress;      // a sandbox's workload: see prepare()
    this.getCode = getCode;
    this.prepared = prepared;
    this.realm = null;
    this.ready = null;  // promise of the realm id while starting or running
    this.readySettled = null;  // `ready` once it has resolved (see calls below)
    this.lastUsed = DateNow();
    this.startedAt = 0;     // when the current start began (getCode called)
    this.creating = false;  // its isolate is being made (getCode answered)
    this.anonymous = anonymous;
    this.older = null;  // neighbours in the cache's LruTable
    this.newer = null;
    // The realm, where the collector can see it without holding the entry.
    this.box = { __proto__: null, realm: null };
    if (anonymous) FinalizationRegistryPrototypeRegister(collected, this, this.box);
  }
});

// An anonymous worker whose entry was collected while this realm still expects something of it
// (a call in flight, a body being read: internal:rpc counts them) lingers until that is over.
const lingering = new primordials.SafeSet();
const collected = new FinalizationRegistry((box) => {
  if (box.realm !== null) {
    const realm = box.realm;
    byRealm.delete(realm);
    if (realmInUse(realm)) lingering.add(realm); else ops.workerDestroy(realm);
  }
  box.realm = null;
});
setRealmIdleListener((realm) => {
  if (lingering.delete(realm)) {
    ops.workerDestroy(realm);
    return;
  }
  const entry = entryOfRealm(realm);
  if (entry !== undefined && !entry.anonymous && (entry.cache.keptOverCount || entry.cache.keptOverMemory)) {
    sweepSoon(entry.cache);
  }
});

// realm id -> WeakRef of the Entry whose worker it is (weak: an anonymous entry must stay
// collectable).
const byRealm = new SafeMap();

// The entry whose worker runs in `realm`, or undefined (none, or the entry was collected).
function entryOfRealm(realm) {
  const ref = byRealm.get(realm);
  return ref === undefined ? undefined : WeakRefPrototypeDeref(ref);
}

function setRealm(entry, realm) {
  if (entry.realm !== null) byRealm.delete(entry.realm);
  entry.realm = realm;
  entry.box.realm = realm;
  if (realm !== null) byRealm.set(realm, new WeakRef(entry));
}

// The worker went over its memory limit (runtime/loader.cc destroys it): the next use of its
// entry starts a fresh one (loader.md section 5).
ops.setHook('workerCondemned', (realm) => {
  const entry = entryOfRealm(realm);
  if (entry === undefined) return;
  setRealm(entry, null);
  entry.ready = null;
});

function touch(entry) {
  entry.lastUsed = DateNow();
  entry.cache.entries.touch(entry);
}

function evict(entry) {
  entry.cache.entries.delete(entry);
  if (entry.realm !== null) ops.workerDestroy(entry.realm);
  setRealm(entry, null);
  entry.ready = null;
}

// How long a start pins its entry (see evictable) while getCode has not answered: a getCode
// that never settles must not hold a slot, or count against max_memory_mb, for ever. At most
// the idle timeout. Once the isolate is being made the start's own limits bound it.
const kGetCodeGraceMs = 10000;

// Whether the entry's worker is starting: getCode is answering (for a while) or its isolate is
// being made.
function isStarting(entry, now) {
  return entry.realm === null && entry.ready !== null && (entry.creating ||
    now - entry.startedAt <= MathMin(kGetCodeGraceMs, entry.cache.options.idleTimeoutMs));
}

// Whether a sweep may evict the entry now: not while its worker starts (the calls made
// meanwhile wait for it: evicting it would fail them with "The Worker was unloaded."), and
// not while this realm uses it (a call in flight, a body being read, a stub it returned, all
// counted by internal:rpc): eviction would fail those. Such an entry stays, and counts; a
// later sweep (the next get(), the timer, the end of a start, a worker going idle) takes it
// once it is idle. Past twice max_workers or twice max_memory_mb even these go, least
// recently used first (their calls fail): keeping them must not let a loader, or workers that
// keep themselves busy (a body that never ends), grow the cache without bound.
function evictable(entry, now) {
  if (entry.realm === null) return !isStarting(entry, now);  // not running: only a slot
  return !realmInUse(entry.realm);
}

// Idle timeout, then LRU by count and by memory. `entries` is kept in least-recently-used
// order (touch moves an entry to the end), so idle and surplus workers are at the front and a
// sweep looks at no more entries than it evicts or must keep (see evictable), plus one.
// `keep`: an entry get() is handing out, which this sweep leaves alone.
function sweep(cache, keep = null) {
  const { options, entries } = cache;
  const now = DateNow();
  let over = entries.size - options.maxWorkers;
  for (let entry = entries.oldest, newer; entry !== null; entry = newer) {
    newer = entry.newer;  // before evict() unlinks it
    if (over <= 0 && now - entry.lastUsed <= options.idleTimeoutMs) break;
    if (entry === keep || !evictable(entry, now)) continue;
    evict(entry);
    over--;
  }
  // Past twice the bound, the least recently used go whether busy or not, down to twice it:
  // only once no idle worker is left to go instead.
  if (over > options.maxWorkers) {
    for (let entry = entries.oldest, newer; entry !== null && over > options.maxWorkers; entry = newer) {
      newer = entry.newer;
      if (entry === keep) continue;
      evict(entry);
      over--;
    }
  }
  cache.keptOverCount = over > 0;
  // Measuring costs a call per worker: once a second, and at once when the workers added since
  // the last measurement would take the cache over its limit at the average measured then (a
  // burst of new workers must not overshoot for a second). Over the limit, eviction goes down to
  // 90% of it, so the next early measurement is a few workers away rather than the next one.
  // Workers still starting count at that average: they are about to cost it.
  const limit = options.maxMemoryMb * 1024 * 1024;
  const added = entries.size - cache.measuredCount;
  const estimate = cache.measuredTotal + (added > 0 ? added * cache.perWorker : 0);
  // Over by estimate because busy workers were kept (nothing added since): every 100 ms, not at
  // every sweep (each get(), each worker going idle), which measured every isolate each time.
  const since = now - cache.lastMemoryCheck;
  if (since < 1000 && estimate <= limit) return;
  if (since < 1000 && added <= 0 && since < 100) {
    // ...but then once the 100 ms are up: nothing else may come to sweep for 30 s.
    if (!cache.recheckPending) {
      cache.recheckPending = true;
      setTimeout(() => { cache.recheckPending = false; sweep(cache); }, 100 - since);
    }
    return;
  }
  cache.lastMemoryCheck = now;
  let total = 0;
  let running = 0;
  let startingCount = 0;
  const order = [];
  const costs = [];  // what each entry of `order` counts for: measured, or -1 while starting
  for (let entry = entries.oldest; entry !== null; entry = entry.newer) {
    let cost = 0;
    if (entry.realm !== null) {
      cost = ops.workerMemory(entry.realm);
      total += cost;
      running++;
    } else if (isStarting(entry, now)) {
      cost = -1;
      startingCount++;
    }
    ArrayPrototypePush(order, entry);
    ArrayPrototypePush(costs, cost);
  }
  if (running > 0) cache.perWorker = total / running;
  total += startingCount * cache.perWorker;
  const target = total > limit ? limit * 0.9 : limit;
  const cost = (i) => (costs[i] < 0 ? cache.perWorker : costs[i]);
  for (let i = 0; i < order.length && total > target; i++) {
    const entry = order[i];
    if (entry === keep || !evictable(entry, now)) continue;
    total -= cost(i);
    evict(entry);
    order[i] = null;
  }
  // Past twice the bound, busy and starting workers go too (their calls fail), oldest first.
  for (let i = 0; i < order.length && total > limit * 2; i++) {
    const entry = order[i];
    if (entry === null || entry === keep) continue;
    total -= cost(i);
    evict(entry);
  }
  cache.keptOverMemory = total > limit;
  cache.measuredTotal = total;
  cache.measuredCount = entries.size;
}

// A sweep once the calls waiting for a worker that just started have been sent: a burst of
// starts the sweeps could not evict (see evictable) is measured and trimmed then, not at the
// next get() or timer, which may be 30 s away.
function sweepSoon(cache) {
  if (cache.sweepPending) return;
  cache.sweepPending = true;
  setTimeout(() => {
    cache.sweepPending = false;
    sweep(cache);
  }, 0);
}

// The worker in `realm` (or a promise of it) becomes the entry's, unless the entry moved on
// (evicted, or restarted) while it started: then it is destroyed at once.
function adopt(entry, ready, realmOrPromise) {
  return PromisePrototypeThen(PromiseResolve(realmOrPromise), (realm) => {
    if (entry.ready !== ready) {
      ops.workerDestroy(realm);
      throw new Error('The Worker was unloaded.');
    }
    setRealm(entry, realm);
    entry.creating = false;
    if (!entry.anonymous) sweepSoon(entry.cache);
    return realm;
  });
}

// Calls to a running worker are sent at once, with its realm id (not from a reaction to
// `entry.ready`), once `ready` has resolved: this first reaction to it runs before those of the
// calls made while the worker started, which are queued right behind it, so none of those
// can be overtaken by a later call.
function markSettled(entry, ready) {
  if (entry.ready === ready) entry.readySettled = ready;
}

// The entry's realm id when calls can go to it at once, or null.
function runningRealm(entry) {
  return entry.ready !== null && entry.readySettled === entry.ready ? entry.realm : null;
}

// Starts (or restarts) the entry's worker; resolves to its realm id.
function ensureStarted(entry) {
  if (entry.ready !== null) return entry.ready;
  const { entries } = entry.cache;
  if (!entry.anonymous && entries.get(entry.key) !== entry) {
    // Evicted (or replaced after a failure): take the slot again, LRU rules apply.
    const other = entries.get(entry.key);
    if (other !== undefined && other.ready !== null) return other.ready;
    entries.set(entry);
  }
  entry.startedAt = DateNow();
  entry.creating = false;
  let codePromise;
  try {
    codePromise = PromiseResolve(entry.prepared ?? entry.getCode());
  } catch (error) {
    codePromise = PromiseReject(error);
  }
  const ready = PromisePrototypeThen(codePromise, (code) => {
    if (entry.ready !== ready) return PromiseReject(new Error('The Worker was unloaded.'));
    entry.creating = true;
    return adopt(entry, ready, start(entry.prepared ?? prepare(code, entry.egress, entry.workerId)));
  });
  entry.ready = ready;
  // The sweep for the slot it took, once it counts as starting (a sweep before that could
  // evict it, and it would then start outside the table, where no sweep ever finds it).
  if (!entry.anonymous) sweep(entry.cache);
  // A failed start is not cached: the next use of this id starts over (beyond workerd).
  PromisePrototypeThen(ready, () => markSettled(entry, ready), () => {
    if (entry.ready === ready) {
      entry.ready = null;
      entry.creating = false;
      entries.delete(entry);
    }
  });
  return ready;
}

// ---------------------------------------------------------------------------------------------
// WorkerStub and WorkerLoader.

class WorkerStub {
  #entry;
  constructor(key, entry) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#entry = entry;
  }

  getEntrypoint(name = undefined, options = undefined) {
    if (name !== undefined && name !== null && typeof name !== 'string') {
      throw new TypeError('getEntrypoint(name): name must be a string, null or undefined.');
    }
    const entry = this.#entry;
    let props = {};
    let limits = null;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('getEntrypoint(name, options): options must be an object.');
      if (options.props !== undefined) props = options.props;
      limits = checkLimits(options.limits, 'getEntrypoint(name, options): options.limits');
    }
    const ready = () => {
      touch(entry);
      return runningRealm(entry) ?? ensureStarted(entry);
    };
    const fetcher = entrypointFetcher(name === undefined || name === null ? 'default' : name, props,
      ready, true, limits);
    // The worker lives at least as long as something can call it: the fetcher holds `ready`,
    // which holds the entry. (Not a WeakMap from fetcher to entry: see makePrivateSlot.)
    return fetcher;
  }

  getDurableObjectClass() {
    throw new Error('Durable Object classes of dynamic workers are not supported by dynworker yet.');
  }
}

class WorkerLoader {
  #cache; #egress; #prefix;
  // `egress` and `prefix`: a sandbox's workloads (makeSandboxLoader).
  constructor(key, cache, egress = null, prefix = '') {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#cache = cache;
    this.#egress = egress;
    this.#prefix = prefix;
  }

  get(id, getCode) {
    if (typeof getCode !== 'function') {
      throw new TypeError('get(id, getCode): getCode must be a function returning the WorkerCode.');
    }
    const cache = this.#cache;
    if (id === null || id === undefined) {
      sweep(cache);
      return anonymous(cache, getCode, this.#egress);
    }
    const key = `id:${this.#prefix}${String(id)}`;
    let entry = cache.entries.get(key);
    if (entry !== undefined) {
      const now = DateNow();
      if (now - entry.lastUsed > cache.options.idleTimeoutMs && evictable(entry, now)) {
        evict(entry);  // idle too long: not revived, started afresh below
      } else {
        // The sweep leaves the worker asked for alone (with busy workers keeping the cache over
        // its count, every get() of an idle one started it again).
        touch(entry);
        sweep(cache, entry);
        return new WorkerStub(kInternal, entry);
      }
    }
    entry = new Entry(cache, key, getCode, false, null, String(id), this.#egress);
    cache.entries.set(entry);
    // Eager: the code is fetched and the isolate started now, not at the first request.
    PromisePrototypeThen(ensureStarted(entry), undefined, () => {});
    return new WorkerStub(kInternal, entry);
  }

  load(code) {
    const cache = this.#cache;
    const prepared = prepare(code, this.#egress);  // validation errors throw here, from load()
    sweep(cache);
    const entry = new Entry(cache, `anon:${cache.anonymous++}`, null, true, prepared, null, this.#egress);
    // Started at once from the already checked code (module errors throw from here too).
    const started = start(prepared);
    const ready = PromisePrototypeThen(started, (realm) => adopt(entry, ready, realm));
    entry.ready = ready;
    PromisePrototypeThen(ready, () => markSettled(entry, ready), () => {
      if (entry.ready === ready) entry.ready = null;  // the next call starts it again
    });
    return new WorkerStub(kInternal, entry);
  }
}

function anonymous(cache, getCode, egress) {
  const entry = new Entry(cache, `anon:${cache.anonymous++}`, getCode, true, null, null, egress);
  PromisePrototypeThen(ensureStarted(entry), undefined, () => {});
  return new WorkerStub(kInternal, entry);
}

ops.setHook('workerSweep', () => {
  MapPrototypeForEach(caches, (cache) => sweep(cache));
});

// Idle workers go even when nothing uses the cache: a sweep at least every half idle timeout
// (at most every 30 s, at least every 10 ms).
function addCache(key, cache) {
  caches.set(key, cache);
  ops.workerSweepEvery(MathMax(10, MathMin(30000, cache.options.idleTimeoutMs / 2)));
}

// The binding object for one `worker_loaders` entry. Bindings with the same `id` share a cache.
export function makeLoaderBinding(cacheId, options) {
  const key = cacheId === null || cacheId === undefined ? Symbol('anonymous loader') : String(cacheId);
  let cache = caches.get(key);
  if (cache === undefined) {
    const merged = { __proto__: null, ...kDefaults };
    if (options !== null && typeof options === 'object') {
      if (NumberIsInteger(options.maxWorkers) && options.maxWorkers > 0) merged.maxWorkers = options.maxWorkers;
      if (typeof options.maxMemoryMb === 'number' && options.maxMemoryMb > 0) merged.maxMemoryMb = options.maxMemoryMb;
      if (typeof options.idleTimeoutMs === 'number' && options.idleTimeoutMs >= 0) merged.idleTimeoutMs = options.idleTimeoutMs;
    }
    cache = new Cache(merged);
    addCache(key, cache);
  }
  return new WorkerLoader(kInternal, cache);
}

// The workloads of one sandbox (internal:sandbox): a loader whose workers' egress is
// `egress(workerId)`, and whose ids are the sandbox's (`prefix` keeps them apart). All sandboxes
// share one warm cache, so the bounds on warm workers and their memory hold for all of them
// together, however many sandboxes there are.
let sandboxCache = null;
export function makeSandboxLoader(egress, prefix) {
  if (sandboxCache === null) {
    sandboxCache = new Cache({ __proto__: null, ...kDefaults });
    addCache(Symbol('sandbox workloads'), sandboxCache);
  }
  return new WorkerLoader(kInternal, sandboxCache, egress, `${prefix}:`);
}

export { WorkerLoader, WorkerStub };
