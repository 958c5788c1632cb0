// Sandboxes (egress-policy.md): `@cloudflare/sandbox` / `dynworker:sandbox`'s Sandbox and
// getSandbox, the `sandboxes` namespaces of the config, Durable-Object-like instances with
// ctx.storage, their workloads (dynamic workers whose egress is the sandbox policy) and the
// egress itself: every fetch() and connect() of a workload arrives here (a SandboxEgress is
// the workload's globalOutbound, see internal:rpc) and is decided by internal:egress_policy.
//
// Everything here runs in the loader's isolate: handlers are trusted code, called with the
// loader's env; their own fetch() is the loader's, the real network.
//
// Persistence (the state directory, internal:sqlite): one database per namespace (its class
// name), `sandboxes/CLASS.sqlite`, with the instances' ctx.storage (table dw_storage) and their
// run-time policy changes (table dw_policy, never visible through ctx.storage).
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { DurableObject } from 'cloudflare:workers';
import {
  RpcTarget, currentEnv, mainExport, markEgressTarget, acceptConnect, errorRecord, errorFromRecord,
} from 'internal:rpc';
import { makeSandboxLoader } from 'internal:loader';
import { Request, isRequest, requestRecord } from 'internal:request';
import { Response, isResponse, responseRecord } from 'internal:response';
import { parseURL } from 'internal:url';
import { streams } from 'internal:lazy';
import {
  normalizeHost, defaultPort, compileMap, compileList, checkPattern, objectEntries, makePolicy,
  decide, deniedCidrsFor,
} from 'internal:egress_policy';

const {
  ArrayIsArray, ArrayPrototypePush, ArrayPrototypeFilter, ArrayPrototypeMap, ArrayPrototypeSome,
  DateNow, Date, DatePrototypeToISOString, Error, JSONParse, JSONStringify, Map, NumberIsInteger,
  ObjectKeys, ObjectPrototypeHasOwnProperty, PromisePrototypeThen, PromiseReject,
  PromiseResolve, Proxy, ReflectApply, RegExpPrototypeTest, SafeMap, SafeWeakMap, String,
  StringPrototypeLastIndexOf, StringPrototypeSlice, StringPrototypeToLowerCase, Symbol, TypeError,
  Uint8Array, NumberPrototypeToString, StringPrototypePadStart,
  TypedArrayPrototypeGetByteLength,
} = primordials;

const kProxyFailed = 'proxy request failed, cannot connect to the specified address';

// ---------------------------------------------------------------------------------------------
// Storage (internal:sqlite, loaded on first use: most workers have no sandbox).

let sqlite = null;
const tablesMade = new primordials.SafeWeakSet();
function database(className) {
  if (sqlite === null) sqlite = ops.loadBuiltin('internal:sqlite');
  const db = sqlite.openDatabase(`sandboxes/${className}.sqlite`);
  if (!tablesMade.has(db)) {
    db.exec('CREATE TABLE IF NOT EXISTS dw_storage (id TEXT NOT NULL, key TEXT NOT NULL, ' +
      'value BLOB NOT NULL, PRIMARY KEY (id, key)) WITHOUT ROWID');
    db.exec('CREATE TABLE IF NOT EXISTS dw_policy (id TEXT PRIMARY KEY NOT NULL, state TEXT NOT NULL)');
    tablesMade.add(db);
  }
  return db;
}

function hex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += StringPrototypePadStart(NumberPrototypeToString(bytes[i], 16), 2, '0');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ids and namespaces (egress-policy.md section 2).

const kInternal = Symbol('internal');

