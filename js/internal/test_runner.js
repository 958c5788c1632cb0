// Runs one test file for `dynworker test` (loader.md section 6). Every export that is an object
// with a test(ctrl, env, ctx) method is a test, run in source order, one at a time.
//
// C++ contract:
//   runTests(namespace, { file, url, exportNames, filter, env, ctxFactory })
//       -> Promise<{ passed, failed }>   (never rejects for test failures)
//     file         path shown in output (relative to cwd)
//     url          the module's URL as it appears in stack frames (file:///abs/x.test.js)
//     exportNames  export names in source order (namespace keys are alphabetical)
//     filter       null, a substring of "file:name" or of the name, or "/regex source/"
//     env          passed to every test as is
//     ctxFactory   optional; called as ctxFactory(waitUntil) for each test and returns the ctx;
//                  `waitUntil` is the runner's collector, which the ctx should forward to so the
//                  runner can wait for those promises before the test counts as passed
//   currentTest()  name of the test whose promise is pending, or null
//   reportHang()   when the event loop went idle while runTests' promise is pending: prints the
//                  FAIL lines for the running test, marks it failed and lets runTests move on to
//                  the next test (keep running the loop until runTests settles). Returns
//                  { name, passed, failed } (counts so far, this test included) or null when no
//                  test was running.
// Every line is written with ops.log('log', line). The final "N passed, N failed" line is the
// caller's, since it sums over files.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { inspect } from 'internal:inspect';
import { ctxExports } from 'internal:rpc';

const {
  ArrayIsArray,
  ArrayPrototypePush,
  DateNow,
  Error,
  ObjectDefineProperty,
  ObjectKeys,
  Promise,
  PromisePrototypeThen,
  PromiseResolve,
  ReflectApply,
  RegExp,
  RegExpPrototypeExec,
  String,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  StringPrototypeSplit,
  StringPrototypeTrimEnd,
  StringPrototypeTrimStart,
  SyntaxError,
  decodeURI,
} = primordials;

const kHangMessage =
  "test did not finish: the event loop has no pending work but the test's promise never settled";

function log(line) {
  ops.log('log', line);
}

function show(value) {
  try {
    const s = inspect(value, { __proto__: null, depth: 4 });
    if (typeof s === 'string') return s;
  } catch {
    // fall through
  }
  try {
    return String(value);
  } catch {
    return '[unprintable value]';
  }
}

function logIndented(text, indent) {
  const lines = StringPrototypeSplit(text, '\n');
  let end = lines.length;
  while (end > 0 && StringPrototypeTrimEnd(lines[end - 1]) === '') end--;
  for (let i = 0; i < end; i++) {
    const line = StringPrototypeTrimEnd(lines[i]);
    log(line === '' ? '' : indent + line);
  }
}

// --- state shared with reportHang() ----------------------------------------------------------

let current = null; // { name, display, abort(), hung }
let counts = { __proto__: null, passed: 0, failed: 0 };

export function currentTest() {
  return current === null ? null : current.name;
}

export function reportHang() {
  if (current === null || current.hung) return null;
  const test = current;
  test.hung = true;
  log(`[ FAIL ] ${test.display}`);
  log(`    ${kHangMessage}`);
  counts.failed++;
  test.abort();
  return { __proto__: null, name: test.name, passed: counts.passed, failed: counts.failed };
}

// --- locating the failure in the test file -------------------------------------------------------

function isDigit(c) {
  return c >= 48 && c <= 57;
}

// "...<candidate>:12:34..." -> "12:34"
function lineColAfter(line, candidate, needBoundary) {
  let from = 0;
  for (;;) {
    const idx = StringPrototypeIndexOf(line, `${candidate}:`, from);
    if (idx === -1) return null;
    from = idx + 1;
    if (needBoundary && idx > 0) {
      const before = StringPrototypeCharCodeAt(line, idx - 1);
      // '/', '(', ' '
      if (before !== 47 && before !== 40 && before !== 32) continue;
    }
    let p = idx + candidate.length + 1;
    const lineStart = p;
    while (p < line.length && isDigit(StringPrototypeCharCodeAt(line, p))) p++;
    if (p === lineStart || StringPrototypeCharCodeAt(line, p) !== 58) continue;
    const colStart = ++p;
    while (p < line.length && isDigit(StringPrototypeCharCodeAt(line, p))) p++;
    if (p === colStart) continue;
    return StringPrototypeSlice(line, lineStart, p);
  }
}

