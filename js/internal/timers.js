// setTimeout / setInterval / clearTimeout / clearInterval and queueMicrotask, per HTML's
// timer initialisation steps. C++ owns one libuv timer per id (ops.timerStart) and calls
// back `onTimer(id)`; repeat, arguments and ids are kept here.
import primordials from 'internal:primordials';
import ops from 'internal:ops';

const {
  FunctionPrototypeCall, ReflectApply, SafeMap, MathTrunc, NumberIsFinite, TypeError,
  MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, MapPrototypeHas,
} = primordials;

const timers = new SafeMap();
let nextId = 1;
let reportError = (e) => { throw e; };

export function setTimerErrorReporter(fn) { reportError = fn; }

// WebIDL `long`: ToNumber, then wrap modulo 2^32 into the signed range; NaN and infinities
// become 0. HTML then clamps negatives to 0.
function toDelay(timeout) {
  let n = +timeout;
  if (!NumberIsFinite(n)) return 0;
  n = MathTrunc(n) % 4294967296;
  if (n >= 2147483648) n -= 4294967296;
  else if (n < -2147483648) n += 4294967296;
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
  MapPrototypeSet(timers, id, { handler, args, repeat, delay });
  ops.timerStart(id, delay);
  return id;
}

function onTimer(id) {
  const timer = MapPrototypeGet(timers, id);
  if (timer === undefined) return;
  if (timer.repeat) {
    // Re-armed before the handler runs, so clearInterval inside the handler wins.
    ops.timerStart(id, timer.delay);
  } else {
    MapPrototypeDelete(timers, id);
  }
  ReflectApply(timer.handler, undefined, timer.args);
}
ops.setHook('timerHandler', onTimer);

export function setTimeout(handler, timeout = 0, ...args) {
  return schedule(handler, timeout, args, false, 'setTimeout');
}

export function setInterval(handler, timeout = 0, ...args) {
  return schedule(handler, timeout, args, true, 'setInterval');
}

function clear(id) {
  // Any value is accepted and ignored when it names no timer, as HTML requires.
  if (typeof id !== 'number' || !MapPrototypeHas(timers, id)) return;
  MapPrototypeDelete(timers, id);
  ops.timerStop(id);
}

export function clearTimeout(id) { clear(id); }
export function clearInterval(id) { clear(id); }

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
