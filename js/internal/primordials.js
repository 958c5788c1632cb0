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
  for (const key of ReflectOwnKeys(src)) {
    if (key === 'constructor' || key === 'caller' || key === 'callee' || key === 'arguments') continue;
    const name = keyName(key);
    if (name === undefined) continue;
    const desc = ObjectGetOwnPropertyDescriptor(src, key);
    if ('get' in desc || 'set' in desc) {
      if (desc.get) dest[`${prefix}Get${name}`] = uncurry ? uncurryThis(desc.get) : desc.get;
      if (desc.set) dest[`${prefix}Set${name}`] = uncurry ? uncurryThis(desc.set) : desc.set;
      if (!uncurry && desc.get && !(`${prefix}${name}` in dest)) {
        // static accessor such as Symbol.iterator is a value in practice; keep the value too
      }
    } else {
      const value = desc.value;
      if (uncurry && typeof value === 'function') dest[`${prefix}${name}`] = uncurryThis(value);
      else dest[`${prefix}${name}`] = value;
    }
  }
}

const TypedArray = Object.getPrototypeOf(Uint8Array);
const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
const ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
const StringIteratorPrototype = Object.getPrototypeOf(''[Symbol.iterator]());
const MapIteratorPrototype = Object.getPrototypeOf(new Map()[Symbol.iterator]());
const SetIteratorPrototype = Object.getPrototypeOf(new Set()[Symbol.iterator]());

const namespaces = { JSON, Math, Reflect, Atomics };
for (const name of ObjectGetOwnPropertyNames(namespaces)) {
  primordials[name] = namespaces[name];
  copyProps(namespaces[name], name, primordials, false);
}

const constructors = {
  AggregateError, Array, ArrayBuffer, BigInt, BigInt64Array, BigUint64Array, Boolean, DataView,
  Date, Error, EvalError, FinalizationRegistry, Float32Array, Float64Array, Function, Int16Array,
  Int32Array, Int8Array, Map, Number, Object, Promise, Proxy, RangeError, ReferenceError, RegExp,
  Set, SharedArrayBuffer, String, Symbol, SyntaxError, TypeError, URIError, Uint16Array,
  Uint32Array, Uint8Array, Uint8ClampedArray, WeakMap, WeakRef, WeakSet, TypedArray,
};
for (const name of ObjectGetOwnPropertyNames(constructors)) {
  const ctor = constructors[name];
  primordials[name] = ctor;
  copyProps(ctor, name, primordials, false);
  if (ctor.prototype) copyProps(ctor.prototype, `${name}Prototype`, primordials, true);
}
for (const [name, proto] of [
  ['AsyncIteratorPrototype', AsyncIteratorPrototype], ['ArrayIteratorPrototype', ArrayIteratorPrototype],
  ['StringIteratorPrototype', StringIteratorPrototype], ['MapIteratorPrototype', MapIteratorPrototype],
  ['SetIteratorPrototype', SetIteratorPrototype]]) {
  primordials[name] = proto;
  copyProps(proto, name, primordials, true);
}
for (const name of ['decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
  'escape', 'unescape', 'isFinite', 'isNaN', 'parseFloat', 'parseInt']) {
  primordials[name] = globalThis[name];
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

export default ObjectFreeze(primordials);
