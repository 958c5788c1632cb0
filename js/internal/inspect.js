// Object formatting for console.* and node:util: inspect(value, opts) and format(...args),
// producing output close to node's util.inspect / util.format.
//
// Two rules shape this file:
//  * It runs on user values that may be hostile (throwing getters, proxies, revoked proxies,
//    objects whose `constructor` throws) and after user code may have replaced any built-in.
//    So it reads properties through descriptors (never calling a getter unless the `getters`
//    option asks for it), calls only captured primordials, never iterates with for...of or
//    spread, never uses regexps through their (patchable) prototype methods, and every value
//    is formatted inside a try/catch so that inspect() itself never throws.
//  * Internal bookkeeping objects have a null prototype so that properties added to
//    Object.prototype cannot leak into them.
//
// Native help that the runtime may provide through `internal:ops` (used when present):
//   getPromiseState(value) -> undefined when value is not a promise, else [state, result] with
//                             state 0 pending, 1 fulfilled, 2 rejected (v8::Promise::State()).
//   getProxyDetails(value) -> undefined when value is not a proxy, else [target, handler]
//                             (both null once revoked).
//   getOwnNonIndexProperties(value) -> own keys that are not array indices (strings and
//                             symbols, all of them; v8::Object::GetPropertyNames with
//                             SKIP_INDICES), so long arrays need not list a key per element.
// Without them promises print as `Promise { <unknown> }` and proxies are inspected through
// their traps (a trap-less proxy then looks exactly like its target).

import primordials from 'internal:primordials';
import {
  arrayIndex, isArrayBuffer, isBigIntObject, isBooleanObject, isDataView, isDate, isMap,
  isNumberObject, isRegExp, isSet, isSharedArrayBuffer, isStringObject, isSymbolObject, isWeakMap,
  isWeakSet, kMaxArrayIndex, optionalOp, prototypeChainIncludes,
} from 'internal:types';

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayIsArray,
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  ArrayPrototypeSort,
  BigIntPrototypeValueOf,
  BooleanPrototypeValueOf,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  DatePrototypeGetTime,
  DatePrototypeToISOString,
  ErrorCaptureStackTrace,
  FunctionPrototypeToString,
  JSONStringify,
  MapPrototypeEntries,
  MapPrototypeGetSize,
  MapIteratorPrototypeNext,
  MathFloor,
  MathMax,
  MathMin,
  MathRound,
  MathSqrt,
  NumberIsNaN,
  NumberParseFloat,
  NumberParseInt,
  NumberPrototypeToFixed,
  NumberPrototypeToString,
  NumberPrototypeValueOf,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetOwnPropertySymbols,
  ObjectIsExtensible,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypeToString,
  ReflectApply,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  RegExpPrototypeExec,
  RegExpPrototypeGetDotAll,
  RegExpPrototypeGetGlobal,
  RegExpPrototypeGetHasIndices,
  RegExpPrototypeGetIgnoreCase,
  RegExpPrototypeGetMultiline,
  RegExpPrototypeGetSource,
  RegExpPrototypeGetSticky,
  RegExpPrototypeGetUnicode,
  SafeMap,
  SafeSet,
  SetPrototypeGetSize,
  SetPrototypeValues,
  SetIteratorPrototypeNext,
  StringPrototypeCharCodeAt,
  StringPrototypeCodePointAt,
  StringPrototypeIncludes,
  StringPrototypeIndexOf,
  StringPrototypeRepeat,
  StringPrototypeSlice,
  StringPrototypeSplit,
  StringPrototypeValueOf,
  SymbolFor,
  SymbolPrototypeToString,
  SymbolPrototypeValueOf,
  SymbolToStringTag,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetSymbolToStringTag,
  Uint8Array,
} = primordials;

const ObjectPrototype = primordials.ObjectPrototype;
const ErrorPrototype = primordials.ErrorPrototype;
const RangeErrorPrototype = primordials.RangeErrorPrototype;
const FunctionPrototype = primordials.FunctionPrototype;

// Intrinsic prototypes that async / generator functions inherit from.
const AsyncFunctionPrototype = ReflectGetPrototypeOf(async function () {});
const GeneratorFunctionPrototype = ReflectGetPrototypeOf(function* () {});
const AsyncGeneratorFunctionPrototype = ReflectGetPrototypeOf(async function* () {});

const opGetPromiseState = optionalOp('getPromiseState');
const opGetProxyDetails = optionalOp('getProxyDetails');
const opGetOwnNonIndexProperties = optionalOp('getOwnNonIndexProperties');

export const customInspectSymbol = SymbolFor('nodejs.util.inspect.custom');

const kObjectType = 0;
const kArrayType = 1; // array elements (value only, no key)

// ---------------------------------------------------------------------------------------------
// Small safe helpers

// An own property descriptor, or undefined. A descriptor object always has own `value` and
// `writable` (data) or own `get` and `set` (accessor), plus `enumerable` and `configurable`;
// only those are ever read, after isAccessor() says which kind it is, so a property added to
// Object.prototype is never consulted.
function getDesc(obj, key) {
  return ObjectGetOwnPropertyDescriptor(obj, key);
}

function isAccessor(desc) {
  return ObjectPrototypeHasOwnProperty(desc, 'get');
}

// Stands in for a descriptor whose lookup threw (proxy trap, uninitialized module binding).
const kLookupError = Symbol('lookup error');
function lookupError(err) {
  return { __proto__: null, [kLookupError]: true, error: err };
}
function isLookupError(desc) {
  return desc !== undefined && desc[kLookupError] === true;
}

// A property's value found on `obj` or its prototype chain, without running user code unless
// the property is an accessor and `callGetter` is set (then errors give undefined).
function lookupValue(obj, key, callGetter) {
  try {
    return lookupData(obj, key, callGetter);
  } catch {
    // e.g. V8 formats `stack` lazily and Error.prepareStackTrace threw
    return undefined;
  }
}

function lookupData(obj, key, callGetter) {
  let cur = obj;
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    const desc = getDesc(cur, key);
    if (desc !== undefined) {
      if (!isAccessor(desc)) return desc.value;
      if (!callGetter || desc.get === undefined) return undefined;
      try {
        return ReflectApply(desc.get, obj, []);
      } catch {
        return undefined;
      }
    }
    cur = ReflectGetPrototypeOf(cur);
  }
  return undefined;
}

// A function's own `name` if it is a plain string data property, else ''.
function functionName(fn) {
  try {
    const desc = getDesc(fn, 'name');
    if (desc !== undefined && !isAccessor(desc) && typeof desc.value === 'string') return desc.value;
  } catch {
    // fall through
  }
  return '';
}

function join(list, separator) {
  const n = list.length;
  if (n === 0) return '';
  let out = list[0];
  for (let i = 1; i < n; i++) out += separator + list[i];
  return out;
}

function repeat(str, n) {
  return n > 0 ? StringPrototypeRepeat(str, n) : '';
}

// Replaces every '\n' in str with '\n' + indentation.
function indentNewlines(str, indentation) {
  if (indentation === '') return str;
  let out = '';
  let last = 0;
  for (;;) {
    const pos = StringPrototypeIndexOf(str, '\n', last);
    if (pos === -1) break;
    out += StringPrototypeSlice(str, last, pos + 1) + indentation;
    last = pos + 1;
  }
  return last === 0 ? str : out + StringPrototypeSlice(str, last);
}

function isIdentifierKey(key) {
  const n = key.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = StringPrototypeCharCodeAt(key, i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!alpha && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

function pluralItems(n) {
  return n === 1 ? `${n} more item` : `${n} more items`;
}

// ---------------------------------------------------------------------------------------------
// Colors

const colorCodes = {
  __proto__: null,
  special: [36, 39], // cyan
  number: [33, 39], // yellow
  bigint: [33, 39],
  boolean: [33, 39],
  undefined: [90, 39], // grey
  null: [1, 22], // bold
  string: [32, 39], // green
  symbol: [32, 39],
  date: [35, 39], // magenta
  regexp: [31, 39], // red
  module: [4, 24], // underline
};

function stylizeWithColor(str, styleType) {
  const code = colorCodes[styleType];
  if (code === undefined) return str;
  return `\u001b[${code[0]}m${str}\u001b[${code[1]}m`;
}

function stylizeNoColor(str) {
  return str;
}

// Length of str as shown on a terminal: ANSI color sequences count 0, East Asian wide
// characters count 2 (roughly), combining marks 0.
function displayWidth(str, colors) {
  const n = str.length;
  let i = 0;
  // fast path: printable ASCII
  for (; i < n; i++) {
    const c = StringPrototypeCharCodeAt(str, i);
    if (c < 0x20 || c >= 0x7f) break;
  }
  if (i === n) return n;
  let width = i;
  for (; i < n; i++) {
    const c = StringPrototypeCodePointAt(str, i);
    if (c > 0xffff) i++;
    if (colors && c === 0x1b && StringPrototypeCharCodeAt(str, i + 1) === 91) {
      // ESC [ ... m
      let j = i + 2;
      while (j < n) {
        const d = StringPrototypeCharCodeAt(str, j);
        if (d < 48 || d > 59) break;
        j++;
      }
      if (j < n && StringPrototypeCharCodeAt(str, j) === 109) {
        i = j;
        continue;
      }
    }
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x300 && c <= 0x36f) || c === 0x200b ||
        (c >= 0xfe00 && c <= 0xfe0f)) {
      continue;
    }
    if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
        (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
        (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd)) {
      width += 2;
    } else {
      width += 1;
    }
  }
  return width;
}

