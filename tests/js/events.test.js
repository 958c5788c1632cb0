import assert from 'node:assert';

export const eventConstruction = {
  async test() {
    const e = new Event('foo');
    assert.strictEqual(e.type, 'foo');
    assert.strictEqual(e.bubbles, false);
    assert.strictEqual(e.cancelable, false);
    assert.strictEqual(e.composed, false);
    assert.strictEqual(e.defaultPrevented, false);
    assert.strictEqual(e.returnValue, true);
    assert.strictEqual(e.cancelBubble, false);
    assert.strictEqual(e.isTrusted, false);
    assert.strictEqual(e.target, null);
    assert.strictEqual(e.currentTarget, null);
    assert.strictEqual(e.srcElement, null);
    assert.strictEqual(e.eventPhase, Event.NONE);
    assert.deepStrictEqual(e.composedPath(), []);
    assert.strictEqual(typeof e.timeStamp, 'number');
    assert.ok(e.timeStamp >= 0);

    const e2 = new Event('bar', { bubbles: 1, cancelable: 'yes', composed: {} });
    assert.strictEqual(e2.bubbles, true);
    assert.strictEqual(e2.cancelable, true);
    assert.strictEqual(e2.composed, true);

    assert.strictEqual(new Event(undefined).type, 'undefined');
    assert.strictEqual(new Event(null, null).type, 'null');
    assert.strictEqual(new Event(12).type, '12');
    assert.throws(() => new Event(), {
      name: 'TypeError',
      message: "Failed to construct 'Event': 1 argument required, but only 0 present.",
    });
    assert.throws(() => new Event(Symbol('x')), TypeError);
    assert.throws(() => new Event('x', 5), TypeError);
    assert.throws(() => Event('x'), TypeError);

    // EventInit members are read in order.
    const order = [];
    new Event('x', {
      get composed() { order.push('composed'); return false; },
      get cancelable() { order.push('cancelable'); return false; },
      get bubbles() { order.push('bubbles'); return false; },
    });
    assert.deepStrictEqual(order, ['bubbles', 'cancelable', 'composed']);
  },
};

export const eventShape = {
  async test() {
    assert.strictEqual(Event.NONE, 0);
    assert.strictEqual(Event.CAPTURING_PHASE, 1);
    assert.strictEqual(Event.AT_TARGET, 2);
    assert.strictEqual(Event.BUBBLING_PHASE, 3);
    assert.strictEqual(Event.prototype.AT_TARGET, 2);
    assert.strictEqual(new Event('x').BUBBLING_PHASE, 3);
    assert.strictEqual(Event.length, 1);
    assert.strictEqual(Object.prototype.toString.call(new Event('x')), '[object Event]');
    assert.strictEqual(Object.prototype.toString.call(new EventTarget()), '[object EventTarget]');
    assert.strictEqual(Object.prototype.toString.call(new CustomEvent('x')), '[object CustomEvent]');

    // isTrusted is an unforgeable own accessor.
    const e = new Event('x');
    const desc = Object.getOwnPropertyDescriptor(e, 'isTrusted');
    assert.strictEqual(typeof desc.get, 'function');
    assert.strictEqual(desc.configurable, false);
    assert.throws(() => Object.defineProperty(e, 'isTrusted', { value: true }), TypeError);
    assert.strictEqual(e.isTrusted, false);

    // Attributes and methods live on the prototype and are enumerable.
    const keys = [];
    for (const key in e) keys.push(key);
    for (const k of ['type', 'target', 'currentTarget', 'eventPhase', 'bubbles', 'cancelable',
      'defaultPrevented', 'composed', 'timeStamp', 'preventDefault', 'stopPropagation',
      'stopImmediatePropagation', 'composedPath', 'cancelBubble', 'returnValue', 'isTrusted']) {
      assert.ok(keys.includes(k), k);
    }
    assert.deepStrictEqual(Object.keys(e), ['isTrusted']);

    assert.strictEqual(EventTarget.prototype.addEventListener.length, 2);
    assert.strictEqual(EventTarget.prototype.removeEventListener.length, 2);
    assert.strictEqual(EventTarget.prototype.dispatchEvent.length, 1);
  },
};

