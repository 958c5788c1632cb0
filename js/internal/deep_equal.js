// Deep equality: the one algorithm behind node:assert's deepStrictEqual / deepEqual (their
// negations, and the object form of throws / rejects) and node:util's isDeepStrictEqual.
// isDeepEqual(a, b, strict) answers as node 20 does:
//
//   strict mode  primitives compare with Object.is (NaN equals NaN, -0 differs from 0);
//                objects need the same [[Prototype]]; enumerable symbol keys count.
//   loose mode   primitives compare with == (and NaN equals NaN); prototypes and symbol keys
//                are ignored.
//   both         an object never equals a primitive; functions are not compared member by
//                member (strict: only to themselves; loose: with ==, as node does); objects
//                need the same Object.prototype.toString tag and the same own enumerable keys
//                with deeply equal values (getters are called). Besides:
//     arrays         the same length and the same indices present (a hole differs from
//                    undefined), elements deeply equal
//     Dates          the same time value (two Invalid Dates are not equal)
//     RegExps        the same source, flags and lastIndex (===)
//     boxed values   the same kind and Object.is-equal primitive values
//     typed arrays   the same type and bytes; loose Float32/Float64 arrays compare elements
//                    with === instead (-0 equals 0, NaN differs from NaN)
//     DataViews, ArrayBuffers, SharedArrayBuffers   the same bytes
//     Errors         the same name and message (===); `cause` and `errors` compare deeply
//                    even when not enumerable (an absent one is undefined)
//     Maps, Sets     the same size and the same entries / members in any order: each pairs
//                    with the same key or member on the other side when that works, the rest
//                    pair up by deep equality (object keys, and in loose mode primitives such
//                    as 1 and '1')
//     cycles         a pair of objects already being compared further up counts as equal
// Objects tagged '[object Object]' are compared by their keys only, as node does, even if a
// Symbol.toStringTag hides a Date or an Error behind that tag.

import primordials from 'internal:primordials';
import {
  arrayIndex, isArrayBuffer, isBoxedPrimitive, isDate, isError, isMap, isObjectLike, isRegExp,
  isSet, isSharedArrayBuffer, kMaxArrayIndex, optionalOp, unboxPrimitive,
} from 'internal:types';

const {
  ArrayBufferIsView,
  ArrayIsArray,
  ArrayPrototypePush,
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
  ObjectGetOwnPropertySymbols,
  ObjectHasOwn,
  ObjectIs,
  ObjectKeys,
  ObjectPrototypePropertyIsEnumerable,
  ObjectPrototypeToString,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  RegExpPrototypeGetFlags,
  RegExpPrototypeGetSource,
  SafeMap,
  SafeSet,
  SetIteratorPrototypeNext,
  SetPrototypeGetSize,
  SetPrototypeHas,
  SetPrototypeValues,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetSymbolToStringTag,
  Uint8Array,
} = primordials;

const opGetOwnNonIndexProperties = optionalOp('getOwnNonIndexProperties');

export function isDeepEqual(a, b, strict) {
  return valuesEqual(a, b, strict === true, new SafeMap());
}

// memo holds the pairs of objects being compared further up: object of `a` -> its object of
// `b`, or a Partners set of them when it is being compared with several at once.
function valuesEqual(a, b, strict, memo) {
  if (a === b) return a !== 0 || !strict || ObjectIs(a, b);
  if (strict) {
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      return typeof a === 'number' && NumberIsNaN(a) && NumberIsNaN(b);
    }
    if (ReflectGetPrototypeOf(a) !== ReflectGetPrototypeOf(b)) return false;
  } else {
    const objectA = a !== null && typeof a === 'object';
    const objectB = b !== null && typeof b === 'object';
    if (!objectA || !objectB) {
      // eslint-disable-next-line eqeqeq
      return !objectA && !objectB && (a == b || (NumberIsNaN(a) && NumberIsNaN(b)));
    }
  }
  const tag = ObjectPrototypeToString(a);
  if (tag !== ObjectPrototypeToString(b)) return false;

  // A pair already being compared further up counts as equal (both sides cycle alike).
  const partner = memo.get(a);
  if (partner === b) return true;
  if (partner === undefined) {
    memo.set(a, b);
    try {
      return objectsEqual(a, b, tag, strict, memo);
    } finally {
      memo.delete(a);
    }
  }
  return compareAgain(a, b, partner, tag, strict, memo);
}

