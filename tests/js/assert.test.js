// node:assert and the test runner's contract (env, ctx.waitUntil, call-site stacks).
// Run: out/Release/dynworker test tests/js/assert.test.js
import assert, {
  AssertionError, deepEqual, deepStrictEqual, doesNotMatch, doesNotReject, doesNotThrow, equal,
  fail, match, notDeepStrictEqual, notEqual, notStrictEqual, ok, rejects, strict, strictEqual,
  throws,
} from 'node:assert';

// Asserts that fn throws an AssertionError with these properties (message: string or RegExp).
function failsWith(fn, props) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) throw new Error(`expected an AssertionError from ${fn}`);
  checkAssertionError(caught, props);
  return caught;
}

function checkAssertionError(err, props) {
  if (!(err instanceof AssertionError)) throw err;
  assert.strictEqual(err.name, 'AssertionError');
  assert.strictEqual(err.code, 'ERR_ASSERTION');
  assert.ok(err instanceof Error);
  for (const key of Object.keys(props)) {
    const want = props[key];
    if (want instanceof RegExp) assert.match(err[key], want, `${key}: ${err[key]}`);
    else assert.deepStrictEqual(err[key], want, `${key}: ${String(err[key])}`);
  }
}

const THIS_FILE = 'assert.test.js';

// The first stack frame must be the line in this file that called the assertion.
function firstFrame(err) {
  const lines = String(err.stack).split('\n');
  return lines.find((l) => /^\s+at /.test(l)) ?? '';
}

export const exportsShape = {
  test() {
    for (const [name, fn] of Object.entries({
      ok, equal, notEqual, strictEqual, notStrictEqual, deepEqual, deepStrictEqual,
      notDeepStrictEqual, throws, doesNotThrow, rejects, doesNotReject, match, doesNotMatch, fail,
    })) {
      assert.strictEqual(typeof fn, 'function', name);
      assert.strictEqual(assert[name], fn, `assert.${name} is the named export`);
    }
    assert.strictEqual(typeof assert, 'function');
    assert.strictEqual(assert.AssertionError, AssertionError);
    assert.strictEqual(assert.strict, strict);
    assert.strictEqual(strict.strict, strict);
    assert.strictEqual(strict.equal, strictEqual);
    assert.strictEqual(strict.deepEqual, deepStrictEqual);
    assert.strictEqual(strict.notEqual, notStrictEqual);
    assert.strictEqual(strict.notDeepEqual, notDeepStrictEqual);
    assert.strictEqual(strict.ok, ok);
  },
};

export const okAndAssert = {
  test() {
    assert(true);
    assert(1);
    ok('x');
    ok({});
    strict(true);
    failsWith(() => ok(false), { operator: '==', actual: false, expected: true, generatedMessage: true, message: 'false == true' });
    failsWith(() => assert(0), { message: '0 == true' });
    failsWith(() => strict(''), { actual: '' });
    failsWith(() => ok(null, 'custom text'), { message: 'custom text', generatedMessage: false });
    failsWith(() => ok(), { message: 'No value argument passed to `assert.ok()`' });
    const mine = new TypeError('my own error');
    assert.throws(() => ok(false, mine), (e) => e === mine);
  },
};

export const equalAndNotEqual = {
  test() {
    equal(1, 1);
    equal(1, '1');
    equal(null, undefined);
    equal(NaN, NaN);
    failsWith(() => equal(1, 2), { message: '1 == 2', operator: '==', actual: 1, expected: 2 });
    notEqual(1, 2);
    notEqual(NaN, 1);
    failsWith(() => notEqual(1, '1'), { message: "1 != '1'", operator: '!=' });
    failsWith(() => notEqual(NaN, NaN), { operator: '!=' });
  },
};

