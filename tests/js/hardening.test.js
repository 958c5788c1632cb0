// User code may replace any built-in. The runtime's own JS (console, timers, encoding, events,
// structuredClone, assert and the test runner) must keep working regardless.
import assert from 'node:assert';
import strictAssert from 'node:assert/strict';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Replaces a set of built-ins for the duration of fn, then restores them.
async function withSabotage(fn, breakIterators = false) {
  const saved = [];
  const defineProperty = Reflect.defineProperty;
  const getDescriptor = Reflect.getOwnPropertyDescriptor;
  const sabotage = (obj, key, value) => {
    saved[saved.length] = [obj, key, getDescriptor(obj, key)];
    defineProperty(obj, key, { value, writable: true, configurable: true });
  };
  const boom = (name) => function () { throw new Error(`sabotaged ${name} was called`); };
  // Index loops only: this helper must not itself use what it breaks.
  const arrayKeys = ['push', 'pop', 'shift', 'join', 'map', 'forEach', 'slice', 'splice', 'indexOf',
    'includes', 'concat', 'filter', 'reduce'];
  for (let i = 0; i < arrayKeys.length; i++) {
    sabotage(Array.prototype, arrayKeys[i], boom(`Array.prototype.${arrayKeys[i]}`));
  }
  const stringKeys = ['slice', 'charCodeAt', 'indexOf', 'replace', 'split', 'padStart', 'repeat',
    'toLowerCase', 'trim', 'startsWith'];
  for (let i = 0; i < stringKeys.length; i++) {
    sabotage(String.prototype, stringKeys[i], boom(`String.prototype.${stringKeys[i]}`));
  }
  sabotage(String.prototype, Symbol.iterator, boom('String.prototype[Symbol.iterator]'));
  sabotage(Promise.prototype, 'then', boom('Promise.prototype.then'));
  sabotage(Promise, 'resolve', boom('Promise.resolve'));
  sabotage(Function.prototype, 'call', boom('Function.prototype.call'));
  sabotage(Function.prototype, 'apply', boom('Function.prototype.apply'));
  sabotage(Function.prototype, 'bind', boom('Function.prototype.bind'));
  for (const key of ['get', 'set', 'has', 'delete']) sabotage(Map.prototype, key, boom(`Map.prototype.${key}`));
  sabotage(Set.prototype, 'add', boom('Set.prototype.add'));
  sabotage(Object, 'keys', boom('Object.keys'));
  sabotage(Object, 'defineProperty', boom('Object.defineProperty'));
  sabotage(JSON, 'stringify', boom('JSON.stringify'));
  sabotage(JSON, 'parse', boom('JSON.parse'));
  sabotage(Uint8Array.prototype, 'subarray', boom('Uint8Array.prototype.subarray'));
  sabotage(Uint8Array.prototype, 'set', boom('Uint8Array.prototype.set'));
  sabotage(String, 'fromCharCode', boom('String.fromCharCode'));
  sabotage(Reflect, 'apply', boom('Reflect.apply'));
  sabotage(Error, 'captureStackTrace', boom('Error.captureStackTrace'));
  if (breakIterators) {
    const arrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
    sabotage(Array.prototype, Symbol.iterator, boom('Array.prototype[Symbol.iterator]'));
    sabotage(arrayIteratorPrototype, 'next', boom('ArrayIterator.next'));
  }
  try {
    return await fn();
  } finally {
    for (let i = saved.length - 1; i >= 0; i--) {
      const entry = saved[i];  // no destructuring: it would use the array iterator
      if (entry[2] === undefined) Reflect.deleteProperty(entry[0], entry[1]);
      else defineProperty(entry[0], entry[1], entry[2]);
    }
  }
}

export const consoleSurvives = {
  async test() {
    const map = new Map([[1, 2]]);
    const set = new Set([1]);
    await withSabotage(() => {
      console.log('console.log with sabotaged built-ins:', { a: [1, 2, { b: map }] }, 'ok');
      console.info(set, new Error('shown, not thrown (expected by the test)'));
      console.warn('%s and %d', 'format', 42);
      console.debug([1, 2, 3]);
    });
  },
};

