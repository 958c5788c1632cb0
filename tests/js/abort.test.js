import assert from 'node:assert';

function nextAbort(signal) {
  return new Promise((resolve) => {
    signal.addEventListener('abort', (e) => resolve(e), { once: true });
  });
}

export const controllerBasics = {
  async test() {
    const ac = new AbortController();
    const { signal } = ac;
    assert.ok(signal instanceof AbortSignal);
    assert.ok(signal instanceof EventTarget);
    assert.strictEqual(ac.signal, signal);
    assert.strictEqual(signal.aborted, false);
    assert.strictEqual(signal.reason, undefined);
    assert.strictEqual(signal.onabort, null);
    signal.throwIfAborted();

    const events = [];
    signal.addEventListener('abort', (e) => {
      events.push({
        type: e.type,
        trusted: e.isTrusted,
        target: e.target === signal,
        aborted: signal.aborted,
        reason: signal.reason,
        cancelable: e.cancelable,
        bubbles: e.bubbles,
      });
    });
    ac.abort();
    assert.strictEqual(signal.aborted, true);
    assert.ok(signal.reason instanceof DOMException);
    assert.strictEqual(signal.reason.name, 'AbortError');
    assert.strictEqual(signal.reason.message, 'This operation was aborted');
    assert.strictEqual(signal.reason.code, 20);
    assert.strictEqual(events.length, 1);
    assert.deepStrictEqual({ ...events[0], reason: undefined }, {
      type: 'abort', trusted: true, target: true, aborted: true, reason: undefined,
      cancelable: false, bubbles: false,
    });
    assert.strictEqual(events[0].reason, signal.reason);

    // The abort event fires once; the first reason stays.
    const first = signal.reason;
    ac.abort(new Error('second'));
    assert.strictEqual(events.length, 1);
    assert.strictEqual(signal.reason, first);

    assert.throws(() => signal.throwIfAborted(), (err) => err === first);
  },
};

export const shape = {
  async test() {
    assert.throws(() => new AbortSignal(), { name: 'TypeError', message: 'Illegal constructor' });
    class Sub extends AbortSignal {}
    assert.throws(() => new Sub(), TypeError);
    assert.strictEqual(Object.getPrototypeOf(AbortSignal.prototype), EventTarget.prototype);
    assert.strictEqual(Object.getPrototypeOf(AbortSignal), EventTarget);
    assert.strictEqual(Object.prototype.toString.call(AbortSignal.abort()), '[object AbortSignal]');
    assert.strictEqual(Object.prototype.toString.call(new AbortController()), '[object AbortController]');
    for (const key of ['aborted', 'reason', 'onabort']) {
      const desc = Object.getOwnPropertyDescriptor(AbortSignal.prototype, key);
      assert.strictEqual(typeof desc.get, 'function', key);
      assert.strictEqual(desc.enumerable, true, key);
    }
    for (const key of ['abort', 'timeout', 'any']) {
      assert.strictEqual(typeof AbortSignal[key], 'function', key);
      assert.strictEqual(Object.getOwnPropertyDescriptor(AbortSignal, key).enumerable, true, key);
    }
    assert.strictEqual(AbortSignal.abort.length, 0);
    assert.strictEqual(AbortSignal.timeout.length, 1);
    assert.strictEqual(AbortSignal.any.length, 1);
    assert.strictEqual(AbortController.prototype.abort.length, 0);

    const aborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get;
    assert.throws(() => aborted.call(new EventTarget()), { name: 'TypeError', message: 'Illegal invocation' });
    assert.throws(() => AbortSignal.prototype.throwIfAborted.call({}), TypeError);
    assert.throws(() => AbortController.prototype.abort.call({}), TypeError);
    const signalGetter = Object.getOwnPropertyDescriptor(AbortController.prototype, 'signal').get;
    assert.throws(() => signalGetter.call({}), TypeError);
  },
};