export const strictEqualAndNotStrictEqual = {
  test() {
    strictEqual(1, 1);
    strictEqual('a', 'a');
    strictEqual(NaN, NaN);
    const o = {};
    strictEqual(o, o);
    failsWith(() => strictEqual(1, 2), {
      message: 'Expected values to be strictly equal:\n\n1 !== 2\n',
      operator: 'strictEqual', actual: 1, expected: 2, generatedMessage: true,
    });
    failsWith(() => strictEqual(1, '1'), { message: "Expected values to be strictly equal:\n\n1 !== '1'\n" });
    failsWith(() => strictEqual(0, -0), { operator: 'strictEqual' });
    failsWith(() => strictEqual({ a: 1 }, { a: 1 }), {
      message: /^Values have same structure but are not reference-equal:\n\n/,
    });
    failsWith(() => strictEqual(1, 2, 'numbers differ'), { message: 'numbers differ', generatedMessage: false });

    notStrictEqual(1, '1');
    notStrictEqual({}, {});
    notStrictEqual(0, -0);
    failsWith(() => notStrictEqual(1, 1), {
      message: 'Expected "actual" to be strictly unequal to: 1', operator: 'notStrictEqual',
    });
    failsWith(() => notStrictEqual(o, o), { message: /not to be reference-equal/ });
  },
};

class A { constructor() { this.x = 1; } }
class B { constructor() { this.x = 1; } }

// [actual, expected, deepStrictEqual?, deepEqual?]
function deepCases() {
  const sym = Symbol('s');
  const cycA = { x: 1 }; cycA.self = cycA;
  const cycB = { x: 1 }; cycB.self = cycB;
  const cycC = { x: 2 }; cycC.self = cycC;
  const hidden = {};
  Object.defineProperty(hidden, 'secret', { value: 1, enumerable: false });
  const arrWithProp = [1]; arrWithProp.extra = true;
  const fn = () => 1;
  // node 20 gives these results; each once differed here
  const u8WithProp = new Uint8Array([1]); u8WithProp.extra = 1;
  const keyA = { k: 1 }; const keyB = { k: 1 };
  const messageNumber = new Error('a'); messageNumber.message = 1;
  const messageString = new Error('a'); messageString.message = '1';
  const nullProtoError = (m) => Object.setPrototypeOf(new Error(m), null);
  const dateTaggedObject = (t) => Object.defineProperty(new Date(t), Symbol.toStringTag, { value: 'Object' });
  const errorLike = (m) => Object.create(Error.prototype, { message: { value: m } });
  return [
    [[1, , 3], [1, undefined, 3], false, false], // eslint-disable-line no-sparse-arrays
    [new Date(NaN), new Date(NaN), false, false],
    [u8WithProp, new Uint8Array([1]), false, false],
    [new Map([[keyA, 1], [keyB, 2]]), new Map([[keyA, 2], [keyB, 1]]), true, true],
    [new Map([[1, 'x'], ['1', 'y']]), new Map([['1', 'x'], [1, 'y']]), false, true],
    [new Error('a', { cause: undefined }), new Error('a'), true, true],
    [new Error('a', { cause: null }), new Error('a'), false, true],
    [messageNumber, messageString, false, false],
    [nullProtoError('a'), nullProtoError('b'), false, false],
    [dateTaggedObject(0), dateTaggedObject(1), true, true],
    [errorLike('a'), errorLike('b'), true, true],

    [1, 1, true, true],
    [NaN, NaN, true, true],
    [0, -0, false, true],
    [1, '1', false, true],
    [null, undefined, false, true],
    [{ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true, true],
    [{ a: 1 }, { a: 1, b: undefined }, false, false],
    [{ a: 1 }, { a: '1' }, false, true],
    [[1, 2, 3], [1, 2, 3], true, true],
    [[1, 2], [1, 2, 3], false, false],
    [[1, 2], { 0: 1, 1: 2, length: 2 }, false, false],
    [arrWithProp, [1], false, false],
    [Object.create(null), {}, false, true],
    [new A(), new B(), false, true],
    [new A(), new A(), true, true],
    [{ [sym]: 1 }, { [sym]: 1 }, true, true],
    [{ [sym]: 1 }, { [sym]: 2 }, false, true],
    [hidden, {}, true, true],
    [new Map([[1, 'a'], [2, 'b']]), new Map([[2, 'b'], [1, 'a']]), true, true],
    [new Map([[1, 'a']]), new Map([[1, 'b']]), false, false],
    [new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 1 }, 'v']]), true, true],
    [new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 2 }, 'v']]), false, false],
    [new Map([[1, 'a']]), new Map([[1, 'a'], [2, 'b']]), false, false],
    [new Set([1, 2, 3]), new Set([3, 2, 1]), true, true],
    [new Set([{ a: 1 }, { a: 2 }]), new Set([{ a: 2 }, { a: 1 }]), true, true],
    [new Set([{ a: 1 }]), new Set([{ a: 2 }]), false, false],
    [new Set([1]), [1], false, false],
    [new Date(0), new Date(0), true, true],
    [new Date(0), new Date(1), false, false],
    [/a/g, /a/g, true, true],
    [/a/g, /a/i, false, false],
    [/a/, /b/, false, false],
    [new Number(1), new Number(1), true, true],
    [new Number(1), new Number(2), false, false],
    [new String('ab'), new String('ab'), true, true],
    [new String('ab'), new String('ac'), false, false],
    [new Boolean(true), new Boolean(false), false, false],
    [new Number(1), 1, false, false],
    [new Uint8Array([1, 2]), new Uint8Array([1, 2]), true, true],
    [new Uint8Array([1, 2]), new Uint8Array([1, 3]), false, false],
    [new Uint8Array([1]), new Int8Array([1]), false, false],
    [new Float64Array([-0]), new Float64Array([0]), false, true],
    [new Uint8Array([1, 2]).buffer, new Uint8Array([1, 2]).buffer, true, true],
    [new Uint8Array([1, 2]).buffer, new Uint8Array([1, 9]).buffer, false, false],
    [new DataView(new Uint8Array([5]).buffer), new DataView(new Uint8Array([5]).buffer), true, true],
    [new DataView(new Uint8Array([5]).buffer), new DataView(new Uint8Array([6]).buffer), false, false],
    [new Error('a'), new Error('a'), true, true],
    [new Error('a'), new Error('b'), false, false],
    [new TypeError('a'), new Error('a'), false, false],
    [cycA, cycB, true, true],
    [cycA, cycC, false, false],
    [fn, fn, true, true],
    [fn, () => 1, false, false],
  ];
}