export const eventBrandChecks = {
  async test() {
    const typeGetter = Object.getOwnPropertyDescriptor(Event.prototype, 'type').get;
    assert.throws(() => typeGetter.call({}), { name: 'TypeError', message: 'Illegal invocation' });
    assert.throws(() => Event.prototype.preventDefault.call({}), TypeError);
    assert.throws(() => Event.prototype.type, TypeError);
    assert.throws(() => EventTarget.prototype.addEventListener.call({}, 'x', () => {}), {
      name: 'TypeError', message: 'Illegal invocation',
    });
    assert.throws(() => EventTarget.prototype.dispatchEvent.call({}, new Event('x')), TypeError);
    const trustedGetter = Object.getOwnPropertyDescriptor(new Event('x'), 'isTrusted').get;
    assert.throws(() => trustedGetter.call({}), TypeError);
  },
};

export const argumentChecks = {
  async test() {
    const t = new EventTarget();
    assert.throws(() => t.addEventListener('x'), {
      name: 'TypeError',
      message: "Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only 1 present.",
    });
    assert.throws(() => t.removeEventListener(), TypeError);
    assert.throws(() => t.dispatchEvent(), {
      name: 'TypeError',
      message: "Failed to execute 'dispatchEvent' on 'EventTarget': 1 argument required, but only 0 present.",
    });
    assert.throws(() => t.dispatchEvent({ type: 'x' }), TypeError);
    assert.throws(() => t.addEventListener('x', 5), TypeError);
    assert.throws(() => t.addEventListener('x', 'string'), TypeError);
    assert.throws(() => t.addEventListener('x', () => {}, { signal: null }), TypeError);
    assert.throws(() => t.addEventListener('x', () => {}, { signal: {} }), TypeError);
    // null and undefined listeners are accepted and ignored.
    t.addEventListener('x', null);
    t.addEventListener('x', undefined);
    t.removeEventListener('x', null);
    assert.strictEqual(t.dispatchEvent(new Event('x')), true);
  },
};

export const basicDispatch = {
  async test() {
    const t = new EventTarget();
    const e = new Event('ping', { cancelable: true });
    const seen = [];
    function listener(event) {
      seen.push({
        self: this,
        event,
        target: event.target,
        currentTarget: event.currentTarget,
        srcElement: event.srcElement,
        phase: event.eventPhase,
        path: event.composedPath(),
      });
    }
    t.addEventListener('ping', listener);
    t.addEventListener('other', () => seen.push('wrong type'));
    assert.strictEqual(t.dispatchEvent(e), true);
    assert.strictEqual(seen.length, 1);
    assert.strictEqual(seen[0].self, t);
    assert.strictEqual(seen[0].event, e);
    assert.strictEqual(seen[0].target, t);
    assert.strictEqual(seen[0].currentTarget, t);
    assert.strictEqual(seen[0].srcElement, t);
    assert.strictEqual(seen[0].phase, Event.AT_TARGET);
    assert.deepStrictEqual(seen[0].path, [t]);
    // After dispatch.
    assert.strictEqual(e.target, t);
    assert.strictEqual(e.currentTarget, null);
    assert.strictEqual(e.eventPhase, Event.NONE);
    assert.deepStrictEqual(e.composedPath(), []);
    assert.strictEqual(e.isTrusted, false);

    // The same event can be dispatched again once the first dispatch is over.
    assert.strictEqual(t.dispatchEvent(e), true);
    assert.strictEqual(seen.length, 2);
  },
};

