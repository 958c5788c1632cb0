// Web IDL helpers shared by the runtime's interface modules (blob, streams, form_data, headers,
// request, response): brand-check and argument-count errors, DOMString / USVString
// conversions, and the finishing touches class syntax cannot express (enumerable members,
// Symbol.toStringTag, pair-iterator prototypes).
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';

const {
  ArrayIteratorPrototype,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetPrototypeOf,
  ObjectSetPrototypeOf,
  ReflectDeleteProperty,
  ReflectOwnKeys,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  Symbol,
  SymbolIterator,
  SymbolToStringTag,
  TypeError,
} = primordials;

function isObject(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}

// Makes `cls` a record class for internal state: its prototype is empty with a null prototype,
// so, as with a {__proto__: null} literal, nothing user code puts on Object.prototype is
// visible through an instance, while the instances stay fast-mode objects (V8 makes
// {__proto__: null} literals dictionaries, slow to create and to read; the per-request records
// are many). A record class declares every field it uses (class fields or constructor stores).
function recordClass(cls) {
  ReflectDeleteProperty(cls.prototype, 'constructor');
  ObjectSetPrototypeOf(cls.prototype, null);
  return cls;
}

function plural(n) {
  return n === 1 ? '1 argument' : `${n} arguments`;
}

function ctorArgCountError(iface, required, present) {
  return new TypeError(`Failed to construct '${iface}': ` +
    `${plural(required)} required, but only ${present} present.`);
}

// WebIDL DOMString: ToString (a Symbol throws a TypeError).
function toDOMString(value) {
  return typeof value === 'string' ? value : `${value}`;
}

// WebIDL USVString: ToString, then every lone surrogate becomes U+FFFD.
function toUSVString(value) {
  const s = toDOMString(value);
  const length = s.length;
  let i = 0;
  for (; i < length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0xD800 && c <= 0xDFFF) break;
  }
  if (i === length) return s;
  let out = StringPrototypeSlice(s, 0, i);
  for (; i < length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 0xD800 || c > 0xDFFF) {
      out += StringFromCharCode(c);
    } else if (c <= 0xDBFF && i + 1 < length) {
      const d = StringPrototypeCharCodeAt(s, i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) {
        out += StringFromCharCode(c, d);
        i++;
      } else {
        out += '\uFFFD';
      }
    } else {
      out += '\uFFFD';
    }
  }
  return out;
}

// WebIDL interface members are enumerable (class syntax makes them non-enumerable); symbol-keyed
// members (@@iterator) stay non-enumerable. Adds Symbol.toStringTag.
function finishInterface(cls, name) {
  const proto = cls.prototype;
  const keys = ReflectOwnKeys(proto);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'constructor' || typeof key === 'symbol') continue;
    const desc = ObjectGetOwnPropertyDescriptor(proto, key);
    desc.enumerable = true;
    ObjectDefineProperty(proto, key, desc);
  }
  const statics = ReflectOwnKeys(cls);
  for (let i = 0; i < statics.length; i++) {
    const key = statics[i];
    if (key === 'prototype' || key === 'length' || key === 'name' || typeof key === 'symbol') {
      continue;
    }
    const desc = ObjectGetOwnPropertyDescriptor(cls, key);
    desc.enumerable = true;
    ObjectDefineProperty(cls, key, desc);
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: name, writable: false, enumerable: false, configurable: true,
  });
}

// A WebIDL pair iterable's @@iterator: the same function as its entries().
function defineDefaultIterator(cls) {
  ObjectDefineProperty(cls.prototype, SymbolIterator, {
    __proto__: null,
    value: cls.prototype.entries,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

// Makes a pair iterable's iterator class prototype look like the spec's "NAME Iterator"
// prototype: no constructor, inherits from %IteratorPrototype%, an enumerable next(), and
// Symbol.toStringTag `tag`.
function finishPairIteratorPrototype(proto, tag) {
  ReflectDeleteProperty(proto, 'constructor');
  ObjectSetPrototypeOf(proto, ObjectGetPrototypeOf(ArrayIteratorPrototype));
  const desc = ObjectGetOwnPropertyDescriptor(proto, 'next');
  desc.enumerable = true;
  ObjectDefineProperty(proto, 'next', desc);
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: tag, writable: false, enumerable: false, configurable: true,
  });
}

// A WebIDL pair iterator for one interface: its own class (so its prototype is that
// interface's "TAG Iterator" prototype and its brand check is its own), reading the target's
// live list at every step. `pairAt(target, index)` gives the index-th [name, value] pair, or
// undefined past the end. Returns create(target, kind) (kind: kPairKeys, kPairValues,
// kPairEntries) and the prototype.
const kPairKeys = 0;
const kPairValues = 1;
const kPairEntries = 2;

function definePairIterator(tag, pairAt) {
  const key = Symbol(tag);
  class PairIterator {
    #target;
    #kind;
    #index = 0;

    constructor(guard, target, kind) {
      if (guard !== key) throw new TypeError('Illegal constructor');
      this.#target = target;
      this.#kind = kind;
    }

    next() {
      if (!isObject(this) || !(#target in this)) throw illegalInvocation();
      const pair = pairAt(this.#target, this.#index);
      if (pair === undefined) return { value: undefined, done: true };
      this.#index++;
      const kind = this.#kind;
      return { value: kind === kPairKeys ? pair[0] : kind === kPairValues ? pair[1] : [pair[0], pair[1]], done: false };
    }
  }
  finishPairIteratorPrototype(PairIterator.prototype, tag);
  return {
    __proto__: null,
    create: (target, kind) => new PairIterator(key, target, kind),
    prototype: PairIterator.prototype,
  };
}

export {
  kPairKeys,
  kPairValues,
  kPairEntries,
  definePairIterator,
  isObject,
  illegalInvocation,
  recordClass,
  plural,
  ctorArgCountError,
  toDOMString,
  toUSVString,
  finishInterface,
  defineDefaultIterator,
  finishPairIteratorPrototype,
};
