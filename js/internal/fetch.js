// fetch(), per the WHATWG Fetch standard (https://fetch.spec.whatwg.org/#fetch-method), as
// Cloudflare Workers has it:
//   - http: and https: go out through the runtime's HTTP/1.1 client (src/api/fetch_ops.cc):
//     keep-alive connections, TLS verified against the system store. data: URLs are answered
//     here (the standard's data: URL processor); blob: and every other scheme is a TypeError.
//   - Redirects follow the standard's HTTP-redirect fetch (at most 20; 301/302 turn POST into
//     GET and 303 turns anything but GET/HEAD into GET, dropping the body; Authorization is
//     removed when the origin changes; a streamed body cannot be sent twice, so a 307/308 for
//     it is a TypeError). redirect: 'manual' returns the 3xx response as it came (Workers do
//     not make it an opaque-redirect); 'error' makes any redirect a TypeError.
//   - There is no CORS: a worker has no origin. Responses are type 'basic' with immutable
//     headers, `url` the last URL fetched and `redirected` whether a redirect was followed.
//   - A response whose Content-Encoding is gzip (or x-gzip) or deflate is decoded as it is
//     read, as Workers do; its headers stay as received. Requests that name no
//     Accept-Encoding ask for "gzip, deflate".
//   - Bodies stream both ways: a ReadableStream request body is written chunk by chunk, each
//     write awaited (chunked, or with the Content-Length header the caller set); a response
//     body is a byte stream that reads from the socket only as it is read.
//   - AbortSignal: before the start, while waiting for the response and while its body is
//     read, the signal's reason rejects the fetch or errors the body, and the exchange is
//     cancelled.
//   - Network failures (refused, unknown host, TLS errors, resets, timeouts) reject with a
//     TypeError whose message is the client's sentence naming the host, such as
//     "connection refused: 127.0.0.1:9".
//
// Runtime-internal API (not reachable by user code):
//   fetchDenyingAddresses(input, init, cidrs)
//       fetch(input, init) on the network (never through a globalOutbound), except that no
//       connection, of the first request or of a redirect hop, is made to a host whose DNS
//       answer (or IP literal) has an address inside one of `cidrs` (an array of strings:
//       "10.0.0.0/8", "fd00::/8", no brackets needed). Such a hop rejects the fetch with an
//       Error "Egress to HOST:PORT is not permitted by the sandbox policy." carrying
//       `deniedAddress` (the resolved address that matched) and `deniedCidr` (the block, as
//       given). A malformed block rejects with a TypeError naming it.
//   isAddressDenial(value)
//       true only for such an Error made by the runtime (a private mark: an object that merely
//       looks like one is not).
//
// Primordials only: user code may patch any prototype after this module is evaluated.
//
// Not in the startup snapshot: evaluated when user code first reads the fetch global (see
// internal:lazy). A dynamic worker's globalOutbound is held by internal:outbound.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { Request, RequestInitParts, requestRecord } from 'internal:request';
import { createResponseFromRecord, newResponseRecord, responseRecord } from 'internal:response';
import {
  createHeaders, headersAppendUnchecked, headersEntries, headersGetCombined, normalizeHeaderValue,
} from 'internal:headers';
import { bodyFromBytes, bodyFromStream, bodyStream } from 'internal:fetch_body';
import { streams } from 'internal:lazy';
import { parseURL, serializeURL, serializeOrigin, isNormalizedHttpURL } from 'internal:url';
import { recordClass } from 'internal:webidl';
import { AbortSignal, addAbortAlgorithm } from 'internal:events';
import { getOutbound, countSubrequest } from 'internal:outbound';

const {
  ArrayIsArray,
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  FinalizationRegistry,
  FinalizationRegistryPrototypeRegister,
  FinalizationRegistryPrototypeUnregister,
  NumberParseInt,
  ObjectGetOwnPropertyDescriptor,
  Promise,
  PromisePrototypeThen,
  PromiseReject,
  RegExpPrototypeExec,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  StringPrototypeTrim,
  TypeError,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetSymbolToStringTag,
  uncurryThis,
} = primordials;

