// structuredClone, crypto, performance, navigator and how the globals are installed.
import assert from 'node:assert';

export const globalsAreWebIdlShaped = {
  test() {
    for (const name of ['console', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval',
      'queueMicrotask', 'structuredClone', 'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'crypto',
      'EventTarget', 'Event', 'AbortController', 'AbortSignal', 'DOMException', 'performance',
      'navigator', 'self']) {
      const desc = Object.getOwnPropertyDescriptor(globalThis, name);
      assert.ok(desc, `${name} is missing`);
      assert.strictEqual(desc.enumerable, false, `${name} must not be enumerable`);
      assert.strictEqual(desc.writable, true, `${name} must be writable`);
      assert.strictEqual(desc.configurable, true, `${name} must be configurable`);
    }
    assert.strictEqual(self, globalThis);
    assert.deepStrictEqual(Object.keys(globalThis), []);
  },
};

export const internalModulesAreNotImportable = {
  async test() {
    for (const spec of ['internal:ops', 'internal:primordials', 'internal:timers', 'internal:bootstrap']) {
      await assert.rejects(import(spec), { message: new RegExp(`No such module "${spec}"`) });
    }
    const assertModule = await import('node:assert');
    assert.strictEqual(typeof assertModule.default.strictEqual, 'function');
  },
};

export const structuredCloneCopiesGraphs = {
  test() {
    const shared = { n: 1 };
    const src = {
      date: new Date(5), re: /a+/gi, map: new Map([[shared, 'v']]), set: new Set([1, shared]),
      big: 10n, u8: new Uint8Array([1, 2, 3]), nested: { arr: [1, , 3] }, err: new RangeError('r'),
      a: shared, b: shared, str: 'ünï', undef: undefined, nul: null, neg0: -0, nan: NaN,
    };
    src.self = src;
    const copy = structuredClone(src);
    assert.notStrictEqual(copy, src);
    assert.strictEqual(copy.self, copy);
    assert.strictEqual(copy.a, copy.b);
    assert.notStrictEqual(copy.a, shared);
    assert.strictEqual(copy.date.getTime(), 5);
    assert.strictEqual(copy.re.source, 'a+');
    assert.strictEqual(copy.re.flags, 'gi');
    assert.strictEqual(copy.map.get(copy.a), 'v');
    assert.ok(copy.set.has(copy.a));
    assert.strictEqual(copy.big, 10n);
    assert.deepStrictEqual([...copy.u8], [1, 2, 3]);
    assert.strictEqual(1 in copy.nested.arr, false);
    assert.ok(copy.err instanceof RangeError);
    assert.strictEqual(copy.err.message, 'r');
    assert.ok('undef' in copy);
    assert.ok(Object.is(copy.neg0, -0));
    assert.ok(Number.isNaN(copy.nan));
    assert.strictEqual(copy.str, 'ünï');
  },
};

export const structuredCloneRejectsUncloneables = {
  test() {
    for (const bad of [() => 1, Symbol('s'), { f() {} }, new WeakMap(), Promise.resolve()]) {
      assert.throws(() => structuredClone(bad), (e) => {
        assert.ok(e instanceof DOMException, `expected DOMException, got ${e}`);
        assert.strictEqual(e.name, 'DataCloneError');
        assert.strictEqual(e.code, 25);
        return true;
      });
    }
    assert.throws(() => structuredClone(), /1 argument required/);
    assert.throws(() => structuredClone(1, 'x'), TypeError);
  },
};

export const structuredCloneGetterErrorsPropagate = {
  test() {
    const err = new Error('from getter');
    const obj = { get boom() { throw err; } };
    assert.throws(() => structuredClone(obj), (e) => e === err);
  },
};

export const structuredCloneTransfersArrayBuffers = {
  test() {
    const buf = new Uint8Array([7, 8, 9]).buffer;
    const copy = structuredClone({ buf }, { transfer: [buf] });
    assert.strictEqual(buf.byteLength, 0, 'the original is detached');
    assert.deepStrictEqual([...new Uint8Array(copy.buf)], [7, 8, 9]);
    assert.throws(() => structuredClone(buf, { transfer: [buf] }), { name: 'DataCloneError' });
    const twice = new ArrayBuffer(1);
    assert.throws(() => structuredClone(1, { transfer: [twice, twice] }), { name: 'DataCloneError' });
    assert.throws(() => structuredClone(1, { transfer: [{}] }), { name: 'DataCloneError' });
  },
};