export const preventDefault = {
  async test() {
    const t = new EventTarget();
    t.addEventListener('x', (e) => e.preventDefault());
    const cancelable = new Event('x', { cancelable: true });
    assert.strictEqual(t.dispatchEvent(cancelable), false);
    assert.strictEqual(cancelable.defaultPrevented, true);
    assert.strictEqual(cancelable.returnValue, false);
    // The canceled flag survives the end of dispatch.
    assert.strictEqual(t.dispatchEvent(cancelable), false);

    const notCancelable = new Event('x');
    assert.strictEqual(t.dispatchEvent(notCancelable), true);
    assert.strictEqual(notCancelable.defaultPrevented, false);

    // returnValue = false is preventDefault().
    const e = new Event('y', { cancelable: true });
    e.returnValue = true;
    assert.strictEqual(e.defaultPrevented, false);
    e.returnValue = false;
    assert.strictEqual(e.defaultPrevented, true);
    e.returnValue = true;
    assert.strictEqual(e.defaultPrevented, true);

    // preventDefault outside dispatch works for cancelable events.
    const e2 = new Event('z', { cancelable: true });
    e2.preventDefault();
    assert.strictEqual(e2.defaultPrevented, true);
    assert.strictEqual(new EventTarget().dispatchEvent(e2), false);
  },
};

export const passiveListeners = {
  async test() {
    const t = new EventTarget();
    const seen = [];
    t.addEventListener('x', (e) => {
      e.preventDefault();
      seen.push(['passive', e.defaultPrevented]);
      e.returnValue = false;
      seen.push(['passive returnValue', e.defaultPrevented]);
    }, { passive: true });
    t.addEventListener('x', (e) => {
      seen.push(['after passive', e.defaultPrevented]);
    });
    const e = new Event('x', { cancelable: true });
    assert.strictEqual(t.dispatchEvent(e), true);
    assert.deepStrictEqual(seen, [
      ['passive', false], ['passive returnValue', false], ['after passive', false],
    ]);

    const t2 = new EventTarget();
    t2.addEventListener('x', (ev) => ev.preventDefault(), { passive: false });
    assert.strictEqual(t2.dispatchEvent(new Event('x', { cancelable: true })), false);
  },
};

export const onceListeners = {
  async test() {
    const t = new EventTarget();
    let count = 0;
    const listener = () => count++;
    t.addEventListener('x', listener, { once: true });
    t.dispatchEvent(new Event('x'));
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(count, 1);

    // Re-adding after a once listener ran works.
    t.addEventListener('x', listener, { once: true });
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(count, 2);

    // A once listener that dispatches again re-entrantly is not run twice.
    let inner = 0;
    const t2 = new EventTarget();
    t2.addEventListener('y', () => {
      inner++;
      t2.dispatchEvent(new Event('y'));
    }, { once: true });
    t2.dispatchEvent(new Event('y'));
    assert.strictEqual(inner, 1);

    // A once listener removed before dispatch does not run.
    let removed = 0;
    const fn = () => removed++;
    t.addEventListener('z', fn, { once: true });
    t.removeEventListener('z', fn);
    t.dispatchEvent(new Event('z'));
    assert.strictEqual(removed, 0);
  },
};

export const duplicatesAndCaptureIdentity = {
  async test() {
    const t = new EventTarget();
    const calls = [];
    const fn = (e) => calls.push(e.eventPhase);
    t.addEventListener('x', fn);
    t.addEventListener('x', fn);
    t.addEventListener('x', fn, false);
    t.addEventListener('x', fn, { capture: false, once: true });
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(calls.length, 1);

    // capture is part of the identity.
    t.addEventListener('x', fn, true);
    t.addEventListener('x', fn, { capture: true });
    calls.length = 0;
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(calls.length, 2);

    t.removeEventListener('x', fn, { capture: true });
    calls.length = 0;
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(calls.length, 1);

    t.removeEventListener('x', fn, true); // already gone: no-op
    t.removeEventListener('x', fn, { capture: false, once: true, passive: true });
    calls.length = 0;
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(calls.length, 0);

    // Non-boolean options convert: 1 means capture.
    t.addEventListener('y', fn, 1);
    t.removeEventListener('y', fn);
    calls.length = 0;
    t.dispatchEvent(new Event('y'));
    assert.strictEqual(calls.length, 1);
    t.removeEventListener('y', fn, 'yes');
    calls.length = 0;
    t.dispatchEvent(new Event('y'));
    assert.strictEqual(calls.length, 0);
  },
};