export const reasons = {
  async test() {
    const values = [new Error('custom'), 'a string', 0, false, null, { any: 'object' }, Symbol('s')];
    for (const value of values) {
      const ac = new AbortController();
      ac.abort(value);
      assert.strictEqual(ac.signal.aborted, true);
      assert.strictEqual(ac.signal.reason, value);
      assert.throws(() => ac.signal.throwIfAborted(), (err) => err === value);

      const s = AbortSignal.abort(value);
      assert.strictEqual(s.aborted, true);
      assert.strictEqual(s.reason, value);
    }
    // undefined (explicit or not) means the default AbortError.
    const ac = new AbortController();
    ac.abort(undefined);
    assert.strictEqual(ac.signal.reason.name, 'AbortError');
    const s = AbortSignal.abort(undefined);
    assert.ok(s.reason instanceof DOMException);
    assert.strictEqual(s.reason.name, 'AbortError');
    assert.strictEqual(s.reason.message, 'This operation was aborted');
    // Each default reason is a fresh object.
    assert.notStrictEqual(AbortSignal.abort().reason, AbortSignal.abort().reason);
  },
};

export const onabortHandler = {
  async test() {
    const ac = new AbortController();
    const { signal } = ac;
    const order = [];
    signal.addEventListener('abort', () => order.push('listener 1'));
    signal.onabort = () => order.push('handler A');
    signal.addEventListener('abort', () => order.push('listener 2'));
    // Replacing the handler keeps its place in the listener order.
    const handlerB = function(e) { order.push(['handler B', this === signal, e.type]); };
    signal.onabort = handlerB;
    assert.strictEqual(signal.onabort, handlerB);
    ac.abort();
    assert.deepStrictEqual(order, ['listener 1', ['handler B', true, 'abort'], 'listener 2']);

    // null removes; setting again appends at the end.
    const ac2 = new AbortController();
    const order2 = [];
    ac2.signal.onabort = () => order2.push('first position');
    ac2.signal.addEventListener('abort', () => order2.push('listener'));
    ac2.signal.onabort = null;
    assert.strictEqual(ac2.signal.onabort, null);
    ac2.signal.onabort = () => order2.push('handler');
    ac2.abort();
    assert.deepStrictEqual(order2, ['listener', 'handler']);

    // Non-objects become null.
    const ac3 = new AbortController();
    ac3.signal.onabort = 'alert(1)';
    assert.strictEqual(ac3.signal.onabort, null);
    ac3.signal.onabort = 5;
    assert.strictEqual(ac3.signal.onabort, null);
    // A non-callable object is kept but does nothing.
    const obj = {};
    ac3.signal.onabort = obj;
    assert.strictEqual(ac3.signal.onabort, obj);
    ac3.abort();
  },
};

export const listenerThrowsDuringAbort = {
  async test() {
    const ac = new AbortController();
    const order = [];
    ac.signal.addEventListener('abort', () => { order.push(1); throw new Error('abort listener failure (expected by the test)'); });
    ac.signal.onabort = () => { order.push(2); throw new Error('onabort failure (expected by the test)'); };
    ac.signal.addEventListener('abort', () => order.push(3));
    ac.abort();
    assert.deepStrictEqual(order, [1, 2, 3]);
    assert.strictEqual(ac.signal.aborted, true);
  },
};

export const abortReentrancy = {
  async test() {
    const ac = new AbortController();
    let count = 0;
    ac.signal.addEventListener('abort', () => {
      count++;
      ac.abort('again'); // no second event, reason unchanged
    });
    ac.abort('first');
    assert.strictEqual(count, 1);
    assert.strictEqual(ac.signal.reason, 'first');
  },
};

export const staticAbort = {
  async test() {
    const s = AbortSignal.abort('why');
    assert.strictEqual(s.aborted, true);
    assert.strictEqual(s.reason, 'why');
    let fired = false;
    s.addEventListener('abort', () => { fired = true; });
    assert.strictEqual(fired, false);
  },
};