// The objects of `b` that one object of `a` is being compared with at the same time (it is
// reached again inside its own comparison). Module-private, so never a user value.
class Partners extends SafeSet {
  #brand = true;
  constructor() {
    super(); // not the implicit constructor: its argument spread would use Array.prototype
  }

  static is(value) {
    return #brand in value;
  }
}

function compareAgain(a, b, partner, tag, strict, memo) {
  let partners = partner;
  if (!Partners.is(partner)) {
    partners = new Partners();
    partners.add(partner);
    memo.set(a, partners);
  } else if (partners.has(b)) {
    return true;
  }
  partners.add(b);
  try {
    return objectsEqual(a, b, tag, strict, memo);
  } finally {
    partners.delete(b);
    memo.set(a, partner);
  }
}

// What kind of object `value` is for comparison. The tag only picks which brand check to run
// (brand checks throw for other objects, and exceptions are slow); an unusual tag runs them all.
function kindOf(value, tag) {
  if (ArrayBufferIsView(value)) {
    return TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined ? 'typedarray' : 'dataview';
  }
  switch (tag) {
    case '[object Object]': case '[object Arguments]': case '[object Promise]':
    case '[object WeakMap]': case '[object WeakSet]': case '[object Module]':
      return 'object';
    case '[object Error]': if (isError(value)) return 'error'; break;
    case '[object Date]': if (isDate(value)) return 'date'; break;
    case '[object RegExp]': if (isRegExp(value)) return 'regexp'; break;
    case '[object Map]': if (isMap(value)) return 'map'; break;
    case '[object Set]': if (isSet(value)) return 'set'; break;
    case '[object ArrayBuffer]': case '[object SharedArrayBuffer]':
      if (isArrayBuffer(value) || isSharedArrayBuffer(value)) return 'buffer';
      break;
    case '[object Number]': case '[object String]': case '[object Boolean]':
    case '[object BigInt]': case '[object Symbol]':
      if (isBoxedPrimitive(value)) return 'boxed';
      break;
    default: break;
  }
  if (isDate(value)) return 'date';
  if (isRegExp(value)) return 'regexp';
  if (isError(value)) return 'error';
  if (isMap(value)) return 'map';
  if (isSet(value)) return 'set';
  if (isArrayBuffer(value) || isSharedArrayBuffer(value)) return 'buffer';
  if (isBoxedPrimitive(value)) return 'boxed';
  return 'object';
}

function objectsEqual(a, b, tag, strict, memo) {
  if (ArrayIsArray(a)) {
    if (!ArrayIsArray(b) || a.length !== b.length || !elementsEqual(a, b, strict, memo)) return false;
    return keysEqual(a, b, nonIndexKeys(a, strict), nonIndexKeys(b, strict), strict, memo);
  }
  if (ArrayIsArray(b)) return false;
  const kind = kindOf(a, tag);
  if (kind !== kindOf(b, tag)) return false;
  switch (kind) {
    case 'typedarray':
      if (TypedArrayPrototypeGetSymbolToStringTag(a) !== TypedArrayPrototypeGetSymbolToStringTag(b) ||
          !(strict ? sameBytes(a, b) : sameTypedElements(a, b))) {
        return false;
      }
      // Index keys are not listed: the elements were compared, and listing them is slow.
      return keysEqual(a, b, nonIndexKeys(a, strict), nonIndexKeys(b, strict), strict, memo);
    case 'dataview':
    case 'buffer':
      if (!sameBytes(a, b)) return false;
      break;
    case 'date':
      if (DatePrototypeGetTime(a) !== DatePrototypeGetTime(b)) return false;
      break;
    case 'regexp':
      if (RegExpPrototypeGetSource(a) !== RegExpPrototypeGetSource(b) ||
          RegExpPrototypeGetFlags(a) !== RegExpPrototypeGetFlags(b) || a.lastIndex !== b.lastIndex) {
        return false;
      }
      break;
    case 'boxed':
      // Object.is tells the kinds apart too: 1 and '1' differ
      if (!ObjectIs(unboxPrimitive(a), unboxPrimitive(b))) return false;
      break;
    case 'error':
      if (a.message !== b.message || a.name !== b.name ||
          !hiddenPropertyEqual(a, b, 'cause', strict, memo) ||
          !hiddenPropertyEqual(a, b, 'errors', strict, memo)) {
        return false;
      }
      break;
    case 'map':
      if (!mapsEqual(a, b, strict, memo)) return false;
      break;
    case 'set':
      if (!setsEqual(a, b, strict, memo)) return false;
      break;
    default:
      break;
  }
  return keysEqual(a, b, ownKeys(a, strict), ownKeys(b, strict), strict, memo);
}

