// IdMap: a table from numbers (ids: non-negative integers below 2^53) to values, for the
// runtime's tables that gain and lose an entry per request or per call (timers, requests in
// flight, pending calls, exports, HTTP requests in flight).
//
// Why not a Map: V8 10.2's Map never reuses a deleted slot. A Map whose keys keep changing is
// rebuilt into a new table every few hundred operations, and the table it leaves links to its
// replacement and still holds the entries it had. Once one of those tables has reached the old
// generation (it lived through two minor GCs), every later table is allocated there too, and
// each retired one keeps its former entries, and everything they reach, alive through every
// minor GC until the next full GC. A dynamic worker whose requests wait on a timer or a call
// then promoted 800 KB of finished requests per minor GC (tests/cc/minor_gc_test.cc
// `TimerChurnDiesInTheNextMinorGc`). This table is open addressing with linear probing and
// backward-shift deletion: a deleted slot is filled in place, the arrays are replaced only
// when the table grows or shrinks by half, and nothing links an old array to a new one.
//
// Keys are non-negative safe integers (set throws a RangeError for anything else; -0 is 0),
// compared with ===. get/has/delete accept any value and find nothing for what is not a key
// (they never convert it: an object from a message could run user code on conversion). keys()
// is a snapshot of the keys in ascending order (for sequential ids, the order they were added);
// forEach visits that snapshot, skipping entries deleted meanwhile, so its callback may delete
// (the way to walk a table and act on some entries: collecting them into an array by push
// would hand them to index setters, below).
//
// User code shares this realm's built-ins, so nothing here reads a property that it could
// redefine: not a typed array's `length` (a getter on %TypedArray%.prototype), not a hole of an
// array (Array.prototype), and no array grows by push or by a store past its end (setters for
// indices on Array.prototype would receive the value).
import primordials from 'internal:primordials';

const {
  ArrayFrom, ArrayPrototypeSort, Float64Array, MathImul, NumberIsSafeInteger, RangeError,
} = primordials;

// An array of `length` undefineds, every element its own property: stores into it never look
// at Array.prototype, where user code may have put setters for indices (a store into a hole,
// or a push, would hand them the value).
export const filledArray = (length) => ArrayFrom({ __proto__: null, length });

// Whether `value` can be a key: a non-negative safe integer (what the runtime's ids are).
export const isId = (value) => typeof value === 'number' && NumberIsSafeInteger(value) && value >= 0;

const kEmpty = -1;
const kMinBits = 3;

const byKey = (a, b) => a - b;

export class IdMap {
  #keys;
  #values;
  #bits = kMinBits;
  #mask = (1 << kMinBits) - 1;
  #size = 0;

  constructor() {
    this.#allocate(kMinBits);
  }

  get size() { return this.#size; }

  get(key) {
    const i = this.#find(key);
    return i < 0 ? undefined : this.#values[i];
  }

  has(key) {
    return this.#find(key) >= 0;
  }

  set(key, value) {
    if (!isId(key)) throw new RangeError('IdMap keys are non-negative safe integers.');
    if (key === 0) key = 0;  // not -0: a Float64Array would keep the sign
    const keys = this.#keys;
    const mask = this.#mask;
    let i = this.#slot(key);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) {
        this.#values[i] = value;
        return this;
      }
      if (k === kEmpty) break;
    }
    keys[i] = key;
    this.#values[i] = value;
    // At most half full: probe sequences stay short and an empty slot always ends them.
    if (++this.#size * 2 > mask + 1) this.#resize(this.#bits + 1);
    return this;
  }

  delete(key) {
    let i = this.#find(key);
    if (i < 0) return false;
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    // Backward shift: move later entries of the same run into the hole when their home slot
    // allows it, so no lookup ever has to step over a deleted slot.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j];
      if (k === kEmpty) break;
      const home = this.#slot(k);
      // The entry at j stays unless its home slot is cyclically outside (i, j].
      if (i <= j ? (i < home && home <= j) : (i < home || home <= j)) continue;
      keys[i] = k;
      values[i] = values[j];
      i = j;
    }
    keys[i] = kEmpty;
    values[i] = undefined;
    if (--this.#size * 8 < mask + 1 && this.#bits > kMinBits) this.#resize(this.#bits - 1);
    return true;
  }

  keys() {
    const keys = this.#keys;
    const capacity = this.#mask + 1;
    const found = filledArray(this.#size);
    for (let i = 0, n = 0; i < capacity; i++) {
      if (keys[i] !== kEmpty) found[n++] = keys[i];
    }
    if (this.#size > 1) ArrayPrototypeSort(found, byKey);
    return found;
  }

  forEach(callback) {
    const found = this.keys();
    for (let i = 0; i < found.length; i++) {
      const slot = this.#find(found[i]);
      if (slot >= 0) callback(this.#values[slot], found[i]);  // skip what the callback deleted
    }
  }

  #find(key) {
    if (typeof key !== 'number' || !(key >= 0)) return -1;
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = this.#slot(key); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return i;
      if (k === kEmpty) return -1;
    }
  }

  // Fibonacci hashing of both 32-bit halves: sequential ids spread over the table.
  #slot(key) {
    const low = key >>> 0;
    const high = ((key - low) / 4294967296) | 0;
    return MathImul(low ^ MathImul(high, 0x85EBCA6B), 0x9E3779B1) >>> (32 - this.#bits);
  }

  #allocate(bits) {
    const capacity = 1 << bits;
    const keys = new Float64Array(capacity);
    for (let i = 0; i < capacity; i++) keys[i] = kEmpty;
    this.#keys = keys;
    this.#values = filledArray(capacity);
    this.#bits = bits;
    this.#mask = capacity - 1;
  }

  #resize(bits) {
    const keys = this.#keys;
    const values = this.#values;
    const capacity = this.#mask + 1;
    this.#allocate(bits);
    const newKeys = this.#keys;
    const newValues = this.#values;
    const mask = this.#mask;
    for (let i = 0; i < capacity; i++) {
      const k = keys[i];
      if (k === kEmpty) continue;
      let j = this.#slot(k);
      while (newKeys[j] !== kEmpty) j = (j + 1) & mask;
      newKeys[j] = k;
      newValues[j] = values[i];
      values[i] = undefined;  // the old array may be in the old generation: it keeps nothing
    }
  }
}