class DurableObjectId {
  #hex; #name;
  constructor(key, hexId, name) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#hex = hexId;
    this.#name = name;
  }
  get name() { return this.#name; }
  toString() { return this.#hex; }
  equals(other) { return other instanceof DurableObjectId && other.#hex === this.#hex; }
  toJSON() { return this.#hex; }
}

function idHex(id) {
  if (!(id instanceof DurableObjectId)) {
    throw new TypeError('get(id): id must be a Durable Object ID from idFromName(), idFromString() or newUniqueId().');
  }
  return id.toString();
}

// className -> the class whose static settings were checked (each instance compiles its own,
// with its instance fields). An invalid one is never recorded, so every get throws until fixed.
const staticsChecked = new SafeMap();

const instancesByClass = new SafeMap();  // class name -> (hex id -> SandboxState)

class SandboxNamespace {
  #binding; #className; #instances;
  constructor(key, binding, className) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#binding = binding;
    this.#className = className;
    // hex id -> SandboxState, shared by every binding of the class: a namespace is its class
    // (as for Durable Objects), so two bindings of one class reach the same live instances.
    let instances = instancesByClass.get(className);
    if (instances === undefined) {
      instances = new SafeMap();
      instancesByClass.set(className, instances);
    }
    this.#instances = instances;
  }

  idFromName(name) {
    const text = String(name);
    const bytes = ops.sha256(ops.utf8Encode(`dynworker sandbox\0${this.#className}\0${text}`));
    return new DurableObjectId(kInternal, hex(bytes), text);
  }

  idFromString(text) {
    if (typeof text !== 'string' || !RegExpPrototypeTest(/^[0-9a-fA-F]{64}$/, text)) {
      throw new TypeError('Invalid Durable Object ID: must be 64 hex digits');
    }
    return new DurableObjectId(kInternal, StringPrototypeToLowerCase(text), undefined);
  }

  newUniqueId() {
    const bytes = new Uint8Array(32);
    ops.getRandomValues(bytes);
    return new DurableObjectId(kInternal, hex(bytes), undefined);
  }

  get(id) {
    const hexId = idHex(id);
    const cls = this.#sandboxClass();
    let state = this.#instances.get(hexId);
    if (state === undefined || state.cls !== cls) {
      state = new SandboxState(this.#className, cls, hexId, id.name);
      this.#instances.set(hexId, state);
    }
    return state.stub;
  }

  getByName(name) { return this.get(this.idFromName(name)); }

  #sandboxClass() {
    const cls = mainExport(this.#className);
    if (typeof cls !== 'function') {
      throw new TypeError(`The sandboxes binding "${this.#binding}" names the class "${this.#className}", ` +
        `but the main module does not export a class of that name. Export it: export class ${this.#className} extends Sandbox {}`);
    }
    if (staticsChecked.get(this.#className) !== cls) {
      // Throws the pattern error; nothing is recorded then, so the next get throws it again.
      readSettings(cls, null, this.#className);
      staticsChecked.set(this.#className, cls);
    }
    return cls;
  }
}

// The config's `sandboxes` entry (server/env.cc).
export function makeSandboxNamespace(binding, className) {
  return new SandboxNamespace(kInternal, binding, className);
}

// ---------------------------------------------------------------------------------------------
// ctx.storage: transactional key-value storage of one instance (egress-policy.md section 2),
// values in V8's structured-clone format, in the namespace's database.

function storageKey(key) {
  if (typeof key !== 'string') return String(key);
  return key;
}

function keysArgument(keys) {
  const out = [];
  for (let i = 0; i < keys.length; i++) ArrayPrototypePush(out, storageKey(keys[i]));
  return out;
}

class DurableObjectStorage {
  #state;
  constructor(key, state) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#state = state;
  }

  get(keys) {
    return settle(() => {
      const { db, hex: id } = this.#state;
      if (ArrayIsArray(keys)) {
        const out = new Map();
        const list = keysArgument(keys);
        for (let i = 0; i < list.length; i++) {
          const rows = db.exec('SELECT value FROM dw_storage WHERE id = ? AND key = ?', id, list[i]);
          if (rows.length !== 0) out.set(list[i], ops.deserializeValue(rows[0].value));
        }
        return out;
      }
      const rows = db.exec('SELECT value FROM dw_storage WHERE id = ? AND key = ?', id, storageKey(keys));
      return rows.length === 0 ? undefined : ops.deserializeValue(rows[0].value);
    });
  }

  put(keyOrEntries, value = undefined) {
    return settle(() => {
      const { db, hex: id } = this.#state;
      const entries = [];
      if (keyOrEntries !== null && typeof keyOrEntries === 'object') {
        const keys = ObjectKeys(keyOrEntries);
        for (let i = 0; i < keys.length; i++) {
          ArrayPrototypePush(entries, [keys[i], ops.serializeValue(keyOrEntries[keys[i]])]);
        }
      } else {
        if (value === undefined) throw new TypeError('put(key, value): value is required.');
        ArrayPrototypePush(entries, [storageKey(keyOrEntries), ops.serializeValue(value)]);
      }
      db.transaction(() => {
        for (let i = 0; i < entries.length; i++) {
          db.exec('INSERT INTO dw_storage (id, key, value) VALUES (?, ?, ?) ' +
            'ON CONFLICT (id, key) DO UPDATE SET value = excluded.value', id, entries[i][0], entries[i][1]);
        }
      });
    });
  }

  delete(keys) {
    return settle(() => {
      const { db, hex: id } = this.#state;
      const many = ArrayIsArray(keys);
      const list = many ? keysArgument(keys) : [storageKey(keys)];
      let count = 0;
      db.transaction(() => {
        for (let i = 0; i < list.length; i++) {
          const rows = db.exec('DELETE FROM dw_storage WHERE id = ? AND key = ? RETURNING key', id, list[i]);
          count += rows.length;
        }
      });
      return many ? count : count > 0;
    });
  }

  deleteAll() {
    return settle(() => {
      this.#state.db.exec('DELETE FROM dw_storage WHERE id = ?', this.#state.hex);
    });
  }

  // Keys in order (SQLite compares them as UTF-8 bytes, as Durable Objects do).
  list(options = undefined) {
    return settle(() => {
      const { db, hex: id } = this.#state;
      const o = options ?? {};
      let sql = 'SELECT key, value FROM dw_storage WHERE id = ?';
      const params = [null, id];  // [0]: the statement, once it is complete
      if (o.start !== undefined) { sql += ' AND key >= ?'; ArrayPrototypePush(params, storageKey(o.start)); }
      if (o.startAfter !== undefined) { sql += ' AND key > ?'; ArrayPrototypePush(params, storageKey(o.startAfter)); }
      if (o.end !== undefined) { sql += ' AND key < ?'; ArrayPrototypePush(params, storageKey(o.end)); }
      if (o.prefix !== undefined && o.prefix !== '') {
        // Prefix as a range: no LIKE escaping, exact bytes.
        sql += ' AND substr(key, 1, length(?)) = ?';
        ArrayPrototypePush(params, String(o.prefix), String(o.prefix));
      }
      sql += o.reverse === true ? ' ORDER BY key DESC' : ' ORDER BY key';
      if (o.limit !== undefined) {
        if (!NumberIsInteger(o.limit) || o.limit < 1) throw new TypeError('list(): limit must be a positive integer.');
        sql += ' LIMIT ?';
        ArrayPrototypePush(params, o.limit);
      }
      params[0] = sql;
      const rows = ReflectApply(db.exec, db, params);
      const out = new Map();
      for (let i = 0; i < rows.length; i++) out.set(rows[i].key, ops.deserializeValue(rows[i].value));
      return out;
    });
  }

  // The closure runs with this storage; its writes are each atomic (the closure is not
  // isolated from other requests across its awaits).
  transaction(closure) {
    return settle(() => closure(this));
  }

  sync() { return PromiseResolve(undefined); }
}

// ---------------------------------------------------------------------------------------------
// Class settings (egress-policy.md sections 1 and 6): static fields (inherited by subclasses),
// instance fields winning over statics of the same name.

function setting(cls, instance, name) {
  if (instance !== null && ObjectPrototypeHasOwnProperty(instance, name) && instance[name] !== undefined) {
    return instance[name];
  }
  return cls[name];
}

function checkHandler(handler, where) {
  if (typeof handler === 'function') return handler;
  if (handler !== null && typeof handler === 'object' &&
      (typeof handler.fetch === 'function' || typeof handler.connect === 'function')) {
    return handler;
  }
  throw new TypeError(`${where} must be a function (request, env, ctx) or an object with ` +
    'fetch(request, env, ctx) and/or connect(socket, env, ctx).');
}

class Settings {
  constructor(fields) {
    this.handlers = fields.handlers;          // SafeMap name -> handler
    this.staticCatchAll = fields.staticCatchAll;
    this.staticByHost = fields.staticByHost;  // PatternMap | null
    this.allowed = fields.allowed;            // PatternMap | null
    this.allowedList = fields.allowedList;    // the class's list as written, or null
    this.denied = fields.denied;
    this.deniedList = fields.deniedList;
    this.enableInternet = fields.enableInternet;
    this.deniedResponse = fields.deniedResponse;
  }
}

function readSettings(cls, instance, className) {
  const handlers = new SafeMap();
  const named = setting(cls, instance, 'outboundHandlers');
  const names = named === undefined || named === null ? [] : ObjectKeys(named);
  for (let i = 0; i < names.length; i++) {
    handlers.set(names[i], checkHandler(named[names[i]], `${className}.outboundHandlers.${names[i]}`));
  }
  const catchAll = setting(cls, instance, 'outbound');
  const byHost = objectEntries(setting(cls, instance, 'outboundByHost'), `${className}.outboundByHost`);
  for (let i = 0; i < byHost.length; i++) {
    checkHandler(byHost[i][1], `${className}.outboundByHost["${byHost[i][0]}"]`);
  }
  const allowedList = listSetting(setting(cls, instance, 'allowedHosts'), `${className}.allowedHosts`);
  const deniedList = listSetting(setting(cls, instance, 'deniedHosts'), `${className}.deniedHosts`);
  const enable = setting(cls, instance, 'enableInternet');
  const denied = setting(cls, instance, 'deniedResponse');
  if (denied !== undefined && denied !== null && typeof denied !== 'function' && typeof denied !== 'object') {
    throw new TypeError(`${className}.deniedResponse must be a function (request) => Response or ` +
      '{status, body, headers}.');
  }
  return new Settings({
    __proto__: null,
    handlers,
    staticCatchAll: catchAll === undefined || catchAll === null ? null : checkHandler(catchAll, `${className}.outbound`),
    staticByHost: byHost.length === 0 ? null : compileMap(byHost),
    allowed: compileList(allowedList, `${className}.allowedHosts`),
    allowedList,
    denied: compileList(deniedList, `${className}.deniedHosts`),
    deniedList,
    enableInternet: enable === undefined || enable === null ? true : !!enable,
    deniedResponse: denied ?? null,
  });
}

function listSetting(list, what) {
  if (list === undefined || list === null) return null;
  if (!ArrayIsArray(list)) throw new TypeError(`${what} must be an array of host patterns.`);
  return ArrayPrototypeMap(list, (x) => x);
}

// ---------------------------------------------------------------------------------------------
// One live sandbox: its instance, its run-time changes and the policy snapshot in force.

// Run-time changes, as persisted: plain JSON.
//   catchAll: null | { name, params }       (params: a JSON text, or null for undefined)
//   byHost: [[pattern, name, params], ...]  (registration order)
//   allowed / denied: absent (the class's list), null (no list) or [pattern, ...]
function emptyRuntime() {
  return { __proto__: null, catchAll: null, byHost: [], allowed: undefined, denied: undefined };
}

const stateOf = new SafeWeakMap();  // Sandbox instance -> SandboxState

class SandboxState {
  constructor(className, cls, hexId, name) {
    this.className = className;
    this.cls = cls;
    this.hex = hexId;
    this.name = name;
    this.db = database(className);
    this.id = new DurableObjectId(kInternal, hexId, name);
    const ctx = {
      id: this.id,
      storage: new DurableObjectStorage(kInternal, this),
      waitUntil(promise) { PromisePrototypeThen(PromiseResolve(promise), undefined, () => {}); },
      blockConcurrencyWhile(fn) { return PromiseResolve(fn()); },
    };
    this.instance = new cls(ctx, currentEnv());
    // Instance fields (checked now: an invalid one makes this get throw, and nothing is kept).
    this.settings = readSettings(cls, this.instance, className);
    this.runtime = this.#loadRuntime();
    this.policy = null;
    this.#swap(this.runtime);
    this.loader = null;
    this.egress = new SafeMap();  // worker id (or '') -> SandboxEgress
    stateOf.set(this.instance, this);
    this.stub = makeStub(this);
  }

  // The persisted run-time changes. One that cannot be used as it was saved (unreadable, a
  // handler name the code no longer has, a pattern the current rules reject) must not quietly
  // widen the policy (a lost deny list or setAllowedHosts([]) would): the sandbox then denies
  // all egress (an empty allow list) until a setter replaces the changes, and says so.
  #loadRuntime() {
    const rows = this.db.exec('SELECT state FROM dw_policy WHERE id = ?', this.hex);
    if (rows.length === 0) return emptyRuntime();
    let problem = null;
    const runtime = emptyRuntime();
    try {
      const saved = JSONParse(rows[0].state);
      const known = (name) => typeof name === 'string' && this.settings.handlers.has(name);
      if (saved.catchAll !== null) {
        if (typeof saved.catchAll !== 'object' || !known(saved.catchAll.name)) {
          throw new Error(`the catch-all names a handler ${this.className} no longer has`);
        }
        runtime.catchAll = { __proto__: null, name: saved.catchAll.name, params: saved.catchAll.params ?? null };
      }
      if (!ArrayIsArray(saved.byHost)) throw new Error('the per-host map is missing');
      for (let i = 0; i < saved.byHost.length; i++) {
        const e = saved.byHost[i];
        if (!ArrayIsArray(e) || !known(e[1])) {
          throw new Error(`"${String(e?.[0])}" names a handler ${this.className} no longer has`);
        }
      }
      runtime.byHost = saved.byHost;
      if (ObjectPrototypeHasOwnProperty(saved, 'allowed')) runtime.allowed = saved.allowed;
      if (ObjectPrototypeHasOwnProperty(saved, 'denied')) runtime.denied = saved.denied;
      this.#compile(runtime);
      return runtime;
    } catch (error) {
      problem = error?.message ?? String(error);
    }
    ops.log('error', `Sandbox ${this.className} ${this.hex}: its saved run-time policy cannot be ` +
      `used (${problem}); it denies all egress until a setter such as setAllowedHosts(null) ` +
      'replaces the run-time changes.');
    const closed = emptyRuntime();
    closed.allowed = [];
    return closed;
  }

  // The policy for `runtime` (throws the pattern error of an invalid entry).
  #compile(runtime) {
    const s = this.settings;
    const ref = (name, params) => ({ __proto__: null, name, params, handler: s.handlers.get(name) });
    return makePolicy({
      __proto__: null,
      denied: runtime.denied === undefined ? s.denied : compileList(runtime.denied, 'deniedHosts'),
      allowed: runtime.allowed === undefined ? s.allowed : compileList(runtime.allowed, 'allowedHosts'),
      runtimeByHost: runtime.byHost.length === 0 ? null
        : compileMap(ArrayPrototypeMap(runtime.byHost, (e) => [e[0], ref(e[1], e[2])])),
      staticByHost: s.staticByHost,
      runtimeCatchAll: runtime.catchAll === null ? null : ref(runtime.catchAll.name, runtime.catchAll.params),
      staticCatchAll: s.staticCatchAll,
      enableInternet: s.enableInternet,
    });
  }

  #swap(runtime) {
    this.policy = this.#compile(runtime);
    this.runtime = runtime;
  }

  // A run-time change: compiled first (all or nothing), persisted, then swapped in; it applies
  // from the next decision on.
  change(runtime) {
    const policy = this.#compile(runtime);
    const saved = { catchAll: runtime.catchAll, byHost: runtime.byHost };
    if (runtime.allowed !== undefined) saved.allowed = runtime.allowed;
    if (runtime.denied !== undefined) saved.denied = runtime.denied;
    this.db.exec('INSERT INTO dw_policy (id, state) VALUES (?, ?) ' +
      'ON CONFLICT (id) DO UPDATE SET state = excluded.state', this.hex, JSONStringify(saved));
    this.policy = policy;
    this.runtime = runtime;
  }

  checkName(name) {
    if (typeof name !== 'string' || !this.settings.handlers.has(name)) {
      throw new TypeError(`No outbound handler named ${String(name)} on ${this.className}.`);
    }
    return name;
  }

  egressFor(workerId) {
    const key = workerId ?? '';
    let egress = this.egress.get(key);
    if (egress === undefined) {
      egress = new SandboxEgress(kInternal, this, workerId);
      markEgressTarget(egress);
      this.egress.set(key, egress);
    }
    return egress;
  }

  workloads() {
    if (this.loader === null) this.loader = makeSandboxLoader((workerId) => this.egressFor(workerId), this.hex);
    return this.loader;
  }
}

function copyRuntime(r) {
  return {
    __proto__: null,
    catchAll: r.catchAll,
    byHost: ArrayPrototypeMap(r.byHost, (e) => e),
    allowed: r.allowed,
    denied: r.denied,
  };
}

function paramsText(params) {
  if (params === undefined) return null;
  let text;
  try {
    text = JSONStringify(params);
  } catch (error) {
    throw new TypeError(`params must be JSON: ${error.message}`);
  }
  if (text === undefined) throw new TypeError('params must be JSON (an object, array, string, number, boolean or null).');
  return text;
}

function sameKey(a, b) { return checkPattern(a).key === checkPattern(b).key; }

function effectiveList(state, which) {
  const runtime = state.runtime[which];
  if (runtime !== undefined) return runtime;
  return which === 'allowed' ? state.settings.allowedList : state.settings.deniedList;
}

function listArgument(list, what) {
  if (list === null) return null;
  if (!ArrayIsArray(list)) throw new TypeError(`${what}(list): list must be an array of host patterns, or null.`);
  const out = ArrayPrototypeMap(list, (x) => x);
  compileList(out, what);  // every pattern checked before anything changes
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sandbox: the base class users extend. Its methods are what a stub forwards to; run-time
// setters return promises (egress-policy.md section 3).

function stateFor(instance) {
  const state = stateOf.get(instance);
  if (state === undefined) {
    throw new TypeError('This Sandbox was not made by a sandboxes namespace: get it with getSandbox(env.BINDING, name).');
  }
  return state;
}

// Runs a setter body: its result (or error) as a promise, never a synchronous throw.
function settle(fn) {
  try {
    return PromiseResolve(fn());
  } catch (error) {
    return PromiseReject(error);
  }
}

class Sandbox extends DurableObject {
  load(code) { return stateFor(this).workloads().load(code); }

  get(id, getCode) { return stateFor(this).workloads().get(id, getCode); }

  exec() {
    return PromiseReject(new Error('sandbox.exec() is not supported by dynworker yet: run workloads as ' +
      'dynamic workers with sandbox.load(code) or sandbox.get(id, getCode).'));
  }

  setOutboundHandler(name, params = undefined) {
    return settle(() => {
      const state = stateFor(this);
      const runtime = copyRuntime(state.runtime);
      if (name !== null && typeof name !== 'string') {
        throw new TypeError('setOutboundHandler(name, params): name must be the name of one of ' +
          `${state.className}.outboundHandlers, or null to remove the run-time catch-all.`);
      }
      runtime.catchAll = name === null ? null
        : { __proto__: null, name: state.checkName(name), params: paramsText(params) };
      state.change(runtime);
    });
  }

  setOutboundByHost(host, name, params = undefined) {
    return settle(() => {
      const state = stateFor(this);
      checkPattern(host);
      if (typeof name !== 'string') {
        throw new TypeError('setOutboundByHost(host, name, params): name must be the name of one of ' +
          `${state.className}.outboundHandlers.`);
      }
      state.checkName(name);
      const runtime = copyRuntime(state.runtime);
      const entry = [host, name, paramsText(params)];
      let replaced = false;
      for (let i = 0; i < runtime.byHost.length; i++) {
        if (sameKey(runtime.byHost[i][0], host)) {
          runtime.byHost[i] = entry;
          replaced = true;
          break;
        }
      }
      if (!replaced) ArrayPrototypePush(runtime.byHost, entry);
      state.change(runtime);
    });
  }

  setOutboundByHosts(map) {
    return settle(() => {
      const state = stateFor(this);
      if (map === null || typeof map !== 'object' || ArrayIsArray(map)) {
        throw new TypeError('setOutboundByHosts(map): map must be an object such as { "api.example.com": "handlerName" }.');
      }
      const byHost = [];
      const hosts = ObjectKeys(map);
      for (let i = 0; i < hosts.length; i++) {
        const value = map[hosts[i]];
        checkPattern(hosts[i]);
        if (typeof value === 'string') {
          ArrayPrototypePush(byHost, [hosts[i], state.checkName(value), null]);
        } else if (value !== null && typeof value === 'object' && typeof value.method === 'string') {
          ArrayPrototypePush(byHost, [hosts[i], state.checkName(value.method), paramsText(value.params)]);
        } else {
          throw new TypeError(`setOutboundByHosts(map): the value for "${hosts[i]}" must be a handler ` +
            'name or { method, params }.');
        }
      }
      const runtime = copyRuntime(state.runtime);
      runtime.byHost = byHost;
      state.change(runtime);
    });
  }

  removeOutboundByHost(host) {
    return settle(() => {
      const state = stateFor(this);
      checkPattern(host);
      const runtime = copyRuntime(state.runtime);
      runtime.byHost = ArrayPrototypeFilter(runtime.byHost, (e) => !sameKey(e[0], host));
      state.change(runtime);
    });
  }

  setAllowedHosts(list) { return this.#setList('allowed', list, 'setAllowedHosts'); }
  setDeniedHosts(list) { return this.#setList('denied', list, 'setDeniedHosts'); }
  allowHost(host) { return this.#addTo('allowed', host); }
  denyHost(host) { return this.#addTo('denied', host); }
  removeAllowedHost(host) { return this.#removeFrom('allowed', host); }
  removeDeniedHost(host) { return this.#removeFrom('denied', host); }

  #setList(which, list, what) {
    return settle(() => {
      const state = stateFor(this);
      const runtime = copyRuntime(state.runtime);
      runtime[which] = listArgument(list, what);
      state.change(runtime);
    });
  }

  #addTo(which, host) {
    return settle(() => {
      const state = stateFor(this);
      checkPattern(host);
      const list = ArrayPrototypeMap(effectiveList(state, which) ?? [], (x) => x);
      if (!ArrayPrototypeSome(list, (p) => sameKey(p, host))) ArrayPrototypePush(list, host);
      const runtime = copyRuntime(state.runtime);
      runtime[which] = list;
      state.change(runtime);
    });
  }

  #removeFrom(which, host) {
    return settle(() => {
      const state = stateFor(this);
      checkPattern(host);
      const current = effectiveList(state, which);
      if (current === null) return;
      const runtime = copyRuntime(state.runtime);
      runtime[which] = ArrayPrototypeFilter(current, (p) => !sameKey(p, host));
      state.change(runtime);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Stubs: what env.Sandbox.get(id) returns. load and get answer synchronously (like
// env.LOADER's); every other method is an RPC-style call returning a promise.

const kSync = new primordials.SafeSet(['load', 'get']);

function makeStub(state) {
  const target = {};
  return new Proxy(target, {
    __proto__: null,
    get(t, prop) {
      if (typeof prop !== 'string') return undefined;
      if (prop === 'then' || prop === 'toJSON') return undefined;  // a stub is not a promise
      if (prop === 'id') return state.id;
      if (prop === 'name') return state.name;
      if (kSync.has(prop)) {
        return (...args) => ReflectApply(state.instance[prop], state.instance, args);
      }
      if (prop === 'fetch') {
        return (input, init = undefined) => settle(() => {
          const fetchMethod = state.instance.fetch;
          if (typeof fetchMethod !== 'function') {
            throw new TypeError(`${state.className} has no fetch(request) method.`);
          }
          return PromisePrototypeThen(PromiseResolve(ReflectApply(fetchMethod, state.instance,
            [isRequest(input) && init === undefined ? input : new Request(input, init)])), (response) => {
            if (!isResponse(response)) {
              throw new TypeError(`${state.className}.fetch() must return a Response.`);
            }
            return response;
          });
        });
      }
      if (prop === 'constructor') {
        return () => PromiseReject(new TypeError("'constructor' is a reserved method and cannot be called over RPC."));
      }
      return (...args) => settle(() => {
        const method = state.instance[prop];
        if (typeof method !== 'function') {
          throw new TypeError(`The RPC receiver does not implement the method "${prop}".`);
        }
        return ReflectApply(method, state.instance, args);
      });
    },
    set() { return false; },
    has(t, prop) { return typeof prop === 'string' && typeof state.instance[prop] === 'function'; },
  });
}

export function getSandbox(namespace, name, options = undefined) {
  if (!(namespace instanceof SandboxNamespace)) {
    const got = namespace === undefined ? 'undefined (is the binding in the config\'s "sandboxes"?)'
      : namespace === null ? 'null' : `a ${typeof namespace}`;
    throw new TypeError(`getSandbox(ns, name): ns must be a sandboxes binding such as env.Sandbox, got ${got}.`);
  }
  return namespace.get(namespace.idFromName(name));
}

// ---------------------------------------------------------------------------------------------
// The egress: a workload's fetch() and connect() (egress-policy.md sections 4 and 5).

function handlerLabel(state, decision) {
  switch (decision.step) {
    case 3: case 5: return decision.value.name;
    case 4: return 'outboundByHost';
    case 6: return 'outbound';
    default: return null;
  }
}

function handlerOf(decision) {
  return decision.step === 3 || decision.step === 5 ? decision.value.handler : decision.value;
}

function handlerCtx(state, decision) {
  const params = decision.step === 3 || decision.step === 5 ? decision.value.params : null;
  return {
    containerId: state.hex,
    className: state.className,
    params: params === null || params === undefined ? undefined : JSONParse(params),
  };
}

function deniedResponse(state, request) {
  const setting = state.settings.deniedResponse;
  if (typeof setting === 'function') {
    return PromisePrototypeThen(PromiseResolve(ReflectApply(setting, undefined, [request])), (response) => {
      if (!isResponse(response)) throw new TypeError(`${state.className}.deniedResponse must return a Response.`);
      return response;
    });
  }
  if (setting !== null && typeof setting === 'object') {
    return PromiseResolve(new Response(setting.body ?? 'Origin is disallowed', {
      __proto__: null, status: setting.status ?? 520, headers: setting.headers ?? undefined,
    }));
  }
  return PromiseResolve(new Response('Origin is disallowed', { __proto__: null, status: 520 }));
}

let addressCheck = null;  // internal:fetch and internal:sockets' checked variants, on first use
function checkedNetwork() {
  if (addressCheck === null) {
    const fetchModule = ops.loadBuiltin('internal:fetch');
    const socketsModule = ops.loadBuiltin('internal:sockets');
    addressCheck = {
      __proto__: null,
      fetch: fetchModule.fetchDenyingAddresses ?? null,
      plainFetch: fetchModule.fetch,
      connect: socketsModule.connectDenyingAddresses ?? null,
      plainConnect: socketsModule.connect,
    };
  }
  return addressCheck;
}

// A refusal by the address check (never an error a workload or handler made look like one).
function isDenial(error) {
  return ops.isAddressDenial(error);
}

// `dynworker test`'s captureEgressLog() (dynworker:test): the lines also go to this array.
let captured = null;
export function captureEgressLog() {
  if (captured === null) captured = [];
  return captured;
}
function auditing() { return captured !== null || ops.egressLogEnabled(); }

class AuditRecord {
  constructor(state, workerId, method, scheme, host, port) {
    this.start = DateNow();
    this.sandbox = state.hex;
    this.worker = workerId;
    this.method = method;
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.step = 0;
    this.pattern = null;
    this.handler = null;
    this.status = null;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.written = false;
  }

  write() {
    if (this.written) return;
    this.written = true;
    const line = JSONStringify({
      time: DatePrototypeToISOString(new Date(this.start)),
      sandbox: this.sandbox,
      worker: this.worker,
      method: this.method,
      scheme: this.scheme,
      host: this.host,
      port: this.port,
      step: this.step,
      pattern: this.pattern,
      handler: this.handler,
      status: this.status,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ms: DateNow() - this.start,
    });
    if (captured !== null) ArrayPrototypePush(captured, line);
    ops.egressLog(line);
  }
}

// The byte length of a body record whose bytes are known and not read yet (0 for none), or
// null for a stream. Read from the record: the body getter would turn the bytes into a stream.
function knownLength(body) {
  if (body === null) return 0;
  return body.stream === null && body.source !== null && !body.used ? body.length : null;
}

// A stream passing `body` through, counting its bytes into record[field]; `done` once when it
// ends (read to its end, canceled or failed). Pulls one chunk per read of its own (no queue, no
// pipe): the audit costs a promise per chunk, not a TransformStream's machinery.
function counted(body, record, field, done) {
  const { ReadableStream } = streams();
  const reader = body.getReader();
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    if (done !== null) done();
  };
  return new ReadableStream({
    __proto__: null,
    pull(controller) {
      return PromisePrototypeThen(reader.read(), (result) => {
        if (result.done) {
          controller.close();
          finish();
          return;
        }
        const chunk = result.value;
        record[field] += TypedArrayPrototypeGetByteLength(chunk);
        controller.enqueue(chunk);
      }, (error) => {
        controller.error(error);
        finish();
      });
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  }, { __proto__: null, highWaterMark: 0 });
}

function splitAddress(address) {
  if (typeof address !== 'string') return null;
  const colon = StringPrototypeLastIndexOf(address, ':');
  if (colon <= 0) return null;
  let host = StringPrototypeSlice(address, 0, colon);
  const portText = StringPrototypeSlice(address, colon + 1);
  if (!RegExpPrototypeTest(/^\d{1,5}$/, portText)) return null;
  if (host[0] === '[' && host[host.length - 1] === ']') host = StringPrototypeSlice(host, 1, -1);
  const normalized = normalizeHost(host);
  return normalized === null ? null : { __proto__: null, host: normalized, port: +portText };
}

class SandboxEgress extends RpcTarget {
  #state; #workerId;
  constructor(key, state, workerId) {
    super();
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#state = state;
    this.#workerId = workerId;
  }

  // One hop of a workload's fetch(): the workload's own fetch() follows redirects, each hop
  // coming back here to be decided again; so the request goes on with redirect: 'manual'.
  fetch(request) {
    const state = this.#state;
    const url = parseURL(request.url);
    if (url === null || url.host === null) return PromiseReject(new TypeError(`Invalid URL: ${request.url}`));
    const scheme = url.scheme;
    let host = url.host;
    if (host[host.length - 1] === '.') host = StringPrototypeSlice(host, 0, -1);
    const port = url.port ?? defaultPort(scheme);
    const decision = decide(state.policy, host, port);
    const record = auditing()
      ? new AuditRecord(state, this.#workerId, request.method, scheme, host, port) : null;
    if (record !== null) {
      record.step = decision.step;
      record.pattern = decision.pattern;
      record.handler = handlerLabel(state, decision);
    }
    let outgoing = request;
    if (!decision.denied) {
      const init = { __proto__: null, redirect: 'manual' };
      if (record !== null) {
        const known = knownLength(requestRecord(request).body);
        if (known !== null) {
          record.bytesOut = known;
        } else if (request.body !== null) {
          init.body = counted(request.body, record, 'bytesOut', null);
          init.duplex = 'half';
        }
      }
      outgoing = new Request(request, init);
      if (!decision.network) {
        // A handler that forwards this request (fetch(request), or a Request made from it)
        // still may not reach an address in the deny list's CIDR blocks.
        const cidrs = deniedCidrsFor(state.policy, port);
        if (cidrs.length !== 0) requestRecord(outgoing).deniedCidrs = ArrayPrototypeMap(cidrs, (c) => c[0]);
      }
    }
    let answer;
    try {
      answer = this.#answer(state, decision, outgoing, host, port, record);
    } catch (error) {
      answer = PromiseReject(error);
    }
    answer = PromisePrototypeThen(answer, undefined, (error) => { throw forWorkload(error); });
    if (record === null) return answer;
    return PromisePrototypeThen(answer, (response) => {
      record.status = response.status;
      // A denial is logged at once: its body is the policy's, and a workload that never reads
      // it must not keep the attempt out of the log. So is a body whose bytes are known up front
      // (a string or buffer): it also stays inline in the reply to the workload.
      const known = knownLength(responseRecord(response).body);
      if (known !== null) record.bytesIn = known;
      if (known !== null || record.step === 1 || record.step === 2 || record.step === 9) {
        record.write();
        return response;
      }
      const body = counted(response.body, record, 'bytesIn', () => record.write());
      return new Response(body, {
        __proto__: null, status: response.status, statusText: response.statusText, headers: response.headers,
      });
    }, (error) => {
      record.write();
      throw error;
    });
  }

  #answer(state, decision, request, host, port, record) {
    if (decision.denied) return deniedResponse(state, request);
    if (!decision.network) {
      const handler = handlerOf(decision);
      const ctx = handlerCtx(state, decision);
      const env = currentEnv();
      let result;
      if (typeof handler === 'function') {
        result = ReflectApply(handler, undefined, [request, env, ctx]);
      } else if (typeof handler.fetch === 'function') {
        result = ReflectApply(handler.fetch, handler, [request, env, ctx]);
      } else {
        throw new TypeError(`The outbound handler ${handlerLabel(state, decision)} of ${state.className} ` +
          `has no fetch(request, env, ctx) method, so it cannot answer HTTP requests to ${host}.`);
      }
      return PromisePrototypeThen(PromiseResolve(result), (response) => {
        if (!isResponse(response)) {
          throw new TypeError(`The outbound handler ${handlerLabel(state, decision)} of ${state.className} ` +
            'must return a Response.');
        }
        return response;
      });
    }
    const net = checkedNetwork();
    const cidrs = isName(host) ? deniedCidrsFor(state.policy, port) : [];
    if (cidrs.length === 0 || net.fetch === null) return net.plainFetch(request);
    return PromisePrototypeThen(net.fetch(request, undefined, ArrayPrototypeMap(cidrs, (c) => c[0])),
      undefined, (error) => {
        if (!isDenial(error)) throw error;
        if (record !== null) {
          record.step = 1;
          record.pattern = patternOf(cidrs, error.deniedCidr);
        }
        return deniedResponse(state, request);
      });
  }

  // A workload's connect(): resolves once the connection is open (the workload's
  // socket.opened), rejects with the denial or the proxy failure.
  connect(socket) {
    const state = this.#state;
    const where = splitAddress(socket.address);
    if (where === null) return PromiseReject(new TypeError(`Invalid address: ${String(socket.address)}`));
    const { host, port } = where;
    const decision = decide(state.policy, host, port);
    const scheme = socket.secureTransport === 'on' ? 'tls' : 'tcp';
    const record = auditing()
      ? new AuditRecord(state, this.#workerId, 'CONNECT', scheme, host, port) : null;
    if (record !== null) {
      record.step = decision.step;
      record.pattern = decision.pattern;
      record.handler = handlerLabel(state, decision);
    }
    const finish = () => { if (record !== null) record.write(); };
    const denied = () => {
      finish();
      return PromiseReject(new Error(`Egress to ${host}:${port} is not permitted by the sandbox policy.`));
    };
    if (decision.denied) return denied();
    if (!decision.network) {
      const handler = handlerOf(decision);
      if (typeof handler !== 'object' || typeof handler.connect !== 'function') {
        finish();
        return PromiseReject(new Error(kProxyFailed));
      }
      const ctx = handlerCtx(state, decision);
      const watched = record === null ? handler : {
        __proto__: null,
        connect(s, env, c) {
          return PromisePrototypeThen(PromiseResolve(ReflectApply(handler.connect, handler, [s, env, c])),
            finish, (error) => { finish(); throw error; });
        },
      };
      return acceptConnect(watched, true, socket, currentEnv(), ctx);
    }
    const net = checkedNetwork();
    const cidrs = isName(host) ? deniedCidrsFor(state.policy, port) : [];
    const options = { __proto__: null, secureTransport: socket.secureTransport === 'on' ? 'on' : 'off' };
    const address = host[0] === '[' ? `${host}:${port}` : `${host}:${port}`;
    let real;
    try {
      real = cidrs.length === 0 || net.connect === null ? net.plainConnect(address, options)
        : net.connect(address, options, ArrayPrototypeMap(cidrs, (c) => c[0]));
    } catch (error) {
      finish();
      return PromiseReject(error);
    }
    return PromisePrototypeThen(real.opened, () => {
      const pipe = {
        __proto__: null,
        connect(s) {
          const up = record === null ? s.readable : counted(s.readable, record, 'bytesOut', null);
          const down = record === null ? real.readable : counted(real.readable, record, 'bytesIn', null);
          const a = PromisePrototypeThen(up.pipeTo(real.writable), undefined, () => {});
          const b = PromisePrototypeThen(down.pipeTo(s.writable), undefined, () => {});
          return PromisePrototypeThen(PromisePrototypeThen(a, () => b), () => {
            PromisePrototypeThen(real.close(), undefined, () => {});
            finish();
          });
        },
      };
      return acceptConnect(pipe, true, socket, currentEnv(), undefined);
    }, (error) => {
      if (isDenial(error)) {
        if (record !== null) {
          record.step = 1;
          record.pattern = patternOf(cidrs, error.deniedCidr);
        }
        return denied();
      }
      finish();
      throw error;
    });
  }
}

// A handler's (or the network's) error as the workload gets it: the same name and message
// (egress-policy.md section 1), without the loader's stack, which names its files, lines and
// functions, nor its other properties. The RPC reply would carry the stack: it is replaced here.
function forWorkload(error) {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return error;
  const record = errorRecord(error);
  record.stack = record.message === '' ? record.name : `${record.name}: ${record.message}`;
  return errorFromRecord(record, false);
}

function isName(host) {
  return host[0] !== '[' && !RegExpPrototypeTest(/^\d+\.\d+\.\d+\.\d+$/, host);
}

function patternOf(cidrs, cidr) {
  for (let i = 0; i < cidrs.length; i++) if (cidrs[i][0] === cidr) return cidrs[i][1];
  return cidr;
}

// Cloudflare's package exports it for `export { ContainerProxy } from "@cloudflare/sandbox"`;
// dynworker does not need it.
class ContainerProxy {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

export { Sandbox, ContainerProxy, SandboxNamespace, DurableObjectId };
