// node:assert. Semantics follow node's documented behaviour (deep equality rules, validation
// forms of throws/rejects, AssertionError fields and messages). Written for this runtime: every
// built-in is a primordial, because test files may patch prototypes before they assert.

import primordials from 'internal:primordials';
import { inspect } from 'internal:inspect';
import { isDeepEqual } from 'internal:deep_equal';
import { isRegExp } from 'internal:types';

const {
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  Error,
  ErrorCaptureStackTrace,
  ErrorPrototype,
  FunctionPrototypeToString,
  Int32Array,
  ObjectDefineProperty,
  ObjectIs,
  ObjectKeys,
  ObjectPrototypeIsPrototypeOf,
  ObjectPrototypeToString,
  Promise,
  PromisePrototypeThen,
  PromiseResolve,
  ReflectApply,
  RegExpPrototypeExec,
  RegExpPrototypeToString,
  String,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  StringPrototypeSplit,
  TypeError,
} = primordials;

// ---------------------------------------------------------------------------------------------
// Printing values for messages

const kDiffInspectOptions = {
  __proto__: null,
  compact: false,
  sorted: true,
  depth: 1000,
  customInspect: false,
  getters: true,
  maxArrayLength: Infinity,
  maxStringLength: Infinity,
  breakLength: Infinity,
  showHidden: false,
  showProxy: false,
};
const kShortInspectOptions = { __proto__: null, depth: 4, breakLength: Infinity };

function safeString(value) {
  try {
    return String(value);
  } catch {
    return ObjectPrototypeToString(value);
  }
}

// An assertion failure must never be masked by a value that cannot be printed.
function show(value, options) {
  try {
    const s = inspect(value, options);
    if (typeof s === 'string') return s;
  } catch {
    // fall through
  }
  if (typeof value === 'string') return `'${value}'`;
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    return ObjectPrototypeToString(value);
  }
  return safeString(value);
}

function splitLines(s) {
  return StringPrototypeSplit(s, '\n');
}

function isPrimitive(v) {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

// Line diff of two printouts: '+' lines are only in actual, '-' only in expected.
const kMaxDiffCells = 4e6;
const kContext = 3;
const kMaxDiffOutputLines = 400;

function diffLines(a, b) {
  const out = [];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  for (let i = 0; i < start; i++) ArrayPrototypePush(out, [' ', a[i]]);
  const n = endA - start;
  const m = endB - start;
  if (n * m <= kMaxDiffCells && n > 0 && m > 0) {
    // LCS table over suffixes, row-major, (n+1) x (m+1).
    const w = m + 1;
    const t = new Int32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        if (a[start + i] === b[start + j]) t[i * w + j] = t[(i + 1) * w + j + 1] + 1;
        else {
          const down = t[(i + 1) * w + j];
          const right = t[i * w + j + 1];
          t[i * w + j] = down >= right ? down : right;
        }
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        ArrayPrototypePush(out, [' ', a[start + i]]); i++; j++;
      } else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) {
        ArrayPrototypePush(out, ['+', a[start + i]]); i++;
      } else {
        ArrayPrototypePush(out, ['-', b[start + j]]); j++;
      }
    }
    for (; i < n; i++) ArrayPrototypePush(out, ['+', a[start + i]]);
    for (; j < m; j++) ArrayPrototypePush(out, ['-', b[start + j]]);
  } else {
    for (let i = start; i < endA; i++) ArrayPrototypePush(out, ['+', a[i]]);
    for (let j = start; j < endB; j++) ArrayPrototypePush(out, ['-', b[j]]);
  }
  for (let i = endA; i < a.length; i++) ArrayPrototypePush(out, [' ', a[i]]);
  return out;
}

