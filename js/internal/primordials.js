// Built-ins captured before any user code runs ("primordials", as in node and deno).
// The runtime's own JS must use these instead of globals or prototype methods, so that a
// worker replacing Array.prototype.push, Promise.prototype.then, JSON.parse, ... cannot
// change how console, timers, encoding or the test runner behave.
//
// Naming (node's convention), generated below for every constructor and namespace in TARGETS:
//   static / namespace member      ArrayIsArray, ObjectKeys, JSONStringify, MathMax
//   prototype method, uncurried    ArrayPrototypePush(arr, x), StringPrototypeSlice(s, 0, 2)
//   prototype getter, uncurried    MapPrototypeGetSize(map), TypedArrayPrototypeGetLength(u8)
//   constructor                    Array, Map, Uint8Array, Error, TypeError, ...
//   Symbol.iterator style keys     ArrayPrototypeSymbolIterator(arr)
// Extras: uncurryThis, SafeMap/SafeSet/SafeWeakMap/SafeWeakSet (iteration and methods
// immune to prototype patches), SafePromiseAll, PromiseResolve, PromiseReject,
// globalThis captured as `globalThis`.
//
// Only the names that occur somewhere in the runtime's JS are kept (ops.builtinsMention, a
// word scan of every runtime module's source), plus each constructor and its prototype
// (`${name}Prototype`, which code may compose): this object, its keys and the uncurried
// functions are in the startup snapshot that every new isolate deserializes, and about 500 of
// the 730 were never used (5% of a new dynamic worker's start). A name used for the first
// time in a runtime module is found by the same scan, so nothing needs listing by hand.

import ops from 'internal:ops';

const { apply, bind, call } = Function.prototype;
const uncurryThis = bind.bind(call);
const applyBind = bind.bind(apply);
const ReflectApply = Reflect.apply;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectDefineProperty = Object.defineProperty;
const ObjectFreeze = Object.freeze;
const ObjectSetPrototypeOf = Object.setPrototypeOf;
const ReflectOwnKeys = Reflect.ownKeys;
const SymbolFor = Symbol.for;

const primordials = { __proto__: null, uncurryThis, applyBind, globalThis };

function keyName(key) {
  if (typeof key === 'symbol') {
    // Symbol(Symbol.iterator) -> SymbolIterator
    const desc = key.description;
    if (desc === undefined || desc.slice(0, 7) !== 'Symbol.') return undefined;
    return 'Symbol' + desc[7].toUpperCase() + desc.slice(8);
  }
  return key[0].toUpperCase() + key.slice(1);
}

function copyProps(src, prefix, dest, uncurry) {
  const keys = ReflectOwnKeys(src);
  for (let i = 0; i < keys.length; i++) copyKey(src, keys[i], prefix, dest, uncurry);
}

function copyKey(src, key, prefix, dest, uncurry) {
  if (key === 'constructor' || key === 'caller' || key === 'callee' || key === 'arguments') return;
  const name = keyName(key);
  if (name === undefined) return;
  const wanted = (full) => key === 'prototype' || ops.builtinsMention(full);
  const desc = ObjectGetOwnPropertyDescriptor(src, key);
  if ('get' in desc || 'set' in desc) {
    if (desc.get && wanted(`${prefix}Get${name}`)) {
      dest[`${prefix}Get${name}`] = uncurry ? uncurryThis(desc.get) : desc.get;
    }
    if (desc.set && wanted(`${prefix}Set${name}`)) {
      dest[`${prefix}Set${name}`] = uncurry ? uncurryThis(desc.set) : desc.set;
    }
  } else if (wanted(`${prefix}${name}`)) {
    const value = desc.value;
    if (uncurry && typeof value === 'function') dest[`${prefix}${name}`] = uncurryThis(value);
    else dest[`${prefix}${name}`] = value;
  }
}

const TypedArray = Object.getPrototypeOf(Uint8Array);
const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
const ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
const StringIteratorPrototype = Object.getPrototypeOf(''[Symbol.iterator]());
const MapIteratorPrototype = Object.getPrototypeOf(new Map()[Symbol.iterator]());
const SetIteratorPrototype = Object.getPrototypeOf(new Set()[Symbol.iterator]());

// Each constructor of `constructors` ({ Name: ctor }) with its statics and uncurried
// prototype methods.
function copyConstructors(constructors, dest) {
  for (const name of ObjectGetOwnPropertyNames(constructors)) {
    const ctor = constructors[name];
    dest[name] = ctor;
    copyProps(ctor, name, dest, false);
    if (ctor.prototype) copyProps(ctor.prototype, `${name}Prototype`, dest, true);
  }
}

