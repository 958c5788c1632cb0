// `dynworker serve`: turns each HTTP request the C++ server hands over (the `serveRequest`
// hook) into a Request for the loader worker's fetch handler, and its Response back into
// bytes on the socket. Bodies stream both ways: the request body is pulled from the socket
// as the handler reads it, and the response body is written chunk by chunk, each write
// awaited (backpressure).
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { createIncomingRequest, createAbortSource, abortAbortSource } from 'internal:request';
import { isResponse, responseRecord } from 'internal:response';
import { headersList } from 'internal:headers';
import { ReadableStream } from 'internal:streams';
import { inspect } from 'internal:inspect';
import { ctxExports } from 'internal:rpc';
import { dispatchFetch, hasFetchListeners } from 'internal:fetch_event';
import { IdMap } from 'internal:id_map';

const {
  PromisePrototypeThen, PromiseResolve, SafeMap, MapPrototypeGet, MapPrototypeSet,
  MapPrototypeDelete, TypeError, ArrayPrototypePush, ReflectApply, SafePromiseAll,
  TypedArrayPrototypeGetByteLength, Uint8Array, ObjectKeys, ObjectDefineProperty, globalThis,
} = primordials;

let target = null;  // { handler, env }: the worker's own fetch handler (server id 0)
const servers = new SafeMap();  // server id -> { handler, env } for servers started from JS
// id -> the AbortSource the request's signal follows; an IdMap, as it changes every request
// (see internal:id_map).
const inFlight = new IdMap();

// Called once by the serve command with the main module's namespace and env.
function mainTarget() { return target; }

export function setServeTarget(namespace, env) {
  const handler = namespace.default;
  if (handler !== null && typeof handler === 'object' && typeof handler.fetch === 'function') {
    target = { handler, env };
    return;
  }
  if (handler === undefined && hasFetchListeners()) {
    // Service-worker syntax: bindings are globals, and requests are FetchEvents.
    const names = ObjectKeys(env);
    for (let i = 0; i < names.length; i++) {
      ObjectDefineProperty(globalThis, names[i], {
        __proto__: null, value: env[names[i]], writable: true, enumerable: false, configurable: true,
      });
    }
    target = { handler: { fetch: (request, env, ctx) => dispatchFetch(request, ctx) }, env };
    return;
  }
  throw new TypeError('The main module has no fetch handler: export default { async fetch(request, ' +
    "env, ctx) { ... } } (or, service-worker syntax, addEventListener('fetch', (event) => " +
    'event.respondWith(...)))');
}

function requestBody(id) {
  return new ReadableStream({
    __proto__: null,
    type: 'bytes',
    pull(controller) {
      return PromisePrototypeThen(ops.httpReadBody(id), (chunk) => {
        if (chunk === undefined) controller.close();
        else if (TypedArrayPrototypeGetByteLength(chunk) > 0) controller.enqueue(chunk);
      });
    },
  });
}

function errorResponse(id, error) {
  ops.log('error', `Uncaught ${inspect(error)}`);
  ops.httpRespond(id, 500, '', ['content-type', 'text/plain;charset=UTF-8'], 'Internal Server Error\n');
}

async function writeStream(id, stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        throw new TypeError('A response body chunk was not a Uint8Array.');
      }
      if (!(await ops.httpWrite(id, value))) {
        await reader.cancel(new TypeError('The client disconnected.'));
        return;
      }
    }
  } catch (error) {
    // The head is out already: cut the connection so the client sees an incomplete body
    // rather than a complete one, and log why.
    ops.log('error', `Uncaught ${inspect(error)} (while streaming the response body)`);
    ops.httpAbortResponse(id);
    return;
  }
  ops.httpEnd(id);
}

function sendResponse(id, response) {
  const record = responseRecord(response);
  const flat = headersList(record.headers);  // read by the op at once
  const body = record.body;
  if (body === null) {
    ops.httpRespond(id, record.status, record.statusText, flat, null);
    return undefined;
  }
  if (body.stream === null && body.source !== null && !body.used) {
    // The bytes are known up front (string, buffer, Blob...): one write with Content-Length.
    body.used = true;
    ops.httpRespond(id, record.status, record.statusText, flat, body.source);
    return undefined;
  }
  ops.httpRespond(id, record.status, record.statusText, flat, undefined);
  return writeStream(id, response.body);
}

// Starts a loopback HTTP server whose requests go to `handler` (a function taking a Request,
// or an object with fetch(request, env, ctx)). For dynworker:test fixtures.
export async function listen(handler, { port = 0, ip = '127.0.0.1', log = false } = {}) {
  const fetchHandler = typeof handler === 'function' ? { fetch: handler } : handler;
  if (fetchHandler === null || typeof fetchHandler !== 'object' || typeof fetchHandler.fetch !== 'function') {
    throw new TypeError('serve() needs a handler: a function (request) => Response, or an object with a fetch method.');
  }
  const [serverId, boundPort] = await ops.httpListen(String(ip), +port, !!log);
  MapPrototypeSet(servers, serverId, { handler: fetchHandler, env: {} });
  return { __proto__: null, serverId, port: boundPort };
}

export async function close(serverId) {
  await ops.httpClose(serverId);
  MapPrototypeDelete(servers, serverId);
}

function serveRequest(id, method, url, headers, hasBody, serverId) {
  const target = serverId === 0 ? mainTarget() : MapPrototypeGet(servers, serverId) ?? null;
  if (target === null) {
    ops.httpRespond(id, 503, '', ['content-type', 'text/plain'], 'No worker is loaded.\n');
    return;
  }
  // The request's signal follows this, aborted when the client disconnects.
  const abortSource = createAbortSource();
  inFlight.set(id, abortSource);
  const waitUntil = [];
  const ctx = {
    waitUntil(promise) { ArrayPrototypePush(waitUntil, PromiseResolve(promise)); },
    passThroughOnException() {},
    props: {},
    exports: ctxExports,
  };
  let result;
  try {
    // new Request(url, { method, headers, signal, body, duplex: 'half' }), built directly.
    const request = createIncomingRequest(method, url, headers, hasBody ? requestBody(id) : null,
      abortSource);
    result = ReflectApply(target.handler.fetch, target.handler, [request, target.env, ctx]);
  } catch (error) {
    inFlight.delete(id);
    errorResponse(id, error);
    return;
  }
  const sent = PromisePrototypeThen(PromiseResolve(result), (response) => {
    if (!isResponse(response)) {
      throw new TypeError(`The fetch handler must return a Response, but it returned ${inspect(response)}.`);
    }
    return sendResponse(id, response);
  });
  PromisePrototypeThen(PromisePrototypeThen(sent, undefined, (error) => errorResponse(id, error)), () => {
    inFlight.delete(id);
    // waitUntil promises may be added until the response is done; they only get logged.
    if (waitUntil.length === 0) return;
    PromisePrototypeThen(SafePromiseAll(waitUntil), undefined, (error) => {
      ops.log('error', `Uncaught (in waitUntil) ${inspect(error)}`);
    });
  });
}

function serveAbort(id) {
  const abortSource = inFlight.get(id);
  if (abortSource === undefined) return;
  inFlight.delete(id);
  abortAbortSource(abortSource, new TypeError('The client disconnected.'));
}

ops.setHook('serveRequest', serveRequest);
ops.setHook('serveAbort', serveAbort);