export const timeout = {
  async test() {
    const s = AbortSignal.timeout(10);
    assert.strictEqual(s.aborted, false);
    const start = Date.now();
    const event = await nextAbort(s);
    assert.ok(Date.now() - start >= 5, 'fired too early');
    assert.strictEqual(event.type, 'abort');
    assert.strictEqual(event.isTrusted, true);
    assert.strictEqual(s.aborted, true);
    assert.ok(s.reason instanceof DOMException);
    assert.strictEqual(s.reason.name, 'TimeoutError');
    assert.strictEqual(s.reason.code, 23);
    assert.strictEqual(s.reason.message, 'The operation was aborted due to timeout');
    assert.throws(() => s.throwIfAborted(), { name: 'TimeoutError' });

    // 0 works and is asynchronous.
    const zero = AbortSignal.timeout(0);
    assert.strictEqual(zero.aborted, false);
    await nextAbort(zero);
    assert.strictEqual(zero.reason.name, 'TimeoutError');

    // onabort on a timeout signal.
    const viaHandler = AbortSignal.timeout(1);
    await new Promise((resolve) => { viaHandler.onabort = resolve; });
    assert.strictEqual(viaHandler.aborted, true);

    // [EnforceRange] unsigned long long.
    assert.throws(() => AbortSignal.timeout(), TypeError);
    assert.throws(() => AbortSignal.timeout(-1), TypeError);
    assert.throws(() => AbortSignal.timeout(NaN), TypeError);
    assert.throws(() => AbortSignal.timeout(Infinity), TypeError);
    assert.throws(() => AbortSignal.timeout(2 ** 53), TypeError);
    assert.throws(() => AbortSignal.timeout(1n), TypeError);
    const fractional = AbortSignal.timeout(0.9);
    const fromString = AbortSignal.timeout('1');
    await Promise.all([nextAbort(fractional), nextAbort(fromString)]);
  },
};

export const anyBasics = {
  async test() {
    const a = new AbortController();
    const b = new AbortController();
    const any = AbortSignal.any([a.signal, b.signal]);
    assert.ok(any instanceof AbortSignal);
    assert.strictEqual(any.aborted, false);
    let events = 0;
    any.addEventListener('abort', () => events++);
    const reason = new Error('b went first');
    b.abort(reason);
    assert.strictEqual(any.aborted, true);
    assert.strictEqual(any.reason, reason);
    assert.strictEqual(events, 1);
    a.abort('later');
    assert.strictEqual(any.reason, reason);
    assert.strictEqual(events, 1);

    // Empty list: a signal that never aborts.
    const never = AbortSignal.any([]);
    assert.strictEqual(never.aborted, false);

    // Any iterable of signals is accepted.
    const c = new AbortController();
    const fromSet = AbortSignal.any(new Set([c.signal]));
    function* gen() { yield c.signal; }
    const fromGen = AbortSignal.any(gen());
    c.abort('c');
    assert.strictEqual(fromSet.reason, 'c');
    assert.strictEqual(fromGen.reason, 'c');

    assert.throws(() => AbortSignal.any(), TypeError);
    assert.throws(() => AbortSignal.any(a.signal), TypeError);
    assert.throws(() => AbortSignal.any([a.signal, {}]), TypeError);
    assert.throws(() => AbortSignal.any([null]), TypeError);
    assert.throws(() => AbortSignal.any(5), TypeError);
  },
};

export const anyPreAborted = {
  async test() {
    const a = new AbortController();
    const first = AbortSignal.abort('first reason');
    const second = AbortSignal.abort('second reason');
    const s = AbortSignal.any([a.signal, first, second]);
    assert.strictEqual(s.aborted, true);
    assert.strictEqual(s.reason, 'first reason');
    let fired = false;
    s.addEventListener('abort', () => { fired = true; });
    a.abort();
    assert.strictEqual(fired, false);

    const def = AbortSignal.any([AbortSignal.abort()]);
    assert.strictEqual(def.reason.name, 'AbortError');
  },
};

export const anyOrderAndNesting = {
  async test() {
    const root = new AbortController();
    const other = new AbortController();
    const order = [];
    root.signal.addEventListener('abort', () => {
      order.push(['root', dep1.aborted, dep2.aborted]);
    });
    const dep1 = AbortSignal.any([root.signal]);
    dep1.addEventListener('abort', () => order.push(['dep1', dep2.aborted]));
    // A dependent of a dependent follows the original sources.
    const dep2 = AbortSignal.any([dep1, other.signal]);
    dep2.addEventListener('abort', () => order.push(['dep2']));
    root.abort('R');
    // All dependents are marked aborted before any abort event fires.
    assert.deepStrictEqual(order, [['root', true, true], ['dep1', true], ['dep2']]);
    assert.strictEqual(dep1.reason, 'R');
    assert.strictEqual(dep2.reason, 'R');

    // The same signal twice is fine.
    const x = new AbortController();
    const twice = AbortSignal.any([x.signal, x.signal]);
    let count = 0;
    twice.onabort = () => count++;
    x.abort();
    assert.strictEqual(count, 1);
  },
};