// Copies every built-in into `dest`. Run once at module evaluation and again by
// completePrimordials(): when this module is evaluated inside V8's SnapshotCreator (the
// startup snapshot, src/jsg/snapshot.cc), V8 has not installed Atomics, SharedArrayBuffer,
// Object.hasOwn, Array/String/TypedArray.prototype.at, findLast*, Error.stackTraceLimit yet:
// it adds them to each context deserialized from the snapshot. So nothing here may assume
// they exist.
function capture(dest) {
  // (No Atomics: the runtime does not use it, and V8 installs it only after deserialization.)
  const namespaces = { JSON, Math, Reflect };
  for (const name of ObjectGetOwnPropertyNames(namespaces)) {
    dest[name] = namespaces[name];
    copyProps(namespaces[name], name, dest, false);
  }

  const constructors = {
    AggregateError, Array, ArrayBuffer, BigInt, BigInt64Array, BigUint64Array, Boolean, DataView,
    Date, Error, EvalError, FinalizationRegistry, Float32Array, Float64Array, Function, Int16Array,
    Int32Array, Int8Array, Map, Number, Object, Promise, Proxy, RangeError, ReferenceError, RegExp,
    Set, String, Symbol, SyntaxError, TypeError, URIError, Uint16Array,
    Uint32Array, Uint8Array, Uint8ClampedArray, WeakMap, WeakRef, WeakSet, TypedArray,
  };
  if (typeof SharedArrayBuffer === 'function') constructors.SharedArrayBuffer = SharedArrayBuffer;
  copyConstructors(constructors, dest);
  for (const [name, proto] of [
    ['AsyncIteratorPrototype', AsyncIteratorPrototype], ['ArrayIteratorPrototype', ArrayIteratorPrototype],
    ['StringIteratorPrototype', StringIteratorPrototype], ['MapIteratorPrototype', MapIteratorPrototype],
    ['SetIteratorPrototype', SetIteratorPrototype]]) {
    dest[name] = proto;
    copyProps(proto, name, dest, true);
  }
  for (const name of ['decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
    'escape', 'unescape', 'isFinite', 'isNaN', 'parseFloat', 'parseInt']) {
    dest[name] = globalThis[name];
  }
}
capture(primordials);

// The built-ins V8 10.2 installs only in deserialized contexts (see capture()), by name:
// enumerating the objects they are on again cost a new dynamic worker 4% of its start.
// SnapshotTest.GlobalsAndPrimordialsMatchABootstrapFromScratch fails if V8 adds one more.
const lateMembers = [
  [Object, 'Object', 'hasOwn', false],
  [Array.prototype, 'ArrayPrototype', 'at', true],
  [Array.prototype, 'ArrayPrototype', 'findLast', true],
  [Array.prototype, 'ArrayPrototype', 'findLastIndex', true],
  [String.prototype, 'StringPrototype', 'at', true],
  [TypedArray.prototype, 'TypedArrayPrototype', 'at', true],
  [TypedArray.prototype, 'TypedArrayPrototype', 'findLast', true],
  [TypedArray.prototype, 'TypedArrayPrototype', 'findLastIndex', true],
  [Error, 'Error', 'stackTraceLimit', false],
];
function captureLate(dest) {
  if (typeof SharedArrayBuffer === 'function') copyConstructors({ SharedArrayBuffer }, dest);
  for (let i = 0; i < lateMembers.length; i++) {
    const [holder, prefix, key, uncurry] = lateMembers[i];
    if (ObjectGetOwnPropertyDescriptor(holder, key) !== undefined) copyKey(holder, key, prefix, dest, uncurry);
  }
}

// Functions a runtime module may take from primordials at its top level although V8 adds them
// only after deserialization (see capture()). Until completePrimordials() runs they are
// forwarders to the real function, so a module that destructured one keeps a working function.
const lateFunctions = { __proto__: null };
for (const name of ['ObjectHasOwn', 'SharedArrayBufferPrototypeGetByteLength',
  'SharedArrayBufferPrototypeSlice', 'ArrayPrototypeAt', 'StringPrototypeAt',
  'TypedArrayPrototypeAt', 'ArrayPrototypeFindLast', 'ArrayPrototypeFindLastIndex',
  'TypedArrayPrototypeFindLast', 'TypedArrayPrototypeFindLastIndex']) {
  if (primordials[name] !== undefined) continue;
  lateFunctions[name] = undefined;
  const forward = function (...args) { return ReflectApply(lateFunctions[name], undefined, args); };
  ObjectDefineProperty(forward, 'name', { value: name });
  primordials[name] = forward;
}
primordials.SymbolFor = SymbolFor;