export const timersSurvive = {
  async test() {
    const fired = [];
    await withSabotage(() => {
      setTimeout((x) => fired[0] = x, 1, 'timeout');
      const id = setInterval(() => { fired[1] = 'interval'; clearInterval(id); }, 1);
      queueMicrotask(() => { fired[2] = 'micro'; });
    });
    await sleep(20);
    assert.deepStrictEqual(fired, ['timeout', 'interval', 'micro']);
  },
};

export const encodingSurvives = {
  async test() {
    const out = await withSabotage(() => {
      const bytes = new TextEncoder().encode('héllo wörld €');
      const into = new Uint8Array(4);
      const r = new TextEncoder().encodeInto('€€', into);
      const dec = new TextDecoder();
      const streamed = dec.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) +
        dec.decode(new Uint8Array([0xac]));
      return [new TextDecoder().decode(bytes), r.read, r.written, streamed,
        new TextDecoder('utf-16le').decode(new Uint8Array([0x41, 0, 0x42, 0])),
        new TextDecoder('latin1').decode(new Uint8Array([0x80, 0x41])), atob(btoa('xyz'))];
    });
    assert.deepStrictEqual(out, ['héllo wörld €', 1, 3, '€', 'AB', '€A', 'xyz']);
  },
};

export const eventsAndCloneSurvive = {
  async test() {
    const map = new Map([[1, [2]]]);
    const out = await withSabotage(() => {
      const target = new EventTarget();
      const seen = [];
      target.addEventListener('x', (e) => { seen[seen.length] = e.type; }, { once: true });
      target.dispatchEvent(new Event('x'));
      target.dispatchEvent(new Event('x'));
      const ac = new AbortController();
      ac.abort('why');
      const copy = structuredClone({ m: map });
      return [seen.length, ac.signal.aborted, ac.signal.reason, copy.m instanceof Map];
    });
    assert.deepStrictEqual(out, [1, true, 'why', true]);
  },
};

export const assertSurvives = {
  async test() {
    const a = { a: [1, new Set([2])] };
    const b = { a: [1, new Set([2])] };
    await withSabotage(async () => {
      strictAssert.deepEqual(a, b);
      let caught;
      try {
        strictAssert.strictEqual(1, 2);
      } catch (e) {
        caught = e;
      }
      if (!caught || caught.name !== 'AssertionError') throw new Error('assert did not throw an AssertionError');
      await strictAssert.rejects(async () => { throw new TypeError('x'); }, TypeError);
    });
  },
};

export const arrayIterationSabotaged = {
  async test() {
    // Inputs are built first: with the array iterator broken, `new Map([[1, 2]])` cannot run.
    const map = new Map([[1, { deep: [1, 2] }]]);
    const bytes = new Uint8Array([0xe2, 0x82, 0xac]);
    const fired = [];
    const out = await withSabotage(() => {
      console.log('array iterator broken:', map, [1, 2, 3]);
      setTimeout(() => { fired[fired.length] = 'timer'; }, 1);
      const target = new EventTarget();
      target.addEventListener('x', () => { fired[fired.length] = 'event'; });
      target.dispatchEvent(new Event('x'));
      return [new TextDecoder().decode(bytes), new TextEncoder().encode('€').length,
        structuredClone(map)];
    }, true);
    await sleep(10);
    assert.strictEqual(out[2].get(1).deep[1], 2);
    out.length = 2;
    assert.deepStrictEqual(out, ['€', 3]);
    assert.deepStrictEqual(fired, ['event', 'timer']);
  },
};

// Left sabotaged on purpose: the runner must still run and report the tests after this one.
export const sabotageAndLeave = {
  test() {
    globalThis.__savedThen = Promise.prototype.then;
    globalThis.__savedPush = Array.prototype.push;
    Promise.prototype.then = function () { throw new Error('sabotaged then'); };
    Array.prototype.push = function () { throw new Error('sabotaged push'); };
  },
};

export const runnerStillWorksAfterSabotage = {
  async test() {
    try {
      assert.strictEqual(typeof globalThis.__savedThen, 'function');
    } finally {
      Promise.prototype.then = globalThis.__savedThen;
      Array.prototype.push = globalThis.__savedPush;
    }
    await sleep(1);
  },
};