// Dependents nobody listens to are not registered with their sources (they look at them
// when read): what they report must be what eager bookkeeping would have given.
export const anyUnlistenedDependents = {
  async test() {
    // The first source to abort gives the reason, whatever the list order.
    const a = new AbortController();
    const b = new AbortController();
    const dep = AbortSignal.any([a.signal, b.signal]);
    const nested = AbortSignal.any([dep]);
    b.abort('B');
    a.abort('A');
    assert.strictEqual(dep.aborted, true);
    assert.strictEqual(dep.reason, 'B');
    assert.strictEqual(nested.reason, 'B');
    assert.throws(() => dep.throwIfAborted(), (e) => e === 'B');

    // Read during a source's abort event: already aborted.
    const c = new AbortController();
    const dep2 = AbortSignal.any([c.signal]);
    let seen;
    c.signal.addEventListener('abort', () => { seen = [dep2.aborted, dep2.reason]; });
    c.abort('C');
    assert.deepStrictEqual(seen, [true, 'C']);

    // A listener added after the source aborted never fires; one added before does.
    const d = new AbortController();
    const late = AbortSignal.any([d.signal]);
    const early = AbortSignal.any([d.signal]);
    let earlyCount = 0;
    let lateCount = 0;
    early.addEventListener('abort', () => earlyCount++);
    d.abort();
    late.addEventListener('abort', () => lateCount++);
    late.onabort = () => lateCount++;
    assert.strictEqual(earlyCount, 1);
    assert.strictEqual(lateCount, 0);
    assert.strictEqual(late.reason, d.signal.reason);
    assert.strictEqual(late.reason.name, 'AbortError');

    // A dependent made from an aborted unlistened dependent is aborted at once.
    const e = new AbortController();
    const mid = AbortSignal.any([e.signal]);
    e.abort('E');
    const after = AbortSignal.any([new AbortController().signal, mid]);
    assert.strictEqual(after.reason, 'E');

    // Events fire in creation order, not in the order listeners were added.
    const f = new AbortController();
    const order = [];
    const first = AbortSignal.any([f.signal]);
    const second = AbortSignal.any([f.signal]);
    const third = AbortSignal.any([first]);
    third.addEventListener('abort', () => order.push('third'));
    second.addEventListener('abort', () => order.push('second'));
    first.onabort = () => order.push('first');
    f.abort();
    assert.deepStrictEqual(order, ['first', 'second', 'third']);

    // Listeners with { signal: dependent } are removed when a source aborts.
    const g = new AbortController();
    const dep3 = AbortSignal.any([g.signal]);
    const target = new EventTarget();
    let hits = 0;
    target.addEventListener('x', () => hits++, { signal: dep3 });
    g.abort();
    target.dispatchEvent(new Event('x'));
    assert.strictEqual(hits, 0);
  },
};

export const anyWithTimeout = {
  async test() {
    const ac = new AbortController();
    const s = AbortSignal.any([ac.signal, AbortSignal.timeout(5)]);
    await nextAbort(s);
    assert.strictEqual(s.reason.name, 'TimeoutError');
    assert.strictEqual(ac.signal.aborted, false);

    // A dependent nobody references is kept alive by its abort listener until it fires.
    const fired = new Promise((resolve) => {
      AbortSignal.any([AbortSignal.timeout(5)]).addEventListener('abort', (e) => resolve(e.target.reason));
    });
    const reason = await fired;
    assert.strictEqual(reason.name, 'TimeoutError');
  },
};