export const captureBeforeBubble = {
  async test() {
    const t = new EventTarget();
    const order = [];
    t.addEventListener('x', () => order.push('bubble 1'));
    t.addEventListener('x', () => order.push('capture 1'), true);
    t.addEventListener('x', () => order.push('bubble 2'), { capture: false });
    t.addEventListener('x', () => order.push('capture 2'), { capture: true });
    t.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(order, ['capture 1', 'capture 2', 'bubble 1', 'bubble 2']);
  },
};

export const optionsReadOrder = {
  async test() {
    const t = new EventTarget();
    const order = [];
    const ac = new AbortController();
    t.addEventListener('x', () => {}, {
      get signal() { order.push('signal'); return ac.signal; },
      get passive() { order.push('passive'); return false; },
      get once() { order.push('once'); return false; },
      get capture() { order.push('capture'); return false; },
    });
    assert.deepStrictEqual(order, ['capture', 'once', 'passive', 'signal']);
    order.length = 0;
    t.removeEventListener('x', () => {}, {
      get capture() { order.push('capture'); return false; },
      get once() { order.push('once'); return false; },
    });
    assert.deepStrictEqual(order, ['capture']);
  },
};

export const handleEventObjects = {
  async test() {
    const t = new EventTarget();
    const seen = [];
    const obj = {
      handleEvent(e) {
        seen.push([this, e.type]);
      },
    };
    t.addEventListener('x', obj);
    t.addEventListener('x', obj); // duplicate
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(seen.length, 1);
    assert.strictEqual(seen[0][0], obj);

    // handleEvent is looked up at each call.
    obj.handleEvent = function(e) { seen.push(['replaced', this === obj]); };
    t.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(seen[1], ['replaced', true]);

    // A function listener is called directly even when it has a handleEvent property.
    const fn = function() { seen.push(['fn', this === t]); };
    fn.handleEvent = () => seen.push('should not run');
    t.addEventListener('y', fn);
    t.dispatchEvent(new Event('y'));
    assert.deepStrictEqual(seen[2], ['fn', true]);
    assert.strictEqual(seen.length, 3);

    // An object without a callable handleEvent is an error reported like a throw; others run.
    const bad = { handleEvent: 42 };
    let ran = false;
    t.addEventListener('z', bad);
    t.addEventListener('z', () => { ran = true; });
    assert.strictEqual(t.dispatchEvent(new Event('z')), true);
    assert.strictEqual(ran, true);

    t.removeEventListener('x', obj);
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(seen.length, 3);
  },
};

export const listenerThrows = {
  async test() {
    const t = new EventTarget();
    const order = [];
    t.addEventListener('x', () => { order.push(1); throw new Error('listener failure (expected by the test)'); });
    t.addEventListener('x', () => { order.push(2); });
    t.addEventListener('x', { handleEvent() { order.push(3); throw 'a string (expected by the test)'; } });
    t.addEventListener('x', (e) => { order.push(4); e.preventDefault(); });
    const e = new Event('x', { cancelable: true });
    assert.strictEqual(t.dispatchEvent(e), false);
    assert.deepStrictEqual(order, [1, 2, 3, 4]);
    // The event is back to rest after the dispatch.
    assert.strictEqual(e.eventPhase, Event.NONE);
    assert.strictEqual(e.currentTarget, null);
    // It can be dispatched again.
    order.length = 0;
    t.dispatchEvent(e);
    assert.deepStrictEqual(order, [1, 2, 3, 4]);
  },
};