// ---------------------------------------------------------------------------------------------
// Primitives

const controlEscapes = [
  '\\x00', '\\x01', '\\x02', '\\x03', '\\x04', '\\x05', '\\x06', '\\x07',
  '\\b', '\\t', '\\n', '\\x0B', '\\f', '\\r', '\\x0E', '\\x0F',
  '\\x10', '\\x11', '\\x12', '\\x13', '\\x14', '\\x15', '\\x16', '\\x17',
  '\\x18', '\\x19', '\\x1A', '\\x1B', '\\x1C', '\\x1D', '\\x1E', '\\x1F',
];

// Quotes a string the way node does: single quotes, unless the string contains one and
// double quotes (or failing that backticks) avoid escaping.
export function quoteString(str) {
  let quote = 39; // '
  if (StringPrototypeIncludes(str, "'")) {
    if (!StringPrototypeIncludes(str, '"')) {
      quote = 34;
    } else if (!StringPrototypeIncludes(str, '`') && !StringPrototypeIncludes(str, '${')) {
      quote = 96;
    }
  }
  let out = '';
  let last = 0;
  const n = str.length;
  for (let i = 0; i < n; i++) {
    const c = StringPrototypeCharCodeAt(str, i);
    let escaped;
    if (c < 32) {
      escaped = controlEscapes[c];
    } else if (c === 127) {
      escaped = '\\x7F';
    } else if (c === quote || c === 92) {
      escaped = c === 92 ? '\\\\' : (c === 39 ? "\\'" : (c === 34 ? '\\"' : '\\`'));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < n) {
        const next = StringPrototypeCharCodeAt(str, i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
      }
      escaped = `\\u${NumberPrototypeToString(c, 16)}`;
    } else {
      continue;
    }
    out += StringPrototypeSlice(str, last, i) + escaped;
    last = i + 1;
  }
  if (last !== 0) out += StringPrototypeSlice(str, last);
  else out = str;
  const q = quote === 39 ? "'" : (quote === 34 ? '"' : '`');
  return q + out + q;
}

function formatNumber(stylize, n) {
  if (n === 0 && 1 / n < 0) return stylize('-0', 'number');
  return stylize(`${n}`, 'number');
}

function formatBigInt(stylize, n) {
  return stylize(`${n}n`, 'bigint');
}

function symbolToString(sym) {
  return SymbolPrototypeToString(sym);
}

// Splits str after each '\n' (keeping it), like str.split(/(?<=\n)/).
function splitLinesKeepNewline(str) {
  const parts = [];
  let last = 0;
  for (;;) {
    const pos = StringPrototypeIndexOf(str, '\n', last);
    if (pos === -1 || pos === str.length - 1) break;
    ArrayPrototypePush(parts, StringPrototypeSlice(str, last, pos + 1));
    last = pos + 1;
  }
  ArrayPrototypePush(parts, StringPrototypeSlice(str, last));
  return parts;
}

function formatPrimitive(ctx, value) {
  const stylize = ctx.stylize;
  switch (typeof value) {
    case 'string': {
      let trailer = '';
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength;
        value = StringPrototypeSlice(value, 0, ctx.maxStringLength);
        trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
      }
      if (ctx.compact !== true && value.length > 16 &&
          value.length > ctx.breakLength - ctx.indentationLvl - 4) {
        const lines = splitLinesKeepNewline(value);
        if (lines.length > 1) {
          const pieces = [];
          for (let i = 0; i < lines.length; i++) {
            ArrayPrototypePush(pieces, stylize(quoteString(lines[i]), 'string'));
          }
          return join(pieces, ` +\n${repeat(' ', ctx.indentationLvl + 2)}`) + trailer;
        }
      }
      return stylize(quoteString(value), 'string') + trailer;
    }
    case 'number': return formatNumber(stylize, value);
    case 'bigint': return formatBigInt(stylize, value);
    case 'boolean': return stylize(value ? 'true' : 'false', 'boolean');
    case 'undefined': return stylize('undefined', 'undefined');
    case 'symbol': return stylize(symbolToString(value), 'symbol');
    default: return stylize('null', 'null'); // null
  }
}

// ---------------------------------------------------------------------------------------------
// Classification of objects

// Maps an intrinsic prototype to the kind of object that normally inherits from it; the kind
// is then confirmed with a side-effect free brand check.
const intrinsicKinds = new SafeMap();
intrinsicKinds.set(primordials.MapPrototype, 'map');
intrinsicKinds.set(primordials.SetPrototype, 'set');
intrinsicKinds.set(primordials.WeakMapPrototype, 'weakmap');
intrinsicKinds.set(primordials.WeakSetPrototype, 'weakset');
intrinsicKinds.set(primordials.DatePrototype, 'date');
intrinsicKinds.set(primordials.RegExpPrototype, 'regexp');
intrinsicKinds.set(ErrorPrototype, 'error');
intrinsicKinds.set(primordials.NumberPrototype, 'number');
intrinsicKinds.set(primordials.StringPrototype, 'string');
intrinsicKinds.set(primordials.BooleanPrototype, 'boolean');
intrinsicKinds.set(primordials.SymbolPrototype, 'symbol');
intrinsicKinds.set(primordials.BigIntPrototype, 'bigint');
intrinsicKinds.set(primordials.ArrayBufferPrototype, 'arraybuffer');
intrinsicKinds.set(primordials.DataViewPrototype, 'dataview');
intrinsicKinds.set(primordials.PromisePrototype, 'promise');
// Loaded on first use (internal:console), after internal:bootstrap's realmInit completed the
// primordials, so SharedArrayBuffer is known when V8 has it.
if (primordials.SharedArrayBufferPrototype !== undefined) {
  intrinsicKinds.set(primordials.SharedArrayBufferPrototype, 'sharedarraybuffer');
}

// The brand check that confirms each kind of intrinsicKinds.
const brandChecks = {
  __proto__: null,
  map: isMap,
  set: isSet,
  weakmap: isWeakMap,
  weakset: isWeakSet,
  date: isDate,
  regexp: isRegExp,
  number: isNumberObject,
  string: isStringObject,
  boolean: isBooleanObject,
  symbol: isSymbolObject,
  bigint: isBigIntObject,
  arraybuffer: isArrayBuffer,
  sharedarraybuffer: isSharedArrayBuffer,
  dataview: isDataView,
  // Without native help a promise cannot be recognised without side effects; trust the
  // prototype chain.
  promise: (value) => opGetPromiseState === undefined || opGetPromiseState(value) !== undefined,
  error: () => true,
};

function brandCheck(kind, value) {
  const check = brandChecks[kind];
  return check !== undefined && check(value);
}


// The constructor name a `constructor` descriptor found on the chain of an object whose
// prototype is `proto` stands for, or undefined (not a function, no name, or the object does
// not actually inherit from its prototype).
function constructorNameFrom(desc, proto) {
  if (desc === undefined || isAccessor(desc) || typeof desc.value !== 'function') return undefined;
  const name = functionName(desc.value);
  if (name === '') return undefined;
  const protoDesc = getDesc(desc.value, 'prototype');
  if (protoDesc === undefined || isAccessor(protoDesc)) return undefined;
  const ctorProto = protoDesc.value;
  if (ctorProto === null || (typeof ctorProto !== 'object' && typeof ctorProto !== 'function')) {
    return undefined;
  }
  return prototypeChainIncludes(proto, ctorProto) ? name : undefined;
}

// What the prototype chain starting at `proto` contributes, cached per inspect() call since
// most objects share a few prototypes.
function protoChainInfo(ctx, proto) {
  let info = ctx.protoCache.get(proto);
  if (info !== undefined) return info;
  info = {
    __proto__: null,
    ctor: undefined, // constructor name
    tagDesc: undefined, // first Symbol.toStringTag descriptor on the chain
    intrinsic: undefined, // kind suggested by the first intrinsic prototype on the chain
    reachesObjectPrototype: false,
    customDesc: undefined, // first [inspect.custom] descriptor on the chain
  };
  let cur = proto;
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    if (info.ctor === undefined) info.ctor = constructorNameFrom(getDesc(cur, 'constructor'), proto);
    if (info.tagDesc === undefined) info.tagDesc = getDesc(cur, SymbolToStringTag);
    if (info.customDesc === undefined) info.customDesc = getDesc(cur, customInspectSymbol);
    if (cur === ObjectPrototype) info.reachesObjectPrototype = true;
    if (info.intrinsic === undefined) info.intrinsic = intrinsicKinds.get(cur);
    cur = ReflectGetPrototypeOf(cur);
  }
  ctx.protoCache.set(proto, info);
  return info;
}

