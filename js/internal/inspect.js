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
// Without them promises print as `Promise { <unknown> }` and proxies are inspected through
// their traps (a trap-less proxy then looks exactly like its target).

import primordials from 'internal:primordials';
import ops from 'internal:ops';

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayIsArray,
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
  ObjectIsExtensible,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypeToString,
  ObjectSetPrototypeOf,
  ReflectApply,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
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
  SharedArrayBufferPrototypeGetByteLength,
  StringPrototypeCharCodeAt,
  StringPrototypeCodePointAt,
  StringPrototypeIncludes,
  StringPrototypeIndexOf,
  StringPrototypeRepeat,
  StringPrototypeSlice,
  StringPrototypeValueOf,
  SymbolFor,
  SymbolPrototypeToString,
  SymbolPrototypeValueOf,
  SymbolToStringTag,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetSymbolToStringTag,
  Uint8Array,
  WeakMapPrototypeHas,
  WeakSetPrototypeHas,
} = primordials;

const ObjectPrototype = primordials.ObjectPrototype;
const ErrorPrototype = primordials.ErrorPrototype;
const RangeErrorPrototype = primordials.RangeErrorPrototype;
const FunctionPrototype = primordials.FunctionPrototype;

// Intrinsic prototypes that async / generator functions inherit from.
const AsyncFunctionPrototype = ReflectGetPrototypeOf(async function () {});
const GeneratorFunctionPrototype = ReflectGetPrototypeOf(function* () {});
const AsyncGeneratorFunctionPrototype = ReflectGetPrototypeOf(async function* () {});

function opOrUndefined(name) {
  try {
    const fn = ops[name];
    return typeof fn === 'function' ? fn : undefined;
  } catch {
    return undefined;
  }
}
const opGetPromiseState = opOrUndefined('getPromiseState');
const opGetProxyDetails = opOrUndefined('getProxyDetails');

export const customInspectSymbol = SymbolFor('nodejs.util.inspect.custom');

const kObjectType = 0;
const kArrayType = 1; // array elements (value only, no key)

// ---------------------------------------------------------------------------------------------
// Small safe helpers

// An own property descriptor with a null prototype (so reading .get/.value never reaches a
// patched Object.prototype), or undefined.
function getDesc(obj, key) {
  const desc = ObjectGetOwnPropertyDescriptor(obj, key);
  if (desc !== undefined) ObjectSetPrototypeOf(desc, null);
  return desc;
}

function isAccessor(desc) {
  return 'get' in desc || 'set' in desc;
}

