// setTimeout / setInterval / clearTimeout / clearInterval and queueMicrotask, per HTML's
// timer initialisation steps. C++ owns one libuv timer per id (ops.timerStart) and calls
// back `onTimer(id)`; repeat, arguments and ids are kept here.
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { IdMap } from 'internal:id_map';

const {
  FunctionPrototypeCall, ReflectApply, MathTrunc, NumberIsFinite, TypeError,
  globalThis: globalObject,
} = primordials;

// id -> timer; an IdMap, not a Map: a timer per request made a Map keep finished requests
// alive through minor GCs (see internal:id_map).
const timers = new IdMap();
let nextId = 1;
let reportError = (e) => { throw e; };

export function setTimerErrorReporter(fn) { reportError = fn; }

// WebIDL `long`: ToNumber (a Symbol or BigInt throws a TypeError), then wrap modulo 2^32 into
// the signed range; NaN and infinities become 0.
function toLong(value) {
  let n = +value;
  if (!NumberIsFinite(n)) return 0;
  n = MathTrunc(n) % 4294967296;
  if (n >= 2147483648) n -= 4294967296;
  else if (n < -2147483648) n += 4294967296;
  return n === 0 ? 0 : n; // no -0
}

// The timeout argument is a `long`; HTML then clamps negatives to 0.
function toDelay(timeout) {
  const n = toLong(timeout);
  return n < 0 ? 0 : n;
}

function schedule(handler, timeout, args, repeat, name) {
  if (typeof handler !== 'function') {
    // Workers do not compile strings into code; say so instead of silently doing nothing.
    throw new TypeError(`Failed to execute '${name}': the handler must be a function ` +
      '(strings are not evaluated as code).');
  }
  const id = nextId++;
  const delay = toDelay(timeout);
  // The request it belongs to (a dynamic worker's limits: jsg/limits.h), 0 for none.
  timers.set(id, { handler, args, repeat, delay, request: ops.requestCurrent() });
  ops.timerStart(id, delay);
  return id;
}

function onTimer(id) {
  const timer = timers.get(id);
  if (timer === undefined) return;
  if (timer.repeat) {
    // Re-armed before the handler runs, so clearInterval inside the handler wins.
    ops.timerStart(id, timer.delay);
  } else {
    timers.delete(id);
  }
  // HTML's timer initialisation steps invoke the callback with the global object as `this`.
  if (timer.request === 0) {
    ReflectApply(timer.handler, globalObject, timer.args);
    return;
  }
  // Its CPU counts for the request that set it, and so does what it continues with.
  ops.requestEnter(timer.request);
  try {
    ReflectApply(timer.handler, globalObject, timer.args);
  } finally {
    ops.requestEnter(0);
  }
}
ops.setHook('timerHandler', onTimer);

export function setTimeout(handler, timeout = 0, ...args) {
  return schedule(handler, timeout, args, false, 'setTimeout');
}

export function setInterval(handler, timeout = 0, ...args) {
  return schedule(handler, timeout, args, true, 'setInterval');
}

// clearTimeout(optional long id = 0): the id goes through the WebIDL `long` conversion, so
// '3' or 3.5 name timer 3; a value that names no timer is ignored, as HTML requires.
function clear(id) {
  const handle = toLong(id);
  if (!timers.delete(handle)) return;
  ops.timerStop(handle);
}

// Stops every timer set for `request` (failed by a limit: none of its code runs again).
export function cancelRequestTimers(request) {
  // Not collected into an array first: user code may have setters for indices on
  // Array.prototype, which would take the ids and keep the timers running.
  timers.forEach((timer, id) => {
    if (timer.request !== request) return;
    timers.delete(id);
    ops.timerStop(id);
  });
}

export function clearTimeout(id = 0) { clear(id); }
export function clearInterval(id = 0) { clear(id); }

export function queueMicrotask(callback) {
  if (arguments.length < 1) {
    throw new TypeError("Failed to execute 'queueMicrotask': 1 argument required, but only 0 present.");
  }
  if (typeof callback !== 'function') {
    throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  }
  ops.enqueueMicrotask(() => {
    try {
      FunctionPrototypeCall(callback, undefined);
    } catch (e) {
      reportError(e);
    }
  });
}
