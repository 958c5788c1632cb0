// Request, per the WHATWG Fetch standard (https://fetch.spec.whatwg.org/#request-class), as
// Cloudflare Workers has it:
//   - There is no base URL: a relative URL is a TypeError.
//   - A worker has no origin, so a URL `referrer` always becomes "about:client" (as for a
//     cross-origin referrer in a browser); "" gives no referrer.
//   - `cf` (any object) is kept and copied to clones and to Requests made from this one.
//   - A ReadableStream body does not need `duplex: 'half'` (Workers never required it); a
//     `duplex` other than 'half' is still a TypeError.
//   - Forbidden header names are not filtered (see internal:headers).
//
// Internal API for other runtime modules (fetch):
//   isRequest(v)
//   requestRecord(req)          the record: { method, url, headers, body, signal, redirect, ... }
//                               (signal is null for a served request until requestSignal(r))
//   requestSignal(r)            the record's signal, made now if it was deferred
//   createRequestFromRecord(r)  a Request object around a record
//   createIncomingRequest(method, url, flatHeaders, bodyStream, abortSource)
//                               for `dynworker serve`: what new Request(url, { method, headers,
//                               body, duplex: 'half', signal }) gives, built directly
//   createAbortSource(), abortAbortSource(source, reason)
//                               an abort source for createIncomingRequest: an AbortSignal made
//                               only when somebody asks for the request's signal
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import {
  isObject, illegalInvocation, recordClass, toDOMString, toUSVString, finishInterface,
} from 'internal:webidl';
import ops from 'internal:ops';
import {
  createHeaders, convertHeadersInit, fillHeaders, headersAppendUnchecked, headersContains,
  headersClear, copyHeaders, isValidHeaderName, setHeadersGuard, toByteString, appendFlat,
} from 'internal:headers';
import {
  toBodyInit, extractBody, bodyFromStream, bodyIsUnusable, bodyIsUsed, bodyStream,
  bodyUnusableError, cloneBody, transferBody, defineBodyMixin,
} from 'internal:fetch_body';
import { parseURL, serializeURL, isNormalizedHttpURL } from 'internal:url';
import {
  isAbortSignal, createAbortSignal, abortSignal, createDependentAbortSignal,
} from 'internal:events';

const {
  SafeMap,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  Symbol,
  SymbolFor,
  TypeError,
} = primordials;

const customInspect = SymbolFor('nodejs.util.inspect.custom');

// ---------------------------------------------------------------------------------------------
// Helpers

function asciiUppercase(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    out += StringFromCharCode(c >= 0x61 && c <= 0x7A ? c - 0x20 : c);
  }
  return out;
}

function toEnum(value, typeName, member, allowed) {
  const s = toDOMString(value);
  if (!allowed.has(s)) {
    throw new TypeError(`Failed to construct 'Request': Failed to read the '${member}' property ` +
      `from 'RequestInit': The provided value '${s}' is not a valid enum value of type ${typeName}.`);
  }
  return s;
}

function enumSet(values) {
  const set = new SafeMap();
  for (let i = 0; i < values.length; i++) set.set(values[i], true);
  return set;
}

const kCache = enumSet(['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']);
const kCredentials = enumSet(['omit', 'same-origin', 'include']);
const kDuplex = enumSet(['half']);
const kMode = enumSet(['navigate', 'same-origin', 'no-cors', 'cors']);
const kPriority = enumSet(['high', 'low', 'auto']);
const kRedirect = enumSet(['follow', 'error', 'manual']);
const kReferrerPolicy = enumSet(['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin',
  'origin', 'strict-origin', 'origin-when-cross-origin', 'strict-origin-when-cross-origin',
  'unsafe-url']);