function renderDiff(header, actualText, expectedText) {
  const entries = diffLines(splitLines(actualText), splitLines(expectedText));
  const keep = [];
  for (let i = 0; i < entries.length; i++) keep[i] = false;
  for (let i = 0; i < entries.length; i++) {
    if (entries[i][0] !== ' ') {
      const lo = i - kContext < 0 ? 0 : i - kContext;
      const hi = i + kContext >= entries.length ? entries.length - 1 : i + kContext;
      for (let k = lo; k <= hi; k++) keep[k] = true;
    }
  }
  // Short printouts are shown whole; long ones only around the changes.
  const showAll = entries.length <= 2 * kContext + 8;
  const lines = [];
  let skipped = false;
  let truncated = 0;
  for (let i = 0; i < entries.length; i++) {
    if (!showAll && !keep[i]) {
      if (i === 0 || showAll || keep[i - 1]) {
        ArrayPrototypePush(lines, '...');
        skipped = true;
      }
      continue;
    }
    if (lines.length >= kMaxDiffOutputLines) { truncated++; continue; }
    const tag = entries[i][0];
    const text = entries[i][1];
    ArrayPrototypePush(lines, tag === ' ' ? `  ${text}` : `${tag} ${text}`);
  }
  if (truncated > 0) ArrayPrototypePush(lines, `... ${truncated} more lines`);
  return `${header}\n+ actual - expected${skipped ? ' ... Lines skipped' : ''}\n\n` +
    ArrayPrototypeJoin(lines, '\n');
}

const kHeaders = {
  __proto__: null,
  deepStrictEqual: 'Expected values to be strictly deep-equal:',
  strictEqual: 'Expected values to be strictly equal:',
  deepEqual: 'Expected values to be loosely deep-equal:',
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
};

