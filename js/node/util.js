// node:util (a modest subset): inspect, format, formatWithOptions, isDeepStrictEqual, types.
//
// types.* use side-effect free brand checks on the captured built-ins, so they cannot be fooled
// by Symbol.toStringTag or a replaced prototype. isPromise and isProxy need native help and
// are only present when the runtime provides ops.getPromiseState / ops.getProxyDetails.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { inspect, format, formatWithOptions } from 'internal:inspect';

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayIsArray,
  ArrayPrototypePush,
  BigIntPrototypeValueOf,
  BooleanPrototypeValueOf,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  DatePrototypeGetTime,
  MapIteratorPrototypeNext,
  MapPrototypeEntries,
  MapPrototypeGet,
  MapPrototypeGetSize,
  MapPrototypeHas,
  NumberIsNaN,
  NumberPrototypeValueOf,
  ObjectGetOwnPropertyDescriptor,
  ObjectIs,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypeToString,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  RegExpPrototypeGetFlags,
  RegExpPrototypeGetGlobal,
  RegExpPrototypeGetSource,
  SafeMap,
  SafeSet,
  SetIteratorPrototypeNext,
  SetPrototypeGetSize,
  SetPrototypeHas,
  SetPrototypeValues,
  StringPrototypeValueOf,
  SymbolPrototypeValueOf,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetSymbolToStringTag,
  Uint8Array,
  WeakMapPrototypeHas,
  WeakSetPrototypeHas,
} = primordials;

const SharedArrayBufferPrototypeGetByteLength = primordials.SharedArrayBufferPrototypeGetByteLength;
const ErrorPrototype = primordials.ErrorPrototype;

function op(name) {
  try {
    const fn = ops[name];
    return typeof fn === 'function' ? fn : undefined;
  } catch {
    return undefined;
  }
}
const opGetPromiseState = op('getPromiseState');
const opGetProxyDetails = op('getProxyDetails');

// ---------------------------------------------------------------------------------------------
// util.types