export const deepEquality = {
  test() {
    const cases = deepCases();
    for (let i = 0; i < cases.length; i++) {
      const [a, b, strictResult, looseResult] = cases[i];
      const label = `case ${i}`;
      if (strictResult) {
        deepStrictEqual(a, b, `${label}: deepStrictEqual should pass`);
        deepStrictEqual(b, a, `${label}: deepStrictEqual should pass (swapped)`);
        assert.throws(() => notDeepStrictEqual(a, b), AssertionError, `${label}: notDeepStrictEqual should fail`);
      } else {
        failsWith(() => deepStrictEqual(a, b), { operator: 'deepStrictEqual' });
        failsWith(() => deepStrictEqual(b, a), { operator: 'deepStrictEqual' });
        notDeepStrictEqual(a, b, `${label}: notDeepStrictEqual should pass`);
      }
      if (looseResult) {
        deepEqual(a, b, `${label}: deepEqual should pass`);
        deepEqual(b, a, `${label}: deepEqual should pass (swapped)`);
        assert.throws(() => assert.notDeepEqual(a, b), AssertionError, `${label}: notDeepEqual should fail`);
      } else {
        failsWith(() => deepEqual(a, b), { operator: 'deepEqual' });
        assert.notDeepEqual(a, b, `${label}: notDeepEqual should pass`);
      }
    }
  },
};