const { fetchStart, fetchHead, fetchReadBody, fetchWrite, fetchEnd, fetchAbort } = ops;
const { isAddressDenial } = ops;
const { zlibCreate, zlibPush, zlibClose } = ops;

// Captured now, before user code can replace them.
const signalAborted = uncurryThis(ObjectGetOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get);
const signalReason = uncurryThis(ObjectGetOwnPropertyDescriptor(AbortSignal.prototype, 'reason').get);

// internal:streams is evaluated on first use (internal:lazy). These run only once a
// stream exists, or make one.
function isReadableStreamDisturbed(stream) { return streams().isReadableStreamDisturbed(stream); }
function isReadableStreamLocked(stream) { return streams().isReadableStreamLocked(stream); }
function readAllBytes(stream) { return streams().readAllBytes(stream); }
function readableStreamCancel(stream, reason) {
  return streams().readableStreamCancel(stream, reason);
}
function readableStreamControllerEnqueue(controller, chunk) {
  return streams().readableStreamControllerEnqueue(controller, chunk);
}
function readableStreamControllerClose(controller) {
  return streams().readableStreamControllerClose(controller);
}
function readableStreamControllerError(controller, error) {
  return streams().readableStreamControllerError(controller, error);
}
// Captured by internal:streams when it is evaluated, before user code can replace them.
function streamGetReader(stream) { return streams().ReadableStreamPrototypeGetReader(stream); }
function readerRead(reader) { return streams().ReadableStreamDefaultReaderPrototypeRead(reader); }
function readerCancel(reader, reason) {
  return streams().ReadableStreamDefaultReaderPrototypeCancel(reader, reason);
}

const kMaxRedirects = 20;

function noop() {}

function markHandled(promise) {
  PromisePrototypeThen(promise, undefined, noop);
}

function isUint8Array(value) {
  return TypedArrayPrototypeGetSymbolToStringTag(value) === 'Uint8Array';
}