// How this module's own frames are named, whatever URL scheme the embedder gives it.
const kSelfNames = ['internal:test_runner'];
try {
  const self = import.meta.url;
  if (typeof self === 'string' && self !== '') ArrayPrototypePush(kSelfNames, self);
} catch {
  // no import.meta support: the specifier above is enough
}

function isRunnerFrame(frame) {
  for (let i = 0; i < kSelfNames.length; i++) {
    if (StringPrototypeIndexOf(frame, kSelfNames[i]) !== -1) return true;
  }
  return false;
}

// The frames of a V8 stack, without the message lines before them and without the runner's
// own frames (and what called the runner) after the test's.
function stackFrames(stack) {
  const lines = StringPrototypeSplit(stack, '\n');
  const frames = [];
  let started = false;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = StringPrototypeTrimStart(lines[i]);
    if (!started && StringPrototypeSlice(trimmed, 0, 3) === 'at ') started = true;
    if (!started) continue;
    if (isRunnerFrame(trimmed)) break;
    ArrayPrototypePush(frames, trimmed);
  }
  return frames;
}

function locationCandidates(file, url) {
  const out = [];
  if (typeof url === 'string' && url !== '') {
    ArrayPrototypePush(out, [url, false]);
    if (StringPrototypeSlice(url, 0, 7) === 'file://') {
      const path = StringPrototypeSlice(url, 7);
      ArrayPrototypePush(out, [path, true]);
      try {
        const decoded = decodeURI(path);
        if (decoded !== path) ArrayPrototypePush(out, [decoded, true]);
      } catch {
        // not percent-encoded
      }
    }
  }
  if (typeof file === 'string' && file !== '') ArrayPrototypePush(out, [file, true]);
  return out;
}

function findLocation(frames, candidates) {
  for (let i = 0; i < frames.length; i++) {
    for (let j = 0; j < candidates.length; j++) {
      const at = lineColAfter(frames[i], candidates[j][0], candidates[j][1]);
      if (at !== null) return at;
    }
  }
  return null;
}

function printError(error, file, candidates) {
  let isErrorLike = false;
  let stack;
  let header;
  try {
    if (error !== null && typeof error === 'object') {
      stack = error.stack;
      isErrorLike = error instanceof Error || typeof stack === 'string';
    }
    if (isErrorLike) {
      const name = error.name;
      const message = error.message;
      header = `${name === undefined ? 'Error' : String(name)}: ${message === undefined ? '' : String(message)}`;
    }
  } catch {
    isErrorLike = false;
  }
  if (!isErrorLike) {
    logIndented(`Uncaught ${show(error)}`, '    ');
    return;
  }
  logIndented(header, '    ');
  if (typeof stack !== 'string') return;
  const frames = stackFrames(stack);
  const at = findLocation(frames, candidates);
  if (at !== null) log(`    at ${file}:${at}`);
  for (let i = 0; i < frames.length; i++) log(`        ${frames[i]}`);
  let cause;
  try {
    cause = error.cause;
  } catch {
    cause = undefined;
  }
  if (cause !== undefined) logIndented(`[cause]: ${show(cause)}`, '    ');
}

// --- running --------------------------------------------------------------------------------

function compileFilter(filter) {
  if (filter === null || filter === undefined || filter === '') return null;
  const text = String(filter);
  if (text.length >= 2 && StringPrototypeCharCodeAt(text, 0) === 47 &&
      StringPrototypeCharCodeAt(text, text.length - 1) === 47) {
    let re;
    try {
      re = new RegExp(StringPrototypeSlice(text, 1, -1));
    } catch (e) {
      throw new SyntaxError(`--filter ${text} is not a valid regular expression (${e.message}); ` +
        'write /source/ with a valid RegExp source, or a plain substring.');
    }
    return (s) => RegExpPrototypeExec(re, s) !== null;
  }
  return (s) => StringPrototypeIndexOf(s, text) !== -1;
}

function makeCtx(waitUntil) {
  return {
    waitUntil(promise) {
      waitUntil(promise);
    },
    passThroughOnException() {},
    props: {},
    exports: ctxExports,
  };
}