export const deepEqualityMessages = {
  test() {
    failsWith(() => deepStrictEqual(1, 2), {
      message: 'Expected values to be strictly deep-equal:\n\n1 !== 2\n', actual: 1, expected: 2,
    });
    const err = failsWith(() => deepStrictEqual({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] }), {
      message: /^Expected values to be strictly deep-equal:\n\+ actual - expected/,
      operator: 'deepStrictEqual',
    });
    // One '+' line for the actual 2 and one '-' line for the expected 3, nothing else changed.
    const changed = err.message.split('\n').slice(2).filter((l) => /^[+-] /.test(l));
    assert.deepStrictEqual(changed.length, 2, err.message);
    assert.match(changed[0], /^\+ .*2/);
    assert.match(changed[1], /^- .*3/);
    assert.deepStrictEqual(err.actual, { a: 1, b: [1, 2] });
    assert.deepStrictEqual(err.expected, { a: 1, b: [1, 3] });

    // A long printout is cut down to the lines around the difference.
    const big = Array.from({ length: 200 }, (_, i) => `item ${i}`);
    const big2 = big.slice(); big2[50] = 'changed';
    const long = failsWith(() => deepStrictEqual(big, big2), {});
    assert.ok(long.message.split('\n').length < 40, long.message);
    assert.match(long.message, /item 50/);
    assert.match(long.message, /changed/);
    assert.match(long.message, /\.\.\./);

    failsWith(() => deepEqual({ a: 1 }, { a: 2 }), { message: /^Expected values to be loosely deep-equal:/ });
    failsWith(() => notDeepStrictEqual({ a: 1 }, { a: 1 }), {
      message: /^Expected "actual" not to be strictly deep-equal to:/, operator: 'notDeepStrictEqual',
    });
    failsWith(() => deepStrictEqual({ a: 1 }, { a: 2 }, 'objects differ'), {
      message: 'objects differ', generatedMessage: false,
    });
  },
};