export const cryptoRandom = {
  test() {
    const a = new Uint8Array(32);
    assert.strictEqual(crypto.getRandomValues(a), a);
    assert.ok(a.some((x) => x !== 0));
    for (const T of [Int8Array, Uint16Array, Int32Array, BigUint64Array, Uint8ClampedArray]) {
      crypto.getRandomValues(new T(4));
    }
    crypto.getRandomValues(new Uint8Array(65536));
    assert.throws(() => crypto.getRandomValues(new Uint8Array(65537)), { name: 'QuotaExceededError' });
    assert.throws(() => crypto.getRandomValues(new Float64Array(2)), { name: 'TypeMismatchError' });
    assert.throws(() => crypto.getRandomValues(new DataView(new ArrayBuffer(2))), { name: 'TypeMismatchError' });
    assert.throws(() => crypto.getRandomValues([1, 2]), { name: 'TypeMismatchError' });
    assert.throws(() => crypto.getRandomValues(), TypeError);
    const ids = new Set();
    for (let i = 0; i < 100; i++) {
      const id = crypto.randomUUID();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    assert.strictEqual(ids.size, 100);
    assert.throws(() => new crypto.constructor(), TypeError);
    assert.strictEqual(Object.prototype.toString.call(crypto), '[object Crypto]');
  },
};

export const performanceAndNavigator = {
  async test() {
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 5));
    const t1 = performance.now();
    assert.ok(t1 >= t0 + 4, `performance.now advanced only ${t1 - t0} ms`);
    assert.ok(typeof performance.timeOrigin === 'number' && performance.timeOrigin > 1.6e12);
    assert.ok(Math.abs(performance.timeOrigin + performance.now() - Date.now()) < 1000);
    assert.strictEqual(navigator.userAgent, 'Cloudflare-Workers');
    assert.throws(() => new Performance(), TypeError);
    assert.throws(() => new Navigator(), TypeError);
  },
};

// The global scope is an EventTarget, as in Workers: addEventListener/removeEventListener/
// dispatchEvent are global functions acting on globalThis.
export const globalScopeIsAnEventTarget = {
  test() {
    const seen = [];
    const listener = (event) => seen.push([event.type, event.target === globalThis, this]);
    addEventListener('ping', listener);
    assert.strictEqual(dispatchEvent(new Event('ping')), true);
    globalThis.dispatchEvent(new Event('ping'));
    removeEventListener('ping', listener);
    dispatchEvent(new Event('ping'));
    assert.strictEqual(seen.length, 2);
    assert.deepStrictEqual(seen.map((s) => s.slice(0, 2)), [['ping', true], ['ping', true]]);
    assert.strictEqual(typeof FetchEvent, 'function');
    assert.throws(() => new FetchEvent('fetch', {}), TypeError);
    const request = new Request('http://x/');
    assert.strictEqual(new FetchEvent('fetch', { request }).request, request);
  },
};

// Platform objects: Blob, File and DOMException clone faithfully (identity kept inside the
// value); every other runtime interface is a DataCloneError rather than a silent {}.
export const structuredClonePlatformObjects = {
  async test() {
    const b = new Blob(['hello'], { type: 'text/plain' });
    const f = new File(['x'], 'a.txt', { type: 'text/a', lastModified: 42 });
    const e = new DOMException('m', 'NotFoundError');
    const out = structuredClone({ b, f, e, list: [b, b], plain: { n: 1 }, m: new Map([[1, b]]) });
    assert.ok(out.b instanceof Blob); assert.notStrictEqual(out.b, b);
    assert.strictEqual(await out.b.text(), 'hello'); assert.strictEqual(out.b.type, 'text/plain');
    assert.strictEqual(out.list[0], out.list[1]); assert.strictEqual(out.list[0], out.b);
    assert.ok(out.f instanceof File); assert.strictEqual(out.f.name, 'a.txt'); assert.strictEqual(out.f.lastModified, 42);
    assert.ok(out.e instanceof DOMException); assert.strictEqual(out.e.name, 'NotFoundError'); assert.strictEqual(out.e.code, 8);
    assert.strictEqual(out.m.get(1), out.b);
    for (const v of [new Headers(), new Request('http://x/'), new Response(''), new URL('http://x/'), new FormData(), new Event('x'), new AbortController().signal, new TextDecoder(), new ReadableStream(), crypto]) {
      assert.throws(() => structuredClone({ v }), (err) => err.name === 'DataCloneError' && /Could not serialize object of type/.test(err.message), String(v));
    }
    class Mine { constructor() { this.a = 1; } }
    assert.deepStrictEqual(structuredClone(new Mine()), { a: 1 });
    assert.deepStrictEqual(structuredClone({ a: [1, { b: 2 }] }), { a: [1, { b: 2 }] });
  },
};