export const reentrantDispatch = {
  async test() {
    const t = new EventTarget();
    const e = new Event('x');
    let caught;
    let nestedResult;
    let nestedPhaseSeen;
    t.addEventListener('x', (ev) => {
      try {
        t.dispatchEvent(ev);
      } catch (err) {
        caught = err;
      }
      // A different event can be dispatched from inside a listener.
      nestedResult = t.dispatchEvent(new Event('inner', { cancelable: true }));
      nestedPhaseSeen = ev.eventPhase;
    });
    t.addEventListener('inner', (ev) => ev.preventDefault());
    assert.strictEqual(t.dispatchEvent(e), true);
    assert.ok(caught instanceof DOMException);
    assert.strictEqual(caught.name, 'InvalidStateError');
    assert.strictEqual(caught.code, 11);
    assert.strictEqual(nestedResult, false);
    assert.strictEqual(nestedPhaseSeen, Event.AT_TARGET);

    // Dispatching the same event at a second target while in dispatch also throws.
    const other = new EventTarget();
    let caught2;
    t.addEventListener('y', (ev) => {
      try { other.dispatchEvent(ev); } catch (err) { caught2 = err; }
    });
    t.dispatchEvent(new Event('y'));
    assert.strictEqual(caught2?.name, 'InvalidStateError');

    // Nested dispatch of the same type runs listeners again (bounded).
    let depth = 0;
    let maxDepth = 0;
    const t3 = new EventTarget();
    t3.addEventListener('r', () => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      if (depth < 3) t3.dispatchEvent(new Event('r'));
      depth--;
    });
    t3.dispatchEvent(new Event('r'));
    assert.strictEqual(maxDepth, 3);
  },
};

export const mutationDuringDispatch = {
  async test() {
    const t = new EventTarget();
    const order = [];
    const late = () => order.push('late');
    const victim = () => order.push('victim');
    t.addEventListener('x', () => {
      order.push('first');
      t.addEventListener('x', late);
      t.removeEventListener('x', victim);
    });
    t.addEventListener('x', victim);
    t.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(order, ['first']);
    order.length = 0;
    t.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(order, ['first', 'late']);

    // Removing then re-adding the same listener during dispatch: the new one does not run.
    const t2 = new EventTarget();
    const seen = [];
    const b = () => seen.push('b');
    t2.addEventListener('x', () => {
      seen.push('a');
      t2.removeEventListener('x', b);
      t2.addEventListener('x', b);
    });
    t2.addEventListener('x', b);
    t2.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(seen, ['a']);

    // A listener removing itself still finishes; later ones still run.
    const t3 = new EventTarget();
    const seen3 = [];
    const self = () => { seen3.push('self'); t3.removeEventListener('x', self); };
    t3.addEventListener('x', self);
    t3.addEventListener('x', () => seen3.push('next'));
    t3.dispatchEvent(new Event('x'));
    t3.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(seen3, ['self', 'next', 'next']);
  },
};

export const propagationFlags = {
  async test() {
    const t = new EventTarget();
    const order = [];
    t.addEventListener('x', (e) => { order.push(1); e.stopImmediatePropagation(); });
    t.addEventListener('x', () => order.push(2));
    t.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(order, [1]);

    // stopPropagation does not stop other listeners on the same target in the same phase.
    const t2 = new EventTarget();
    const order2 = [];
    t2.addEventListener('x', (e) => { order2.push(1); e.stopPropagation(); });
    t2.addEventListener('x', (e) => { order2.push(2); order2.push(e.cancelBubble); });
    t2.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(order2, [1, 2, true]);

    // stopPropagation in a capture listener skips the non-capture listeners.
    const t3 = new EventTarget();
    const order3 = [];
    t3.addEventListener('x', (e) => { order3.push('capture'); e.stopPropagation(); }, true);
    t3.addEventListener('x', () => order3.push('bubble'));
    t3.dispatchEvent(new Event('x'));
    assert.deepStrictEqual(order3, ['capture']);

    // Flags are cleared when dispatch ends.
    const e = new Event('x');
    t2.dispatchEvent(e);
    assert.strictEqual(e.cancelBubble, false);

    // A flag set before dispatch means no listener runs, and is then cleared.
    const e2 = new Event('x');
    e2.cancelBubble = true;
    assert.strictEqual(e2.cancelBubble, true);
    e2.cancelBubble = false; // setting false has no effect
    assert.strictEqual(e2.cancelBubble, true);
    const order4 = [];
    const t4 = new EventTarget();
    t4.addEventListener('x', () => order4.push('ran'));
    t4.dispatchEvent(e2);
    assert.deepStrictEqual(order4, []);
    assert.strictEqual(e2.cancelBubble, false);
    t4.dispatchEvent(e2);
    assert.deepStrictEqual(order4, ['ran']);
  },
};

