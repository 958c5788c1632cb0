// Type checks shared by node:util (util.types), node:assert, internal:inspect, internal:console
// and internal:deep_equal, plus a few helpers they have in common.
//
// The is<Kind> checks are side-effect free brand checks: each calls a captured built-in
// accessor that throws for objects without the matching internal slots, so Symbol.toStringTag
// or a replaced prototype cannot fool it and no user code runs. isPromise and isProxy need
// native help and are undefined when the runtime does not provide ops.getPromiseState /
// ops.getProxyDetails. isError is the exception: see there.

import primordials from 'internal:primordials';
import ops from 'internal:ops';

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  BigIntPrototypeValueOf,
  BooleanPrototypeValueOf,
  DataViewPrototypeGetBuffer,
  DatePrototypeGetTime,
  ErrorPrototype,
  MapPrototypeGetSize,
  NumberPrototypeValueOf,
  ObjectGetOwnPropertyDescriptor,
  ObjectPrototype,
  ObjectPrototypeToString,
  ReflectGetPrototypeOf,
  RegExpPrototypeGetGlobal,
  SetPrototypeGetSize,
  SharedArrayBufferPrototypeGetByteLength, // undefined where SharedArrayBuffer is absent
  StringPrototypeCharCodeAt,
  StringPrototypeValueOf,
  SymbolPrototypeValueOf,
  SymbolToStringTag,
  TypedArrayPrototypeGetSymbolToStringTag,
  WeakMapPrototypeHas,
  WeakSetPrototypeHas,
} = primordials;

// A native operation from internal:ops, or undefined when this runtime does not have it.
export function optionalOp(name) {
  try {
    const fn = ops[name];
    return typeof fn === 'function' ? fn : undefined;
  } catch {
    return undefined;
  }
}
const opGetPromiseState = optionalOp('getPromiseState');
const opGetProxyDetails = optionalOp('getProxyDetails');

export function isObjectLike(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

// Does `check(value)` return without throwing?
function passes(check, value) {
  if (!isObjectLike(value)) return false;
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
}

function weakMapHas(value) {
  return WeakMapPrototypeHas(value, ObjectPrototype);
}

function weakSetHas(value) {
  return WeakSetPrototypeHas(value, ObjectPrototype);
}

export function isDate(value) {
  return passes(DatePrototypeGetTime, value);
}

export function isMap(value) {
  return passes(MapPrototypeGetSize, value);
}

export function isSet(value) {
  return passes(SetPrototypeGetSize, value);
}

export function isWeakMap(value) {
  return passes(weakMapHas, value);
}

export function isWeakSet(value) {
  return passes(weakSetHas, value);
}

export function isArrayBuffer(value) {
  return passes(ArrayBufferPrototypeGetByteLength, value);
}

export function isSharedArrayBuffer(value) {
  return ops.isSharedArrayBuffer(value);
}

export function isAnyArrayBuffer(value) {
  return isArrayBuffer(value) || isSharedArrayBuffer(value);
}

export function isArrayBufferView(value) {
  return ArrayBufferIsView(value);
}

export function isTypedArray(value) {
  return TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined;
}

// A view that is not a typed array; the buffer getter (unlike the byte getters) does not throw
// for a detached buffer.
export function isDataView(value) {
  return ArrayBufferIsView(value) && passes(DataViewPrototypeGetBuffer, value);
}

export function isRegExp(value) {
  if (!isObjectLike(value)) return false;
  try {
    // RegExp.prototype itself answers undefined instead of throwing
    return typeof RegExpPrototypeGetGlobal(value) === 'boolean';
  } catch {
    return false;
  }
}

export function isNumberObject(value) {
  return passes(NumberPrototypeValueOf, value);
}

export function isStringObject(value) {
  return passes(StringPrototypeValueOf, value);
}

export function isBooleanObject(value) {
  return passes(BooleanPrototypeValueOf, value);
}

export function isBigIntObject(value) {
  return passes(BigIntPrototypeValueOf, value);
}

export function isSymbolObject(value) {
  return passes(SymbolPrototypeValueOf, value);
}

const kUnboxers = [NumberPrototypeValueOf, StringPrototypeValueOf, BooleanPrototypeValueOf,
  BigIntPrototypeValueOf, SymbolPrototypeValueOf];

// The primitive that a Number, String, Boolean, BigInt or Symbol object wraps; undefined for
// any other value.
export function unboxPrimitive(value) {
  if (!isObjectLike(value)) return undefined;
  for (let i = 0; i < kUnboxers.length; i++) {
    try {
      return kUnboxers[i](value);
    } catch {
      // not this kind
    }
  }
  return undefined;
}

export function isBoxedPrimitive(value) {
  return unboxPrimitive(value) !== undefined;
}

export const isPromise = opGetPromiseState === undefined ? undefined
  : function isPromise(value) {
    return isObjectLike(value) && opGetPromiseState(value) !== undefined;
  };

export const isProxy = opGetProxyDetails === undefined ? undefined
  : function isProxy(value) {
    return isObjectLike(value) && opGetProxyDetails(value) !== undefined;
  };

// Is `proto` on the prototype chain that starts at `start` (inclusive)?
export function prototypeChainIncludes(start, proto) {
  let cur = start;
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    if (cur === proto) return true;
    cur = ReflectGetPrototypeOf(cur);
  }
  return false;
}

function hasToStringTag(value) {
  let cur = value;
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    if (ObjectGetOwnPropertyDescriptor(cur, SymbolToStringTag) !== undefined) return true;
    cur = ReflectGetPrototypeOf(cur);
  }
  return false;
}

// An error as node counts one: an object that inherits from Error.prototype, or a native error
// (made by an Error constructor) whatever its prototype now is. The latter is told by its
// Object.prototype.toString tag, unless a Symbol.toStringTag property put that tag there. Not a
// brand check: it walks the prototype chain (proxy traps run) and may read Symbol.toStringTag.
export function isError(value) {
  if (!isObjectLike(value)) return false;
  if (prototypeChainIncludes(ReflectGetPrototypeOf(value), ErrorPrototype)) return true;
  return ObjectPrototypeToString(value) === '[object Error]' && !hasToStringTag(value);
}

// An array index key ("0" .. "4294967294" in canonical form, below `limit`) as a number, else -1.
export function arrayIndex(key, limit) {
  if (typeof key !== 'string') return -1;
  const n = key.length;
  if (n === 0 || n > 16) return -1;
  const first = StringPrototypeCharCodeAt(key, 0);
  if (first === 48 && n > 1) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = StringPrototypeCharCodeAt(key, i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value < limit ? value : -1;
}
export const kMaxArrayIndex = 4294967295;