// Collects what formatting needs to know about value's prototype chain:
//   ctor       constructor name (string), or undefined when no usable `constructor` was found
//   tag        Symbol.toStringTag value (string) or undefined; tagOwn / tagOwnEnumerable
//   intrinsic  kind suggested by the first intrinsic prototype on the chain
//   reachesObjectPrototype
//   firstProto value's prototype
function describeChain(ctx, value) {
  const proto = ReflectGetPrototypeOf(value);
  const protoInfo = proto === null ? undefined : protoChainInfo(ctx, proto);
  const info = {
    __proto__: null,
    ctor: undefined,
    tag: undefined,
    tagOwn: false,
    tagOwnEnumerable: false,
    intrinsic: protoInfo === undefined ? undefined : protoInfo.intrinsic,
    reachesObjectPrototype: protoInfo === undefined ? false : protoInfo.reachesObjectPrototype,
    firstProto: proto,
  };
  if (proto !== null) info.ctor = constructorNameFrom(getDesc(value, 'constructor'), proto);
  if (info.ctor === undefined && protoInfo !== undefined) info.ctor = protoInfo.ctor;
  let tagDesc = getDesc(value, SymbolToStringTag);
  if (tagDesc !== undefined) {
    info.tagOwn = true;
    info.tagOwnEnumerable = tagDesc.enumerable === true;
  } else if (protoInfo !== undefined) {
    tagDesc = protoInfo.tagDesc;
  }
  if (tagDesc !== undefined) {
    let tag;
    if (!isAccessor(tagDesc)) {
      tag = tagDesc.value;
    } else if (tagDesc.get !== undefined) {
      try {
        tag = ReflectApply(tagDesc.get, value, []);
      } catch {
        tag = undefined;
      }
    }
    if (typeof tag === 'string') {
      info.tag = tag;
    } else {
      info.tagOwn = false;
      info.tagOwnEnumerable = false;
    }
  }
  return info;
}

function isModuleNamespace(value, info) {
  if (info.firstProto !== null || info.tag !== 'Module' || !info.tagOwn) return false;
  const desc = getDesc(value, SymbolToStringTag);
  return desc !== undefined && !isAccessor(desc) && desc.writable === false &&
    !ObjectIsExtensible(value);
}

// Brand checks throw for the wrong kind of object, and exceptions are slow (~10us), so they are
// only run to confirm what the prototype chain or Object.prototype.toString suggests. The cost
// is that a Map, Set, WeakMap, ArrayBuffer... whose prototype was replaced with null (or with
// an unrelated object) shows as a plain object; that needs native help to detect.
function classify(value, info) {
  if (typeof value === 'function') return 'function';
  if (ArrayIsArray(value)) return 'array';
  if (TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined) return 'typedarray';
  if (info.intrinsic !== undefined && brandCheck(info.intrinsic, value)) return info.intrinsic;
  if (ArrayBufferIsView(value)) return 'dataview';
  if (info.reachesObjectPrototype && info.intrinsic === undefined) {
    // an ordinary object or class instance; `arguments` is the one exotic case worth a look
    if (info.tag === undefined && getDesc(value, 'callee') !== undefined &&
        ObjectPrototypeToString(value) === '[object Arguments]') {
      return 'arguments';
    }
    return 'object';
  }
  // a null prototype, or a chain through an intrinsic prototype without the matching internals
  if (opGetPromiseState !== undefined && opGetPromiseState(value) !== undefined) return 'promise';
  if (isModuleNamespace(value, info)) return 'module';
  if (info.tag === undefined) {
    switch (ObjectPrototypeToString(value)) {
      case '[object Error]': return 'error';
      case '[object Arguments]': return 'arguments';
      case '[object Date]': if (brandCheck('date', value)) return 'date'; break;
      case '[object RegExp]': if (brandCheck('regexp', value)) return 'regexp'; break;
      case '[object Number]': if (brandCheck('number', value)) return 'number'; break;
      case '[object String]': if (brandCheck('string', value)) return 'string'; break;
      case '[object Boolean]': if (brandCheck('boolean', value)) return 'boolean'; break;
      default: break;
    }
  }
  return 'object';
}

// Name shown for an object whose prototype chain has no usable `constructor`.
function fallbackConstructorName(ctx, value, info, recurseTimes) {
  if (info.firstProto === null || info.firstProto === undefined) return null;
  if (recurseTimes > ctx.depth) return 'Object <Complex prototype>';
  let protoInfo;
  try {
    protoInfo = describeChain(ctx, info.firstProto);
  } catch {
    return 'Object';
  }
  if (protoInfo.ctor !== undefined) return `Object <${protoInfo.ctor}>`;
  const inner = fallbackConstructorName(ctx, info.firstProto, protoInfo, recurseTimes + 1);
  if (inner !== null) return `Object <${inner}>`;
  const sub = makeContext(undefined);
  sub.depth = -1;
  sub.customInspect = false;
  return `Object <${formatValue(sub, info.firstProto, 0)}>`;
}

