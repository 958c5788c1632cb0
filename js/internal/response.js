// Response, per the WHATWG Fetch standard (https://fetch.spec.whatwg.org/#response-class), as
// Cloudflare Workers has it:
//   - There is no base URL: Response.redirect() with a relative URL is a TypeError.
//   - `webSocket` is null (no WebSocket responses yet); `cf` keeps ResponseInit's `cf`.
//   - Forbidden header names (Set-Cookie) are not filtered (see internal:headers).
//
// Internal API for other runtime modules (fetch):
//   isResponse(v)
//   responseRecord(res)          the record: { type, status, statusText, headers, body, urlList, cf }
//   createResponseFromRecord(r)  a Response object around a record
//   newResponseRecord()          a record with the defaults (headers still null)
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import { isObject, illegalInvocation, recordClass, toUSVString, finishInterface } from 'internal:webidl';
import {
  createHeaders, convertHeadersInit, fillHeaders, headersAppendUnchecked, headersContains,
  copyHeaders, toByteString,
} from 'internal:headers';
import {
  toBodyInit, extractBody, bodyFromBytes, bodyIsUnusable, bodyIsUsed, bodyStream,
  bodyUnusableError, cloneBody, defineBodyMixin,
} from 'internal:fetch_body';
import { parseURL, serializeURL } from 'internal:url';
import ops from 'internal:ops';

const {
  JSONStringify,
  MathTrunc,
  NumberIsFinite,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  Symbol,
  SymbolFor,
  RangeError,
  TypeError,
} = primordials;

const customInspect = SymbolFor('nodejs.util.inspect.custom');

// ---------------------------------------------------------------------------------------------
// Helpers

// WebIDL unsigned short (no [EnforceRange]): modulo 2^16.
function toUnsignedShort(value) {
  let x = +value;
  if (!NumberIsFinite(x)) return 0;
  x = MathTrunc(x) % 65536;
  if (x < 0) x += 65536;
  return x === 0 ? 0 : x;
}

function isNullBodyStatus(status) {
  return status === 101 || status === 103 || status === 204 || status === 205 || status === 304;
}

function isRedirectStatus(status) {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

// RFC 9112 reason-phrase: *( HTAB / SP / VCHAR / obs-text ).
function isReasonPhrase(s) {
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (!(c === 0x09 || (c >= 0x20 && c !== 0x7F && c <= 0xFF))) return false;
  }
  return true;
}

// A converted ResponseInit.
const ResponseInitDict = recordClass(class ResponseInitDict {
  cf = undefined;
  headers = undefined;
  status = 200;
  statusText = '';
});

const kNoInit = new ResponseInitDict();  // never modified

// WebIDL ResponseInit, members in lexicographic order.
function convertResponseInit(init, context) {
  if (init === undefined || init === null) return kNoInit;
  const d = new ResponseInitDict();
  if (!isObject(init)) {
    throw new TypeError(`Failed to ${context}: The provided value is not of type ` +
      "'ResponseInit'. Pass an object such as { status: 404, headers: { ... } }.");
  }
  let v = init.cf;
  if (v !== undefined) d.cf = v;
  v = init.headers;
  if (v !== undefined) d.headers = convertHeadersInit(v, context);
  v = init.status;
  if (v !== undefined) d.status = toUnsignedShort(v);
  v = init.statusText;
  if (v !== undefined) d.statusText = toByteString(v);
  return d;
}

// A response (the standard's concept): the state behind a Response object.
const ResponseRecord = recordClass(class ResponseRecord {
  type = 'default';
  status = 200;
  statusText = '';
  headers = null;
  body = null;
  urlList = [];
  cf = undefined;
});

function newResponseRecord() {
  return new ResponseRecord();
}

// The response's URL (the last of its URL list) without its fragment, or ''.
function responseUrl(r) {
  const list = r.urlList;
  if (list.length === 0) return '';
  const url = list[list.length - 1];
  const hash = StringPrototypeIndexOf(url, '#');
  return hash === -1 ? url : StringPrototypeSlice(url, 0, hash);
}