export const listenersWithSignals = {
  async test() {
    // Aborting a dependent signal's source removes listeners registered with the dependent.
    const ac = new AbortController();
    const dep = AbortSignal.any([ac.signal]);
    const t = new EventTarget();
    let count = 0;
    t.addEventListener('x', () => count++, { signal: dep });
    t.dispatchEvent(new Event('x'));
    ac.abort();
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(count, 1);
  },
};

export const robustAgainstPatches = {
  async test() {
    const saved = {
      push: Array.prototype.push,
      slice: Array.prototype.slice,
      splice: Array.prototype.splice,
      call: Function.prototype.call,
      apply: Function.prototype.apply,
      mapSet: Map.prototype.set,
      mapGet: Map.prototype.get,
      setAdd: Set.prototype.add,
      setHas: Set.prototype.has,
      setDelete: Set.prototype.delete,
      setValues: Set.prototype.values,
      setIterator: Set.prototype[Symbol.iterator],
      weakMapGet: WeakMap.prototype.get,
      weakMapHas: WeakMap.prototype.has,
      weakRefDeref: WeakRef.prototype.deref,
    };
    const boom = (what) => function() { throw new Error(`patched ${what} was used`); };
    const log = [];
    let result;
    try {
      Array.prototype.push = boom('Array.prototype.push');
      Array.prototype.slice = boom('Array.prototype.slice');
      Array.prototype.splice = boom('Array.prototype.splice');
      Function.prototype.call = boom('Function.prototype.call');
      Function.prototype.apply = boom('Function.prototype.apply');
      Map.prototype.set = boom('Map.prototype.set');
      Map.prototype.get = boom('Map.prototype.get');
      Set.prototype.add = boom('Set.prototype.add');
      Set.prototype.has = boom('Set.prototype.has');
      Set.prototype.delete = boom('Set.prototype.delete');
      Set.prototype.values = boom('Set.prototype.values');
      Set.prototype[Symbol.iterator] = boom('Set.prototype[Symbol.iterator]');
      WeakMap.prototype.get = boom('WeakMap.prototype.get');
      WeakMap.prototype.has = boom('WeakMap.prototype.has');
      WeakRef.prototype.deref = boom('WeakRef.prototype.deref');

      const a = new AbortController();
      const b = new AbortController();
      const any = AbortSignal.any([a.signal, b.signal]);
      const nested = AbortSignal.any([any]);
      any.addEventListener('abort', () => { log[log.length] = 'any'; });
      nested.onabort = () => { log[log.length] = 'nested'; };
      a.signal.onabort = () => { log[log.length] = 'a'; };
      const t = new EventTarget();
      t.addEventListener('x', () => { log[log.length] = 'x'; }, { signal: nested });
      t.dispatchEvent(new Event('x'));
      a.abort('because');
      t.dispatchEvent(new Event('x'));
      let thrown;
      try { any.throwIfAborted(); } catch (err) { thrown = err; }
      const pre = AbortSignal.abort();
      const preAny = AbortSignal.any([b.signal, pre]);
      result = {
        anyReason: any.reason,
        nestedReason: nested.reason,
        thrown,
        bAborted: b.signal.aborted,
        preAny: preAny.reason.name,
      };
    } finally {
      Array.prototype.push = saved.push;
      Array.prototype.slice = saved.slice;
      Array.prototype.splice = saved.splice;
      Function.prototype.call = saved.call;
      Function.prototype.apply = saved.apply;
      Map.prototype.set = saved.mapSet;
      Map.prototype.get = saved.mapGet;
      Set.prototype.add = saved.setAdd;
      Set.prototype.has = saved.setHas;
      Set.prototype.delete = saved.setDelete;
      Set.prototype.values = saved.setValues;
      Set.prototype[Symbol.iterator] = saved.setIterator;
      WeakMap.prototype.get = saved.weakMapGet;
      WeakMap.prototype.has = saved.weakMapHas;
      WeakRef.prototype.deref = saved.weakRefDeref;
    }
    assert.deepStrictEqual(log, ['x', 'a', 'any', 'nested']);
    assert.deepStrictEqual(result, {
      anyReason: 'because', nestedReason: 'because', thrown: 'because', bAborted: false,
      preAny: 'AbortError',
    });
  },
};
