// Headers, per the WHATWG Fetch standard (https://fetch.spec.whatwg.org/#headers-class).
//
// As in Cloudflare Workers, forbidden request-header and response-header names are not
// filtered: a worker may set any header (there is no browser to protect). The guards that do
// matter here are "immutable" (every mutation throws) and "none"/"request"/"response" (all
// mutations allowed). "request-no-cors" behaves like "request".
//
// The header list stores lowercased names (every lookup is case-insensitive and iteration
// lowercases anyway) and normalized values, in insertion order, as a flat array
// [name0, value0, name1, value1, ...].
//
// Internal API for other runtime modules (not installed as globals):
//   isHeaders(v)
//   createHeaders(guard)                a new, empty Headers with the guard
//   getHeadersGuard(h), setHeadersGuard(h, guard)
//   convertHeadersInit(init, context)   WebIDL HeadersInit conversion (a Headers object, or a
//                                       list of [name, value] ByteString pairs); context names
//                                       the caller in error messages, e.g. "construct 'Request'"
//   fillHeaders(h, converted)           "fill" with a convertHeadersInit result (validates)
//   headersAppendUnchecked(h, name, value)   appends, bypassing validation and the guard
//   headersContains(h, name)            name must be lowercase
//   headersGetCombined(h, name)         combined value or null; name must be lowercase
//   headersClear(h)
//   headersSet(h, name, value)          Headers.prototype.set, immune to user patches
//   copyHeaders(h, guard)               a new Headers with a copy of h's list
//   headersEntries(h)                   [[name, value], ...] in insertion order (lowercase names)
//   headersList(h)                      the header list itself, [name0, value0, ...]: read it
//                                       at once, never modify it
//   appendFlat(h, flat)                 "append" (validating, guard checked) each pair of a flat
//                                       [name0, value0, ...] list of ByteStrings
//   isValidHeaderName(s), isValidHeaderValue(s), normalizeHeaderValue(s), toByteString(v)
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import {
  isObject, illegalInvocation, recordClass, finishInterface, defineDefaultIterator,
  definePairIterator, kPairKeys, kPairValues, kPairEntries,
} from 'internal:webidl';

const {
  ArrayIsArray,
  ArrayIteratorPrototype,
  ArrayPrototypeSort,
  FunctionPrototypeCall,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetOwnPropertyNames,
  ObjectGetOwnPropertySymbols,
  ObjectPrototypePropertyIsEnumerable,
  ReflectApply,
  ReflectOwnKeys,
  RegExpPrototypeExec,
  SafeMap,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  Symbol,
  SymbolFor,
  SymbolIterator,
  TypeError,
} = primordials;

// ---------------------------------------------------------------------------------------------
// Helpers

function argCountError(method, required, present) {
  return new TypeError(`Failed to execute '${method}' on 'Headers': ` +
    `${required === 1 ? '1 argument' : `${required} arguments`} required, but only ${present} present.`);
}

// The captured RegExp.prototype.exec reads nothing user code can change on these private
// regular expressions; they scan in native code, which matters for long values (cookies).
const kNotLatin1 = /[^\x00-\xFF]/;
const kNotTchar = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;  // RFC 9110 tchar
const kForbiddenInValue = /[\x00\r\n]/;
const kUppercase = /[A-Z]/;

// WebIDL ByteString: ToString, then every code unit must be at most 0xFF.
function toByteString(value) {
  const s = typeof value === 'string' ? value : `${value}`;
  const match = RegExpPrototypeExec(kNotLatin1, s);
  if (match !== null) {
    throw new TypeError(`Cannot convert "${s}" to a ByteString: the character at index ` +
      `${match.index} has a value greater than 255. Header names and values must be Latin-1; ` +
      'percent-encode or otherwise encode other characters.');
  }
  return s;
}

function isValidHeaderName(name) {
  return name.length !== 0 && RegExpPrototypeExec(kNotTchar, name) === null;
}

// A normalized value is valid unless it contains NUL, CR or LF.
function isValidHeaderValue(value) {
  return RegExpPrototypeExec(kForbiddenInValue, value) === null;
}