export const signalOption = {
  async test() {
    const t = new EventTarget();
    const ac = new AbortController();
    let count = 0;
    t.addEventListener('x', () => count++, { signal: ac.signal });
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(count, 1);
    ac.abort();
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(count, 1);

    // An already aborted signal adds nothing.
    t.addEventListener('x', () => count++, { signal: AbortSignal.abort() });
    t.dispatchEvent(new Event('x'));
    assert.strictEqual(count, 1);

    // Aborting from inside a listener removes later listeners sharing the signal.
    const ac2 = new AbortController();
    const seen = [];
    t.addEventListener('y', () => { seen.push('a'); ac2.abort(); }, { signal: ac2.signal });
    t.addEventListener('y', () => seen.push('b'), { signal: ac2.signal });
    t.addEventListener('y', () => seen.push('c'));
    t.dispatchEvent(new Event('y'));
    assert.deepStrictEqual(seen, ['a', 'c']);

    // A listener removed by hand, then the signal aborting, is harmless; re-adding works.
    const ac3 = new AbortController();
    const fn = () => seen.push('fn');
    t.addEventListener('z', fn, { signal: ac3.signal });
    t.removeEventListener('z', fn);
    t.addEventListener('z', fn);
    ac3.abort();
    t.dispatchEvent(new Event('z'));
    assert.deepStrictEqual(seen, ['a', 'c', 'fn']);
  },
};

export const customEvent = {
  async test() {
    const e = new CustomEvent('hello', { detail: { n: 1 }, cancelable: true });
    assert.ok(e instanceof Event);
    assert.deepStrictEqual(e.detail, { n: 1 });
    assert.strictEqual(e.cancelable, true);
    assert.strictEqual(new CustomEvent('x').detail, null);
    assert.strictEqual(new CustomEvent('x', { detail: undefined }).detail, null);
    assert.strictEqual(new CustomEvent('x', { detail: 0 }).detail, 0);
    assert.throws(() => new CustomEvent(), TypeError);
    const t = new EventTarget();
    let got;
    t.addEventListener('hello', (ev) => { got = ev.detail; });
    t.dispatchEvent(e);
    assert.deepStrictEqual(got, { n: 1 });
    const detailGetter = Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail').get;
    assert.throws(() => detailGetter.call(new Event('x')), TypeError);
  },
};

export const subclasses = {
  async test() {
    class Emitter extends EventTarget {
      constructor() {
        super();
        this.count = 0;
      }
      fire() {
        return this.dispatchEvent(new PingEvent(this.count++));
      }
    }
    class PingEvent extends Event {
      constructor(n) {
        super('ping', { cancelable: true });
        this.n = n;
      }
    }
    const em = new Emitter();
    const got = [];
    em.addEventListener('ping', (e) => { got.push([e.n, e instanceof PingEvent, e.target === em]); });
    em.fire();
    em.fire();
    assert.deepStrictEqual(got, [[0, true, true], [1, true, true]]);
  },
};

export const initEventLegacy = {
  async test() {
    const e = new Event('a');
    e.initEvent('b', true, true);
    assert.strictEqual(e.type, 'b');
    assert.strictEqual(e.bubbles, true);
    assert.strictEqual(e.cancelable, true);
    // No effect while dispatching.
    const t = new EventTarget();
    t.addEventListener('b', (ev) => ev.initEvent('c'));
    t.dispatchEvent(e);
    assert.strictEqual(e.type, 'b');
  },
};