// ---------------------------------------------------------------------------------------------
// Keys

// Own enumerable keys: string keys, plus symbol keys in strict mode.
function ownKeys(obj, strict) {
  const keys = ObjectKeys(obj);
  if (strict) {
    const symbols = ObjectGetOwnPropertySymbols(obj);
    for (let i = 0; i < symbols.length; i++) {
      if (ObjectPrototypePropertyIsEnumerable(obj, symbols[i])) ArrayPrototypePush(keys, symbols[i]);
    }
  }
  return keys;
}

// Own enumerable keys of an array or typed array that are not array indices.
function nonIndexKeys(obj, strict) {
  if (opGetOwnNonIndexProperties === undefined) {
    const out = [];
    const keys = ownKeys(obj, strict);
    for (let i = 0; i < keys.length; i++) {
      if (arrayIndex(keys[i], kMaxArrayIndex) === -1) ArrayPrototypePush(out, keys[i]);
    }
    return out;
  }
  const out = [];
  const keys = opGetOwnNonIndexProperties(obj);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if ((strict || typeof key !== 'symbol') && ObjectPrototypePropertyIsEnumerable(obj, key)) {
      ArrayPrototypePush(out, key);
    }
  }
  return out;
}

function keysEqual(a, b, keysA, keysB, strict, memo) {
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    if (!ObjectPrototypePropertyIsEnumerable(b, keysA[i])) return false;
  }
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i];
    if (!valuesEqual(a[key], b[key], strict, memo)) return false;
  }
  return true;
}

// Elements of two arrays of the same length: the same indices present, equal values.
function elementsEqual(a, b, strict, memo) {
  const length = a.length;
  for (let i = 0; i < length; i++) {
    const present = ObjectHasOwn(a, i);
    if (present !== ObjectHasOwn(b, i)) return false;
    // At the first hole go by the indices that exist instead: the array may be very sparse.
    if (!present) return sparseElementsEqual(a, b, i, strict, memo);
    if (!valuesEqual(a[i], b[i], strict, memo)) return false;
  }
  return true;
}

function sparseElementsEqual(a, b, from, strict, memo) {
  const indicesA = ownIndexKeys(a, from);
  const indicesB = ownIndexKeys(b, from);
  if (indicesA.length !== indicesB.length) return false;
  for (let i = 0; i < indicesA.length; i++) {
    if (!ObjectHasOwn(b, indicesA[i])) return false;
  }
  for (let i = 0; i < indicesA.length; i++) {
    const key = indicesA[i];
    if (!valuesEqual(a[key], b[key], strict, memo)) return false;
  }
  return true;
}

function ownIndexKeys(array, from) {
  const out = [];
  const keys = ReflectOwnKeys(array);
  for (let i = 0; i < keys.length; i++) {
    if (arrayIndex(keys[i], kMaxArrayIndex) >= from) ArrayPrototypePush(out, keys[i]);
  }
  return out;
}

// `cause` and `errors` of two errors. Own enumerable ones are left to the key comparison.
function hiddenPropertyEqual(a, b, key, strict, memo) {
  if (ObjectPrototypePropertyIsEnumerable(a, key) || ObjectPrototypePropertyIsEnumerable(b, key)) {
    return true;
  }
  return valuesEqual(a[key], b[key], strict, memo);
}