const kNormalizedMethods = enumSet(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const kForbiddenMethods = enumSet(['CONNECT', 'TRACE', 'TRACK']);

// A deep copy of a `cf` object (so clones do not share it), or the object itself when it
// cannot be cloned.
function copyCf(cf) {
  if (!isObject(cf)) return cf;
  try {
    return ops.structuredClone(cf, undefined);
  } catch {
    return cf;
  }
}

// The request URL for a USVString input: parsed (no base URL) and serialized.
function parseRequestURL(input) {
  if (isNormalizedHttpURL(input)) return input;
  const parsed = parseURL(input);
  if (parsed === null) {
    throw new TypeError(`Failed to construct 'Request': Invalid URL "${input}". ` +
      'Workers have no base URL to resolve a relative URL against: pass an absolute URL ' +
      'such as "https://example.com/path".');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError("Failed to construct 'Request': The URL includes credentials " +
      `("${input}"). Send them in an Authorization header instead.`);
  }
  return serializeURL(parsed, false);
}

// Checks a RequestInit method (a ByteString) and normalizes it.
function normalizeMethod(method) {
  if (kNormalizedMethods.has(method)) return method;  // GET, POST, ... (already uppercase)
  if (!isValidHeaderName(method)) {
    throw new TypeError(`Failed to construct 'Request': '${method}' is not a valid HTTP ` +
      'method. A method must be a token, such as GET, POST or PATCH.');
  }
  const upper = asciiUppercase(method);
  if (kForbiddenMethods.has(upper)) {
    throw new TypeError(`Failed to construct 'Request': '${method}' HTTP method is ` +
      'unsupported (CONNECT, TRACE and TRACK are forbidden).');
  }
  return kNormalizedMethods.has(upper) ? upper : method;
}

// A RequestInit the runtime builds itself for new Request(url, init) (internal:fetch's gateway
// Request, internal:rpc's Request from another realm's parts): a class, so V8 does not build a
// dictionary-mode object for it; `body` and `duplex` are set afterwards when there is a body.
const RequestInitParts = recordClass(class RequestInitParts {
  constructor(method, headers, redirect) {
    this.method = method;
    this.headers = headers;
    this.redirect = redirect;
    this.body = undefined;
    this.duplex = undefined;
  }
});

// A converted RequestInit. Absent members are undefined.
const RequestInitDict = recordClass(class RequestInitDict {
  present = false;
  body = undefined;
  cache = undefined;
  cf = undefined;
  credentials = undefined;
  duplex = undefined;
  headers = undefined;
  integrity = undefined;
  keepalive = undefined;
  method = undefined;
  mode = undefined;
  priority = undefined;
  redirect = undefined;
  referrer = undefined;
  referrerPolicy = undefined;
  signal = undefined;
  window = undefined;
});

const kNoInit = new RequestInitDict();  // never modified

// WebIDL RequestInit, members in lexicographic order.
function convertRequestInit(init) {
  if (init === undefined || init === null) return kNoInit;
  const d = new RequestInitDict();
  if (!isObject(init)) {
    throw new TypeError("Failed to construct 'Request': The provided value is not of type " +
      "'RequestInit'. Pass an object such as { method: 'POST', body: '...' }.");
  }
  let v = init.body;
  if (v !== undefined) {
    d.body = v === null ? null : toBodyInit(v);
    d.present = true;
  }
  v = init.cache;
  if (v !== undefined) {
    d.cache = toEnum(v, 'RequestCache', 'cache', kCache);
    d.present = true;
  }
  v = init.cf;
  if (v !== undefined) {
    d.cf = v;
    d.present = true;
  }
  v = init.credentials;
  if (v !== undefined) {
    d.credentials = toEnum(v, 'RequestCredentials', 'credentials', kCredentials);
    d.present = true;
  }
  v = init.duplex;
  if (v !== undefined) {
    d.duplex = toEnum(v, 'RequestDuplex', 'duplex', kDuplex);
    d.present = true;
  }
  v = init.headers;
  if (v !== undefined) {
    d.headers = convertHeadersInit(v, "construct 'Request'");
    d.present = true;
  }
  v = init.integrity;
  if (v !== undefined) {
    d.integrity = toDOMString(v);
    d.present = true;
  }
  v = init.keepalive;
  if (v !== undefined) {
    d.keepalive = !!v;
    d.present = true;
  }
  v = init.method;
  if (v !== undefined) {
    d.method = toByteString(v);
    d.present = true;
  }
  v = init.mode;
  if (v !== undefined) {
    d.mode = toEnum(v, 'RequestMode', 'mode', kMode);
    d.present = true;
  }
  v = init.priority;
  if (v !== undefined) {
    d.priority = toEnum(v, 'RequestPriority', 'priority', kPriority);
    d.present = true;
  }
  v = init.redirect;
  if (v !== undefined) {
    d.redirect = toEnum(v, 'RequestRedirect', 'redirect', kRedirect);
    d.present = true;
  }
  v = init.referrer;
  if (v !== undefined) {
    d.referrer = toUSVString(v);
    d.present = true;
  }
  v = init.referrerPolicy;
  if (v !== undefined) {
    d.referrerPolicy = toEnum(v, 'ReferrerPolicy', 'referrerPolicy', kReferrerPolicy);
    d.present = true;
  }
  v = init.signal;
  if (v !== undefined) {
    if (v !== null && !isAbortSignal(v)) {
      throw new TypeError("Failed to construct 'Request': Failed to read the 'signal' property " +
        "from 'RequestInit': The provided value is not of type 'AbortSignal'.");
    }
    d.signal = v;
    d.present = true;
  }
  v = init.window;
  if (v !== undefined) {
    d.window = v;
    d.present = true;
  }
  return d;
}

// A request (the standard's concept): the state behind a Request object.
const RequestRecord = recordClass(class RequestRecord {
  method = 'GET';
  url = '';
  headers = null;
  body = null;
  signal = null;
  mode = 'cors';
  credentials = 'same-origin';
  cache = 'default';
  redirect = 'follow';
  integrity = '';
  keepalive = false;
  referrer = 'client';  // 'client', 'no-referrer' or a serialized URL
  referrerPolicy = '';
  priority = 'auto';
  reloadNavigation = false;
  historyNavigation = false;
  cf = undefined;
  abortSource = null;  // with signal null: the AbortSource the signal will follow
  // A sandbox workload's request handed to an outbound handler (internal:sandbox): the deny
  // list's CIDR blocks, which fetch() of this request, or of a Request made from it, checks the
  // resolved addresses against. Null for every other request.
  deniedCidrs = null;
});

// What a served request's signal follows: the server aborts it when the client disconnects.
// Most handlers never look at request.signal, so the AbortSignals (this source's and the
// request's, which follows it) are made on demand; until then an abort only records its
// reason. Nothing can listen to a signal that does not exist yet, so making it later, already
// aborted, is what making it now and aborting it later would have shown.
const AbortSource = recordClass(class AbortSource {
  signal = null;
  aborted = false;
  reason = undefined;
});

function createAbortSource() {
  return new AbortSource();
}

function abortAbortSource(source, reason) {
  if (source.signal !== null) {
    abortSignal(source.signal, reason);
  } else if (!source.aborted) {
    source.aborted = true;
    source.reason = reason;
  }
}

function abortSourceSignal(source) {
  if (source.signal === null) {
    const signal = createAbortSignal();
    if (source.aborted) abortSignal(signal, source.reason);
    source.signal = signal;
  }
  return source.signal;
}

function requestSignal(r) {
  if (r.signal === null) r.signal = createDependentAbortSignal([abortSourceSignal(r.abortSource)]);
  return r.signal;
}

function newRecord() {
  return new RequestRecord();
}

// ---------------------------------------------------------------------------------------------
// Request

const kInternal = Symbol('kInternal');
let internalRecord = null;

let requestRecord;  // (req) -> record, or throws Illegal invocation
let isRequest;      // (value) -> boolean

class Request {
  #r;

  constructor(input, init = undefined) {
    if (input === kInternal && internalRecord !== null) {
      this.#r = internalRecord;
      internalRecord = null;
      return;
    }
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    }
    // WebIDL conversions: (Request or USVString) input, then the RequestInit dictionary.
    const inputRecord = isRequest(input) ? input.#r : null;
    const inputString = inputRecord === null ? toUSVString(input) : null;
    const opts = convertRequestInit(init);

    const r = newRecord();
    let fallbackMode = null;
    let signal = null;
    if (inputRecord === null) {
      r.url = parseRequestURL(inputString);
      fallbackMode = 'cors';
    } else {
      r.url = inputRecord.url;
      r.method = inputRecord.method;
      r.mode = inputRecord.mode;
      r.credentials = inputRecord.credentials;
      r.cache = inputRecord.cache;
      r.redirect = inputRecord.redirect;
      r.integrity = inputRecord.integrity;
      r.keepalive = inputRecord.keepalive;
      r.referrer = inputRecord.referrer;
      r.referrerPolicy = inputRecord.referrerPolicy;
      r.deniedCidrs = inputRecord.deniedCidrs;
      r.priority = inputRecord.priority;
      r.reloadNavigation = inputRecord.reloadNavigation;
      r.historyNavigation = inputRecord.historyNavigation;
      if (opts.cf === undefined) r.cf = copyCf(inputRecord.cf);
      signal = requestSignal(inputRecord);
    }

    if (opts.window !== undefined && opts.window !== null) {
      throw new TypeError("Failed to construct 'Request': The 'window' member of RequestInit " +
        'can only be null.');
    }

    if (opts.present) {
      if (r.mode === 'navigate') r.mode = 'same-origin';
      r.reloadNavigation = false;
      r.historyNavigation = false;
      r.referrer = 'client';
      r.referrerPolicy = '';
    }

    if (opts.referrer !== undefined) {
      if (opts.referrer === '') {
        r.referrer = 'no-referrer';
      } else {
        const parsedReferrer = parseURL(opts.referrer);
        if (parsedReferrer === null) {
          throw new TypeError(`Failed to construct 'Request': The referrer "${opts.referrer}" ` +
            'is not a valid absolute URL.');
        }
        // A worker has no origin, so no referrer URL is same-origin with it.
        r.referrer = 'client';
      }
    }
    if (opts.referrerPolicy !== undefined) r.referrerPolicy = opts.referrerPolicy;

    const mode = opts.mode !== undefined ? opts.mode : fallbackMode;
    if (mode === 'navigate') {
      throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a " +
        "RequestInit whose mode member is set as 'navigate'.");
    }
    if (mode !== null) r.mode = mode;
    if (opts.credentials !== undefined) r.credentials = opts.credentials;
    if (opts.cache !== undefined) r.cache = opts.cache;
    if (r.cache === 'only-if-cached' && r.mode !== 'same-origin') {
      throw new TypeError("Failed to construct 'Request': 'only-if-cached' can be set only " +
        "with 'same-origin' mode.");
    }
    if (opts.redirect !== undefined) r.redirect = opts.redirect;
    if (opts.integrity !== undefined) r.integrity = opts.integrity;
    if (opts.keepalive !== undefined) r.keepalive = opts.keepalive;

    if (opts.method !== undefined) r.method = normalizeMethod(opts.method);
    if (opts.signal !== undefined) signal = opts.signal;
    if (opts.priority !== undefined) r.priority = opts.priority;
    if (opts.cf !== undefined) r.cf = opts.cf;

    r.signal = createDependentAbortSignal(signal === null ? [] : [signal]);

    const headers = inputRecord === null ? createHeaders('request')
      : copyHeaders(inputRecord.headers, 'request');
    r.headers = headers;
    if (r.mode === 'no-cors') {
      if (r.method !== 'GET' && r.method !== 'HEAD' && r.method !== 'POST') {
        throw new TypeError(`Failed to construct 'Request': '${r.method}' is unsupported in ` +
          "no-cors mode (only GET, HEAD and POST are).");
      }
      setHeadersGuard(headers, 'request-no-cors');
    }
    if (opts.present && opts.headers !== undefined) {
      headersClear(headers);
      fillHeaders(headers, opts.headers);
    }

    const inputBody = inputRecord === null ? null : inputRecord.body;
    const hasInitBody = opts.body !== undefined && opts.body !== null;
    if ((hasInitBody || inputBody !== null) && (r.method === 'GET' || r.method === 'HEAD')) {
      throw new TypeError("Failed to construct 'Request': Request with a GET or HEAD method " +
        'cannot have a body. Use POST, PUT or another method to send a body.');
    }

    let initBody = null;
    if (hasInitBody) {
      const extracted = extractBody(opts.body, r.keepalive);
      initBody = extracted[0];
      const contentType = extracted[1];
      if (contentType !== null && !headersContains(headers, 'content-type')) {
        headersAppendUnchecked(headers, 'content-type', contentType);
      }
    }

    const inputOrInitBody = initBody !== null ? initBody : inputBody;
    if (inputOrInitBody !== null && inputOrInitBody.source === null &&
        r.mode !== 'same-origin' && r.mode !== 'cors') {
      throw new TypeError("Failed to construct 'Request': A ReadableStream body needs mode " +
        "'same-origin' or 'cors'.");
    }

    let finalBody = inputOrInitBody;
    if (initBody === null && inputBody !== null) {
      if (bodyIsUnusable(inputBody)) {
        throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a " +
          'Request object that has already been used (its body was read or is locked). ' +
          'clone() the Request before reading its body.');
      }
      finalBody = transferBody(inputBody);
    }
    r.body = finalBody;
    this.#r = r;
  }

  get method() {
    return requestRecord(this).method;
  }

  get url() {
    return requestRecord(this).url;
  }

  get headers() {
    return requestRecord(this).headers;
  }

  get destination() {
    requestRecord(this);
    return '';
  }

  get referrer() {
    const referrer = requestRecord(this).referrer;
    if (referrer === 'no-referrer') return '';
    if (referrer === 'client') return 'about:client';
    return referrer;
  }

  get referrerPolicy() {
    return requestRecord(this).referrerPolicy;
  }

  get mode() {
    return requestRecord(this).mode;
  }

  get credentials() {
    return requestRecord(this).credentials;
  }

  get cache() {
    return requestRecord(this).cache;
  }

  get redirect() {
    return requestRecord(this).redirect;
  }

  get integrity() {
    return requestRecord(this).integrity;
  }

  get keepalive() {
    return requestRecord(this).keepalive;
  }

  get isReloadNavigation() {
    return requestRecord(this).reloadNavigation;
  }

  get isHistoryNavigation() {
    return requestRecord(this).historyNavigation;
  }

  get signal() {
    return requestSignal(requestRecord(this));
  }

  get duplex() {
    requestRecord(this);
    return 'half';
  }

  get cf() {
    return requestRecord(this).cf;
  }

  clone() {
    const r = requestRecord(this);
    if (r.body !== null && bodyIsUnusable(r.body)) {
      throw new TypeError("Failed to execute 'clone' on 'Request': " + bodyUnusableError(r.body).message);
    }
    const c = newRecord();
    c.method = r.method;
    c.url = r.url;
    c.headers = copyHeaders(r.headers);
    c.body = r.body === null ? null : cloneBody(r.body);
    c.mode = r.mode;
    c.credentials = r.credentials;
    c.cache = r.cache;
    c.redirect = r.redirect;
    c.integrity = r.integrity;
    c.keepalive = r.keepalive;
    c.referrer = r.referrer;
    c.referrerPolicy = r.referrerPolicy;
    c.deniedCidrs = r.deniedCidrs;
    c.priority = r.priority;
    c.reloadNavigation = r.reloadNavigation;
    c.historyNavigation = r.historyNavigation;
    c.cf = copyCf(r.cf);
    c.signal = createDependentAbortSignal([requestSignal(r)]);
    return createRequestFromRecord(c);
  }

  [customInspect](depth, options, inspect) {
    if (!isRequest(this)) return this;
    const r = this.#r;
    if (depth < 0) return '[Request]';
    const body = r.body === null ? null : bodyStream(r.body);
    return `Request ${inspect({
      method: r.method,
      url: r.url,
      headers: r.headers,
      body,
      bodyUsed: r.body !== null && bodyIsUsed(r.body),
      redirect: r.redirect,
      signal: requestSignal(r),
      cf: r.cf,
    }, options)}`;
  }

  static {
    requestRecord = (req) => {
      if (!isObject(req) || !(#r in req)) throw illegalInvocation();
      return req.#r;
    };
    isRequest = (value) => isObject(value) && #r in value;
  }
}

defineBodyMixin(Request.prototype, requestRecord);
finishInterface(Request, 'Request');

// `record` must have the fields of newRecord(), with headers set, and signal set or (served
// requests) abortSource.
function createRequestFromRecord(record) {
  internalRecord = record;
  try {
    return new Request(kInternal);
  } finally {
    internalRecord = null;
  }
}

// An incoming HTTP request, for `dynworker serve`: the Request that
//   new Request(url, { method, headers, signal, body, duplex: 'half' })
// makes (body omitted when null), with the same checks and errors in the same order, minus the
// conversions that cannot fail for what the server passes. `url` is a string the server built
// from the request head; `flat` holds header names and values as one-byte strings (ByteStrings)
// [name0, value0, ...]; `body` is a fresh ReadableStream or null; the request's signal follows
// `abortSource` (an AbortSource; the signal is made when first asked for).
function createIncomingRequest(method, url, flat, body, abortSource) {
  const methodString = toByteString(method);
  const r = new RequestRecord();
  r.url = isNormalizedHttpURL(url) ? url : parseRequestURL(toUSVString(url));
  r.method = normalizeMethod(methodString);
  r.abortSource = abortSource;
  const headers = createHeaders('request');
  r.headers = headers;
  appendFlat(headers, flat);
  if (body !== null) {
    if (r.method === 'GET' || r.method === 'HEAD') {
      throw new TypeError("Failed to construct 'Request': Request with a GET or HEAD method " +
        'cannot have a body. Use POST, PUT or another method to send a body.');
    }
    r.body = bodyFromStream(body);
  }
  return createRequestFromRecord(r);
}

export {
  Request,
  isRequest,
  requestRecord,
  createRequestFromRecord,
  requestSignal,
  createIncomingRequest,
  createAbortSource,
  abortAbortSource,
  RequestInitParts,
};