function isHttpWhitespace(c) {
  return c === 0x20 || c === 0x09 || c === 0x0A || c === 0x0D;
}

// Strips leading and trailing HTTP whitespace (tab, LF, CR, space).
function normalizeHeaderValue(value) {
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(StringPrototypeCharCodeAt(value, start))) start++;
  while (end > start && isHttpWhitespace(StringPrototypeCharCodeAt(value, end - 1))) end--;
  return start === 0 && end === value.length ? value : StringPrototypeSlice(value, start, end);
}

// ASCII lowercase of a header name (a token, so ASCII: String.prototype.toLowerCase, as
// captured, is ASCII lowercase here).
function lowercase(name) {
  return RegExpPrototypeExec(kUppercase, name) === null ? name : StringPrototypeToLowerCase(name);
}

function invalidNameError(name) {
  return new TypeError(`Invalid header name: "${name}". A header name must be a non-empty token ` +
    "(letters, digits and !#$%&'*+-.^_`|~).");
}

function invalidValueError(name, value) {
  return new TypeError(`Invalid value for header "${name}": header values must not contain ` +
    'NUL, CR or LF characters.');
}

function immutableError() {
  return new TypeError("Can't modify immutable headers. Copy them into a new Headers object " +
    '(new Headers(headers)) or a new Request/Response to change them.');
}

function checkName(name) {
  if (!isValidHeaderName(name)) throw invalidNameError(name);
  return lowercase(name);
}

// ---------------------------------------------------------------------------------------------
// Headers

const kGuards = new SafeMap([
  ['none', true], ['immutable', true], ['request', true], ['request-no-cors', true],
  ['response', true],
]);

const customInspect = SymbolFor('nodejs.util.inspect.custom');

let headersState;  // (h) -> state, or throws Illegal invocation
let isHeaders;     // (value) -> boolean

// "sort and combine", cached until the next mutation.
function sortAndCombine(s) {
  if (s.sorted !== null) return s.sorted;
  const list = s.list;
  const combined = new SafeMap();
  const names = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i];
    if (name === 'set-cookie') continue;
    const existing = combined.get(name);
    if (existing === undefined) {
      names[names.length] = name;
      combined.set(name, list[i + 1]);
    } else {
      combined.set(name, `${existing}, ${list[i + 1]}`);
    }
  }
  let hasSetCookie = false;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === 'set-cookie') {
      hasSetCookie = true;
      break;
    }
  }
  if (hasSetCookie) names[names.length] = 'set-cookie';
  ArrayPrototypeSort(names, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pairs = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name === 'set-cookie') {
      for (let j = 0; j < list.length; j += 2) {
        if (list[j] === 'set-cookie') pairs[pairs.length] = [name, list[j + 1]];
      }
    } else {
      pairs[pairs.length] = [name, combined.get(name)];
    }
  }
  s.sorted = pairs;
  return pairs;
}

function getCombined(s, name) {
  const list = s.list;
  let result = null;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] !== name) continue;
    result = result === null ? list[i + 1] : `${result}, ${list[i + 1]}`;
  }
  return result;
}

function contains(s, name) {
  const list = s.list;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === name) return true;
  }
  return false;
}

function removeAll(s, name) {
  const list = s.list;
  let j = 0;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === name) continue;
    list[j] = list[i];
    list[j + 1] = list[i + 1];
    j += 2;
  }
  list.length = j;
  s.sorted = null;
}

// "append" with validation and the guard. `name` and `value` are ByteStrings.
function appendChecked(s, name, value) {
  value = normalizeHeaderValue(value);
  if (!isValidHeaderName(name)) throw invalidNameError(name);
  if (!isValidHeaderValue(value)) throw invalidValueError(name, value);
  if (s.guard === 'immutable') throw immutableError();
  const list = s.list;
  list[list.length] = lowercase(name);
  list[list.length] = value;
  s.sorted = null;
}

// A Headers object's state.
const HeadersState = recordClass(class HeadersState {
  constructor(guard) {
    this.list = [];
    this.guard = guard;
    this.sorted = null;
  }
});