function isObjectLike(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function brand(check) {
  return (value) => {
    if (!isObjectLike(value)) return false;
    try {
      check(value);
      return true;
    } catch {
      return false;
    }
  };
}

const isDate = brand(DatePrototypeGetTime);
const isMap = brand(MapPrototypeGetSize);
const isSet = brand(SetPrototypeGetSize);
const isWeakMap = brand((v) => WeakMapPrototypeHas(v, ErrorPrototype));
const isWeakSet = brand((v) => WeakSetPrototypeHas(v, ErrorPrototype));
const isArrayBuffer = brand(ArrayBufferPrototypeGetByteLength);
const isSharedArrayBuffer = SharedArrayBufferPrototypeGetByteLength === undefined
  ? () => false : brand(SharedArrayBufferPrototypeGetByteLength);
const isDataView = brand((v) => {
  if (!ArrayBufferIsView(v) || TypedArrayPrototypeGetSymbolToStringTag(v) !== undefined) {
    throw new primordials.TypeError('not a DataView');
  }
  DataViewPrototypeGetBuffer(v);
});
const isNumberObject = brand(NumberPrototypeValueOf);
const isStringObject = brand(StringPrototypeValueOf);
const isBooleanObject = brand(BooleanPrototypeValueOf);
const isBigIntObject = brand(BigIntPrototypeValueOf);
const isSymbolObject = brand(SymbolPrototypeValueOf);

function isRegExp(value) {
  if (!isObjectLike(value)) return false;
  try {
    // RegExp.prototype itself answers undefined instead of throwing
    return typeof RegExpPrototypeGetGlobal(value) === 'boolean';
  } catch {
    return false;
  }
}

function isAnyArrayBuffer(value) {
  return isArrayBuffer(value) || isSharedArrayBuffer(value);
}

function isArrayBufferView(value) {
  return ArrayBufferIsView(value);
}

function isTypedArray(value) {
  return TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined;
}

function isBoxedPrimitive(value) {
  return isNumberObject(value) || isStringObject(value) || isBooleanObject(value) ||
    isBigIntObject(value) || isSymbolObject(value);
}

function typedArrayCheck(name) {
  return (value) => TypedArrayPrototypeGetSymbolToStringTag(value) === name;
}

const typesObject = {
  isAnyArrayBuffer,
  isArrayBuffer,
  isArrayBufferView,
  isBigInt64Array: typedArrayCheck('BigInt64Array'),
  isBigIntObject,
  isBigUint64Array: typedArrayCheck('BigUint64Array'),
  isBooleanObject,
  isBoxedPrimitive,
  isDataView,
  isDate,
  isFloat32Array: typedArrayCheck('Float32Array'),
  isFloat64Array: typedArrayCheck('Float64Array'),
  isInt16Array: typedArrayCheck('Int16Array'),
  isInt32Array: typedArrayCheck('Int32Array'),
  isInt8Array: typedArrayCheck('Int8Array'),
  isMap,
  isNumberObject,
  isRegExp,
  isSet,
  isSharedArrayBuffer,
  isStringObject,
  isSymbolObject,
  isTypedArray,
  isUint16Array: typedArrayCheck('Uint16Array'),
  isUint32Array: typedArrayCheck('Uint32Array'),
  isUint8Array: typedArrayCheck('Uint8Array'),
  isUint8ClampedArray: typedArrayCheck('Uint8ClampedArray'),
  isWeakMap,
  isWeakSet,
};
if (opGetPromiseState !== undefined) {
  typesObject.isPromise = (value) => isObjectLike(value) && opGetPromiseState(value) !== undefined;
}
if (opGetProxyDetails !== undefined) {
  typesObject.isProxy = (value) => isObjectLike(value) && opGetProxyDetails(value) !== undefined;
}
export const types = typesObject;

// ---------------------------------------------------------------------------------------------
// isDeepStrictEqual: node's strict deep equality (assert.deepStrictEqual without the throw).
//   primitives compare with Object.is; objects need the same [[Prototype]], the same
//   Object.prototype.toString tag, the same own enumerable string and symbol keys with deeply
//   equal values, plus: arrays the same length (holes differ from undefined), Dates the same
//   time (compared with Object.is, so two Invalid Dates are equal; node 20 says they are not),
//   RegExps the same source, flags and lastIndex, Errors the same name, message (and own
//   cause / errors), boxed primitives the same value, typed arrays / DataViews / ArrayBuffers
//   the same bytes, Maps and Sets the same entries in any order (object keys and members are
//   matched by deep equality). Cycles compare equal when both sides repeat the same pairing.
//   Getters are called, as in node. Functions are equal only to themselves.

function ownEnumerableKeys(obj, skipIndicesBelow) {
  const out = [];
  const keys = ReflectOwnKeys(obj);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (skipIndicesBelow > 0 && isIndexBelow(key, skipIndicesBelow)) continue;
    const desc = ObjectGetOwnPropertyDescriptor(obj, key);
    if (desc !== undefined && desc.enumerable === true) ArrayPrototypePush(out, key);
  }
  return out;
}

function isIndexBelow(key, limit) {
  if (typeof key !== 'string' || key.length === 0) return false;
  let n = 0;
  for (let i = 0; i < key.length; i++) {
    const c = primordials.StringPrototypeCharCodeAt(key, i);
    if (c < 48 || c > 57 || (i === 0 && c === 48 && key.length > 1)) return false;
    n = n * 10 + (c - 48);
  }
  return n < limit;
}

function isEnumerableOwn(obj, key) {
  const desc = ObjectGetOwnPropertyDescriptor(obj, key);
  return desc !== undefined && desc.enumerable === true;
}

function bytesOf(value) {
  if (ArrayBufferIsView(value)) {
    if (TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined) {
      return new Uint8Array(TypedArrayPrototypeGetBuffer(value),
        TypedArrayPrototypeGetByteOffset(value), TypedArrayPrototypeGetByteLength(value));
    }
    return new Uint8Array(DataViewPrototypeGetBuffer(value), DataViewPrototypeGetByteOffset(value),
      DataViewPrototypeGetByteLength(value));
  }
  return new Uint8Array(value);
}

function sameBytes(a, b) {
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function isError(value) {
  if (ObjectPrototypeToString(value) === '[object Error]') return true;
  let cur = ReflectGetPrototypeOf(value);
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    if (cur === ErrorPrototype) return true;
    cur = ReflectGetPrototypeOf(cur);
  }
  return false;
}

