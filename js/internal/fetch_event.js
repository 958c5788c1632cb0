// Service-worker syntax (`addEventListener('fetch', (event) => event.respondWith(...))`), which
// Workers still run: the FetchEvent class and the dispatch the serve command uses when the
// main module has no `export default { fetch }`.
//
// Not in the startup snapshot: evaluated on first use, through the bootstrap's lazy globals or
// internal:serve.
import primordials from 'internal:primordials';
import { Event, dispatchTrustedEvent, hasEventListener } from 'internal:events';
import { isRequest } from 'internal:request';
import { registerPlatformClass } from 'internal:structured_clone';

const {
  ArrayPrototypePush, Error, PromiseResolve, SafePromiseAll, Symbol, TypeError,
  globalThis: global,
} = primordials;

const kInternal = Symbol('FetchEvent');
let finish;  // (event) -> { response, waitUntil }, set by the class's static block

class FetchEvent extends Event {
  #request;
  #response = null;
  #waitUntil = [];
  #dispatching = true;

  constructor(type, init = undefined) {
    // Only the runtime makes these; `new FetchEvent(...)` from user code gets a plain event
    // whose request must be given.
    const key = init?.[kInternal];
    super(type);
    if (key !== true) {
      if (!isRequest(init?.request)) {
        throw new TypeError("Failed to construct 'FetchEvent': init.request must be a Request.");
      }
    }
    this.#request = init.request;
  }

  get request() { return this.#request; }

  respondWith(response) {
    if (!this.#dispatching) {
      throw new Error('FetchEvent.respondWith() must be called synchronously, while the event is dispatched.');
    }
    if (this.#response !== null) throw new Error('FetchEvent.respondWith() was already called.');
    this.#response = PromiseResolve(response);
    this.stopImmediatePropagation();
  }

  waitUntil(promise) { ArrayPrototypePush(this.#waitUntil, PromiseResolve(promise)); }

  passThroughOnException() {}

  static {
    finish = (event) => {
      event.#dispatching = false;
      return { __proto__: null, response: event.#response, waitUntil: event.#waitUntil };
    };
  }
}

export function hasFetchListeners() {
  return hasEventListener(global, 'fetch');
}

// Dispatches a FetchEvent for `request` on the global scope; resolves to the Response given to
// respondWith(). `ctx.waitUntil` receives the event's waitUntil promises.
export function dispatchFetch(request, ctx) {
  const event = new FetchEvent('fetch', { __proto__: null, [kInternal]: true, request });
  dispatchTrustedEvent(global, event);
  const { response, waitUntil } = finish(event);
  if (waitUntil.length > 0) ctx.waitUntil(SafePromiseAll(waitUntil));
  if (response === null) {
    throw new Error("No fetch event listener called event.respondWith(): call it synchronously " +
      'with a Response or a promise of one.');
  }
  return response;
}

// The bootstrap defines FetchEvent lazily, so it registers itself as a platform class.
registerPlatformClass(FetchEvent);

export { FetchEvent };