// "initialize a response". `extracted` is null or [body, contentType].
function initializeResponse(r, opts, extracted, context) {
  const status = opts.status;
  if (status < 200 || status > 599) {
    throw new RangeError(`Failed to ${context}: The status provided (${status}) is outside the ` +
      'range [200, 599].');
  }
  if (opts.statusText !== '' && !isReasonPhrase(opts.statusText)) {
    throw new TypeError(`Failed to ${context}: Invalid statusText: it must not contain control ` +
      'characters such as CR or LF.');
  }
  r.status = status;
  r.statusText = opts.statusText;
  if (opts.headers !== undefined) fillHeaders(r.headers, opts.headers);
  if (opts.cf !== undefined) r.cf = opts.cf;
  if (extracted !== null) {
    if (isNullBodyStatus(status)) {
      throw new TypeError(`Failed to ${context}: Response with null body status (${status}) ` +
        'cannot have a body. Pass null as the body, or use a status such as 200.');
    }
    r.body = extracted[0];
    const contentType = extracted[1];
    if (contentType !== null && !headersContains(r.headers, 'content-type')) {
      headersAppendUnchecked(r.headers, 'content-type', contentType);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Response

const kInternal = Symbol('kInternal');
let internalRecord = null;

let responseRecord;  // (res) -> record, or throws Illegal invocation
let isResponse;      // (value) -> boolean

function createResponseFromRecord(record) {
  internalRecord = record;
  try {
    return new Response(kInternal);
  } finally {
    internalRecord = null;
  }
}

class Response {
  #r;

  constructor(body = null, init = undefined) {
    if (body === kInternal && internalRecord !== null) {
      this.#r = internalRecord;
      internalRecord = null;
      return;
    }
    const context = "construct 'Response'";
    const bodyInit = body === undefined || body === null ? null : toBodyInit(body);
    const opts = convertResponseInit(init, context);
    const r = newResponseRecord();
    r.headers = createHeaders('response');
    const extracted = bodyInit === null ? null : extractBody(bodyInit, false);
    initializeResponse(r, opts, extracted, context);
    this.#r = r;
  }

  static error() {
    const r = newResponseRecord();
    r.type = 'error';
    r.status = 0;
    r.headers = createHeaders('immutable');
    return createResponseFromRecord(r);
  }

  static redirect(url, status = 302) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to execute 'redirect' on 'Response': 1 argument required, " +
        'but only 0 present.');
    }
    const input = toUSVString(url);
    const code = status === undefined ? 302 : toUnsignedShort(status);
    const parsed = parseURL(input);
    if (parsed === null) {
      throw new TypeError(`Failed to execute 'redirect' on 'Response': Invalid URL "${input}". ` +
        'Workers have no base URL to resolve a relative URL against: pass an absolute URL ' +
        'such as "https://example.com/path".');
    }
    if (!isRedirectStatus(code)) {
      throw new RangeError(`Failed to execute 'redirect' on 'Response': Invalid status code ` +
        `${code}: a redirect status must be 301, 302, 303, 307 or 308.`);
    }
    const r = newResponseRecord();
    r.status = code;
    r.headers = createHeaders('immutable');
    headersAppendUnchecked(r.headers, 'location', serializeURL(parsed, false));
    return createResponseFromRecord(r);
  }

  static json(data, init = undefined) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to execute 'json' on 'Response': 1 argument required, but " +
        'only 0 present.');
    }
    const context = "execute 'json' on 'Response'";
    const opts = convertResponseInit(init, context);
    const text = JSONStringify(data);
    if (text === undefined) {
      throw new TypeError(`Failed to ${context}: The data is not JSON-serializable ` +
        '(JSON.stringify returned undefined).');
    }
    const r = newResponseRecord();
    r.headers = createHeaders('response');
    initializeResponse(r, opts, [bodyFromBytes(ops.utf8Encode(text)), 'application/json'], context);
    return createResponseFromRecord(r);
  }

  get type() {
    return responseRecord(this).type;
  }

  get url() {
    return responseUrl(responseRecord(this));
  }

  get redirected() {
    return responseRecord(this).urlList.length > 1;
  }

  get status() {
    return responseRecord(this).status;
  }

  get ok() {
    const status = responseRecord(this).status;
    return status >= 200 && status <= 299;
  }

  get statusText() {
    return responseRecord(this).statusText;
  }

  get headers() {
    return responseRecord(this).headers;
  }

  get webSocket() {
    responseRecord(this);
    return null;
  }

  get cf() {
    return responseRecord(this).cf;
  }

  clone() {
    const r = responseRecord(this);
    if (r.body !== null && bodyIsUnusable(r.body)) {
      throw new TypeError("Failed to execute 'clone' on 'Response': " +
        bodyUnusableError(r.body).message);
    }
    const c = newResponseRecord();
    c.type = r.type;
    c.status = r.status;
    c.statusText = r.statusText;
    c.headers = copyHeaders(r.headers);
    c.body = r.body === null ? null : cloneBody(r.body);
    const urls = [];
    for (let i = 0; i < r.urlList.length; i++) urls[i] = r.urlList[i];
    c.urlList = urls;
    c.cf = r.cf;
    return createResponseFromRecord(c);
  }

  [customInspect](depth, options, inspect) {
    if (!isResponse(this)) return this;
    const r = this.#r;
    if (depth < 0) return '[Response]';
    const body = r.body === null ? null : bodyStream(r.body);
    return `Response ${inspect({
      status: r.status,
      statusText: r.statusText,
      ok: r.status >= 200 && r.status <= 299,
      type: r.type,
      url: responseUrl(r),
      redirected: r.urlList.length > 1,
      headers: r.headers,
      body,
      bodyUsed: r.body !== null && bodyIsUsed(r.body),
    }, options)}`;
  }

  static {
    responseRecord = (res) => {
      if (!isObject(res) || !(#r in res)) throw illegalInvocation();
      return res.#r;
    };
    isResponse = (value) => isObject(value) && #r in value;
  }
}

defineBodyMixin(Response.prototype, responseRecord);
finishInterface(Response, 'Response');

export {
  Response,
  isResponse,
  responseRecord,
  createResponseFromRecord,
  newResponseRecord,
};