function boxedEqual(a, b) {
  if (isNumberObject(a)) return isNumberObject(b) && ObjectIs(NumberPrototypeValueOf(a), NumberPrototypeValueOf(b));
  if (isStringObject(a)) return isStringObject(b) && StringPrototypeValueOf(a) === StringPrototypeValueOf(b);
  if (isBooleanObject(a)) return isBooleanObject(b) && BooleanPrototypeValueOf(a) === BooleanPrototypeValueOf(b);
  if (isBigIntObject(a)) return isBigIntObject(b) && BigIntPrototypeValueOf(a) === BigIntPrototypeValueOf(b);
  if (isSymbolObject(a)) return isSymbolObject(b) && SymbolPrototypeValueOf(a) === SymbolPrototypeValueOf(b);
  return undefined; // not boxed
}

function isObjectKey(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function setEquiv(a, b, memo) {
  let unmatched; // object members of b not yet paired
  const it = SetPrototypeValues(a);
  for (;;) {
    const step = SetIteratorPrototypeNext(it);
    if (step.done) break;
    const v = step.value;
    if (SetPrototypeHas(b, v) && (!isObjectKey(v) || unmatched === undefined || unmatched.has(v))) {
      if (isObjectKey(v)) {
        if (unmatched === undefined) unmatched = objectMembers(b);
        unmatched.delete(v);
      }
      continue;
    }
    if (!isObjectKey(v)) return false;
    if (unmatched === undefined) unmatched = objectMembers(b);
    let found = false;
    const candidates = unmatched.values();
    for (;;) {
      const c = candidates.next();
      if (c.done) break;
      if (deepEqual(v, c.value, memo)) {
        unmatched.delete(c.value);
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function objectMembers(set) {
  const out = new SafeSet();
  const it = SetPrototypeValues(set);
  for (;;) {
    const step = SetIteratorPrototypeNext(it);
    if (step.done) break;
    if (isObjectKey(step.value)) out.add(step.value);
  }
  return out;
}

function mapEquiv(a, b, memo) {
  let unmatched; // object keys of b not yet paired
  const it = MapPrototypeEntries(a);
  for (;;) {
    const step = MapIteratorPrototypeNext(it);
    if (step.done) break;
    const key = step.value[0];
    const value = step.value[1];
    if (!isObjectKey(key)) {
      if (!MapPrototypeHas(b, key) || !deepEqual(value, MapPrototypeGet(b, key), memo)) return false;
      continue;
    }
    if (unmatched === undefined) unmatched = objectKeysOf(b);
    if (unmatched.has(key) && deepEqual(value, MapPrototypeGet(b, key), memo)) {
      unmatched.delete(key);
      continue;
    }
    let found = false;
    const candidates = unmatched.values();
    for (;;) {
      const c = candidates.next();
      if (c.done) break;
      if (deepEqual(key, c.value, memo) && deepEqual(value, MapPrototypeGet(b, c.value), memo)) {
        unmatched.delete(c.value);
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function objectKeysOf(map) {
  const out = new SafeSet();
  const it = MapPrototypeEntries(map);
  for (;;) {
    const step = MapIteratorPrototypeNext(it);
    if (step.done) break;
    if (isObjectKey(step.value[0])) out.add(step.value[0]);
  }
  return out;
}

function keysEqual(a, b, memo, skipIndicesBelow) {
  const keysA = ownEnumerableKeys(a, skipIndicesBelow);
  const keysB = ownEnumerableKeys(b, skipIndicesBelow);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    if (!isEnumerableOwn(b, keysA[i])) return false;
  }
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i];
    if (!deepEqual(a[key], b[key], memo)) return false;
  }
  return true;
}

function ownValueEqual(a, b, key, memo) {
  const hasA = ObjectPrototypeHasOwnProperty(a, key);
  if (hasA !== ObjectPrototypeHasOwnProperty(b, key)) return false;
  return !hasA || deepEqual(a[key], b[key], memo);
}

// The kind of a (non-array, non-view) object for comparison purposes. The toStringTag only
// picks which brand check to run (brand checks throw for other objects, and exceptions are
// slow); an unusual tag runs them all.
function kindOf(value, tag) {
  switch (tag) {
    case '[object Object]': return 'object';
    case '[object Date]': if (isDate(value)) return 'date'; break;
    case '[object RegExp]': if (isRegExp(value)) return 'regexp'; break;
    case '[object Map]': if (isMap(value)) return 'map'; break;
    case '[object Set]': if (isSet(value)) return 'set'; break;
    case '[object ArrayBuffer]': if (isArrayBuffer(value)) return 'arraybuffer'; break;
    case '[object SharedArrayBuffer]':
      if (isSharedArrayBuffer(value)) return 'sharedarraybuffer';
      break;
    case '[object Error]': return 'error';
    case '[object Number]': case '[object String]': case '[object Boolean]':
    case '[object BigInt]': case '[object Symbol]':
      if (isBoxedPrimitive(value)) return 'boxed';
      break;
    case '[object Promise]': case '[object WeakMap]': case '[object WeakSet]':
    case '[object Function]': case '[object Arguments]': case '[object Module]':
      return 'object';
    default: break;
  }
  if (isError(value)) return 'error';
  if (isDate(value)) return 'date';
  if (isRegExp(value)) return 'regexp';
  if (isMap(value)) return 'map';
  if (isSet(value)) return 'set';
  if (isArrayBuffer(value)) return 'arraybuffer';
  if (isSharedArrayBuffer(value)) return 'sharedarraybuffer';
  if (isBoxedPrimitive(value)) return 'boxed';
  return 'object';
}

function objectsEqual(a, b, tag, memo) {
  if (ArrayIsArray(a)) {
    if (!ArrayIsArray(b) || a.length !== b.length) return false;
    return keysEqual(a, b, memo, 0);
  }
  if (ArrayIsArray(b)) return false;
  if (ArrayBufferIsView(a) || ArrayBufferIsView(b)) {
    if (!ArrayBufferIsView(a) || !ArrayBufferIsView(b) ||
        TypedArrayPrototypeGetSymbolToStringTag(a) !== TypedArrayPrototypeGetSymbolToStringTag(b) ||
        !sameBytes(a, b)) {
      return false;
    }
    const length = isTypedArray(a) ? primordials.TypedArrayPrototypeGetLength(a) : 0;
    return keysEqual(a, b, memo, length);
  }
  const kind = kindOf(a, tag);
  if (kind !== kindOf(b, tag)) return false;
  switch (kind) {
    case 'date':
      if (!ObjectIs(DatePrototypeGetTime(a), DatePrototypeGetTime(b))) return false;
      break;
    case 'regexp':
      if (RegExpPrototypeGetSource(a) !== RegExpPrototypeGetSource(b) ||
          RegExpPrototypeGetFlags(a) !== RegExpPrototypeGetFlags(b) ||
          !ObjectIs(a.lastIndex, b.lastIndex)) {
        return false;
      }
      break;
    case 'map':
      if (MapPrototypeGetSize(a) !== MapPrototypeGetSize(b) || !mapEquiv(a, b, memo)) return false;
      break;
    case 'set':
      if (SetPrototypeGetSize(a) !== SetPrototypeGetSize(b) || !setEquiv(a, b, memo)) return false;
      break;
    case 'arraybuffer':
    case 'sharedarraybuffer':
      if (!sameBytes(a, b)) return false;
      break;
    case 'error':
      if (a.message !== b.message || a.name !== b.name ||
          !ownValueEqual(a, b, 'cause', memo) || !ownValueEqual(a, b, 'errors', memo)) {
        return false;
      }
      break;
    case 'boxed':
      if (boxedEqual(a, b) !== true) return false;
      break;
    default:
      break;
  }
  return keysEqual(a, b, memo, 0);
}

function deepEqual(a, b, memo) {
  if (a === b) return a !== 0 || ObjectIs(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && NumberIsNaN(a) && NumberIsNaN(b);
  }
  if (ReflectGetPrototypeOf(a) !== ReflectGetPrototypeOf(b)) return false;
  const tag = ObjectPrototypeToString(a);
  if (tag !== ObjectPrototypeToString(b)) return false;

  // A pair already being compared further up is assumed equal (both sides cycle alike).
  let inProgress = memo.get(a);
  if (inProgress !== undefined && inProgress.has(b)) return true;
  if (inProgress === undefined) {
    inProgress = new SafeSet();
    memo.set(a, inProgress);
  }
  inProgress.add(b);
  try {
    return objectsEqual(a, b, tag, memo);
  } finally {
    inProgress.delete(b);
  }
}

export function isDeepStrictEqual(a, b) {
  return deepEqual(a, b, new SafeMap());
}

export { inspect, format, formatWithOptions };

export default {
  inspect,
  format,
  formatWithOptions,
  isDeepStrictEqual,
  types,
};