// ---------------------------------------------------------------------------------------------
// Bytes

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
  const length = TypedArrayPrototypeGetLength(x);
  if (length !== TypedArrayPrototypeGetLength(y)) return false;
  for (let i = 0; i < length; i++) if (x[i] !== y[i]) return false;
  return true;
}

// Two typed arrays of the same type, in loose mode.
function sameTypedElements(a, b) {
  const type = TypedArrayPrototypeGetSymbolToStringTag(a);
  if (type !== 'Float32Array' && type !== 'Float64Array') return sameBytes(a, b);
  const length = TypedArrayPrototypeGetLength(a);
  if (length !== TypedArrayPrototypeGetLength(b)) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Maps and Sets

// Pairs each of `pending` with a different one of `free` (the same count) for which
// `equal(p, f)` holds, first come first served; false when one is left without a partner.
// Trying the free ones in order makes two collections in the same order pair up in one pass.
function pairUp(pending, free, equal) {
  const count = free.length;
  const used = new Uint8Array(count);
  let firstUnused = 0;
  for (let i = 0; i < pending.length; i++) {
    while (firstUnused < count && used[firstUnused] === 1) firstUnused++;
    let j = firstUnused;
    while (j < count && (used[j] === 1 || !equal(pending[i], free[j]))) j++;
    if (j === count) return false;
    used[j] = 1;
  }
  return true;
}

function setsEqual(a, b, strict, memo) {
  if (SetPrototypeGetSize(a) !== SetPrototypeGetSize(b)) return false;
  let pending; // members of a that b does not hold as they are
  const it = SetPrototypeValues(a);
  for (let step = SetIteratorPrototypeNext(it); !step.done; step = SetIteratorPrototypeNext(it)) {
    const value = step.value;
    if (SetPrototypeHas(b, value)) continue;
    // In strict mode a primitive only equals itself.
    if (strict && !isObjectLike(value)) return false;
    if (pending === undefined) pending = [];
    ArrayPrototypePush(pending, value);
  }
  if (pending === undefined) return true;
  const free = []; // members of b that a does not hold
  const itB = SetPrototypeValues(b);
  for (let step = SetIteratorPrototypeNext(itB); !step.done; step = SetIteratorPrototypeNext(itB)) {
    if (!SetPrototypeHas(a, step.value)) ArrayPrototypePush(free, step.value);
  }
  return pairUp(pending, free, (x, y) => valuesEqual(x, y, strict, memo));
}

function mapsEqual(a, b, strict, memo) {
  if (MapPrototypeGetSize(a) !== MapPrototypeGetSize(b)) return false;
  let pending; // [key, value] entries of a without a partner in b yet
  let pendingKeys; // the keys of those that b also has: b's entries for them are still free
  const it = MapPrototypeEntries(a);
  for (let step = MapIteratorPrototypeNext(it); !step.done; step = MapIteratorPrototypeNext(it)) {
    const key = step.value[0];
    if (MapPrototypeHas(b, key)) {
      if (valuesEqual(step.value[1], MapPrototypeGet(b, key), strict, memo)) continue;
      if (strict && !isObjectLike(key)) return false;
      if (pendingKeys === undefined) pendingKeys = new SafeSet();
      pendingKeys.add(key);
    } else if (strict && !isObjectLike(key)) {
      return false;
    }
    if (pending === undefined) pending = [];
    ArrayPrototypePush(pending, step.value);
  }
  if (pending === undefined) return true;
  const free = [];
  const itB = MapPrototypeEntries(b);
  for (let step = MapIteratorPrototypeNext(itB); !step.done; step = MapIteratorPrototypeNext(itB)) {
    const key = step.value[0];
    if (!MapPrototypeHas(a, key) || (pendingKeys !== undefined && pendingKeys.has(key))) {
      ArrayPrototypePush(free, step.value);
    }
  }
  return pairUp(pending, free, (x, y) =>
    valuesEqual(x[0], y[0], strict, memo) && valuesEqual(x[1], y[1], strict, memo));
}
