// setTimeout / setInterval / clear* / queueMicrotask, per HTML's timer steps.
import assert from 'node:assert';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const timeoutPassesArgumentsAndReturnsPositiveIds = {
  async test() {
    const got = await new Promise((resolve) => {
      const id = setTimeout((a, b) => resolve([a, b]), 1, 'x', 2);
      assert.strictEqual(typeof id, 'number');
      assert.ok(id > 0);
    });
    assert.deepStrictEqual(got, ['x', 2]);
  },
};

export const orderByDelayThenCreation = {
  async test() {
    const order = [];
    setTimeout(() => order.push('c'), 20);
    setTimeout(() => order.push('a1'), 0);
    setTimeout(() => order.push('b'), 5);
    setTimeout(() => order.push('a2'), 0);
    await sleep(40);
    assert.deepStrictEqual(order, ['a1', 'a2', 'b', 'c']);
  },
};

export const microtasksRunBeforeTheNextTimer = {
  async test() {
    const order = [];
    setTimeout(() => {
      order.push('t1');
      Promise.resolve().then(() => order.push('t1-micro'));
      queueMicrotask(() => order.push('t1-queued'));
    }, 0);
    setTimeout(() => order.push('t2'), 0);
    Promise.resolve().then(() => order.push('micro'));
    order.push('sync');
    await sleep(10);
    assert.deepStrictEqual(order, ['sync', 'micro', 't1', 't1-micro', 't1-queued', 't2']);
  },
};

export const clearTimeoutCancels = {
  async test() {
    let fired = false;
    const id = setTimeout(() => { fired = true; }, 1);
    clearTimeout(id);
    await sleep(10);
    assert.strictEqual(fired, false);
    // Unknown ids and odd values are ignored, as HTML requires.
    clearTimeout(123456789);
    clearTimeout(undefined);
    clearTimeout('nope');
    clearInterval({});
  },
};

export const intervalRepeatsUntilCleared = {
  async test() {
    let n = 0;
    await new Promise((resolve) => {
      const id = setInterval(() => {
        n++;
        if (n === 3) {
          clearInterval(id);
          resolve();
        }
      }, 1);
    });
    await sleep(10);
    assert.strictEqual(n, 3);
  },
};

export const clearTimeoutAndClearIntervalAreInterchangeable = {
  async test() {
    let n = 0;
    const id = setInterval(() => n++, 1);
    clearTimeout(id);
    await sleep(10);
    assert.strictEqual(n, 0);
  },
};

export const delaysAreConvertedAsWebIdlLong = {
  async test() {
    // NaN, negative, non-numeric and huge (wrapping to negative) delays all mean "now".
    const order = [];
    setTimeout(() => order.push('later'), 15);
    setTimeout(() => order.push('nan'), NaN);
    setTimeout(() => order.push('neg'), -50);
    setTimeout(() => order.push('str'), 'abc');
    setTimeout(() => order.push('wrap'), 2 ** 32);
    setTimeout(() => order.push('numstr'), '1');
    await sleep(30);
    assert.deepStrictEqual(order, ['nan', 'neg', 'str', 'wrap', 'numstr', 'later']);
  },
};

export const stringHandlersAreRejected = {
  test() {
    assert.throws(() => setTimeout('globalThis.hacked = 1', 0), {
      name: 'TypeError',
      message: /handler must be a function/,
    });
    assert.throws(() => setInterval(undefined), TypeError);
  },
};

export const queueMicrotaskValidatesAndSurvivesThrows = {
  async test() {
    assert.throws(() => queueMicrotask(), /1 argument required/);
    assert.throws(() => queueMicrotask(42), TypeError);
    const order = [];
    queueMicrotask(() => order.push(1));
    queueMicrotask(() => { throw new Error('reported, not fatal (expected by the test)'); });
    queueMicrotask(() => order.push(2));
    await sleep(0);
    assert.deepStrictEqual(order, [1, 2]);
  },
};

export const throwingTimerDoesNotStopOthers = {
  async test() {
    let ran = false;
    setTimeout(() => { throw new Error('timer failure (expected by the test)'); }, 0);
    setTimeout(() => { ran = true; }, 1);
    await sleep(10);
    assert.strictEqual(ran, true);
  },
};

export const manyTimers = {
  async test() {
    let count = 0;
    await new Promise((resolve) => {
      for (let i = 0; i < 2000; i++) {
        setTimeout(() => { if (++count === 2000) resolve(); }, i % 7);
      }
    });
    assert.strictEqual(count, 2000);
  },
};

export const callbacksRunWithTheGlobalAsThis = {
  async test() {
    // HTML invokes a timer's function with the global object as its `this` (not undefined).
    const seen = await new Promise((resolve) => {
      setTimeout(function () { resolve(this); }, 0);
    });
    assert.strictEqual(seen, globalThis);
    let count = 0;
    const thisValues = [];
    const id = setInterval(function () {
      thisValues.push(this);
      if (++count === 2) clearInterval(id);
    }, 1);
    await sleep(20);
    assert.deepStrictEqual(thisValues, [globalThis, globalThis]);
  },
};

export const clearTimeoutConvertsTheIdAsWebIdlLong = {
  async test() {
    // clearTimeout/clearInterval take a WebIDL `long`: a numeric string or a fraction still
    // names the timer, 2^32 + id wraps around to it, and values naming nothing are ignored.
    const fired = [];
    const a = setTimeout(() => fired.push('a'), 1);
    const b = setTimeout(() => fired.push('b'), 1);
    const c = setInterval(() => fired.push('c'), 1);
    const d = setTimeout(() => fired.push('d'), 1);
    clearTimeout(String(a));
    clearTimeout(b + 0.75);
    clearInterval({ valueOf() { return c; } });
    clearTimeout(2 ** 32 + d);
    clearTimeout();
    clearTimeout(undefined);
    clearTimeout(null);
    clearTimeout('not a number');
    assert.throws(() => clearTimeout(Symbol('id')), TypeError);
    // The id is optional, so neither function counts it in its length.
    assert.strictEqual(clearTimeout.length, 0);
    assert.strictEqual(clearInterval.length, 0);
    setTimeout(() => fired.push('e'), 1);
    await sleep(15);
    assert.deepStrictEqual(fired, ['e']);
  },
};