class Headers {
  #s;

  constructor(init = undefined) {
    this.#s = new HeadersState('none');
    if (init !== undefined) fillHeaders(this, convertHeadersInit(init, "construct 'Headers'"));
  }

  append(name, value) {
    const s = headersState(this);
    if (arguments.length < 2) throw argCountError('append', 2, arguments.length);
    appendChecked(s, toByteString(name), toByteString(value));
  }

  delete(name) {
    const s = headersState(this);
    if (arguments.length < 1) throw argCountError('delete', 1, 0);
    const key = checkName(toByteString(name));
    if (s.guard === 'immutable') throw immutableError();
    if (!contains(s, key)) return;
    removeAll(s, key);
  }

  get(name) {
    const s = headersState(this);
    if (arguments.length < 1) throw argCountError('get', 1, 0);
    return getCombined(s, checkName(toByteString(name)));
  }

  getSetCookie() {
    const s = headersState(this);
    const list = s.list;
    const values = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === 'set-cookie') values[values.length] = list[i + 1];
    }
    return values;
  }

  has(name) {
    const s = headersState(this);
    if (arguments.length < 1) throw argCountError('has', 1, 0);
    return contains(s, checkName(toByteString(name)));
  }

  set(name, value) {
    const s = headersState(this);
    if (arguments.length < 2) throw argCountError('set', 2, arguments.length);
    name = toByteString(name);
    value = normalizeHeaderValue(toByteString(value));
    if (!isValidHeaderName(name)) throw invalidNameError(name);
    if (!isValidHeaderValue(value)) throw invalidValueError(name, value);
    if (s.guard === 'immutable') throw immutableError();
    const key = lowercase(name);
    const list = s.list;
    // Replace the first, remove the others.
    let found = -1;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === key) {
        found = i;
        break;
      }
    }
    if (found === -1) {
      list[list.length] = key;
      list[list.length] = value;
    } else {
      list[found + 1] = value;
      let j = found + 2;
      for (let i = found + 2; i < list.length; i += 2) {
        if (list[i] === key) continue;
        list[j] = list[i];
        list[j + 1] = list[i + 1];
        j += 2;
      }
      list.length = j;
    }
    s.sorted = null;
  }

  forEach(callback, thisArg = undefined) {
    headersState(this);
    if (arguments.length < 1) throw argCountError('forEach', 1, 0);
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'forEach' on 'Headers': The callback provided as " +
        'parameter 1 is not a function.');
    }
    // The pairs are recomputed at each step, so changes made by the callback are seen.
    for (let i = 0; ; i++) {
      const pairs = sortAndCombine(this.#s);
      if (i >= pairs.length) break;
      const pair = pairs[i];
      ReflectApply(callback, thisArg, [pair[1], pair[0], this]);
    }
  }

  entries() {
    headersState(this);
    return createIterator(this, kPairEntries);
  }

  keys() {
    headersState(this);
    return createIterator(this, kPairKeys);
  }

  values() {
    headersState(this);
    return createIterator(this, kPairValues);
  }

  [customInspect](depth, options, inspect) {
    if (!isHeaders(this)) return this;
    const pairs = sortAndCombine(this.#s);
    if (pairs.length === 0) return 'Headers {}';
    let out = 'Headers { ';
    for (let i = 0; i < pairs.length; i++) {
      if (i > 0) out += ', ';
      out += `${inspect(pairs[i][0], options)} => ${inspect(pairs[i][1], options)}`;
    }
    return `${out} }`;
  }

  static {
    headersState = (h) => {
      if (!isObject(h) || !(#s in h)) throw illegalInvocation();
      return h.#s;
    };
    isHeaders = (value) => isObject(value) && #s in value;
  }
}

finishInterface(Headers, 'Headers');
defineDefaultIterator(Headers);

// ---------------------------------------------------------------------------------------------
// The default iterator (WebIDL pair iterator): an index into the sorted-and-combined list,
// recomputed at each step.

const headersIterator = definePairIterator('Headers Iterator',
  (headers, index) => sortAndCombine(headersState(headers))[index]);
const createIterator = headersIterator.create;
const HeadersIteratorPrototype = headersIterator.prototype;
const headersIteratorNext = HeadersIteratorPrototype.next;
const headersPrototypeEntries = Headers.prototype.entries;

// ---------------------------------------------------------------------------------------------
// HeadersInit conversion and "fill"

const { getProxyDetails } = ops;

// The built-ins behind array iteration, as they were before user code ran.
const kArrayValues = [][SymbolIterator];
const kArrayIteratorNext = ArrayIteratorPrototype.next;

// Whether iterating a value whose @@iterator is `method` is the same as an index loop: `value`
// is a real array (not a proxy), `method` is the original Array.prototype.values, and the
// array iterator's next() is still the original (a data property, so checking runs no user
// code). Then GetIterator and each next() do exactly the loop's Gets of "length" and indices.
function isPlainArrayIteration(value, method) {
  if (method !== kArrayValues || !ArrayIsArray(value) || getProxyDetails(value) !== undefined) {
    return false;
  }
  const next = ObjectGetOwnPropertyDescriptor(ArrayIteratorPrototype, 'next');
  return next !== undefined && next.value === kArrayIteratorNext;
}

// Runs the iterator protocol over `iterable` (whose @@iterator is `method`), calling
// each(value) for every value.
function iterate(iterable, method, each) {
  const iterator = ReflectApply(method, iterable, []);
  if (!isObject(iterator)) {
    throw new TypeError('The iterator returned by [Symbol.iterator]() is not an object.');
  }
  const next = iterator.next;
  for (;;) {
    const result = ReflectApply(next, iterator, []);
    if (!isObject(result)) throw new TypeError('The iterator result is not an object.');
    if (result.done) return;
    each(result.value);
  }
}

// One item of a sequence<sequence<ByteString>>: the list of its converted values.
function convertHeaderPair(item, context) {
  if (!isObject(item)) {
    throw new TypeError(`Failed to ${context}: Each header must be a [name, value] pair ` +
      '(an iterable object), not a primitive.');
  }
  const inner = item[SymbolIterator];
  if (typeof inner !== 'function') {
    throw new TypeError(`Failed to ${context}: Each header must be a [name, value] pair ` +
      '(an iterable object).');
  }
  const pair = [];
  if (isPlainArrayIteration(item, inner)) {
    for (let i = 0; i < item.length; i++) pair[i] = toByteString(item[i]);
  } else {
    iterate(item, inner, (v) => {
      pair[pair.length] = toByteString(v);
    });
  }
  return pair;
}

// WebIDL (sequence<sequence<ByteString>> or record<ByteString, ByteString>). Returns a list of
// pairs (each a list of ByteStrings, length not yet checked), or a Headers object whose
// iteration nobody has patched (copying its list gives what iterating it would).
function convertHeadersInit(init, context) {
  if (!isObject(init)) {
    throw new TypeError(`Failed to ${context}: The provided value is not of type ` +
      "'(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'. Pass an object " +
      'such as { "Content-Type": "text/plain" }, an array of [name, value] pairs, or a Headers object.');
  }
  const method = init[SymbolIterator];
  if (method === headersPrototypeEntries && isHeaders(init) &&
      HeadersIteratorPrototype.next === headersIteratorNext) {
    return init;
  }
  const pairs = [];
  if (method !== undefined && method !== null) {
    if (typeof method !== 'function') {
      throw new TypeError(`Failed to ${context}: The object's [Symbol.iterator] is not a function.`);
    }
    const each = (item) => {
      pairs[pairs.length] = convertHeaderPair(item, context);
    };
    if (isPlainArrayIteration(init, method)) {
      for (let i = 0; i < init.length; i++) each(init[i]);
    } else {
      iterate(init, method, each);
    }
    return pairs;
  }
  // record<ByteString, ByteString>: for each own key (in [[OwnPropertyKeys]] order) whose
  // property is enumerable when its turn comes, the converted key and Get's value. For an
  // object that is not a proxy, [[OwnPropertyKeys]] runs no user code and gives the string keys
  // then the symbol keys: getOwnPropertyNames and getOwnPropertySymbols return the same lists,
  // faster than Reflect.ownKeys. propertyIsEnumerable does one [[GetOwnProperty]], as
  // Reflect.getOwnPropertyDescriptor would, without making a descriptor object.
  let keys;
  if (getProxyDetails(init) === undefined) {
    keys = ObjectGetOwnPropertyNames(init);
    const symbols = ObjectGetOwnPropertySymbols(init);
    for (let i = 0; i < symbols.length; i++) keys[keys.length] = symbols[i];
  } else {
    keys = ReflectOwnKeys(init);
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!ObjectPrototypePropertyIsEnumerable(init, key)) continue;
    const name = toByteString(key);
    const value = toByteString(init[key]);
    pairs[pairs.length] = [name, value];
  }
  return pairs;
}

function fillHeaders(headers, converted) {
  const s = headersState(headers);
  if (isHeaders(converted)) {
    const list = headersState(converted).list;
    // Copy first: `converted` may be `headers` itself.
    const copy = [];
    for (let i = 0; i < list.length; i++) copy[i] = list[i];
    for (let i = 0; i < copy.length; i += 2) appendChecked(s, copy[i], copy[i + 1]);
    return;
  }
  for (let i = 0; i < converted.length; i++) {
    const pair = converted[i];
    if (pair.length !== 2) {
      throw new TypeError(`Invalid header: each header must be a [name, value] pair of exactly ` +
        `2 items, but one has ${pair.length}.`);
    }
    appendChecked(s, pair[0], pair[1]);
  }
}

// ---------------------------------------------------------------------------------------------
// Internal API

function createHeaders(guard = 'none') {
  const h = new Headers();
  headersState(h).guard = guard;
  return h;
}

function getHeadersGuard(h) {
  return headersState(h).guard;
}

function setHeadersGuard(h, guard) {
  if (!kGuards.has(guard)) throw new TypeError(`Unknown headers guard '${guard}'`);
  headersState(h).guard = guard;
}

function headersAppendUnchecked(h, name, value) {
  const s = headersState(h);
  s.list[s.list.length] = lowercase(name);
  s.list[s.list.length] = value;
  s.sorted = null;
}

function headersContains(h, name) {
  return contains(headersState(h), name);
}

function headersGetCombined(h, name) {
  return getCombined(headersState(h), name);
}

function headersClear(h) {
  const s = headersState(h);
  s.list.length = 0;
  s.sorted = null;
}

function copyHeaders(h, guard = undefined) {
  const s = headersState(h);
  const copy = new Headers();
  const cs = headersState(copy);
  const list = s.list;
  for (let i = 0; i < list.length; i++) cs.list[i] = list[i];
  cs.guard = guard === undefined ? s.guard : guard;
  return copy;
}

function headersList(h) {
  return headersState(h).list;
}

// Headers.prototype.set as this module defined it (user code may replace the property).
const headersSetMethod = Headers.prototype.set;
function headersSet(h, name, value) {
  return FunctionPrototypeCall(headersSetMethod, h, name, value);
}

function appendFlat(h, flat) {
  const s = headersState(h);
  for (let i = 0; i + 1 < flat.length; i += 2) appendChecked(s, flat[i], flat[i + 1]);
}

function headersEntries(h) {
  const list = headersState(h).list;
  const out = [];
  for (let i = 0; i < list.length; i += 2) out[out.length] = [list[i], list[i + 1]];
  return out;
}

export {
  Headers,
  isHeaders,
  createHeaders,
  getHeadersGuard,
  setHeadersGuard,
  convertHeadersInit,
  fillHeaders,
  headersAppendUnchecked,
  headersContains,
  headersGetCombined,
  headersClear,
  headersSet,
  copyHeaders,
  headersEntries,
  headersList,
  appendFlat,
  isValidHeaderName,
  isValidHeaderValue,
  isHttpWhitespace,
  normalizeHeaderValue,
  toByteString,
};