// Runs one test; the returned promise (ours) never rejects and resolves to
// null (passed), { error, inWaitUntil } (failed) or { hang: true } (reportHang was called).
function runOne(test, object, testFn, env, ctxFactory) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    test.abort = () => finish({ __proto__: null, hang: true });

    // Each waitUntil promise gets handlers at once, so a rejection is never "unhandled".
    const waits = [];
    let firstWaitError = null;
    const collect = (value) => {
      let p;
      try {
        p = PromiseResolve(value);
      } catch (e) {
        p = null;
        if (firstWaitError === null) firstWaitError = { __proto__: null, error: e };
      }
      if (p === null) return;
      ArrayPrototypePush(waits, PromisePrototypeThen(p, undefined, (e) => {
        if (firstWaitError === null) firstWaitError = { __proto__: null, error: e };
      }));
    };
    // waitUntil may be called while earlier promises settle: wait until no new ones come.
    const drain = (from, done) => {
      const end = waits.length;
      if (from === end) {
        done();
        return;
      }
      let pending = end - from;
      const step = () => {
        if (--pending === 0) drain(end, done);
      };
      for (let i = from; i < end; i++) PromisePrototypeThen(waits[i], step, step);
    };
    const afterTest = () => {
      drain(0, () => {
        if (firstWaitError !== null) {
          finish({ __proto__: null, error: firstWaitError.error, inWaitUntil: true });
        } else {
          finish(null);
        }
      });
    };

    let result;
    try {
      const ctrl = { scheduledTime: DateNow(), cron: '', noRetry() {} };
      const ctx = typeof ctxFactory === 'function' ? ctxFactory(collect) : makeCtx(collect);
      result = ReflectApply(testFn, object, [ctrl, env, ctx]);
    } catch (e) {
      finish({ __proto__: null, error: e, inWaitUntil: false });
      return;
    }
    let p;
    try {
      p = PromiseResolve(result);
    } catch (e) {
      finish({ __proto__: null, error: e, inWaitUntil: false });
      return;
    }
    PromisePrototypeThen(p, afterTest, (e) => {
      // Let waitUntil promises settle too, so none outlives its test.
      drain(0, () => finish({ __proto__: null, error: e, inWaitUntil: false }));
    });
  });
}

// `await` on our own native promise: give it an own `constructor` so the await does not read a
// possibly patched Promise.prototype.constructor.
function ours(promise) {
  ObjectDefineProperty(promise, 'constructor', {
    __proto__: null, value: Promise, writable: false, enumerable: false, configurable: false,
  });
  return promise;
}

export async function runTests(namespace, options) {
  const opts = options ?? {};
  const url = opts.url;
  let file = opts.file;
  if (typeof file !== 'string' || file === '') file = typeof url === 'string' ? url : '<test file>';
  const names = [];
  if (ArrayIsArray(opts.exportNames)) {
    const given = opts.exportNames;
    for (let i = 0; i < given.length; i++) ArrayPrototypePush(names, String(given[i]));
  } else {
    const keys = ObjectKeys(namespace);
    for (let i = 0; i < keys.length; i++) ArrayPrototypePush(names, keys[i]);
  }
  const matches = compileFilter(opts.filter);
  const env = opts.env;
  const ctxFactory = opts.ctxFactory;
  const candidates = locationCandidates(file, url);

  counts = { __proto__: null, passed: 0, failed: 0 };
  const myCounts = counts;

  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    let object;
    let testFn;
    try {
      object = namespace[name];
      if (object === null || typeof object !== 'object') continue;
      testFn = object.test;
    } catch {
      continue;
    }
    if (typeof testFn !== 'function') continue;
    const display = `${file}:${name}`;
    if (matches !== null && !matches(display) && !matches(name)) continue;

    const test = { __proto__: null, name, display, abort: null, hung: false };
    current = test;
    const outcome = await ours(runOne(test, object, testFn, env, ctxFactory));
    current = null;

    if (outcome === null) {
      myCounts.passed++;
      log(`[ PASS ] ${display}`);
    } else if (outcome.hang) {
      // reportHang() already printed and counted it.
    } else {
      myCounts.failed++;
      log(`[ FAIL ] ${display}`);
      if (outcome.inWaitUntil) log('    a promise passed to ctx.waitUntil() rejected:');
      printError(outcome.error, file, candidates);
    }
  }
  return { __proto__: null, passed: myCounts.passed, failed: myCounts.failed };
}