export const robustAgainstPatches = {
  async test() {
    const saved = {
      push: Array.prototype.push,
      slice: Array.prototype.slice,
      splice: Array.prototype.splice,
      indexOf: Array.prototype.indexOf,
      call: Function.prototype.call,
      apply: Function.prototype.apply,
      bind: Function.prototype.bind,
      mapSet: Map.prototype.set,
      mapGet: Map.prototype.get,
      mapDelete: Map.prototype.delete,
      setAdd: Set.prototype.add,
      setDelete: Set.prototype.delete,
      weakMapGet: WeakMap.prototype.get,
      weakMapSet: WeakMap.prototype.set,
      weakMapHas: WeakMap.prototype.has,
      reflectApply: Reflect.apply,
    };
    const boom = (what) => function() { throw new Error(`patched ${what} was used`); };
    const log = [];
    let result;
    try {
      Array.prototype.push = boom('Array.prototype.push');
      Array.prototype.slice = boom('Array.prototype.slice');
      Array.prototype.splice = boom('Array.prototype.splice');
      Array.prototype.indexOf = boom('Array.prototype.indexOf');
      Function.prototype.call = boom('Function.prototype.call');
      Function.prototype.apply = boom('Function.prototype.apply');
      Function.prototype.bind = boom('Function.prototype.bind');
      Map.prototype.set = boom('Map.prototype.set');
      Map.prototype.get = boom('Map.prototype.get');
      Map.prototype.delete = boom('Map.prototype.delete');
      Set.prototype.add = boom('Set.prototype.add');
      Set.prototype.delete = boom('Set.prototype.delete');
      WeakMap.prototype.get = boom('WeakMap.prototype.get');
      WeakMap.prototype.set = boom('WeakMap.prototype.set');
      WeakMap.prototype.has = boom('WeakMap.prototype.has');
      Reflect.apply = boom('Reflect.apply');

      const t = new EventTarget();
      const ac = new AbortController();
      const a = (e) => { log[log.length] = `a:${e.type}`; };
      const b = { handleEvent(e) { log[log.length] = `b:${e.type}`; e.preventDefault(); } };
      t.addEventListener('x', a);
      t.addEventListener('x', b, { capture: true, signal: ac.signal });
      t.addEventListener('x', () => { log[log.length] = 'once'; }, { once: true });
      t.addEventListener('x', (e) => { e.preventDefault(); log[log.length] = 'passive'; }, { passive: true });
      const r1 = t.dispatchEvent(new Event('x', { cancelable: true }));
      ac.abort();
      const r2 = t.dispatchEvent(new CustomEvent('x', { cancelable: true, detail: 1 }));
      t.removeEventListener('x', a);
      const r3 = t.dispatchEvent(new Event('x'));
      let invalidState = null;
      const e = new Event('y');
      t.addEventListener('y', (ev) => {
        try { t.dispatchEvent(ev); } catch (err) { invalidState = err.name; }
      });
      t.dispatchEvent(e);
      result = { r1, r2, r3, invalidState };
    } finally {
      Array.prototype.push = saved.push;
      Array.prototype.slice = saved.slice;
      Array.prototype.splice = saved.splice;
      Array.prototype.indexOf = saved.indexOf;
      Function.prototype.call = saved.call;
      Function.prototype.apply = saved.apply;
      Function.prototype.bind = saved.bind;
      Map.prototype.set = saved.mapSet;
      Map.prototype.get = saved.mapGet;
      Map.prototype.delete = saved.mapDelete;
      Set.prototype.add = saved.setAdd;
      Set.prototype.delete = saved.setDelete;
      WeakMap.prototype.get = saved.weakMapGet;
      WeakMap.prototype.set = saved.weakMapSet;
      WeakMap.prototype.has = saved.weakMapHas;
      Reflect.apply = saved.reflectApply;
    }
    assert.deepStrictEqual(log, ['b:x', 'a:x', 'once', 'passive', 'a:x', 'passive', 'passive']);
    assert.deepStrictEqual(result, { r1: false, r2: true, r3: true, invalidState: 'InvalidStateError' });
  },
};