// A class whose instances keep working when Map.prototype / Set.prototype are patched:
// every method, and iteration, is bound to the captured originals.
function makeSafe(unsafe, safe) {
  if (Symbol.iterator in unsafe.prototype) {
    const dummy = new unsafe();
    let next;
    for (const key of ReflectOwnKeys(unsafe.prototype)) {
      if (key === 'constructor') continue;
      const desc = ObjectGetOwnPropertyDescriptor(unsafe.prototype, key);
      if (typeof desc.value === 'function' && desc.value.length === 0 &&
          Symbol.iterator in (ReflectApply(desc.value, dummy, []) ?? {})) {
        const createIterator = uncurryThis(desc.value);
        next ??= uncurryThis(createIterator(dummy).next);
        const SafeIterator = class {
          constructor(obj) { this._it = createIterator(obj); }
          next() { return next(this._it); }
          [Symbol.iterator]() { return this; }
        };
        desc.value = function () { return new SafeIterator(this); };
      }
      ObjectDefineProperty(safe.prototype, key, desc);
    }
  } else {
    for (const key of ReflectOwnKeys(unsafe.prototype)) {
      if (key === 'constructor') continue;
      ObjectDefineProperty(safe.prototype, key, ObjectGetOwnPropertyDescriptor(unsafe.prototype, key));
    }
  }
  ObjectSetPrototypeOf(safe.prototype, null);
  return ObjectFreeze(safe);
}
primordials.SafeMap = makeSafe(Map, class SafeMap extends Map { constructor(i) { super(i); } });
primordials.SafeSet = makeSafe(Set, class SafeSet extends Set { constructor(i) { super(i); } });
primordials.SafeWeakMap = makeSafe(WeakMap, class SafeWeakMap extends WeakMap { constructor(i) { super(i); } });
primordials.SafeWeakSet = makeSafe(WeakSet, class SafeWeakSet extends WeakSet { constructor(i) { super(i); } });

// A private slot for objects made elsewhere (a Proxy, a stream), for per-request objects where a
// WeakMap would otherwise get an entry each time: V8 10.2's scavenger treats a WeakMap entry
// whose key is young as strong, so every such key and value is copied by each minor GC and then
// promoted, until a full GC (one WeakMap.set per RPC stub took the loader's minor GCs from 0.3
// to 5 ms each and added a full GC every 0.75 s under load: bench/compare /warm). The slot is a
// private field stamped on the object (a base class whose constructor returns it), which dies
// with the object like any property. slot.set(object, value) once per object (a second set
// throws); slot.get(value) is the value, or undefined for anything else, primitives included.
// Neither runs user code: `#value in o` consults no Proxy trap or getter.
primordials.makePrivateSlot = () => {
  class Stamp { constructor(object) { return object; } }
  class Slot extends Stamp {
    #value;
    constructor(object, value) {
      super(object);
      this.#value = value;
    }
    static get(value) {
      return ((typeof value === 'object' && value !== null) || typeof value === 'function') && #value in value
        ? value.#value : undefined;
    }
  }
  return ObjectFreeze({ __proto__: null, set(object, value) { new Slot(object, value); }, get: Slot.get });
};

// Promise helpers that never touch a (possibly patched) Promise.prototype.then.
const PromisePrototypeThen = primordials.PromisePrototypeThen;
const PromiseCtor = Promise;
const PromiseResolveFn = Promise.resolve;  // captured now: user code may replace the statics
const PromiseRejectFn = Promise.reject;
primordials.PromiseResolve = (v) => ReflectApply(PromiseResolveFn, PromiseCtor, [v]);
primordials.PromiseReject = (e) => ReflectApply(PromiseRejectFn, PromiseCtor, [e]);
primordials.SafePromiseAll = (promises) => new PromiseCtor((resolve, reject) => {
  const results = [];
  let pending = promises.length;
  if (pending === 0) resolve(results);
  for (let i = 0; i < promises.length; i++) {
    PromisePrototypeThen(primordials.PromiseResolve(promises[i]), (v) => {
      results[i] = v;
      if (--pending === 0) resolve(results);
    }, reject);
  }
});

// Completes and freezes the primordials, once per realm before any user code runs (the
// realmInit hook of internal:bootstrap, on both the snapshot and the from-scratch path, so the
// two give the same keys): adds what V8 installed after this module ran (see capture()), and
// anything the bootstrap defined on built-ins (Symbol.dispose).
let completed = false;
// With warmOnly (the snapshot's warm-up) it returns at once: the call compiles it.
export function completePrimordials(warmOnly = false) {
  if (completed || warmOnly) return;
  completed = true;
  // Only what V8 may add after deserialization is captured again: recapturing everything
  // (thousands of bound functions) cost a dynamic worker a quarter of its start-up.
  const full = { __proto__: null };
  captureLate(full);
  for (const key of ReflectOwnKeys(full)) {
    if (key in lateFunctions || !(key in primordials)) primordials[key] = full[key];
  }
  for (const name of ReflectOwnKeys(lateFunctions)) {
    lateFunctions[name] = full[name];
    // Still absent (a V8 flag turned it off): as if it had never been captured.
    if (full[name] === undefined) delete primordials[name];
  }
  ObjectFreeze(primordials);
}

// For the startup snapshot's warm-up: compiles what completePrimordials() runs in every new
// realm, without changing primordials.
export function warmPrimordials() {
  captureLate({ __proto__: null });
}

// Not frozen yet: completePrimordials() adds the late built-ins first.
export default primordials;