// "Foo(2) [tag] " / "[Foo(2): null prototype] [tag] "
function getPrefix(constructor, tag, fallback, size) {
  if (constructor === null) {
    if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `;
  return `${constructor}${size} `;
}

// ---------------------------------------------------------------------------------------------
// Context

function makeContext(opts) {
  const ctx = {
    __proto__: null,
    depth: 2,
    showHidden: false,
    colors: false,
    customInspect: true,
    showProxy: false,
    maxArrayLength: 100,
    maxStringLength: 10000,
    breakLength: 80,
    compact: 3,
    sorted: false,
    getters: false,
    stylize: stylizeNoColor,
    seen: new SafeSet(),
    protoCache: new SafeMap(),
    circular: undefined,
    circularCount: 0,
    indentationLvl: 0,
    currentDepth: 0,
    userOptions: undefined,
  };
  if (opts !== undefined && opts !== null && typeof opts === 'object') {
    ctx.userOptions = opts;
    const read = (key) => {
      try {
        return opts[key];
      } catch {
        return undefined;
      }
    };
    const depth = read('depth');
    if (depth === null || depth === Infinity) ctx.depth = Infinity;
    else if (typeof depth === 'number' && !NumberIsNaN(depth)) ctx.depth = depth;
    const numeric = ['maxArrayLength', 'maxStringLength', 'breakLength'];
    for (let i = 0; i < numeric.length; i++) {
      const v = read(numeric[i]);
      if (v === null) ctx[numeric[i]] = Infinity;
      else if (typeof v === 'number' && !NumberIsNaN(v)) ctx[numeric[i]] = MathMax(0, v);
    }
    const flags = ['showHidden', 'colors', 'customInspect', 'showProxy'];
    for (let i = 0; i < flags.length; i++) {
      const v = read(flags[i]);
      if (typeof v === 'boolean') ctx[flags[i]] = v;
    }
    const compact = read('compact');
    if (typeof compact === 'boolean' || (typeof compact === 'number' && compact >= 0)) {
      ctx.compact = compact;
    }
    const sorted = read('sorted');
    if (typeof sorted === 'boolean' || typeof sorted === 'function') ctx.sorted = sorted;
    const getters = read('getters');
    if (getters === true || getters === 'get' || getters === 'set') ctx.getters = getters;
    if (ctx.colors) ctx.stylize = stylizeWithColor;
  }
  return ctx;
}

// The options object handed to a [inspect.custom] method.
function userOptionsFor(ctx, depth) {
  return {
    depth,
    showHidden: ctx.showHidden,
    colors: ctx.colors,
    customInspect: ctx.customInspect,
    showProxy: ctx.showProxy,
    maxArrayLength: ctx.maxArrayLength,
    maxStringLength: ctx.maxStringLength,
    breakLength: ctx.breakLength,
    compact: ctx.compact,
    sorted: ctx.sorted,
    getters: ctx.getters,
    stylize: ctx.stylize,
  };
}

// ---------------------------------------------------------------------------------------------
// Errors raised while inspecting

function safeMessage(err) {
  try {
    if (typeof err === 'string') return err;
    if (err !== null && typeof err === 'object') {
      const message = lookupValue(err, 'message', false);
      if (typeof message === 'string') return message;
    }
    if (err === null || (typeof err !== 'object' && typeof err !== 'function')) {
      return formatPrimitive(makeContext(undefined), err);
    }
  } catch {
    // fall through
  }
  return 'unknown error';
}

// Deliberately not guarded: when the stack is still too full to run this, the new RangeError
// propagates to a caller's catch, which has more room and asks again.
function isStackOverflow(err) {
  if (err === null || typeof err !== 'object' || ReflectGetPrototypeOf(err) !== RangeErrorPrototype) {
    return false;
  }
  const desc = getDesc(err, 'message');
  return desc !== undefined && !isAccessor(desc) && desc.value === 'Maximum call stack size exceeded';
}

function formatInspectionError(err) {
  const message = safeMessage(err);
  if (StringPrototypeIncludes(message, 'revoked') && StringPrototypeIncludes(message, 'proxy')) {
    return '<Revoked Proxy>';
  }
  return `<Inspection threw (${message})>`;
}

// ---------------------------------------------------------------------------------------------
// The recursive formatter

function formatValue(ctx, value, recurseTimes) {
  if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(ctx, value);
  if (value === null) return ctx.stylize('null', 'null');
  const savedIndentation = ctx.indentationLvl;
  try {
    return formatObject(ctx, value, recurseTimes);
  } catch (err) {
    ctx.indentationLvl = savedIndentation;
    let overflow;
    try {
      overflow = isStackOverflow(err);
    } catch (checkError) {
      // Still no stack to spare: a caller with more room reports it. (Unless err is a proxy
      // whose traps throw it again; then it is just an error.)
      if (checkError !== err) throw checkError;
      overflow = false;
    }
    if (overflow) {
      return ctx.stylize(
        '[Object: Inspection interrupted prematurely. Maximum call stack size exceeded.]',
        'special');
    }
    return ctx.stylize(formatInspectionError(err), 'special');
  }
}

function formatObject(ctx, value, recurseTimes) {
  if (opGetProxyDetails !== undefined) {
    for (let guard = 0; guard < 1000; guard++) {
      const details = opGetProxyDetails(value);
      if (details === undefined) break;
      if (details === null || details[0] === null) return ctx.stylize('<Revoked Proxy>', 'special');
      if (ctx.showProxy) {
        ctx.indentationLvl += 2;
        const parts = [formatValue(ctx, details[0], recurseTimes + 1),
          formatValue(ctx, details[1], recurseTimes + 1)];
        ctx.indentationLvl -= 2;
        return reduceToSingleString(ctx, parts, '', ['Proxy [', ']'], kArrayType, recurseTimes + 1);
      }
      value = details[0];
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
        return formatValue(ctx, value, recurseTimes);
      }
    }
  }

  if (ctx.customInspect) {
    const custom = findCustomInspect(ctx, value);
    if (typeof custom === 'function' && custom !== inspect && !isOwnConstructorPrototype(value)) {
      const depth = ctx.depth - recurseTimes;
      const ret = ReflectApply(custom, value, [depth, userOptionsFor(ctx, depth), inspect]);
      if (ret !== value) {
        if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes);
        return indentNewlines(ret, repeat(' ', ctx.indentationLvl));
      }
    }
  }

  if (ctx.seen.has(value)) {
    if (ctx.circular === undefined) ctx.circular = new SafeMap();
    let index = ctx.circular.get(value);
    if (index === undefined) {
      index = ++ctx.circularCount;
      ctx.circular.set(value, index);
    }
    return ctx.stylize(`[Circular *${index}]`, 'special');
  }

  return formatRaw(ctx, value, recurseTimes);
}

// value[inspect.custom] if it is a data property (own or inherited), else undefined.
function findCustomInspect(ctx, value) {
  let desc = getDesc(value, customInspectSymbol);
  if (desc === undefined) {
    const proto = ReflectGetPrototypeOf(value);
    if (proto === null) return undefined;
    desc = protoChainInfo(ctx, proto).customDesc;
    if (desc === undefined) return undefined;
  }
  return isAccessor(desc) ? undefined : desc.value;
}

// True when value is Foo.prototype for its own `constructor` Foo (inspect.custom found there
// is meant for instances, not for the prototype itself).
function isOwnConstructorPrototype(value) {
  const desc = getDesc(value, 'constructor');
  if (desc === undefined || isAccessor(desc) || typeof desc.value !== 'function') return false;
  const protoDesc = getDesc(desc.value, 'prototype');
  return protoDesc !== undefined && !isAccessor(protoDesc) && protoDesc.value === value;
}

// Own property keys to show, with their descriptors. `skipIndex` (a limit) drops array-index
// keys below it (array elements, typed array elements, boxed string characters).
//
// Reflect.ownKeys materializes every index as a string (about a second for a million
// elements), so for arrays, typed arrays and String objects longer than kManyIndices
// (`manyIndices`) only symbol keys are listed, unless the runtime offers
// ops.getOwnNonIndexProperties; array elements are then found by probing (probeArrayIndices).
function collectKeys(ctx, value, skipIndexBelow, indexSink, manyIndices) {
  const keys = [];
  const descs = [];
  let all;
  if (manyIndices) {
    all = opGetOwnNonIndexProperties !== undefined
      ? opGetOwnNonIndexProperties(value) : ObjectGetOwnPropertySymbols(value);
    skipIndexBelow = 0;
  } else {
    all = ReflectOwnKeys(value);
  }
  const n = all.length;
  for (let i = 0; i < n; i++) {
    const key = all[i];
    if (skipIndexBelow > 0) {
      const index = arrayIndex(key, skipIndexBelow);
      if (index !== -1) {
        if (indexSink !== undefined) ArrayPrototypePush(indexSink, index);
        continue;
      }
    }
    let desc;
    try {
      desc = getDesc(value, key);
    } catch (err) {
      // e.g. an uninitialized binding of a module namespace, or a throwing proxy trap.
      ArrayPrototypePush(keys, key);
      ArrayPrototypePush(descs, lookupError(err));
      continue;
    }
    if (desc === undefined) continue;
    if (!ctx.showHidden && desc.enumerable !== true) continue;
    ArrayPrototypePush(keys, key);
    ArrayPrototypePush(descs, desc);
  }
  return { __proto__: null, keys, descs };
}

const kManyIndices = 16384;

// The positions of the first elements of a long array, enough for formatArrayElements to fill
// maxArrayLength entries (a run of holes counts as one). False when the array is too sparse
// to probe; then listing its keys is cheap.
function probeArrayIndices(ctx, array, length, indexSink) {
  const max = ctx.maxArrayLength;
  let entries = 0;
  let inHole = false;
  for (let pos = 0, scanned = 0; pos < length; pos++) {
    if (entries >= max && !inHole) break;
    if (++scanned > 4096) return false;
    if (getDesc(array, `${pos}`) !== undefined) {
      ArrayPrototypePush(indexSink, pos);
      if (entries >= max) break; // the hole before it is complete
      entries++;
      inHole = false;
    } else if (!inHole) {
      inHole = true;
      entries++;
    }
  }
  return true;
}

function removeKey(entries, key) {
  const keys = entries.keys;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === key) {
      const newKeys = [];
      const newDescs = [];
      for (let j = 0; j < keys.length; j++) {
        if (j === i) continue;
        ArrayPrototypePush(newKeys, keys[j]);
        ArrayPrototypePush(newDescs, entries.descs[j]);
      }
      entries.keys = newKeys;
      entries.descs = newDescs;
      return;
    }
  }
}

function keyIndex(entries, key) {
  const keys = entries.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
  return -1;
}

function hasKey(entries, key) {
  return keyIndex(entries, key) !== -1;
}

function formatRaw(ctx, value, recurseTimes) {
  const info = describeChain(ctx, value);
  const kind = classify(value, info);

  let constructor = info.ctor;
  if (constructor === undefined) constructor = fallbackConstructorName(ctx, value, info, recurseTimes);
  let tag = info.tag;
  if (tag === undefined || (tag !== '' && (ctx.showHidden ? info.tagOwn : info.tagOwnEnumerable))) {
    tag = '';
  }

  let base = '';
  let braces;
  let extrasType = kObjectType;
  let formatter; // (ctx, value, recurseTimes) -> output array
  let entries;
  let extraKeyOutput; // pre-formatted "key: value" entries to put before the own keys
  let numericArray = false; // all shown elements are numbers: right-align them when grouped
  let elementCount = 0;

  switch (kind) {
    case 'array': {
      const lengthDesc = getDesc(value, 'length');
      const length = lengthDesc !== undefined && !isAccessor(lengthDesc) &&
        typeof lengthDesc.value === 'number' ? lengthDesc.value : 0;
      let indices = [];
      let probed = false;
      if (length > kManyIndices) {
        probed = probeArrayIndices(ctx, value, length, indices);
        if (!probed) indices = [];
      }
      entries = collectKeys(ctx, value, kMaxArrayIndex, probed ? undefined : indices, probed);
      if (!ctx.showHidden) removeKey(entries, 'length');
      const prefix = (constructor !== 'Array' || tag !== '')
        ? getPrefix(constructor, tag, 'Array', `(${length})`) : '';
      braces = [`${prefix}[`, ']'];
      if (length === 0 && entries.keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayType;
      elementCount = length;
      formatter = (ctx2, v, r) => {
        const result = formatArrayElements(ctx2, v, r, length, indices);
        numericArray = result.numeric;
        return result.output;
      };
      break;
    }
    case 'typedarray': {
      const length = TypedArrayPrototypeGetLength(value);
      const fallback = TypedArrayPrototypeGetSymbolToStringTag(value);
      entries = collectKeys(ctx, value, length + 1, undefined, length > kManyIndices);
      braces = [`${getPrefix(constructor, tag, fallback, `(${length})`)}[`, ']'];
      if (length === 0 && entries.keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
      extrasType = kArrayType;
      numericArray = true;
      elementCount = length;
      formatter = (ctx2, v, r) => formatTypedArray(ctx2, v, r, length);
      break;
    }
    case 'set': {
      const size = SetPrototypeGetSize(value);
      entries = collectKeys(ctx, value, 0);
      const prefix = getPrefix(constructor, tag, 'Set', `(${size})`);
      if (size === 0 && entries.keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
      formatter = formatSet;
      break;
    }
    case 'map': {
      const size = MapPrototypeGetSize(value);
      entries = collectKeys(ctx, value, 0);
      const prefix = getPrefix(constructor, tag, 'Map', `(${size})`);
      if (size === 0 && entries.keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
      formatter = formatMap;
      break;
    }
    default: {
      const stringLength = kind === 'string' ? StringPrototypeValueOf(value).length : 0;
      entries = collectKeys(ctx, value, stringLength, undefined, stringLength > kManyIndices);
      braces = ['{', '}'];
      switch (kind) {
        case 'object':
        case 'arguments':
          if (constructor === 'Object') {
            if (kind === 'arguments') braces[0] = '[Arguments] {';
            else if (tag !== '') braces[0] = `${getPrefix(constructor, tag, 'Object', '')}{`;
            if (entries.keys.length === 0) return `${braces[0]}}`;
          } else if (entries.keys.length === 0) {
            return `${getPrefix(constructor, tag, 'Object', '')}{}`;
          } else {
            braces[0] = `${getPrefix(constructor, tag, 'Object', '')}{`;
          }
          break;
        case 'function':
          base = functionBase(value, constructor, tag);
          if (entries.keys.length === 0) return ctx.stylize(base, 'special');
          break;
        case 'regexp': {
          base = regExpToString(value);
          const prefix = getPrefix(constructor, tag, 'RegExp', '');
          if (prefix !== 'RegExp ') base = `${prefix}${base}`;
          if (entries.keys.length === 0) return ctx.stylize(base, 'regexp');
          break;
        }
        case 'date': {
          const time = DatePrototypeGetTime(value);
          base = NumberIsNaN(time) ? 'Invalid Date' : DatePrototypeToISOString(value);
          const prefix = getPrefix(constructor, tag, 'Date', '');
          if (prefix !== 'Date ') base = `${prefix}${base}`;
          if (entries.keys.length === 0) return ctx.stylize(base, 'date');
          break;
        }
        case 'error':
          base = formatError(ctx, value, constructor, tag, entries);
          if (entries.keys.length === 0) return base;
          break;
        case 'arraybuffer':
        case 'sharedarraybuffer': {
          const typeName = kind === 'arraybuffer' ? 'ArrayBuffer' : 'SharedArrayBuffer';
          braces[0] = `${getPrefix(constructor, tag, typeName, '')}{`;
          formatter = formatArrayBuffer;
          break;
        }
        case 'dataview':
          braces[0] = `${getPrefix(constructor, tag, 'DataView', '')}{`;
          extraKeyOutput = formatDataViewFields(ctx, value, recurseTimes + 1);
          break;
        case 'promise':
          braces[0] = `${getPrefix(constructor, tag, 'Promise', '')}{`;
          formatter = formatPromise;
          break;
        case 'weakset':
          braces[0] = `${getPrefix(constructor, tag, 'WeakSet', '')}{`;
          formatter = formatWeakCollection;
          break;
        case 'weakmap':
          braces[0] = `${getPrefix(constructor, tag, 'WeakMap', '')}{`;
          formatter = formatWeakCollection;
          break;
        case 'module':
          braces[0] = `${getPrefix(constructor, tag, 'Module', '')}{`;
          break;
        default: // boxed primitives
          base = boxedBase(ctx, value, kind, constructor, tag);
          if (entries.keys.length === 0) return ctx.stylize(base, kind);
          break;
      }
    }
  }

  if (recurseTimes > ctx.depth) {
    let name = StringPrototypeSlice(getPrefix(constructor, tag, kindFallbackName(kind, value), ''), 0, -1);
    if (constructor !== null) name = `[${name}]`;
    return ctx.stylize(name, 'special');
  }

  recurseTimes += 1;
  ctx.seen.add(value);
  ctx.currentDepth = recurseTimes;
  let output;
  try {
    output = formatter !== undefined ? formatter(ctx, value, recurseTimes) : [];
    if (extraKeyOutput !== undefined) {
      for (let i = 0; i < extraKeyOutput.length; i++) ArrayPrototypePush(output, extraKeyOutput[i]);
    }
    const keys = entries.keys;
    const descs = entries.descs;
    for (let i = 0; i < keys.length; i++) {
      ArrayPrototypePush(output,
        formatProperty(ctx, value, recurseTimes, keys[i], descs[i], kObjectType, kind));
    }
  } finally {
    ctx.seen.delete(value);
  }

  if (ctx.circular !== undefined) {
    const index = ctx.circular.get(value);
    if (index !== undefined) {
      const reference = ctx.stylize(`<ref *${index}>`, 'special');
      if (ctx.compact !== true) base = base === '' ? reference : `${reference} ${base}`;
      else braces[0] = `${reference} ${braces[0]}`;
    }
  }

  if (ctx.sorted) {
    const comparator = ctx.sorted === true ? undefined : ctx.sorted;
    if (extrasType === kObjectType) ArrayPrototypeSort(output, comparator);
    else if (entries.keys.length > 1) sortTail(output, entries.keys.length, comparator);
  }

  // (node decides on the entries' positions, so extra keys past the elements count as text)
  return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes,
    numericArray && output.length <= elementCount);
}

function kindFallbackName(kind, value) {
  switch (kind) {
    case 'array': return 'Array';
    case 'typedarray': return TypedArrayPrototypeGetSymbolToStringTag(value);
    case 'map': return 'Map';
    case 'set': return 'Set';
    case 'arraybuffer': return 'ArrayBuffer';
    case 'sharedarraybuffer': return 'SharedArrayBuffer';
    case 'dataview': return 'DataView';
    case 'promise': return 'Promise';
    case 'weakmap': return 'WeakMap';
    case 'weakset': return 'WeakSet';
    case 'module': return 'Module';
    default: return 'Object';
  }
}

function sortTail(output, count, comparator) {
  const start = output.length - count;
  const tail = [];
  for (let i = start; i < output.length; i++) ArrayPrototypePush(tail, output[i]);
  ArrayPrototypeSort(tail, comparator);
  for (let i = 0; i < tail.length; i++) output[start + i] = tail[i];
}

// ---------------------------------------------------------------------------------------------
// Properties

function formatPropertyKey(ctx, key, enumerable) {
  if (typeof key === 'symbol') return `[${ctx.stylize(symbolToString(key), 'symbol')}]`;
  if (key === '__proto__') return "['__proto__']";
  if (enumerable === false) {
    const quoted = quoteString(key);
    return `[${StringPrototypeSlice(quoted, 1, -1)}]`;
  }
  if (isIdentifierKey(key)) return ctx.stylize(key, 'name');
  return ctx.stylize(quoteString(key), 'string');
}

// Formats the value part of a property from its descriptor (or a caught error).
function formatPropertyValue(ctx, obj, desc, recurseTimes, kind, diff) {
  if (desc === undefined) return ctx.stylize('undefined', 'undefined');
  if (isLookupError(desc)) {
    if (kind === 'module') return ctx.stylize('<uninitialized>', 'special');
    return ctx.stylize(formatInspectionError(desc.error), 'special');
  }
  if (!isAccessor(desc)) {
    ctx.indentationLvl += diff;
    let str = formatValue(ctx, desc.value, recurseTimes);
    if (diff === 3 && ctx.breakLength < displayWidth(str, ctx.colors)) {
      // compact: true puts a long value on its own line below the key
      str = `\n${repeat(' ', ctx.indentationLvl)}${str}`;
    }
    ctx.indentationLvl -= diff;
    return str;
  }
  if (desc.get !== undefined) {
    const label = desc.set !== undefined ? 'Getter/Setter' : 'Getter';
    const getters = ctx.getters;
    if (getters === true || (getters === 'get' && desc.set === undefined) ||
        (getters === 'set' && desc.set !== undefined)) {
      let shown;
      try {
        const result = ReflectApply(desc.get, obj, []);
        ctx.indentationLvl += 2;
        if (result === null || typeof result !== 'object') {
          shown = `${label}: ${formatPrimitive(ctx, result)}`;
        } else {
          shown = `${label}: ${formatValue(ctx, result, recurseTimes)}`;
        }
        ctx.indentationLvl -= 2;
      } catch (err) {
        shown = `${label}: <Inspection threw (${safeMessage(err)})>`;
      }
      return ctx.stylize(`[${shown}]`, 'special');
    }
    return ctx.stylize(`[${label}]`, 'special');
  }
  if (desc.set !== undefined) return ctx.stylize('[Setter]', 'special');
  return ctx.stylize('undefined', 'undefined');
}

function formatProperty(ctx, obj, recurseTimes, key, desc, type, kind) {
  const diff = ctx.compact !== true || type !== kObjectType ? 2 : 3;
  const str = formatPropertyValue(ctx, obj, desc, recurseTimes, kind, diff);
  if (type === kArrayType) return str;
  const enumerable = desc !== undefined && !isLookupError(desc) ? desc.enumerable : true;
  const separator = StringPrototypeCharCodeAt(str, 0) === 10 ? ':' : ': ';
  return `${formatPropertyKey(ctx, key, enumerable)}${separator}${str}`;
}

// ---------------------------------------------------------------------------------------------
// Type specific formatters

function formatArrayElements(ctx, array, recurseTimes, length, indices) {
  const output = [];
  const max = ctx.maxArrayLength;
  let numeric = true;
  let pos = 0;
  const emitHole = (count) => {
    numeric = false;
    ArrayPrototypePush(output,
      ctx.stylize(`<${count} empty item${count > 1 ? 's' : ''}>`, 'undefined'));
  };
  for (let k = 0; k < indices.length && output.length < max; k++) {
    const index = indices[k];
    if (index < pos || index >= length) continue;
    if (index > pos) {
      emitHole(index - pos);
      pos = index;
      if (output.length >= max) break;
    }
    let desc;
    try {
      desc = getDesc(array, `${index}`);
    } catch (err) {
      desc = lookupError(err);
    }
    if (desc !== undefined && !isLookupError(desc) && !isAccessor(desc)) {
      const t = typeof desc.value;
      if (t !== 'number' && t !== 'bigint') numeric = false;
    } else {
      numeric = false;
    }
    ArrayPrototypePush(output, formatPropertyValue(ctx, array, desc, recurseTimes, 'array', 2));
    pos = index + 1;
  }
  if (output.length < max && pos < length) {
    emitHole(length - pos);
    pos = length;
  }
  if (pos < length) ArrayPrototypePush(output, `... ${pluralItems(length - pos)}`);
  return { __proto__: null, output, numeric };
}

function formatTypedArray(ctx, array, recurseTimes, length) {
  const shown = MathMin(ctx.maxArrayLength, length);
  const output = [];
  for (let i = 0; i < shown; i++) {
    const v = array[i];
    ArrayPrototypePush(output,
      typeof v === 'bigint' ? formatBigInt(ctx.stylize, v) : formatNumber(ctx.stylize, v));
  }
  if (length > shown) ArrayPrototypePush(output, `... ${pluralItems(length - shown)}`);
  if (ctx.showHidden) {
    ctx.indentationLvl += 2;
    const fields = ['BYTES_PER_ELEMENT', 'length', 'byteLength', 'byteOffset', 'buffer'];
    for (let i = 0; i < fields.length; i++) {
      const v = lookupValue(array, fields[i], true);
      let str;
      if (fields[i] === 'buffer') {
        // only the size of the underlying buffer, its bytes are the elements above
        let byteLength;
        try {
          byteLength = ArrayBufferPrototypeGetByteLength(v);
        } catch {
          byteLength = undefined;
        }
        str = byteLength === undefined ? formatValue(ctx, v, recurseTimes)
          : `ArrayBuffer { byteLength: ${formatNumber(ctx.stylize, byteLength)} }`;
      } else {
        str = formatValue(ctx, v, recurseTimes);
      }
      ArrayPrototypePush(output, `[${fields[i]}]: ${str}`);
    }
    ctx.indentationLvl -= 2;
  }
  return output;
}

function formatSet(ctx, set, recurseTimes) {
  const output = [];
  const max = ctx.maxArrayLength;
  const size = SetPrototypeGetSize(set);
  const it = SetPrototypeValues(set);
  ctx.indentationLvl += 2;
  for (let i = 0; i < max; i++) {
    const step = SetIteratorPrototypeNext(it);
    if (step.done) break;
    ArrayPrototypePush(output, formatValue(ctx, step.value, recurseTimes));
  }
  ctx.indentationLvl -= 2;
  if (size > output.length && size > max) {
    ArrayPrototypePush(output, `... ${pluralItems(size - output.length)}`);
  }
  return output;
}

function formatMap(ctx, map, recurseTimes) {
  const output = [];
  const max = ctx.maxArrayLength;
  const size = MapPrototypeGetSize(map);
  const it = MapPrototypeEntries(map);
  ctx.indentationLvl += 2;
  for (let i = 0; i < max; i++) {
    const step = MapIteratorPrototypeNext(it);
    if (step.done) break;
    const entry = step.value;
    ArrayPrototypePush(output,
      `${formatValue(ctx, entry[0], recurseTimes)} => ${formatValue(ctx, entry[1], recurseTimes)}`);
  }
  ctx.indentationLvl -= 2;
  if (size > output.length && size > max) {
    ArrayPrototypePush(output, `... ${pluralItems(size - output.length)}`);
  }
  return output;
}

const hexDigits = '0123456789abcdef';

function formatArrayBuffer(ctx, buffer) {
  let bytes;
  let byteLength;
  try {
    bytes = new Uint8Array(buffer);
    byteLength = TypedArrayPrototypeGetLength(bytes);
  } catch {
    return [ctx.stylize('(detached)', 'special')];
  }
  const shown = MathMin(ctx.maxArrayLength, byteLength);
  let hex = '';
  for (let i = 0; i < shown; i++) {
    const b = bytes[i];
    if (i > 0) hex += ' ';
    hex += hexDigits[b >> 4] + hexDigits[b & 15];
  }
  const remaining = byteLength - shown;
  if (remaining > 0) hex += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return [`${ctx.stylize('[Uint8Contents]', 'special')}: <${hex}>`,
    `byteLength: ${formatNumber(ctx.stylize, byteLength)}`];
}

function formatDataViewFields(ctx, view, recurseTimes) {
  const out = [];
  let byteLength;
  let byteOffset;
  try {
    byteLength = formatNumber(ctx.stylize, DataViewPrototypeGetByteLength(view));
    byteOffset = formatNumber(ctx.stylize, DataViewPrototypeGetByteOffset(view));
  } catch {
    byteLength = ctx.stylize('(detached)', 'special');
    byteOffset = byteLength;
  }
  ArrayPrototypePush(out, `byteLength: ${byteLength}`);
  ArrayPrototypePush(out, `byteOffset: ${byteOffset}`);
  ctx.indentationLvl += 2;
  const buffer = formatValue(ctx, DataViewPrototypeGetBuffer(view), recurseTimes);
  ctx.indentationLvl -= 2;
  ArrayPrototypePush(out, `buffer: ${buffer}`);
  return out;
}

function formatPromise(ctx, promise, recurseTimes) {
  if (opGetPromiseState === undefined) return [ctx.stylize('<unknown>', 'special')];
  const details = opGetPromiseState(promise);
  if (details === undefined) return [ctx.stylize('<unknown>', 'special')];
  const state = details[0];
  if (state === 0) return [ctx.stylize('<pending>', 'special')];
  ctx.indentationLvl += 2;
  const str = formatValue(ctx, details[1], recurseTimes);
  ctx.indentationLvl -= 2;
  return [state === 2 ? `${ctx.stylize('<rejected>', 'special')} ${str}` : str];
}

function formatWeakCollection(ctx) {
  return [ctx.stylize('<items unknown>', 'special')];
}

function regExpToString(re) {
  let flags = '';
  if (RegExpPrototypeGetHasIndices !== undefined && RegExpPrototypeGetHasIndices(re)) flags += 'd';
  if (RegExpPrototypeGetGlobal(re)) flags += 'g';
  if (RegExpPrototypeGetIgnoreCase(re)) flags += 'i';
  if (RegExpPrototypeGetMultiline(re)) flags += 'm';
  if (RegExpPrototypeGetDotAll(re)) flags += 's';
  if (RegExpPrototypeGetUnicode(re)) flags += 'u';
  if (primordials.RegExpPrototypeGetUnicodeSets !== undefined &&
      primordials.RegExpPrototypeGetUnicodeSets(re)) flags += 'v';
  if (RegExpPrototypeGetSticky(re)) flags += 'y';
  return `/${RegExpPrototypeGetSource(re)}/${flags}`;
}

function isClassSource(source) {
  if (StringPrototypeSlice(source, 0, 5) !== 'class') return false;
  const c = StringPrototypeCharCodeAt(source, 5);
  // "class" followed by whitespace, '{' or a comment start
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 123 || c === 47;
}

function functionBase(fn, constructor, tag) {
  let source = '';
  try {
    source = FunctionPrototypeToString(fn);
  } catch {
    // not a real function (should not happen for typeof 'function')
  }
  const name = functionName(fn);
  if (isClassSource(source)) {
    let base = `class ${name !== '' ? name : '(anonymous)'}`;
    if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    if (constructor !== null) {
      const superClass = ReflectGetPrototypeOf(fn);
      if (typeof superClass === 'function' && superClass !== FunctionPrototype) {
        const superName = functionName(superClass);
        if (superName !== '') base += ` extends ${superName}`;
      }
    } else {
      base += ' extends [null prototype]';
    }
    return `[${base}]`;
  }
  let type = 'Function';
  const proto = ReflectGetPrototypeOf(fn);
  if (proto === GeneratorFunctionPrototype) type = 'GeneratorFunction';
  else if (proto === AsyncFunctionPrototype) type = 'AsyncFunction';
  else if (proto === AsyncGeneratorFunctionPrototype) type = 'AsyncGeneratorFunction';
  let base = `[${type}`;
  if (constructor === null) base += ' (null prototype)';
  base += name === '' ? ' (anonymous)' : `: ${name}`;
  base += ']';
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

function boxedBase(ctx, value, kind, constructor, tag) {
  let type;
  let primitive;
  switch (kind) {
    case 'number': type = 'Number'; primitive = NumberPrototypeValueOf(value); break;
    case 'string': type = 'String'; primitive = StringPrototypeValueOf(value); break;
    case 'boolean': type = 'Boolean'; primitive = BooleanPrototypeValueOf(value); break;
    case 'bigint': type = 'BigInt'; primitive = BigIntPrototypeValueOf(value); break;
    default: type = 'Symbol'; primitive = SymbolPrototypeValueOf(value); break;
  }
  let base = `[${type}`;
  if (type !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
  const plain = makeContext(undefined);
  plain.compact = true; // never split a boxed string over lines
  base += `: ${formatPrimitive(plain, primitive)}]`;
  if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
  return base;
}

// ---------------------------------------------------------------------------------------------
// Errors

function safeString(value) {
  if (typeof value === 'string') return value;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    if (typeof value === 'symbol') return symbolToString(value);
    return `${value}`;
  }
  return undefined;
}

// Error.prototype.toString without calling user code except getters for name/message.
function errorToString(err) {
  let name = lookupValue(err, 'name', true);
  name = name === undefined ? 'Error' : (safeString(name) ?? 'Error');
  let message = lookupValue(err, 'message', true);
  message = message === undefined ? '' : (safeString(message) ?? '');
  if (name === '') return message;
  if (message === '') return name;
  return `${name}: ${message}`;
}

function improveStack(stack, constructor, name, tag) {
  const len = name.length;
  if (constructor === null ||
      (StringPrototypeSlice(name, -5) === 'Error' && StringPrototypeSlice(stack, 0, len) === name &&
       (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
    const prefix = StringPrototypeSlice(getPrefix(constructor, tag, 'Error', ''), 0, -1);
    if (name !== prefix) {
      if (StringPrototypeIncludes(prefix, name)) {
        stack = len === 0 ? `${prefix}: ${stack}` : `${prefix}${StringPrototypeSlice(stack, len)}`;
      } else {
        stack = `${prefix} [${name}]${StringPrototypeSlice(stack, len)}`;
      }
    }
  }
  return stack;
}

// Stack frames of the runtime's own JS (internal:serve, internal:rpc, ...) say nothing to the
// user and leak how dynworker is built: shown stacks keep only the user's frames (and all of
// them if no user frame is left, so a runtime bug still shows where it happened).
function hideInternalFrames(stack) {
  const lines = StringPrototypeSplit(stack, '\n');
  const kept = [];
  let hidden = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (RegExpPrototypeExec(/^\s+at (?:.* \()?internal:[a-z_/]+:\d+:\d+\)?$/, line) !== null) {
      hidden++;
      continue;
    }
    ArrayPrototypePush(kept, line);
  }
  if (hidden === 0) return stack;
  let userFrames = 0;
  for (let i = 0; i < kept.length; i++) {
    if (RegExpPrototypeExec(/^\s+at /, kept[i]) !== null) userFrames++;
  }
  return userFrames === 0 ? stack : ArrayPrototypeJoin(kept, '\n');
}

function formatError(ctx, err, constructor, tag, entries) {
  const nameValue = lookupValue(err, 'name', true);
  const name = nameValue === undefined || nameValue === null ? 'Error' : (safeString(nameValue) ?? 'Error');
  const messageValue = lookupValue(err, 'message', true);
  const message = typeof messageValue === 'string' ? messageValue : '';
  let stack;
  const stackValue = lookupValue(err, 'stack', true);
  if (typeof stackValue === 'string' && stackValue !== '') stack = stackValue;
  else if (stackValue !== undefined && stackValue !== null && stackValue !== '' &&
           stackValue !== false && stackValue !== 0) {
    stack = safeString(stackValue) ?? ObjectPrototypeToString(stackValue);
  } else {
    stack = errorToString(err);
  }
  stack = hideInternalFrames(stack);

  // Own enumerable name/message/stack already visible in the stack are not repeated, nor are
  // those whose descriptor could not be read (V8 formats `stack` lazily, which can throw).
  if (entries.keys.length !== 0) {
    const names = ['name', 'message', 'stack'];
    for (let i = 0; i < names.length; i++) {
      const index = keyIndex(entries, names[i]);
      if (index === -1) continue;
      const desc = entries.descs[index];
      if (isLookupError(desc)) {
        removeKey(entries, names[i]);
        continue;
      }
      if (ctx.showHidden) continue;
      const v = isAccessor(desc) ? undefined : desc.value;
      if (typeof v === 'string' && StringPrototypeIncludes(stack, v)) removeKey(entries, names[i]);
    }
  }
  const extras = ['cause', 'errors'];
  for (let i = 0; i < extras.length; i++) {
    const key = extras[i];
    if (hasKey(entries, key)) continue;
    let desc;
    try {
      desc = getDesc(err, key);
    } catch {
      desc = undefined;
    }
    if (desc === undefined) continue;
    if (key === 'errors' && (isAccessor(desc) || !ArrayIsArray(desc.value))) continue;
    ArrayPrototypePush(entries.keys, key);
    ArrayPrototypePush(entries.descs, desc);
  }

  stack = improveStack(stack, constructor, name, tag);

  let pos = message !== '' ? StringPrototypeIndexOf(stack, message) : -1;
  if (pos !== -1) pos += message.length;
  if (StringPrototypeIndexOf(stack, '\n    at', pos === -1 ? 0 : pos) === -1) stack = `[${stack}]`;

  if (ctx.indentationLvl !== 0) stack = indentNewlines(stack, repeat(' ', ctx.indentationLvl));
  return stack;
}

// ---------------------------------------------------------------------------------------------
// Layout

// Length of str without ANSI color sequences.
function lengthWithoutColors(str) {
  let length = str.length;
  let pos = 0;
  for (;;) {
    pos = StringPrototypeIndexOf(str, '\u001b[', pos);
    if (pos === -1) return length;
    let j = pos + 2;
    while (j < str.length) {
      const d = StringPrototypeCharCodeAt(str, j);
      if (d < 48 || d > 59) break;
      j++;
    }
    if (j < str.length && StringPrototypeCharCodeAt(str, j) === 109) length -= j + 1 - pos;
    pos = j;
  }
}

function isBelowBreakLength(ctx, output, start, base) {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (let i = 0; i < output.length; i++) {
    totalLength += ctx.colors ? lengthWithoutColors(output[i]) : output[i].length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === '' || !StringPrototypeIncludes(base, '\n');
}

// Lays out many short array entries in aligned columns (numbers right aligned).
function groupArrayElements(ctx, output, numeric) {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  if (ctx.maxArrayLength < output.length) outputLength--; // "... more items" stays alone
  const separatorSpace = 2; // ", "
  const dataLen = [];
  for (let i = 0; i < outputLength; i++) {
    const len = displayWidth(output[i], ctx.colors);
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
      (totalLength / actualMax > 5 || maxLength <= 6)) {
    // Aim for a roughly square block, counting a character as 2.5 times taller than wide;
    // short entries get a few more columns.
    const averageBias = MathSqrt(actualMax - totalLength / output.length);
    const biasedMax = MathMax(actualMax - 3 - averageBias, 1);
    const columns = MathMin(
      MathRound(MathSqrt(2.5 * biasedMax * outputLength) / biasedMax),
      MathFloor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15);
    if (columns <= 1) return output;
    const maxLineLength = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) {
        if (dataLen[j] > lineLength) lineLength = dataLen[j];
      }
      ArrayPrototypePush(maxLineLength, lineLength + separatorSpace);
    }
    const grouped = [];
    for (let i = 0; i < outputLength; i += columns) {
      const max = MathMin(i + columns, outputLength);
      let line = '';
      let j = i;
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `;
        const pad = repeat(' ', maxLineLength[j - i] - dataLen[j] - separatorSpace);
        line += numeric ? pad + cell : cell + pad;
      }
      if (numeric) {
        line += repeat(' ', maxLineLength[j - i] - dataLen[j] - separatorSpace) + output[j];
      } else {
        line += output[j];
      }
      ArrayPrototypePush(grouped, line);
    }
    if (ctx.maxArrayLength < output.length) ArrayPrototypePush(grouped, output[outputLength]);
    return grouped;
  }
  return output;
}

function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, numeric) {
  if (ctx.compact !== true) {
    if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
      const entries = output.length;
      if (extrasType === kArrayType && entries > 6) output = groupArrayElements(ctx, output, numeric);
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
        if (isBelowBreakLength(ctx, output, start, base)) {
          const joined = join(output, ', ');
          if (!StringPrototypeIncludes(joined, '\n')) {
            return `${base !== '' ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
          }
        }
      }
    }
    const indentation = `\n${repeat(' ', ctx.indentationLvl)}`;
    return `${base !== '' ? `${base} ` : ''}${braces[0]}${indentation}  ${
      join(output, `,${indentation}  `)}${indentation}${braces[1]}`;
  }
  // compact: true: everything on as few lines as possible.
  if (isBelowBreakLength(ctx, output, 0, base)) {
    return `${braces[0]}${base !== '' ? ` ${base}` : ''} ${join(output, ', ')} ${braces[1]}`;
  }
  const indentation = `\n${repeat(' ', ctx.indentationLvl)}`;
  const ln = base === '' && braces[0].length === 1
    ? ' ' : `${base !== '' ? ` ${base}` : ''}${indentation}  `;
  return `${braces[0]}${ln}${join(output, `,${indentation}  `)} ${braces[1]}`;
}

// ---------------------------------------------------------------------------------------------
// Public API

// inspect(value[, options]) or the legacy inspect(value, showHidden, depth, colors).
export function inspect(value, opts, legacyDepth, legacyColors) {
  let ctx;
  try {
    if (typeof opts === 'boolean' || (arguments.length > 2 && (opts === undefined || opts === null))) {
      const legacy = { __proto__: null, showHidden: opts === true };
      if (arguments.length > 2 && legacyDepth !== undefined) legacy.depth = legacyDepth;
      if (arguments.length > 3 && legacyColors !== undefined) legacy.colors = legacyColors;
      ctx = makeContext(legacy);
    } else {
      ctx = makeContext(opts);
    }
  } catch {
    ctx = makeContext(undefined);
  }
  try {
    return formatValue(ctx, value, 0);
  } catch (err) {
    // formatValue already catches; this is a last resort (e.g. stack overflow in the catch).
    return formatInspectionError(err);
  }
}
inspect.custom = customInspectSymbol;

function formatWithOptionsInternal(inspectOptions, args) {
  const first = args[0];
  let a = 0;
  let str = '';
  let joiner = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let lastPos = 0;
    let tempStr;
    for (let i = 0; i < first.length - 1; i++) {
      if (StringPrototypeCharCodeAt(first, i) !== 37) continue; // '%'
      const nextChar = StringPrototypeCharCodeAt(first, ++i);
      if (a + 1 !== args.length) {
        switch (nextChar) {
          case 115: // 's'
            tempStr = formatAsString(inspectOptions, args[++a]);
            break;
          case 106: // 'j'
            tempStr = tryStringify(inspectOptions, args[++a]);
            break;
          case 100: { // 'd'
            const v = args[++a];
            if (typeof v === 'bigint') tempStr = formatBigInt(stylizeNoColor, v);
            else if (typeof v === 'symbol') tempStr = 'NaN';
            else tempStr = formatNumber(stylizeNoColor, safeToNumber(v));
            break;
          }
          case 79: // 'O'
            tempStr = inspect(args[++a], inspectOptions);
            break;
          case 111: // 'o'
            tempStr = inspect(args[++a],
              { ...inspectOptions, showHidden: true, showProxy: true, depth: 4 });
            break;
          case 105: { // 'i'
            const v = args[++a];
            if (typeof v === 'bigint') tempStr = formatBigInt(stylizeNoColor, v);
            else if (typeof v === 'symbol') tempStr = 'NaN';
            else tempStr = formatNumber(stylizeNoColor, safeParse(NumberParseInt, v));
            break;
          }
          case 102: { // 'f'
            const v = args[++a];
            if (typeof v === 'symbol') tempStr = 'NaN';
            else tempStr = formatNumber(stylizeNoColor, safeParse(NumberParseFloat, v));
            break;
          }
          case 99: // 'c': CSS, ignored
            a += 1;
            tempStr = '';
            break;
          case 37: // '%'
            str += StringPrototypeSlice(first, lastPos, i);
            lastPos = i + 1;
            continue;
          default:
            continue;
        }
        if (lastPos !== i - 1) str += StringPrototypeSlice(first, lastPos, i - 1);
        str += tempStr;
        lastPos = i + 1;
      } else if (nextChar === 37) {
        str += StringPrototypeSlice(first, lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      a++;
      joiner = ' ';
      if (lastPos < first.length) str += StringPrototypeSlice(first, lastPos);
    }
  }
  while (a < args.length) {
    const value = args[a];
    str += joiner;
    str += typeof value !== 'string' ? inspect(value, inspectOptions) : value;
    joiner = ' ';
    a++;
  }
  return str;
}

function safeToNumber(v) {
  try {
    return primordials.Number(v);
  } catch {
    return NaN;
  }
}

function safeParse(parse, v) {
  try {
    return parse(v);
  } catch {
    return NaN;
  }
}

// Prototypes whose toString is the built-in one (then %s inspects instead of calling it).
const builtinPrototypes = new SafeSet();
{
  const names = ['Object', 'Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError',
    'TypeError', 'URIError', 'AggregateError', 'Array', 'Date', 'RegExp', 'Function', 'Map', 'Set',
    'WeakMap', 'WeakSet', 'Promise', 'Number', 'String', 'Boolean', 'Symbol', 'BigInt',
    'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'TypedArray', 'Uint8Array', 'Int8Array',
    'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array',
    'BigInt64Array', 'BigUint64Array', 'Uint8ClampedArray', 'WeakRef', 'FinalizationRegistry'];
  for (let i = 0; i < names.length; i++) {
    const proto = primordials[`${names[i]}Prototype`];
    if (proto !== undefined) builtinPrototypes.add(proto);
  }
}

function hasBuiltInToString(value) {
  let cur = value;
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    const desc = getDesc(cur, 'toString');
    if (desc !== undefined) {
      if (isAccessor(desc) || typeof desc.value !== 'function') return true;
      return builtinPrototypes.has(cur);
    }
    cur = ReflectGetPrototypeOf(cur);
  }
  return true; // no toString at all
}

function formatAsString(inspectOptions, arg) {
  if (typeof arg === 'number') return formatNumber(stylizeNoColor, arg);
  if (typeof arg === 'bigint') return formatBigInt(stylizeNoColor, arg);
  if (arg === null || (typeof arg !== 'object' && typeof arg !== 'function')) {
    return safeString(arg);
  }
  let builtin = true;
  try {
    builtin = hasBuiltInToString(arg);
  } catch {
    builtin = true;
  }
  if (!builtin) {
    try {
      const s = `${arg}`;
      if (typeof s === 'string') return s;
    } catch {
      // fall back to inspect
    }
  }
  if (typeof arg === 'function') {
    try {
      return FunctionPrototypeToString(arg);
    } catch {
      // fall back to inspect
    }
  }
  return inspect(arg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
}

function tryStringify(inspectOptions, arg) {
  try {
    const s = JSONStringify(arg);
    return s === undefined ? 'undefined' : s;
  } catch (err) {
    const message = safeMessage(err);
    if (StringPrototypeIncludes(message, 'circular structure')) return '[Circular]';
    return inspect(arg, inspectOptions);
  }
}

// format(fmt, ...args): printf-like formatting as in util.format.
export function format(...args) {
  try {
    return formatWithOptionsInternal(undefined, args);
  } catch (err) {
    return formatInspectionError(err);
  }
}

export function formatWithOptions(inspectOptions, ...args) {
  let opts = inspectOptions;
  if (opts === null || typeof opts !== 'object') opts = undefined;
  try {
    return formatWithOptionsInternal(opts, args);
  } catch (err) {
    return formatInspectionError(err);
  }
}

// Used by console.trace: the current stack without its first line, below `fn`.
export function captureStack(fn) {
  try {
    const holder = { __proto__: null };
    ErrorCaptureStackTrace(holder, fn);
    const desc = getDesc(holder, 'stack');
    const stack = desc !== undefined && !isAccessor(desc) ? desc.value : undefined;
    if (typeof stack !== 'string') return '';
    const nl = StringPrototypeIndexOf(stack, '\n');
    return nl === -1 ? '' : hideInternalFrames(StringPrototypeSlice(stack, nl + 1));
  } catch {
    return '';
  }
}

// For console.time: "1.234ms", "1.500s", "1:02.345 (m:ss.mmm)".
export function formatDuration(ms) {
  if (ms >= 60000) {
    let hours = 0;
    if (ms >= 3600000) {
      hours = MathFloor(ms / 3600000);
      ms -= hours * 3600000;
    }
    const minutes = MathFloor(ms / 60000);
    ms -= minutes * 60000;
    const secondsText = NumberPrototypeToFixed(ms / 1000, 3);
    const padded = secondsText.length < 6 ? `0${secondsText}` : secondsText;
    if (hours !== 0) {
      return `${hours}:${minutes < 10 ? `0${minutes}` : minutes}:${padded} (h:mm:ss.mmm)`;
    }
    return `${minutes}:${padded} (m:ss.mmm)`;
  }
  if (ms >= 1000) return `${NumberPrototypeToFixed(ms / 1000, 3)}s`;
  return `${primordials.Number(NumberPrototypeToFixed(ms, 3))}ms`;
}

export { displayWidth, indentNewlines };