// A property's value found on `obj` or its prototype chain, without running user code unless
// the property is an accessor and `callGetter` is set (then errors give undefined).
function lookupValue(obj, key, callGetter) {
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

// Is ctor.prototype on obj's prototype chain? (instanceof without Symbol.hasInstance)
function inheritsFrom(obj, ctor) {
  const desc = getDesc(ctor, 'prototype');
  if (desc === undefined || isAccessor(desc)) return false;
  const proto = desc.value;
  if (proto === null || (typeof proto !== 'object' && typeof proto !== 'function')) return false;
  let cur = ReflectGetPrototypeOf(obj);
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    if (cur === proto) return true;
    cur = ReflectGetPrototypeOf(cur);
  }
  return false;
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

// Array index ("0" .. "4294967294" in canonical form) -> number, else -1.
function arrayIndex(key, limit) {
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
const kMaxArrayIndex = 4294967295;

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
  let width = 0;
  const n = str.length;
  for (let i = 0; i < n; i++) {
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
intrinsicKinds.set(primordials.SharedArrayBufferPrototype, 'sharedarraybuffer');
intrinsicKinds.set(primordials.DataViewPrototype, 'dataview');
intrinsicKinds.set(primordials.PromisePrototype, 'promise');

function brandCheck(kind, value) {
  try {
    switch (kind) {
      case 'map': MapPrototypeGetSize(value); return true;
      case 'set': SetPrototypeGetSize(value); return true;
      case 'weakmap': WeakMapPrototypeHas(value, ObjectPrototype); return true;
      case 'weakset': WeakSetPrototypeHas(value, ObjectPrototype); return true;
      case 'date': DatePrototypeGetTime(value); return true;
      case 'regexp': return typeof RegExpPrototypeGetGlobal(value) === 'boolean';
      case 'number': NumberPrototypeValueOf(value); return true;
      case 'string': StringPrototypeValueOf(value); return true;
      case 'boolean': BooleanPrototypeValueOf(value); return true;
      case 'symbol': SymbolPrototypeValueOf(value); return true;
      case 'bigint': BigIntPrototypeValueOf(value); return true;
      case 'arraybuffer': ArrayBufferPrototypeGetByteLength(value); return true;
      case 'sharedarraybuffer':
        if (SharedArrayBufferPrototypeGetByteLength === undefined) return false;
        SharedArrayBufferPrototypeGetByteLength(value);
        return true;
      case 'dataview':
        if (!ArrayBufferIsView(value)) return false;
        DataViewPrototypeGetBuffer(value);
        return true;
      case 'promise':
        // Without native help a promise cannot be recognised without side effects; trust the
        // prototype chain.
        if (opGetPromiseState !== undefined) return opGetPromiseState(value) !== undefined;
        return true;
      case 'error': return true;
      default: return false;
    }
  } catch {
    return false;
  }
}

const batteryKinds = ['date', 'regexp', 'map', 'set', 'weakmap', 'weakset', 'arraybuffer',
  'sharedarraybuffer', 'dataview', 'number', 'string', 'boolean', 'symbol', 'bigint'];

// Walks the prototype chain once, collecting what formatting needs:
//   ctor       constructor name (string), or null for a null-prototype chain without one
//   tag        Symbol.toStringTag value (string) or undefined; tagOwnEnumerable/tagOwn
//   intrinsic  kind suggested by the first intrinsic prototype on the chain
//   reachesObjectPrototype
//   protoCount number of prototypes walked
function describeChain(value) {
  const info = {
    __proto__: null,
    ctor: undefined,
    tag: undefined,
    tagOwn: false,
    tagOwnEnumerable: false,
    intrinsic: undefined,
    reachesObjectPrototype: false,
    firstProto: undefined,
  };
  let tagFound = false;
  let cur = value;
  for (let guard = 0; cur !== null && guard < 1000; guard++) {
    if (info.ctor === undefined) {
      const desc = getDesc(cur, 'constructor');
      if (desc !== undefined && !isAccessor(desc) && typeof desc.value === 'function') {
        const name = functionName(desc.value);
        if (name !== '' && inheritsFrom(value, desc.value)) info.ctor = name;
      }
    }
    if (!tagFound) {
      const desc = getDesc(cur, SymbolToStringTag);
      if (desc !== undefined) {
        tagFound = true;
        let tag;
        if (!isAccessor(desc)) {
          tag = desc.value;
        } else if (desc.get !== undefined) {
          try {
            tag = ReflectApply(desc.get, value, []);
          } catch {
            tag = undefined;
          }
        }
        if (typeof tag === 'string') {
          info.tag = tag;
          info.tagOwn = cur === value;
          info.tagOwnEnumerable = cur === value && desc.enumerable === true;
        }
      }
    }
    if (cur !== value) {
      if (cur === ObjectPrototype) info.reachesObjectPrototype = true;
      if (info.intrinsic === undefined) {
        const kind = intrinsicKinds.get(cur);
        if (kind !== undefined) info.intrinsic = kind;
      }
    }
    cur = ReflectGetPrototypeOf(cur);
    if (info.firstProto === undefined) info.firstProto = cur;
  }
  return info;
}

function isModuleNamespace(value, info) {
  if (info.firstProto !== null || info.tag !== 'Module' || !info.tagOwn) return false;
  const desc = getDesc(value, SymbolToStringTag);
  return desc !== undefined && !isAccessor(desc) && desc.writable === false &&
    !ObjectIsExtensible(value);
}

function classify(value, info) {
  if (typeof value === 'function') return 'function';
  if (ArrayIsArray(value)) return 'array';
  if (TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined) return 'typedarray';
  if (info.intrinsic !== undefined && brandCheck(info.intrinsic, value)) return info.intrinsic;
  if (info.intrinsic !== undefined || !info.reachesObjectPrototype) {
    for (let i = 0; i < batteryKinds.length; i++) {
      if (brandCheck(batteryKinds[i], value)) return batteryKinds[i];
    }
    if (opGetPromiseState !== undefined && opGetPromiseState(value) !== undefined) return 'promise';
    if (isModuleNamespace(value, info)) return 'module';
    if (info.tag === undefined) {
      const builtinTag = ObjectPrototypeToString(value);
      if (builtinTag === '[object Error]') return 'error';
      if (builtinTag === '[object Arguments]') return 'arguments';
    }
    return 'object';
  }
  if (info.tag === undefined && getDesc(value, 'callee') !== undefined &&
      ObjectPrototypeToString(value) === '[object Arguments]') {
    return 'arguments';
  }
  return 'object';
}

// Name shown for an object whose prototype chain has no usable `constructor`.
function fallbackConstructorName(ctx, value, info, recurseTimes) {
  if (info.firstProto === null || info.firstProto === undefined) return null;
  if (recurseTimes > ctx.depth) return 'Object <Complex prototype>';
  let protoInfo;
  try {
    protoInfo = describeChain(info.firstProto);
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

function isStackOverflow(err) {
  try {
    return err !== null && typeof err === 'object' &&
      ReflectGetPrototypeOf(err) === RangeErrorPrototype &&
      safeMessage(err) === 'Maximum call stack size exceeded';
  } catch {
    return false;
  }
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
    if (isStackOverflow(err)) {
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
    const custom = lookupValue(value, customInspectSymbol, false);
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
function collectKeys(ctx, value, skipIndexBelow, indexSink) {
  const keys = [];
  const descs = [];
  const all = ReflectOwnKeys(value);
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
      ArrayPrototypePush(descs, err);
      continue;
    }
    if (desc === undefined) continue;
    if (!ctx.showHidden && desc.enumerable !== true) continue;
    ArrayPrototypePush(keys, key);
    ArrayPrototypePush(descs, desc);
  }
  return { __proto__: null, keys, descs };
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

function hasKey(entries, key) {
  const keys = entries.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return true;
  return false;
}

function formatRaw(ctx, value, recurseTimes) {
  const info = describeChain(value);
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
  let numericArray = false;

  switch (kind) {
    case 'array': {
      const lengthDesc = getDesc(value, 'length');
      const length = lengthDesc !== undefined && !isAccessor(lengthDesc) &&
        typeof lengthDesc.value === 'number' ? lengthDesc.value : 0;
      const indices = [];
      entries = collectKeys(ctx, value, kMaxArrayIndex, indices);
      if (!ctx.showHidden) removeKey(entries, 'length');
      const prefix = (constructor !== 'Array' || tag !== '')
        ? getPrefix(constructor, tag, 'Array', `(${length})`) : '';
      braces = [`${prefix}[`, ']'];
      if (length === 0 && entries.keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayType;
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
      entries = collectKeys(ctx, value, length + 1);
      braces = [`${getPrefix(constructor, tag, fallback, `(${length})`)}[`, ']'];
      if (length === 0 && entries.keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
      extrasType = kArrayType;
      numericArray = true;
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
      entries = collectKeys(ctx, value, kind === 'string' ? StringPrototypeValueOf(value).length : 0);
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
          if (entries.keys.length === 0) return base;
          break;
      }
    }
  }

  if (recurseTimes > ctx.depth) {
    let name = StringPrototypeSlice(getPrefix(constructor, tag, 'Object', ''), 0, -1);
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

  return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, numericArray);
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
function formatPropertyValue(ctx, obj, desc, recurseTimes, kind) {
  if (desc === undefined) return ctx.stylize('undefined', 'undefined');
  if (typeof desc !== 'object' || desc === null || ReflectGetPrototypeOf(desc) !== null) {
    // descriptor lookup threw
    if (kind === 'module') return ctx.stylize('<uninitialized>', 'special');
    return ctx.stylize(formatInspectionError(desc), 'special');
  }
  if (!isAccessor(desc)) {
    ctx.indentationLvl += 2;
    const str = formatValue(ctx, desc.value, recurseTimes);
    ctx.indentationLvl -= 2;
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
  const str = formatPropertyValue(ctx, obj, desc, recurseTimes, kind);
  if (type === kArrayType) return str;
  const enumerable = desc !== null && typeof desc === 'object' &&
    ReflectGetPrototypeOf(desc) === null ? desc.enumerable : true;
  return `${formatPropertyKey(ctx, key, enumerable)}: ${str}`;
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
      desc = err;
    }
    if (desc !== undefined && desc !== null && typeof desc === 'object' &&
        ReflectGetPrototypeOf(desc) === null && !isAccessor(desc)) {
      const t = typeof desc.value;
      if (t !== 'number' && t !== 'bigint') numeric = false;
    } else {
      numeric = false;
    }
    ArrayPrototypePush(output, formatPropertyValue(ctx, array, desc, recurseTimes, 'array'));
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
      ArrayPrototypePush(output, `[${fields[i]}]: ${formatValue(ctx, v, recurseTimes)}`);
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
  return ctx.stylize(base, kind);
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

  // Own enumerable name/message/stack already visible in the stack are not repeated.
  if (!ctx.showHidden && entries.keys.length !== 0) {
    const names = ['name', 'message', 'stack'];
    for (let i = 0; i < names.length; i++) {
      if (!hasKey(entries, names[i])) continue;
      const v = lookupValue(err, names[i], false);
      if (typeof v === 'string' && StringPrototypeIncludes(stack, v)) removeKey(entries, names[i]);
    }
  }
  const extras = ['cause', 'errors'];
  for (let i = 0; i < extras.length; i++) {
    const key = extras[i];
    if (hasKey(entries, key)) continue;
    const desc = getDesc(err, key);
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

function isBelowBreakLength(ctx, output, start, base) {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (let i = 0; i < output.length; i++) {
    totalLength += output[i].length;
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
    return nl === -1 ? '' : StringPrototypeSlice(stack, nl + 1);
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

export { displayWidth };