function isRedirectStatus(status) {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function isNullBodyStatus(status) {
  return status === 101 || status === 103 || status === 204 || status === 205 || status === 304;
}

// A response nobody reads (its Response was garbage collected) gives its connection back.
const unreadBodies = new FinalizationRegistry((id) => fetchAbort(id));

// ---------------------------------------------------------------------------------------------
// Header lists: arrays of [lowercase name, value]

function listGet(list, name) {
  let value = null;
  for (let i = 0; i < list.length; i++) {
    if (list[i][0] === name) value = value === null ? list[i][1] : `${value}, ${list[i][1]}`;
  }
  return value;
}

function listHas(list, name) {
  for (let i = 0; i < list.length; i++) if (list[i][0] === name) return true;
  return false;
}

function listDelete(list, name) {
  const out = [];
  for (let i = 0; i < list.length; i++) if (list[i][0] !== name) ArrayPrototypePush(out, list[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// One fetch

// The record of one call to fetch(): the request as it is (re)sent, and what is in flight. A
// record class (internal:webidl): V8 builds a {__proto__: null} literal of this size property
// by property in its runtime.
const Fetch = recordClass(class Fetch {
  constructor(r) {
    this.method = r.method;
    this.url = null;             // the current URL record (null: urlList's last, see fetchURL)
    this.urlList = [r.url];
    this.headers = headersEntries(r.headers);
    this.bodySource = null;      // Uint8Array: bytes that can be sent again after a redirect
    this.bodyStream = null;      // ReadableStream not yet sent
    this.bodyLength = null;      // a streamed body's length when known
    this.streamed = false;       // the body was a stream (it cannot be sent twice)
    this.redirect = r.redirect;
    this.redirectCount = 0;
    this.deniedCidrs = null;     // fetchDenyingAddresses: the blocks no connection may lead into
    this.signal = r.signal;
    this.removeAbort = noop;
    this.id = 0;                 // the exchange in flight (0: none)
    this.uploadReader = null;
    this.bodyController = null;  // the response body's controller while it is being read
    this.bodyToken = null;  // the body's unregister token in unreadBodies while it is registered
    this.bodyDone = true;
    this.settled = false;
    this.resolve = null;
    this.reject = null;
  }
});

function newFetch(r) {
  return new Fetch(r);
}

// The current URL record. A request that goes through a globalOutbound with an http(s) URL in
// normal form (isNormalizedHttpURL) is sent as the string it is; its record is parsed only if
// a redirect needs it.
function fetchURL(f) {
  if (f.url === null) f.url = parseURL(f.urlList[f.urlList.length - 1]);
  return f.url;
}

function settle(f, ok, value) {
  if (f.settled) return;
  f.settled = true;
  if (ok) f.resolve(value);
  else f.reject(value);
}

function endBody(f) {
  f.bodyDone = true;
  f.bodyController = null;
  // A registered body outlives V8 10.2's minor GCs (they keep a FinalizationRegistry's targets)
  // until a full GC: one that is done with, read to its end or aborted, needs no finalizer.
  if (f.bodyToken !== null) {
    FinalizationRegistryPrototypeUnregister(unreadBodies, f.bodyToken);
    f.bodyToken = null;
  }
  const remove = f.removeAbort;
  f.removeAbort = noop;
  remove();
}

// Cancels the request body that has not been (fully) sent.
function cancelRequestBody(f, reason) {
  if (f.uploadReader !== null) {
    const reader = f.uploadReader;
    f.uploadReader = null;
    markHandled(readerCancel(reader, reason));
  } else if (f.bodyStream !== null) {
    const stream = f.bodyStream;
    f.bodyStream = null;
    if (!isReadableStreamLocked(stream)) markHandled(readableStreamCancel(stream, reason));
  }
}

// Ends the fetch with `error`: the promise rejects if it has not settled, a response body
// being read errors, the exchange is cancelled.
function failFetch(f, error) {
  if (f.id !== 0) fetchAbort(f.id);
  cancelRequestBody(f, error);
  settle(f, false, error);
  if (f.bodyController !== null && !f.bodyDone) {
    const controller = f.bodyController;
    endBody(f);
    readableStreamControllerError(controller, error);
  } else if (f.bodyDone) {
    endBody(f);
  }
}

function abortFetch(f) {
  failFetch(f, signalReason(f.signal));
}

// Streams a ReadableStream request body into exchange `id`, one awaited write at a time.
function pumpUpload(f, id, stream) {
  let reader;
  try {
    reader = streamGetReader(stream);
  } catch (error) {
    failFetch(f, error);
    return;
  }
  f.uploadReader = reader;
  const step = () => {
    PromisePrototypeThen(readerRead(reader), (result) => {
      if (f.uploadReader !== reader) return;
      if (result.done) {
        f.uploadReader = null;
        fetchEnd(id);
        return;
      }
      const chunk = result.value;
      if (!isUint8Array(chunk)) {
        failFetch(f, new TypeError('The request body stream produced a chunk that is not a ' +
          'Uint8Array; a body stream must produce Uint8Array chunks (encode strings with ' +
          'TextEncoder).'));
        return;
      }
      PromisePrototypeThen(fetchWrite(id, chunk), (ok) => {
        if (f.uploadReader !== reader) return;
        if (ok) {
          step();
          return;
        }
        // The request failed or the server answered without reading it all: the failure, if
        // any, reaches the fetch through the response.
        f.uploadReader = null;
        markHandled(readerCancel(reader, new TypeError('The request body was not fully sent.')));
      });
    }, (error) => {
      if (f.uploadReader !== reader) return;
      f.uploadReader = null;
      failFetch(f, error);
    });
  };
  step();
}

function targetOf(url) {
  let target = `/${ArrayPrototypeJoin(url.path, '/')}`;
  if (url.query !== null) target += `?${url.query}`;
  return target;
}

// Sends the request to f.url over HTTP; resolves with [status, statusText, flatHeaders].
function httpExchange(f) {
  const url = f.url;
  const flat = [];
  const headers = f.headers;
  for (let i = 0; i < headers.length; i++) ArrayPrototypePush(flat, headers[i][0], headers[i][1]);
  if (!listHas(headers, 'accept-encoding')) {
    ArrayPrototypePush(flat, 'accept-encoding', listHas(headers, 'range') ? 'identity' : 'gzip, deflate');
  }
  let kind = 'none';
  let body = null;
  const stream = f.bodyStream;
  if (f.bodySource !== null) {
    kind = 'bytes';
    body = f.bodySource;
  } else if (stream !== null) {
    kind = 'stream';
    body = f.bodyLength;
    f.bodyStream = null;
  }
  const id = fetchStart(f.method, url.scheme, url.host, url.port === null ? 0 : url.port,
    targetOf(url), flat, kind, body, f.deniedCidrs);
  f.id = id;
  if (stream !== null) pumpUpload(f, id, stream);
  return fetchHead(id);
}

function dataResponse(f) {
  // internal:data_url is loaded on first use: few workers fetch data: URLs.
  const result = ops.loadBuiltin('internal:data_url').processDataURL(f.url);
  if (result === null) {
    throw new TypeError(`Fetch API cannot load: ${serializeURL(f.url, false)}: it is not a ` +
      'valid data: URL (data:[<media type>][;base64],<data>).');
  }
  const r = newResponseRecord();
  r.type = 'basic';
  r.status = 200;
  r.statusText = 'OK';
  r.headers = createHeaders('immutable');
  headersAppendUnchecked(r.headers, 'content-type', result.mimeType);
  // Main fetch: a HEAD (or CONNECT) request's response has a null body, data: URLs included.
  r.body = f.method === 'HEAD' ? null : bodyFromBytes(result.body);
  r.urlList = f.urlList;
  return createResponseFromRecord(r);
}

// The coding fetch decodes for a Content-Encoding value, or null.
function contentCoding(value) {
  if (value === null) return null;
  const v = StringPrototypeToLowerCase(StringPrototypeTrim(value));
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'deflate') return 'deflate';
  return null;
}

// The response body: a byte stream reading exchange `id` as it is read, decoding `coding`.
function responseBody(f, id, coding) {
  let controller = null;
  let zlib = null;
  const finish = () => {
    if (zlib !== null) {
      zlibClose(zlib);
      zlib = null;
    }
    endBody(f);
  };
  // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: the first two
  // bytes tell (a zlib header has method 8 and is a multiple of 31).
  const decode = (chunk) => {
    if (zlib === null) {
      let format = coding;
      if (coding === 'deflate' && TypedArrayPrototypeGetLength(chunk) >= 2 &&
          ((chunk[0] & 0x0F) !== 8 || ((chunk[0] << 8) | chunk[1]) % 31 !== 0)) {
        format = 'deflate-raw';
      }
      zlib = zlibCreate(format, 'decompress');
    }
    return zlibPush(zlib, chunk);
  };
  const enqueueAll = (chunks) => {
    let n = 0;
    for (let i = 0; i < chunks.length; i++) {
      if (TypedArrayPrototypeGetLength(chunks[i]) > 0) {
        readableStreamControllerEnqueue(controller, chunks[i]);
        n++;
      }
    }
    return n;
  };
  const fail = (error) => {
    if (f.bodyDone) return;
    finish();
    fetchAbort(id);
    readableStreamControllerError(controller, error);
  };
  const pull = () => new Promise((resolve) => {
    const step = () => {
      PromisePrototypeThen(fetchReadBody(id), (chunk) => {
        if (f.bodyDone) {
          resolve();
          return;
        }
        try {
          if (chunk === undefined) {
            if (zlib !== null) enqueueAll(zlibPush(zlib, undefined));
            finish();
            readableStreamControllerClose(controller);
          } else if (coding === null) {
            readableStreamControllerEnqueue(controller, chunk);
          } else if (enqueueAll(decode(chunk)) === 0) {
            step();  // nothing decoded yet: read on
            return;
          }
        } catch (error) {
          fail(error);  // corrupt or truncated compressed data
        }
        resolve();
      }, (error) => {
        fail(error);
        resolve();
      });
    };
    step();
  });
  f.bodyDone = false;
  const { ReadableStream } = streams();
  const stream = new ReadableStream({
    __proto__: null,
    type: 'bytes',
    start(c) {
      controller = c;
      f.bodyController = c;
    },
    pull,
    cancel() {
      if (f.bodyDone) return;
      finish();
      fetchAbort(id);
    },
  });
  // Unregistered by endBody: a registered stream would be promoted by each minor GC, and every
  // minor GC would copy the responses of the last few hundred requests.
  f.bodyToken = { __proto__: null };
  FinalizationRegistryPrototypeRegister(unreadBodies, stream, id, f.bodyToken);
  return stream;
}

function makeResponse(f, status, statusText, flat) {
  const r = newResponseRecord();
  r.type = 'basic';
  r.status = status;
  r.statusText = statusText;
  r.headers = createHeaders('immutable');
  let encoding = null;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = StringPrototypeToLowerCase(flat[i]);
    const value = normalizeHeaderValue(flat[i + 1]);
    headersAppendUnchecked(r.headers, name, value);
    if (name === 'content-encoding') encoding = encoding === null ? value : `${encoding}, ${value}`;
  }
  r.urlList = f.urlList;
  if (f.method === 'HEAD' || isNullBodyStatus(status)) {
    fetchAbort(f.id);  // done with it; a complete exchange keeps its pooled connection
    endBody(f);
  } else {
    r.body = bodyFromStream(responseBody(f, f.id, contentCoding(encoding)));
  }
  return createResponseFromRecord(r);
}

// The standard's HTTP-redirect fetch: updates `f` for the next request, or throws.
function followRedirect(f, status, location) {
  const from = serializeURL(f.url, false);
  const next = parseURL(location, f.url);
  if (next === null) {
    throw new TypeError(`Fetch to ${from} was redirected (${status}) to "${location}", which ` +
      'is not a valid URL.');
  }
  if (next.fragment === null) next.fragment = f.url.fragment;
  const to = serializeURL(next, false);
  if (next.scheme !== 'http' && next.scheme !== 'https') {
    throw new TypeError(`Fetch API cannot load: ${to} (redirected from ${from}): only http: ` +
      'and https: redirects can be followed.');
  }
  if (f.redirectCount === kMaxRedirects) {
    throw new TypeError(`Fetch to ${f.urlList[0]} failed: too many redirects (more than ` +
      `${kMaxRedirects}); the last was from ${from} to ${to}.`);
  }
  f.redirectCount++;
  if (next.username !== '' || next.password !== '') {
    throw new TypeError(`Fetch to ${from} was redirected to a URL with credentials ` +
      `(${to}), which fetch does not follow.`);
  }
  if (status !== 303 && f.streamed) {
    throw new TypeError(`Fetch to ${from} was redirected (${status}) to ${to}, but the ` +
      'request body was a ReadableStream, which cannot be sent again. Send the body as bytes ' +
      "(a string, ArrayBuffer or Blob) to follow redirects, or use redirect: 'manual'.");
  }
  if (((status === 301 || status === 302) && f.method === 'POST') ||
      (status === 303 && f.method !== 'GET' && f.method !== 'HEAD')) {
    f.method = 'GET';
    f.bodySource = null;
    f.streamed = false;
    let headers = f.headers;
    headers = listDelete(headers, 'content-encoding');
    headers = listDelete(headers, 'content-language');
    headers = listDelete(headers, 'content-location');
    headers = listDelete(headers, 'content-type');
    f.headers = headers;
  }
  if (serializeOrigin(f.url) !== serializeOrigin(next)) {
    f.headers = listDelete(f.headers, 'authorization');
  }
  // A body still being streamed (a 303 dropped it) is not wanted any more.
  cancelRequestBody(f, new TypeError('The request was redirected; its body is not needed.'));
  f.url = next;
  ArrayPrototypePush(f.urlList, to);
}

function unsupportedScheme(f) {
  const url = serializeURL(f.url, false);
  if (f.url.scheme === 'blob') {
    return new TypeError(`Fetch API cannot load: ${url}: blob: URLs are not supported (Workers ` +
      'have no blob URL store; read the Blob itself instead).');
  }
  return new TypeError(`Fetch API cannot load: ${url}`);
}

function discardResponseBody(record, reason) {
  if (record.body === null) return;
  const stream = bodyStream(record.body);
  if (!isReadableStreamLocked(stream)) markHandled(readableStreamCancel(stream, reason));
}

// The redirect step of both transports, for a redirect status when the mode is not 'manual':
// 'error' throws; with a Location the fetch goes on there (true), after `dropBody` let go of
// this response's own body, which is not read; without one this response is the answer.
function redirected(f, status, location, dropBody) {
  fetchURL(f);
  if (f.redirect === 'error') {
    throw new TypeError(`Fetch to ${serializeURL(f.url, false)} was redirected ` +
      `(${status}${location === null ? '' : ` to ${location}`}), and the request's ` +
      "redirect mode is 'error'.");
  }
  if (location === null) return false;
  dropBody();
  followRedirect(f, status, location);
  run(f);
  return true;
}

// The Location of a flat [name, value, ...] header list from the network, or null.
function flatLocation(flat) {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (StringPrototypeToLowerCase(flat[i]) === 'location') return normalizeHeaderValue(flat[i + 1]);
  }
  return null;
}

// One exchange through a dynamic worker's globalOutbound (loader.md section 4): the gateway's
// fetch(request) answers instead of the network, and the rest of fetch() is as for the network
// (the same loop): an aborted signal rejects at once, redirects the gateway answers with are
// followed by the caller as its redirect mode says, response.url is the final URL. The gateway
// gets the request as it is (re)sent, with the caller's redirect mode; signals do not cross
// isolates, so an abort ends the caller's fetch while the gateway's call runs on.
function exchangeThroughOutbound(f, outbound) {
  const init = new RequestInitParts(f.method, f.headers, f.redirect);
  if (f.bodySource !== null) {
    init.body = f.bodySource;
  } else if (f.bodyStream !== null) {
    init.body = f.bodyStream;
    init.duplex = 'half';
    f.bodyStream = null;  // the Request owns it now
  }
  const request = new Request(f.url === null ? f.urlList[0] : serializeURL(f.url, false), init);
  PromisePrototypeThen(outbound(request), (response) => {
    const record = responseRecord(response);
    if (f.settled) {
      discardResponseBody(record, signalReason(f.signal));
      return;
    }
    try {
      const status = record.status;
      if (isRedirectStatus(status) && f.redirect !== 'manual' &&
          redirected(f, status, headersGetCombined(record.headers, 'location'),
            () => discardResponseBody(record, undefined))) {
        return;
      }
      record.urlList = f.urlList;
      endBody(f);
      settle(f, true, response);
    } catch (error) {
      failFetch(f, error);
    }
  }, (error) => {
    failFetch(f, error);
  });
}

// The fetch loop: one exchange per URL until a response that is not followed.
function run(f) {
  const scheme = f.url === null ? 'http' : f.url.scheme;  // null: http(s) through the outbound
  if (scheme === 'data') {
    const response = dataResponse(f);
    endBody(f);
    settle(f, true, response);
    return;
  }
  countSubrequest();  // each hop of a redirect chain is one
  // With denied blocks the request must reach the connection that checks them.
  const outbound = f.deniedCidrs === null ? getOutbound() : null;
  if (outbound !== null) {
    exchangeThroughOutbound(f, outbound);
    return;
  }
  if (scheme !== 'http' && scheme !== 'https') throw unsupportedScheme(f);
  PromisePrototypeThen(httpExchange(f), (head) => {
    if (f.settled) return;
    const status = head[0];
    const flat = head[2];
    try {
      if (isRedirectStatus(status) && f.redirect !== 'manual' &&
          redirected(f, status, flatLocation(flat), () => { fetchAbort(f.id); f.id = 0; })) {
        return;
      }
      settle(f, true, makeResponse(f, status, head[1], flat));
    } catch (error) {
      failFetch(f, error);
    }
  }, (error) => {
    failFetch(f, error);
  });
}

function fetch(input, init = undefined) {
  if (arguments.length < 1) {
    return PromiseReject(new TypeError("Failed to execute 'fetch' on 'WorkerGlobalScope': 1 " +
      'argument required, but only 0 present.'));
  }
  return startFetch(input, init, null);
}

function fetchDenyingAddresses(input, init, cidrs) {
  let list;
  try {
    list = copyCidrs(cidrs);
  } catch (error) {
    return PromiseReject(error);
  }
  return startFetch(input, init, list);
}

// The caller's blocks, copied once: every hop of a redirect chain is checked against the list
// as it was at the call. The op checks each block's syntax.
function copyCidrs(cidrs) {
  if (!ArrayIsArray(cidrs)) {
    throw new TypeError('fetchDenyingAddresses: cidrs must be an array of CIDR strings such ' +
      'as "10.0.0.0/8".');
  }
  const list = [];
  for (let i = 0; i < cidrs.length; i++) {
    const cidr = cidrs[i];
    if (typeof cidr !== 'string') {
      throw new TypeError(`fetchDenyingAddresses: cidrs[${i}] is not a string; cidrs must be an ` +
        'array of CIDR strings such as "10.0.0.0/8".');
    }
    ArrayPrototypePush(list, cidr);
  }
  return list;
}

// deniedCidrs: null for fetch(), an array of strings for fetchDenyingAddresses.
function startFetch(input, init, deniedCidrs) {
  let f;
  try {
    const request = new Request(input, init);
    const r = requestRecord(request);
    f = newFetch(r);
    // A sandbox's handler forwarding the workload's request (or one made from it) keeps the
    // address check of the sandbox's deny list (internal:sandbox).
    f.deniedCidrs = deniedCidrs ?? r.deniedCidrs;
    f.url = f.deniedCidrs === null && getOutbound() !== null && isNormalizedHttpURL(r.url) ? null
      : parseURL(r.url);
    const body = r.body;
    if (body !== null) {
      const stream = body.stream;
      if (body.source !== null && !body.used &&
          (stream === null || (!isReadableStreamDisturbed(stream) && !isReadableStreamLocked(stream)))) {
        f.bodySource = body.source;
        body.used = true;
        if (stream !== null) markHandled(readAllBytes(stream));  // locked and read, as if sent
      } else {
        f.bodyStream = bodyStream(body);
        f.streamed = true;
        f.bodyLength = body.length;
        if (f.bodyLength === null) {
          // A length the caller gave for a stream is sent as its Content-Length.
          const given = listGet(f.headers, 'content-length');
          if (given !== null && RegExpPrototypeExec(/^[0-9]{1,15}$/, given) !== null) {
            f.bodyLength = NumberParseInt(given, 10);
          }
        }
      }
    }
  } catch (error) {
    return PromiseReject(error);
  }
  if (signalAborted(f.signal)) {
    const reason = signalReason(f.signal);
    cancelRequestBody(f, reason);
    return PromiseReject(reason);
  }
  return new Promise((resolve, reject) => {
    f.resolve = resolve;
    f.reject = reject;
    f.removeAbort = addAbortAlgorithm(f.signal, () => abortFetch(f));
    try {
      run(f);
    } catch (error) {
      failFetch(f, error);
    }
  });
}

export { fetch, fetchDenyingAddresses, isAddressDenial };