function generateMessage(actual, expected, operator) {
  switch (operator) {
    case 'strictEqual':
    case 'deepStrictEqual':
    case 'deepEqual': {
      const header = kHeaders[operator];
      const a = show(actual, kDiffInspectOptions);
      const b = show(expected, kDiffInspectOptions);
      if (a === b) {
        if (operator === 'strictEqual' && !isPrimitive(actual) && !isPrimitive(expected)) {
          return `Values have same structure but are not reference-equal:\n\n${a}\n`;
        }
        return `${header}\n\n${a}\n\nBoth values print the same; they differ in something the ` +
          'printout does not show (prototype, property attributes or identity).';
      }
      if (isPrimitive(actual) && isPrimitive(expected) &&
          StringPrototypeIndexOf(a, '\n') === -1 && StringPrototypeIndexOf(b, '\n') === -1 &&
          a.length + b.length <= 80) {
        const op = operator === 'deepEqual' ? '!=' : '!==';
        return `${header}\n\n${a} ${op} ${b}\n`;
      }
      return renderDiff(header, a, b);
    }
    case 'notStrictEqual':
    case 'notDeepStrictEqual':
    case 'notDeepEqual': {
      let header = kHeaders[operator];
      if (operator === 'notStrictEqual' && !isPrimitive(actual)) {
        header = 'Expected "actual" not to be reference-equal to "expected":';
      }
      const a = show(actual, kDiffInspectOptions);
      if (StringPrototypeIndexOf(a, '\n') === -1 && a.length <= 60) return `${header} ${a}`;
      return `${header}\n\n${a}\n`;
    }
    case undefined:
      return 'Failed';
    default:
      return `${show(actual, kShortInspectOptions)} ${operator} ${show(expected, kShortInspectOptions)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// AssertionError

function describeReceived(value) {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') return `Received ${show(value, kShortInspectOptions)}`;
  return `Received type ${typeof value} (${show(value, kShortInspectOptions)})`;
}

function invalidArgType(name, expectedDescription, value) {
  const err = new TypeError(`The "${name}" argument must be ${expectedDescription}. ` +
    describeReceived(value));
  ObjectDefineProperty(err, 'code', {
    __proto__: null, value: 'ERR_INVALID_ARG_TYPE', writable: true, enumerable: false, configurable: true,
  });
  return err;
}

function defineData(obj, key, value, enumerable) {
  ObjectDefineProperty(obj, key, { __proto__: null, value, writable: true, enumerable, configurable: true });
}

class AssertionError extends Error {
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgType('options', 'of type object', options);
    }
    const message = options.message;
    const operator = options.operator;
    const actual = options.actual;
    const expected = options.expected;
    const stackStartFn = options.stackStartFn;
    let text;
    let generated;
    if (message !== undefined && message !== null) {
      text = safeString(message);
      generated = false;
    } else {
      text = generateMessage(actual, expected, operator);
      generated = true;
    }
    super(text);
    defineData(this, 'generatedMessage', generated, true);
    defineData(this, 'code', 'ERR_ASSERTION', true);
    defineData(this, 'actual', actual, true);
    defineData(this, 'expected', expected, true);
    defineData(this, 'operator', operator, true);
    // The stack's first line reads "AssertionError [ERR_ASSERTION]: ..." like node's; V8
    // formats the header when `stack` is first read, so read it while the own name is set.
    defineData(this, 'name', 'AssertionError [ERR_ASSERTION]', false);
    ErrorCaptureStackTrace(this, typeof stackStartFn === 'function' ? stackStartFn : AssertionError);
    // eslint-disable-next-line no-unused-expressions
    this.stack;
    delete this.name;
  }

  toString() {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}
ObjectDefineProperty(AssertionError.prototype, 'name', {
  __proto__: null, value: 'AssertionError', writable: true, enumerable: false, configurable: true,
});

function innerFail(fields) {
  if (ObjectPrototypeIsPrototypeOf(ErrorPrototype, fields.message)) throw fields.message;
  throw new AssertionError(fields);
}

// For the async assertions: the caller's frame is gone once the promise settles, so the call
// site is captured up front and spliced into the error's stack.
function captureCallSite(fn) {
  const site = new Error();
  ErrorCaptureStackTrace(site, fn);
  return site;
}

function withCallSite(err, site) {
  try {
    const frames = site.stack;
    if (typeof frames !== 'string') return err;
    const nl = StringPrototypeIndexOf(frames, '\n');
    const tail = nl === -1 ? '' : StringPrototypeSlice(frames, nl);
    defineData(err, 'stack', `AssertionError [ERR_ASSERTION]: ${err.message}${tail}`, false);
  } catch {
    // keep V8's stack
  }
  return err;
}

// ---------------------------------------------------------------------------------------------
// Assertions

function assert(...args) {
  innerOk(assert, args);
}

function ok(...args) {
  innerOk(ok, args);
}

function innerOk(fn, args) {
  if (args.length === 0) {
    innerFail({
      actual: undefined, expected: true, operator: '==', stackStartFn: fn,
      message: 'No value argument passed to `assert.ok()`',
    });
  }
  const value = args[0];
  if (!value) {
    innerFail({ actual: value, expected: true, operator: '==', message: args[1], stackStartFn: fn });
  }
}

function equal(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (!(actual == expected || (actual !== actual && expected !== expected))) {
    innerFail({ actual, expected, message, operator: '==', stackStartFn: equal });
  }
}

function notEqual(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (actual == expected || (actual !== actual && expected !== expected)) {
    innerFail({ actual, expected, message, operator: '!=', stackStartFn: notEqual });
  }
}

function strictEqual(actual, expected, message) {
  if (!ObjectIs(actual, expected)) {
    innerFail({ actual, expected, message, operator: 'strictEqual', stackStartFn: strictEqual });
  }
}

function notStrictEqual(actual, expected, message) {
  if (ObjectIs(actual, expected)) {
    innerFail({ actual, expected, message, operator: 'notStrictEqual', stackStartFn: notStrictEqual });
  }
}

function deepEqual(actual, expected, message) {
  if (!isDeepEqual(actual, expected, false)) {
    innerFail({ actual, expected, message, operator: 'deepEqual', stackStartFn: deepEqual });
  }
}

function notDeepEqual(actual, expected, message) {
  if (isDeepEqual(actual, expected, false)) {
    innerFail({ actual, expected, message, operator: 'notDeepEqual', stackStartFn: notDeepEqual });
  }
}

function deepStrictEqual(actual, expected, message) {
  if (!isDeepEqual(actual, expected, true)) {
    innerFail({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: deepStrictEqual });
  }
}

function notDeepStrictEqual(actual, expected, message) {
  if (isDeepEqual(actual, expected, true)) {
    innerFail({
      actual, expected, message, operator: 'notDeepStrictEqual', stackStartFn: notDeepStrictEqual,
    });
  }
}

function fail(...args) {
  if (args.length >= 2) {
    // Legacy form fail(actual, expected, message, operator, stackStartFn).
    innerFail({
      actual: args[0], expected: args[1], message: args[2], operator: args[3] ?? '!=',
      stackStartFn: typeof args[4] === 'function' ? args[4] : fail,
    });
  }
  const message = args.length === 0 || args[0] === undefined ? 'Failed' : args[0];
  innerFail({ actual: undefined, expected: undefined, message, operator: 'fail', stackStartFn: fail });
}

function match(string, regexp, message) {
  innerMatch(string, regexp, message, match, true);
}

function doesNotMatch(string, regexp, message) {
  innerMatch(string, regexp, message, doesNotMatch, false);
}

function innerMatch(string, regexp, message, fn, wanted) {
  if (!isRegExp(regexp)) throw invalidArgType('regexp', 'an instance of RegExp', regexp);
  const operator = wanted ? 'match' : 'doesNotMatch';
  if (typeof string !== 'string') {
    innerFail({
      actual: string, expected: regexp, operator, stackStartFn: fn,
      message: message ?? `The "string" argument must be of type string. ${describeReceived(string)}`,
    });
  }
  if ((RegExpPrototypeExec(regexp, string) !== null) !== wanted) {
    innerFail({
      actual: string, expected: regexp, operator, stackStartFn: fn,
      message: message ?? (wanted ? 'The input did not match the regular expression ' :
        'The input was expected to not match the regular expression ') +
        `${RegExpPrototypeToString(regexp)}. Input:\n\n${show(string, kShortInspectOptions)}\n`,
    });
  }
}

// --- throws / rejects ------------------------------------------------------------------------

const kNoException = { __proto__: null };

function getActual(fn) {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  try {
    fn();
  } catch (e) {
    return e;
  }
  return kNoException;
}

function isClassConstructor(fn) {
  try {
    const src = FunctionPrototypeToString(fn);
    return StringPrototypeSlice(src, 0, 5) === 'class';
  } catch {
    return false;
  }
}

function nameOfError(err) {
  if (err === null || (typeof err !== 'object' && typeof err !== 'function')) return show(err, kShortInspectOptions);
  try {
    const ctor = err.constructor;
    if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name;
  } catch {
    // fall through
  }
  return show(err, kShortInspectOptions);
}

function messageOfError(err) {
  try {
    if (err !== null && (typeof err === 'object' || typeof err === 'function')) {
      const m = err.message;
      if (m !== undefined) return safeString(m);
    }
  } catch {
    // fall through
  }
  return show(err, kShortInspectOptions);
}

class Comparison {
  constructor(source, keys, other) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key in source) {
        const value = source[key];
        defineData(this, key, value, true);
      }
    }
    if (other !== undefined) {
      // Keys that matched take the expected side's value so the diff shows only mismatches.
      for (let i = 0; i < other.length; i++) defineData(this, other[i][0], other[i][1], true);
    }
  }
}

// Throws an AssertionError (or the validator's own error) when `actual` does not satisfy
// `expected`. `actual` is what fn threw / the promise rejected with.
function checkError(actual, expected, message, fn, site) {
  const raise = (fields) => {
    if (ObjectPrototypeIsPrototypeOf(ErrorPrototype, message)) throw message;
    fields.stackStartFn = fn;
    fields.actual = actual;
    fields.expected = expected;
    if (message !== undefined) fields.message = message;
    const err = new AssertionError(fields);
    throw site === undefined ? err : withCallSite(err, site);
  };
  const operator = fn === rejects ? 'rejects' : 'throws';
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && actual instanceof expected) return;
    if (expected === Error || ObjectPrototypeIsPrototypeOf(Error, expected) || isClassConstructor(expected)) {
      let text = `The error is expected to be an instance of "${expected.name}". Received "${nameOfError(actual)}"`;
      if (actual !== null && typeof actual === 'object') text += `\n\nError message:\n\n${messageOfError(actual)}`;
      raise({ operator, message: text });
    }
    const result = ReflectApply(expected, {}, [actual]);
    if (result !== true) {
      const label = expected.name ? `The "${expected.name}" validation function` : 'The validation function';
      raise({
        operator,
        message: `${label} is expected to return "true". Received ${show(result, kShortInspectOptions)}\n\n` +
          `Caught error:\n\n${safeErrorString(actual)}`,
      });
    }
    return;
  }
  if (isRegExp(expected)) {
    const str = safeErrorString(actual);
    if (RegExpPrototypeExec(expected, str) === null) {
      raise({
        operator,
        message: `The input did not match the regular expression ${RegExpPrototypeToString(expected)}. ` +
          `Input:\n\n${show(str, kShortInspectOptions)}\n`,
      });
    }
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    const keys = ObjectKeys(expected);
    // An expected object inheriting from Error.prototype also checks name and message (as in
    // node, a native error whose prototype was changed does not).
    if (ObjectPrototypeIsPrototypeOf(ErrorPrototype, expected)) ArrayPrototypePush(keys, 'name', 'message');
    if (keys.length === 0) {
      const err = new TypeError('The "error" argument may not be an empty object; pass the ' +
        'properties the error must have, a class, a RegExp or a validation function.');
      defineData(err, 'code', 'ERR_INVALID_ARG_VALUE', false);
      throw err;
    }
    if (actual === null || (typeof actual !== 'object' && typeof actual !== 'function')) {
      raise({
        operator,
        message: `The error is expected to be an object with properties ${show(keys, kShortInspectOptions)}. ` +
          `Received ${show(actual, kShortInspectOptions)}`,
      });
    }
    let failed = false;
    const matched = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const want = expected[key];
      let good;
      if (!(key in actual)) {
        good = false;
      } else {
        const have = actual[key];
        if (typeof have === 'string' && isRegExp(want)) good = RegExpPrototypeExec(want, have) !== null;
        else good = isDeepEqual(have, want, true);
      }
      if (good) ArrayPrototypePush(matched, [key, want]);
      else failed = true;
    }
    if (failed) {
      const a = new Comparison(actual, keys, matched);
      const b = new Comparison(expected, keys);
      raise({ operator, message: generateMessage(a, b, 'deepStrictEqual') });
    }
    return;
  }
  throw invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', expected);
}

function safeErrorString(value) {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return show(value, kShortInspectOptions);
  }
}

// Like checkError but reports instead of throwing; used by doesNotThrow/doesNotReject, where
// an error that does not match `expected` is re-thrown as is.
function errorMatches(actual, expected) {
  if (expected === undefined) return true;
  if (isRegExp(expected)) return RegExpPrototypeExec(expected, safeErrorString(actual)) !== null;
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && actual instanceof expected) return true;
    if (expected === Error || ObjectPrototypeIsPrototypeOf(Error, expected) || isClassConstructor(expected)) {
      return false;
    }
    return ReflectApply(expected, {}, [actual]) === true;
  }
  throw invalidArgType('expected', 'of type function or an instance of RegExp', expected);
}

function expectsError(fn, actual, error, message, site) {
  if (typeof error === 'string') {
    if (message !== undefined) throw invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', error);
    message = error;
    error = undefined;
  }
  if (actual === kNoException) {
    if (ObjectPrototypeIsPrototypeOf(ErrorPrototype, message)) throw message;
    let details = '';
    if (typeof error === 'function' && typeof error.name === 'string' && error.name !== '') {
      details += ` (${error.name})`;
    }
    details += message !== undefined ? `: ${safeString(message)}` : '.';
    const kind = fn === rejects ? 'rejection' : 'exception';
    const err = new AssertionError({
      actual: undefined, expected: error, operator: fn === rejects ? 'rejects' : 'throws',
      message: `Missing expected ${kind}${details}`, stackStartFn: fn,
    });
    throw site === undefined ? err : withCallSite(err, site);
  }
  if (error !== undefined) checkError(actual, error, message, fn, site);
}

function expectsNoError(fn, actual, error, message, site) {
  if (actual === kNoException) return;
  if (typeof error === 'string') {
    if (message !== undefined) throw invalidArgType('error', 'of type function or an instance of RegExp', error);
    message = error;
    error = undefined;
  }
  if (errorMatches(actual, error)) {
    if (ObjectPrototypeIsPrototypeOf(ErrorPrototype, message)) throw message;
    const details = message !== undefined ? `: ${safeString(message)}` : '.';
    const kind = fn === doesNotReject ? 'rejection' : 'exception';
    const err = new AssertionError({
      actual, expected: error, operator: fn === doesNotReject ? 'doesNotReject' : 'doesNotThrow',
      message: `Got unwanted ${kind}${details}\nActual message: "${messageOfError(actual)}"`,
      stackStartFn: fn,
    });
    throw site === undefined ? err : withCallSite(err, site);
  }
  throw actual;
}

function throws(fn, error, message) {
  expectsError(throws, getActual(fn), error, message, undefined);
}

function doesNotThrow(fn, error, message) {
  expectsNoError(doesNotThrow, getActual(fn), error, message, undefined);
}

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') &&
    typeof value.then === 'function';
}

// Resolves to what the promise (or the promise returned by the function) rejected with, or to
// kNoException when it fulfilled.
function waitForActual(promiseFn) {
  let promise;
  if (typeof promiseFn === 'function') {
    promise = promiseFn();
    if (!isThenable(promise)) {
      const err = new TypeError('Expected instance of Promise to be returned from the "promiseFn" ' +
        `function but got ${promise === null || promise === undefined ? promise : `type ${typeof promise}`}.`);
      defineData(err, 'code', 'ERR_INVALID_RETURN_VALUE', false);
      throw err;
    }
  } else if (isThenable(promiseFn)) {
    promise = promiseFn;
  } else {
    throw invalidArgType('promiseFn', 'of type function or an instance of Promise', promiseFn);
  }
  return PromisePrototypeThen(PromiseResolve(promise), () => kNoException, (e) => e);
}

function asyncAssertion(fn, promiseFn, error, message, check) {
  const site = captureCallSite(fn);
  return new Promise((resolve, reject) => {
    let waiting;
    try {
      waiting = waitForActual(promiseFn);
    } catch (e) {
      reject(e);
      return;
    }
    PromisePrototypeThen(waiting, (actual) => {
      try {
        check(fn, actual, error, message, site);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
  });
}

function rejects(promiseFn, error, message) {
  return asyncAssertion(rejects, promiseFn, error, message, expectsError);
}

function doesNotReject(promiseFn, error, message) {
  return asyncAssertion(doesNotReject, promiseFn, error, message, expectsNoError);
}

// ---------------------------------------------------------------------------------------------
// Exports: `assert` (loose legacy names) and `assert.strict` (strict names).

function strict(...args) {
  innerOk(strict, args);
}

const common = {
  ok, fail, throws, doesNotThrow, rejects, doesNotReject, match, doesNotMatch,
  strictEqual, notStrictEqual, deepStrictEqual, notDeepStrictEqual, AssertionError,
};
const commonKeys = ObjectKeys(common);
for (let i = 0; i < commonKeys.length; i++) {
  defineData(assert, commonKeys[i], common[commonKeys[i]], true);
  defineData(strict, commonKeys[i], common[commonKeys[i]], true);
}
defineData(assert, 'equal', equal, true);
defineData(assert, 'notEqual', notEqual, true);
defineData(assert, 'deepEqual', deepEqual, true);
defineData(assert, 'notDeepEqual', notDeepEqual, true);
defineData(assert, 'strict', strict, true);
defineData(strict, 'equal', strictEqual, true);
defineData(strict, 'notEqual', notStrictEqual, true);
defineData(strict, 'deepEqual', deepStrictEqual, true);
defineData(strict, 'notDeepEqual', notDeepStrictEqual, true);
defineData(strict, 'strict', strict, true);

export default assert;
export {
  ok, equal, notEqual, strictEqual, notStrictEqual, deepEqual, notDeepEqual, deepStrictEqual,
  notDeepStrictEqual, throws, doesNotThrow, rejects, doesNotReject, match, doesNotMatch, fail,
  AssertionError, strict,
};