export const throwsForms = {
  test() {
    const thrower = () => { throw new TypeError('bad thing 42'); };
    throws(thrower);
    throws(thrower, TypeError);
    throws(thrower, Error);
    throws(thrower, /bad thing/);
    throws(thrower, /^TypeError: bad/);
    throws(thrower, { name: 'TypeError', message: 'bad thing 42' });
    throws(thrower, { message: /thing \d+/ });
    throws(thrower, new TypeError('bad thing 42'));
    throws(thrower, (e) => e instanceof TypeError && e.message.includes('42'));
    throws(() => { throw 'a string'; }, /a string/);
    const custom = Object.assign(new Error('x'), { code: 'E_CUSTOM', info: { n: 1 } });
    throws(() => { throw custom; }, { code: 'E_CUSTOM', info: { n: 1 } });

    failsWith(() => throws(() => {}), { message: 'Missing expected exception.', operator: 'throws' });
    failsWith(() => throws(() => {}, TypeError), { message: 'Missing expected exception (TypeError).' });
    failsWith(() => throws(() => {}, 'should throw'), { message: 'Missing expected exception: should throw' });
    failsWith(() => throws(thrower, RangeError), {
      message: /^The error is expected to be an instance of "RangeError"\. Received "TypeError"/,
    });
    failsWith(() => throws(thrower, /other/), {
      message: "The input did not match the regular expression /other/. Input:\n\n'TypeError: bad thing 42'\n",
      operator: 'throws',
    });
    const objErr = failsWith(() => throws(thrower, { message: 'something else' }), {
      message: /^Expected values to be strictly deep-equal:\n\+ actual - expected/, operator: 'throws',
    });
    assert.match(objErr.message, /\+ .*bad thing 42/);
    assert.match(objErr.message, /- .*something else/);
    failsWith(() => throws(() => { throw custom; }, { code: 'E_OTHER' }), { message: /E_OTHER/ });
    failsWith(() => throws(thrower, () => false), {
      message: /is expected to return "true"\. Received false/,
    });
    failsWith(() => throws(thrower, RangeError, 'wanted a RangeError'), { message: 'wanted a RangeError' });

    // A validator's own error propagates; a non-function fn is a TypeError.
    const mine = new Error('from validator');
    assert.throws(() => throws(thrower, () => { throw mine; }), (e) => e === mine);
    assert.throws(() => throws('not a function'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  },
};

export const doesNotThrowForms = {
  test() {
    doesNotThrow(() => 1);
    doesNotThrow(() => 1, 'message');
    failsWith(() => doesNotThrow(() => { throw new Error('oops'); }), {
      message: 'Got unwanted exception.\nActual message: "oops"', operator: 'doesNotThrow',
    });
    failsWith(() => doesNotThrow(() => { throw new Error('oops'); }, 'custom'), {
      message: 'Got unwanted exception: custom\nActual message: "oops"',
    });
    failsWith(() => doesNotThrow(() => { throw new TypeError('t'); }, TypeError), { operator: 'doesNotThrow' });
    // An error that does not match the given class is re-thrown as is.
    const original = new RangeError('r');
    assert.throws(() => doesNotThrow(() => { throw original; }, TypeError), (e) => e === original);
  },
};

export const rejectsForms = {
  async test() {
    await rejects(Promise.reject(new TypeError('nope')));
    await rejects(Promise.reject(new TypeError('nope')), TypeError);
    await rejects(async () => { throw new Error('async nope'); }, /async nope/);
    await rejects(() => Promise.reject(new Error('x')), { message: 'x' });
    await rejects(Promise.reject(new Error('y')), (e) => e.message === 'y');

    let err;
    try {
      await rejects(Promise.resolve(1));
    } catch (e) {
      err = e;
    }
    checkAssertionError(err, { message: 'Missing expected rejection.', operator: 'rejects' });
    assert.match(firstFrame(err), new RegExp(THIS_FILE.replace('.', '\\.') + ':\\d+:\\d+'), err.stack);

    err = undefined;
    try {
      await rejects(Promise.reject(new Error('wrong')), /right/);
    } catch (e) {
      err = e;
    }
    checkAssertionError(err, { message: /did not match the regular expression \/right\//, operator: 'rejects' });

    await assert.rejects(rejects(() => 5), { name: 'TypeError', code: 'ERR_INVALID_RETURN_VALUE' });
    await assert.rejects(rejects(5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });

    await doesNotReject(Promise.resolve(1));
    await doesNotReject(async () => 1);
    err = undefined;
    try {
      await doesNotReject(Promise.reject(new Error('late')));
    } catch (e) {
      err = e;
    }
    checkAssertionError(err, {
      message: 'Got unwanted rejection.\nActual message: "late"', operator: 'doesNotReject',
    });
  },
};

export const matchForms = {
  test() {
    match('hello world', /wor/);
    doesNotMatch('hello world', /xyz/);
    failsWith(() => match('abc', /x/), {
      message: "The input did not match the regular expression /x/. Input:\n\n'abc'\n", operator: 'match',
    });
    failsWith(() => doesNotMatch('abc', /b/), {
      message: "The input was expected to not match the regular expression /b/. Input:\n\n'abc'\n",
      operator: 'doesNotMatch',
    });
    failsWith(() => match(5, /5/), { message: /The "string" argument must be of type string/ });
    failsWith(() => match('abc', /x/, 'no x'), { message: 'no x', generatedMessage: false });
    assert.throws(() => match('abc', 'abc'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  },
};

export const failForms = {
  test() {
    failsWith(() => fail(), { message: 'Failed', operator: 'fail' });
    failsWith(() => fail('boom'), { message: 'boom', operator: 'fail', generatedMessage: false });
    const mine = new RangeError('mine');
    assert.throws(() => fail(mine), (e) => e === mine);
  },
};

export const assertionErrorClass = {
  test() {
    const e = new AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' });
    assert.ok(e instanceof Error);
    assert.strictEqual(e.name, 'AssertionError');
    assert.strictEqual(e.code, 'ERR_ASSERTION');
    assert.strictEqual(e.message, 'Expected values to be strictly equal:\n\n1 !== 2\n');
    assert.strictEqual(e.generatedMessage, true);
    assert.strictEqual(e.actual, 1);
    assert.strictEqual(e.expected, 2);
    assert.strictEqual(e.operator, 'strictEqual');
    const withMessage = new AssertionError({ message: 'plain' });
    assert.strictEqual(withMessage.message, 'plain');
    assert.strictEqual(withMessage.generatedMessage, false);
    assert.strictEqual(String(withMessage), 'AssertionError [ERR_ASSERTION]: plain');
    assert.throws(() => new AssertionError(), TypeError);
  },
};

export const stackPointsAtCaller = {
  test() {
    const err = failsWith(() => strictEqual(1, 2), {});
    const frame = firstFrame(err);
    assert.ok(frame.includes(THIS_FILE), `first frame should be in ${THIS_FILE}: ${err.stack}`);
    assert.ok(!/assert\.js/.test(frame), `first frame is inside node:assert: ${frame}`);
    assert.match(err.stack, /^AssertionError \[ERR_ASSERTION\]: Expected values/);
    const viaDefault = failsWith(() => assert(false), {});
    assert.ok(firstFrame(viaDefault).includes(THIS_FILE), viaDefault.stack);
    const viaThrows = failsWith(() => throws(() => {}), {});
    assert.ok(firstFrame(viaThrows).includes(THIS_FILE), viaThrows.stack);
  },
};

// Assertions keep working while the test has patched the built-ins they would otherwise use.
export const survivesPatchedBuiltins = {
  async test() {
    const saved = [
      [Array.prototype, 'push'], [Array.prototype, Symbol.iterator], [Map.prototype, 'get'],
      [Map.prototype, 'has'], [Set.prototype, 'has'], [Object, 'keys'], [RegExp.prototype, 'exec'],
      [String.prototype, 'split'], [Object, 'is'], [Promise.prototype, 'then'],
    ].map(([obj, key]) => [obj, key, Object.getOwnPropertyDescriptor(obj, key)]);
    const broken = () => { throw new Error('patched built-in was called'); };
    // Built before patching: constructing them iterates arrays.
    const maps = [new Map([[{ k: 1 }, [1, 2]]]), new Map([[{ k: 1 }, [1, 2]]])];
    const sets = [new Set([1, { a: 1 }]), new Set([{ a: 1 }, 1])];
    let pending;
    try {
      // Index loop: this file's own code must not iterate arrays once the patches are in.
      for (let i = 0, n = saved.length; i < n; i++) {
        Object.defineProperty(saved[i][0], saved[i][1], { value: broken, configurable: true, writable: true });
      }
      deepStrictEqual(maps[0], maps[1]);
      deepStrictEqual(sets[0], sets[1]);
      strictEqual(1, 1);
      match('abc', /b/);
      throws(() => { throw new Error('x'); }, { message: 'x' });
      notDeepStrictEqual({ a: 1 }, { a: 2 });
      pending = rejects(Promise.reject(new Error('r')), /r/);
    } finally {
      for (let i = 0, n = saved.length; i < n; i++) Object.defineProperty(saved[i][0], saved[i][1], saved[i][2]);
    }
    await pending;
  },
};

// --- the runner's side of the contract ---

export const envIsProvided = {
  test(ctrl, env, ctx) {
    assert.ok(ctrl !== null && typeof ctrl === 'object', 'ctrl');
    assert.strictEqual(typeof env, 'object');
    assert.notStrictEqual(env, null);
    assert.strictEqual(typeof ctx, 'object');
    assert.strictEqual(typeof ctx.waitUntil, 'function');
    assert.strictEqual(typeof ctx.passThroughOnException, 'function');
  },
};

let waitUntilRan = false;
export const waitUntilIsAwaited = {
  test(ctrl, env, ctx) {
    // Settles only after several turns; the runner must wait for it before the next test.
    let p = Promise.resolve();
    for (let i = 0; i < 5; i++) p = p.then(() => undefined);
    ctx.waitUntil(p.then(() => { waitUntilRan = true; }));
  },
};

export const waitUntilFinishedBeforeNextTest = {
  test() {
    assert.strictEqual(waitUntilRan, true, 'the previous test\'s ctx.waitUntil promise had not settled');
  },
};

export const asyncTestIsAwaited = {
  async test() {
    let done = false;
    await Promise.resolve().then(() => { done = true; });
    assert.ok(done);
  },
};

export const notATest = { run() { throw new Error('objects without test() are not tests'); } };
export const alsoNotATest = 42;
