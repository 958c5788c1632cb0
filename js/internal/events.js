// Event, CustomEvent, EventTarget, AbortController and AbortSignal, per the WHATWG DOM standard
// (https://dom.spec.whatwg.org/#events and #aborting-ongoing-activities).
//
// There is no node tree here: an event's path is only its target, so dispatch runs the
// target's capture listeners, then its non-capture listeners, both in the AT_TARGET phase.
//
// Internal API for other runtime modules (not installed as globals):
//   setErrorReporter(fn)             fn(error) is called for exceptions thrown by listeners
//   reportException(error)           report through that hook
//   initEventTarget(obj)             make an existing object (e.g. globalThis) an EventTarget
//   isEvent(v), isEventTarget(v), isAbortSignal(v)
//   setEventTrusted(event)           mark an event created by the runtime as isTrusted
//   dispatchTrustedEvent(target, event)
//   defineEventHandler(proto, 'onfoo')   an `onfoo` event handler attribute on a prototype
//   createAbortSignal()              a new, not aborted, AbortSignal
//   abortSignal(signal, reason)      "signal abort" (reason undefined -> AbortError DOMException)
//   addAbortAlgorithm(signal, fn)    run fn() when signal aborts; returns a function removing it
//   createDependentAbortSignal(arr)  AbortSignal.any over an internal array of signals
//
// Internal state lives in instances of record classes (internal:webidl's recordClass) rather
// than in {__proto__: null} literals, which V8 makes slow dictionary-mode objects.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { DOMException } from 'internal:dom_exception';
import { setTimeout } from 'internal:timers';
import { recordClass } from 'internal:webidl';

const {
  ArrayPrototypeIndexOf,
  ArrayPrototypePush,
  ArrayPrototypeSlice,
  ArrayPrototypeSplice,
  MathTrunc,
  NumberIsFinite,
  NumberMAX_SAFE_INTEGER,
  ArrayPrototypeSort,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ReflectApply,
  ReflectOwnKeys,
  SafeMap,
  SafeSet,
  SafeWeakMap,
  StringPrototypeSlice,
  Symbol,
  SymbolIterator,
  SymbolToStringTag,
  TypeError,
} = primordials;

// ---------------------------------------------------------------------------------------------
// Helpers

function isObject(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}


function plural(n) {
  return n === 1 ? '1 argument' : `${n} arguments`;
}

function argCountError(method, iface, required, present) {
  return new TypeError(`Failed to execute '${method}' on '${iface}': ` +
    `${plural(required)} required, but only ${present} present.`);
}

function ctorArgCountError(iface, required, present) {
  return new TypeError(`Failed to construct '${iface}': ` +
    `${plural(required)} required, but only ${present} present.`);
}

// WebIDL DOMString: ToString (a Symbol throws a TypeError).
function toDOMString(value) {
  return typeof value === 'string' ? value : `${value}`;
}

// WebIDL [EnforceRange] unsigned long long.
function toEnforcedULL(value, method, iface) {
  let x = +value;
  if (!NumberIsFinite(x)) {
    throw new TypeError(`Failed to execute '${method}' on '${iface}': ` +
      `Value is not a finite number, so it cannot be converted to 'unsigned long long'.`);
  }
  x = MathTrunc(x);
  if (x < 0 || x > NumberMAX_SAFE_INTEGER) {
    throw new TypeError(`Failed to execute '${method}' on '${iface}': ` +
      `Value is outside the 'unsigned long long' value range.`);
  }
  return x === 0 ? 0 : x;
}

// WebIDL interface members are enumerable; add Symbol.toStringTag.
function finishInterface(cls, name) {
  const proto = cls.prototype;
  const keys = ReflectOwnKeys(proto);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'constructor') continue;
    const desc = ObjectGetOwnPropertyDescriptor(proto, key);
    desc.enumerable = true;
    ObjectDefineProperty(proto, key, desc);
  }
  const statics = ReflectOwnKeys(cls);
  for (let i = 0; i < statics.length; i++) {
    const key = statics[i];
    if (key === 'prototype' || key === 'length' || key === 'name') continue;
    const desc = ObjectGetOwnPropertyDescriptor(cls, key);
    if (desc.configurable === false) continue;
    desc.enumerable = true;
    ObjectDefineProperty(cls, key, desc);
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: name, writable: false, enumerable: false, configurable: true,
  });
}

function defineConstants(cls, constants) {
  for (let i = 0; i < constants.length; i++) {
    const desc = {
      __proto__: null, value: constants[i][1], writable: false, enumerable: true, configurable: false,
    };
    ObjectDefineProperty(cls, constants[i][0], desc);
    ObjectDefineProperty(cls.prototype, constants[i][0], desc);
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting exceptions thrown by listeners ("report an exception"). The dispatch loop goes on.

let errorReporter = null;

function setErrorReporter(fn) {
  errorReporter = typeof fn === 'function' ? fn : null;
}

function describeError(error) {
  try {
    if (isObject(error)) {
      const stack = error.stack;
      if (typeof stack === 'string' && stack !== '') return stack;
    }
    return toDOMString(error);
  } catch {
    return '(an exception that could not be converted to a string)';
  }
}

function reportException(error) {
  const reporter = errorReporter;
  if (reporter !== null) {
    try {
      ReflectApply(reporter, undefined, [error]);
      return;
    } catch {
      // Fall through to the default.
    }
  }
  // Default when no reporter is installed: one console line, so the error is not lost.
  try {
    ops.log('error', `Uncaught ${describeError(error)}`);
  } catch {
    // Nothing else can be done.
  }
}

// ---------------------------------------------------------------------------------------------
// Event

const NONE = 0;
const CAPTURING_PHASE = 1;
const AT_TARGET = 2;
const BUBBLING_PHASE = 3;

let eventState;   // (event) -> state, or throws Illegal invocation
let isEvent;      // (value) -> boolean

// The event's "canceled flag", set only when cancelable and not inside a passive listener.
function setCanceled(s) {
  if (s.cancelable && !s.inPassiveListener) s.canceled = true;
}

// WebIDL dictionary conversion: undefined/null -> defaults (null here); other non-objects throw.
function readEventInit(init, iface) {
  if (init === undefined || init === null) return null;
  if (!isObject(init)) {
    throw new TypeError(`Failed to construct '${iface}': ` +
      `The provided value is not of type '${iface}Init'.`);
  }
  return init;
}

function initEventState(s, type, bubbles, cancelable) {
  s.initialized = true;
  s.stopPropagation = false;
  s.stopImmediatePropagation = false;
  s.canceled = false;
  s.trusted = false;
  s.target = null;
  s.type = type;
  s.bubbles = bubbles;
  s.cancelable = cancelable;
}

const EventState = recordClass(class EventState {
  target = null;
  currentTarget = null;
  eventPhase = NONE;
  stopPropagation = false;
  stopImmediatePropagation = false;
  canceled = false;
  inPassiveListener = false;
  dispatching = false;
  initialized = true;
  trusted = false;

  constructor(type, bubbles, cancelable, composed, timeStamp) {
    this.type = type;
    this.bubbles = bubbles;
    this.cancelable = cancelable;
    this.composed = composed;
    this.timeStamp = timeStamp;
  }
});

// isTrusted is [LegacyUnforgeable]: an own, non-configurable accessor on every instance.
const isTrustedDescriptor = {
  __proto__: null,
  get: ObjectGetOwnPropertyDescriptor({
    get isTrusted() { return eventState(this).trusted; },
  }, 'isTrusted').get,
  set: undefined,
  enumerable: true,
  configurable: false,
};

class Event {
  #s;

  constructor(type, eventInitDict = undefined) {
    if (arguments.length < 1) throw ctorArgCountError('Event', 1, 0);
    type = toDOMString(type);
    const init = readEventInit(eventInitDict, 'Event');
    let bubbles = false;
    let cancelable = false;
    let composed = false;
    if (init !== null) {
      // EventInit members, in WebIDL's (lexicographic) order.
      bubbles = !!init.bubbles;
      cancelable = !!init.cancelable;
      composed = !!init.composed;
    }
    this.#s = new EventState(type, bubbles, cancelable, composed, ops.now());
    ObjectDefineProperty(this, 'isTrusted', isTrustedDescriptor);
  }

  get type() {
    return eventState(this).type;
  }

  get target() {
    return eventState(this).target;
  }

  get srcElement() {
    return eventState(this).target;
  }

  get currentTarget() {
    return eventState(this).currentTarget;
  }

  composedPath() {
    const s = eventState(this);
    // The path holds only the target; it is empty outside dispatch.
    return s.currentTarget === null ? [] : [s.currentTarget];
  }

  get eventPhase() {
    return eventState(this).eventPhase;
  }

  stopPropagation() {
    eventState(this).stopPropagation = true;
  }

  get cancelBubble() {
    return eventState(this).stopPropagation;
  }

  set cancelBubble(value) {
    const s = eventState(this);
    if (value) s.stopPropagation = true;
  }

  stopImmediatePropagation() {
    const s = eventState(this);
    s.stopPropagation = true;
    s.stopImmediatePropagation = true;
  }

  get bubbles() {
    return eventState(this).bubbles;
  }

  get cancelable() {
    return eventState(this).cancelable;
  }

  get returnValue() {
    return !eventState(this).canceled;
  }

  set returnValue(value) {
    const s = eventState(this);
    if (!value) setCanceled(s);
  }

  preventDefault() {
    setCanceled(eventState(this));
  }

  get defaultPrevented() {
    return eventState(this).canceled;
  }

  get composed() {
    return eventState(this).composed;
  }

  get timeStamp() {
    return eventState(this).timeStamp;
  }

  initEvent(type, bubbles = false, cancelable = false) {
    const s = eventState(this);
    if (arguments.length < 1) throw argCountError('initEvent', 'Event', 1, 0);
    type = toDOMString(type);
    if (s.dispatching) return;
    initEventState(s, type, !!bubbles, !!cancelable);
  }

  static {
    eventState = (event) => {
      if (!isObject(event) || !(#s in event)) throw illegalInvocation();
      return event.#s;
    };
    isEvent = (value) => isObject(value) && #s in value;
  }
}

defineConstants(Event, [
  ['NONE', NONE], ['CAPTURING_PHASE', CAPTURING_PHASE], ['AT_TARGET', AT_TARGET],
  ['BUBBLING_PHASE', BUBBLING_PHASE],
]);
finishInterface(Event, 'Event');

function setEventTrusted(event) {
  eventState(event).trusted = true;
  return event;
}

// ---------------------------------------------------------------------------------------------
// CustomEvent

class CustomEvent extends Event {
  #detail;

  constructor(type, eventInitDict = undefined) {
    if (arguments.length < 1) throw ctorArgCountError('CustomEvent', 1, 0);
    super(type, eventInitDict);
    let detail = null;
    if (isObject(eventInitDict)) {
      const value = eventInitDict.detail;
      if (value !== undefined) detail = value;
    }
    this.#detail = detail;
  }

  get detail() {
    if (!isObject(this) || !(#detail in this)) throw illegalInvocation();
    return this.#detail;
  }

  initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
    if (!isObject(this) || !(#detail in this)) throw illegalInvocation();
    if (arguments.length < 1) throw argCountError('initCustomEvent', 'CustomEvent', 1, 0);
    type = toDOMString(type);
    const s = eventState(this);
    if (s.dispatching) return;
    initEventState(s, type, !!bubbles, !!cancelable);
    this.#detail = detail;
  }
}

finishInterface(CustomEvent, 'CustomEvent');

// ---------------------------------------------------------------------------------------------
// EventTarget

// An EventTarget's state. Both maps are made on first use: most targets (a Request's signal)
// never get a listener.
const TargetState = recordClass(class TargetState {
  listeners = null;  // SafeMap(type -> [listener record])
  handlers = null;   // SafeMap(name -> event handler record)
});

// EventTarget instances keep their state in a #field; existing objects made targets by
// initEventTarget (the global scope) keep it here.
const targets = new SafeWeakMap();
// Except the global scope, whose state is held here: a context made from the startup snapshot
// has a new global proxy object, which a WeakMap filled in the snapshot no longer finds (its
// identity hash is new).
let globalTarget;
let globalTargetState;

let ownTargetState;  // (object) -> the #field state, or undefined (set by EventTarget)

// The state, or undefined when `target` is not an EventTarget.
function maybeTargetState(target) {
  if (!isObject(target)) return undefined;
  const s = ownTargetState(target);
  if (s !== undefined) return s;
  return target === globalTarget ? globalTargetState : targets.get(target);
}

function targetState(target) {
  const s = maybeTargetState(target);
  if (s === undefined) throw illegalInvocation();
  return s;
}

function isEventTarget(value) {
  return maybeTargetState(value) !== undefined;
}

function initEventTarget(obj) {
  if (maybeTargetState(obj) !== undefined) return obj;
  if (obj === primordials.globalThis) {
    globalTarget = obj;
    globalTargetState = new TargetState();
  } else {
    targets.set(obj, new TargetState());
  }
  return obj;
}

// Whether `target` has a listener for `type` (the serve command asks the global scope for
// 'fetch' listeners: service-worker syntax).
function hasEventListener(target, type) {
  const ts = maybeTargetState(target);
  if (ts === undefined || ts.listeners === null) return false;
  const list = ts.listeners.get(type);
  return list !== undefined && list.length > 0;
}

// WebIDL `EventListener?`: null/undefined -> null; other non-objects are a TypeError.
function toListener(callback, method) {
  if (callback === undefined || callback === null) return null;
  if (!isObject(callback)) {
    throw new TypeError(`Failed to execute '${method}' on 'EventTarget': ` +
      `parameter 2 is not of type 'Object'.`);
  }
  return callback;
}

// "flatten more" for (AddEventListenerOptions or boolean).
function flattenAddOptions(options) {
  let capture = false;
  let once = false;
  let passive = false;
  let signal = null;
  if (isObject(options)) {
    capture = !!options.capture;
    once = !!options.once;
    const passiveValue = options.passive;
    if (passiveValue !== undefined) passive = !!passiveValue;
    const signalValue = options.signal;
    if (signalValue !== undefined) {
      if (!isAbortSignal(signalValue)) {
        throw new TypeError(`Failed to execute 'addEventListener' on 'EventTarget': ` +
          `Failed to read the 'signal' property from 'AddEventListenerOptions': ` +
          `The provided value is not of type 'AbortSignal'.`);
      }
      signal = signalValue;
    }
  } else if (options !== undefined && options !== null) {
    capture = !!options;
  }
  return { __proto__: null, capture, once, passive, signal };
}

// "flatten" for (EventListenerOptions or boolean).
function flattenCapture(options) {
  if (isObject(options)) return !!options.capture;
  return !!options;
}

// "add an event listener". Returns the listener record, or null when nothing was added.
function addListener(target, type, callback, capture, once, passive, signal) {
  if (signal !== null && signalState(signal).aborted) return null;
  if (callback === null) return null;
  const ts = targetState(target);
  if (ts.listeners === null) ts.listeners = new SafeMap();
  let list = ts.listeners.get(type);
  if (list === undefined) {
    list = [];
    ts.listeners.set(type, list);
  }
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (r.callback === callback && r.capture === capture) return null;
  }
  const record = {
    __proto__: null, type, callback, capture, once, passive, removed: false, removeFromSignal: null,
  };
  ArrayPrototypePush(list, record);
  if (signal !== null) {
    record.removeFromSignal = addAbortAlgorithm(signal, () => removeListener(target, record));
  }
  if (type === 'abort' && isAbortSignal(target)) registerDependent(target);
  return record;
}

// "remove an event listener".
function removeListener(target, record) {
  record.removed = true;
  const remove = record.removeFromSignal;
  if (remove !== null) {
    record.removeFromSignal = null;
    remove();
  }
  const ts = maybeTargetState(target);
  if (ts === undefined || ts.listeners === null) return;
  const list = ts.listeners.get(record.type);
  if (list === undefined) return;
  const index = ArrayPrototypeIndexOf(list, record);
  if (index === -1) return;
  ArrayPrototypeSplice(list, index, 1);
  if (list.length === 0) ts.listeners.delete(record.type);
}

// "call a user object's operation" with the listener, reporting what it throws.
function callListener(callback, thisArg, event) {
  try {
    if (typeof callback === 'function') {
      ReflectApply(callback, thisArg, [event]);
    } else {
      const handleEvent = callback.handleEvent;
      if (typeof handleEvent !== 'function') {
        throw new TypeError(`The event listener for '${eventState(event).type}' is an object ` +
          `without a 'handleEvent' method; pass a function or an object with handleEvent().`);
      }
      ReflectApply(handleEvent, callback, [event]);
    }
  } catch (error) {
    reportException(error);
  }
}

// "invoke" + "inner invoke" for one phase at the (only) target.
function invoke(target, event, s, capturePhase) {
  if (s.stopPropagation) return;
  s.currentTarget = target;
  const ts = maybeTargetState(target);
  if (ts === undefined || ts.listeners === null) return;
  const list = ts.listeners.get(s.type);
  if (list === undefined) return;
  // A clone: listeners added from here on are not run, removed ones are skipped (`removed`).
  const listeners = ArrayPrototypeSlice(list);
  for (let i = 0; i < listeners.length; i++) {
    const record = listeners[i];
    if (record.removed) continue;
    if (record.capture !== capturePhase) continue;
    if (record.once) removeListener(target, record);
    if (record.passive) s.inPassiveListener = true;
    callListener(record.callback, target, event);
    s.inPassiveListener = false;
    if (s.stopImmediatePropagation) return;
  }
}

// "dispatch" for a target without parents. Returns !canceled.
function dispatch(target, event, s) {
  s.dispatching = true;
  s.target = target;
  try {
    s.eventPhase = AT_TARGET;
    invoke(target, event, s, true);
    invoke(target, event, s, false);
  } finally {
    s.eventPhase = NONE;
    s.currentTarget = null;
    s.inPassiveListener = false;
    s.dispatching = false;
    s.stopPropagation = false;
    s.stopImmediatePropagation = false;
  }
  return !s.canceled;
}

function dispatchTrustedEvent(target, event) {
  targetState(target);
  const s = eventState(event);
  if (s.dispatching || !s.initialized) {
    throw new DOMException('The event is already being dispatched.', 'InvalidStateError');
  }
  s.trusted = true;
  return dispatch(target, event, s);
}

class EventTarget {
  #ts = new TargetState();

  addEventListener(type, callback, options = undefined) {
    targetState(this);
    if (arguments.length < 2) {
      throw argCountError('addEventListener', 'EventTarget', 2, arguments.length);
    }
    type = toDOMString(type);
    callback = toListener(callback, 'addEventListener');
    const o = flattenAddOptions(options);
    addListener(this, type, callback, o.capture, o.once, o.passive, o.signal);
  }

  removeEventListener(type, callback, options = undefined) {
    const ts = targetState(this);
    if (arguments.length < 2) {
      throw argCountError('removeEventListener', 'EventTarget', 2, arguments.length);
    }
    type = toDOMString(type);
    callback = toListener(callback, 'removeEventListener');
    const capture = flattenCapture(options);
    if (callback === null || ts.listeners === null) return;
    const list = ts.listeners.get(type);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const record = list[i];
      if (record.callback === callback && record.capture === capture) {
        removeListener(this, record);
        return;
      }
    }
  }

  dispatchEvent(event) {
    targetState(this);
    if (arguments.length < 1) throw argCountError('dispatchEvent', 'EventTarget', 1, 0);
    if (!isEvent(event)) {
      throw new TypeError(`Failed to execute 'dispatchEvent' on 'EventTarget': ` +
        `parameter 1 is not of type 'Event'.`);
    }
    const s = eventState(event);
    if (s.dispatching || !s.initialized) {
      throw new DOMException(`Failed to execute 'dispatchEvent' on 'EventTarget': ` +
        `The event is already being dispatched.`, 'InvalidStateError');
    }
    s.trusted = false;
    return dispatch(this, event, s);
  }

  static {
    ownTargetState = (object) => (#ts in object ? object.#ts : undefined);
  }
}

finishInterface(EventTarget, 'EventTarget');

// Event handler IDL attributes (`onabort`, ...): the first non-null value adds one listener,
// later values replace the callback in place, null removes it.
function defineEventHandler(proto, name) {
  const type = StringPrototypeSlice(name, 2);
  const accessors = {
    __proto__: null,
    get [name]() {
      const ts = targetState(this);
      const handler = ts.handlers === null ? undefined : ts.handlers.get(name);
      return handler === undefined ? null : handler.value;
    },
    set [name](value) {
      const ts = targetState(this);
      // [LegacyTreatNonObjectAsNull]
      if (!isObject(value)) value = null;
      let handler = ts.handlers === null ? undefined : ts.handlers.get(name);
      if (value === null) {
        if (handler !== undefined) {
          handler.value = null;
          const record = handler.record;
          handler.record = null;
          if (record !== null) removeListener(this, record);
        }
        return;
      }
      if (handler === undefined) {
        if (ts.handlers === null) ts.handlers = new SafeMap();
        handler = { __proto__: null, value: null, record: null };
        ts.handlers.set(name, handler);
      }
      handler.value = value;
      if (handler.record === null) {
        const h = handler;
        // "the event handler processing algorithm"
        const callback = function(event) {
          const fn = h.value;
          if (typeof fn !== 'function') return;
          const result = ReflectApply(fn, this, [event]);
          if (result === false) setCanceled(eventState(event));
        };
        handler.record = addListener(this, type, callback, false, false, false, null);
      }
    },
  };
  const desc = ObjectGetOwnPropertyDescriptor(accessors, name);
  desc.enumerable = true;
  desc.configurable = true;
  ObjectDefineProperty(proto, name, desc);
}

// ---------------------------------------------------------------------------------------------
// AbortSignal
//
// Dependent signals (AbortSignal.any, a Request's signal) follow their sources without
// WeakRefs: a dependent holds its sources' states strongly, and a source knows only the
// dependents that have 'abort' listeners or abort algorithms (those must stay alive, and be
// aborted, as long as a source can abort them). A dependent nobody listens to is not
// registered anywhere: reading its state (signalState) looks at its sources and takes the
// reason of the one that aborted first, which is what eagerly aborting it would have given.
// Its abort event would have had no listener, so skipping it is unobservable.

const kCreate = Symbol('kCreate');
const kMaxTimerDelay = 2147483647;

let abortCount = 0;   // orders aborts: a dependent takes the reason of its first source to abort
let dependentCount = 0;  // orders dependents by creation: their abort events fire in that order

const SignalState = recordClass(class SignalState {
  aborted = false;
  reason = undefined;
  abortOrder = 0;         // abortCount when it aborted
  algorithms = null;      // SafeSet of { fn } records
  dependent = false;
  createdOrder = 0;       // a dependent's dependentCount at creation
  sources = null;         // a dependent's sources: array of SignalStates, until it aborts
  dependents = null;      // a source's registered dependents: SafeSet of AbortSignals
  registered = false;     // a dependent is in its sources' `dependents`
});

const AlgorithmRecord = recordClass(class AlgorithmRecord {
  constructor(fn) {
    this.fn = fn;
  }
});

let signalState;     // (signal) -> state (brought up to date), or throws Illegal invocation
let rawSignalState;  // (signal) -> state as stored; signal must be an AbortSignal
let isAbortSignal;   // (value) -> boolean

function newAbortError() {
  return new DOMException('This operation was aborted', 'AbortError');
}

function markAborted(s, reason) {
  s.aborted = true;
  s.reason = reason;
  s.abortOrder = ++abortCount;
}

// An unregistered dependent whose source aborted takes that source's reason (see above).
function syncDependent(s) {
  const sources = s.sources;
  let first = null;
  for (let i = 0; i < sources.length; i++) {
    const ss = sources[i];
    if (ss.aborted && (first === null || ss.abortOrder < first.abortOrder)) first = ss;
  }
  if (first === null) return;
  s.aborted = true;
  s.reason = first.reason;
  s.abortOrder = first.abortOrder;
  s.sources = null;
}

class AbortSignal extends EventTarget {
  #s;

  constructor(key = undefined) {
    if (key !== kCreate) throw new TypeError('Illegal constructor');
    super();
    this.#s = new SignalState();
  }

  get aborted() {
    return signalState(this).aborted;
  }

  get reason() {
    return signalState(this).reason;
  }

  throwIfAborted() {
    const s = signalState(this);
    if (s.aborted) throw s.reason;
  }

  static abort(reason = undefined) {
    const signal = createAbortSignal();
    markAborted(signal.#s, reason === undefined ? newAbortError() : reason);
    return signal;
  }

  static timeout(milliseconds) {
    if (arguments.length < 1) throw argCountError('timeout', 'AbortSignal', 1, 0);
    let remaining = toEnforcedULL(milliseconds, 'timeout', 'AbortSignal');
    const signal = createAbortSignal();
    // Timers take a 32-bit delay; longer timeouts are waited for in steps.
    const onTimer = () => {
      if (remaining > 0) {
        schedule();
        return;
      }
      signalAbort(signal,
        new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    };
    const schedule = () => {
      const delay = remaining > kMaxTimerDelay ? kMaxTimerDelay : remaining;
      remaining -= delay;
      setTimeout(onTimer, delay);
    };
    schedule();
    return signal;
  }

  static any(signals) {
    if (arguments.length < 1) throw argCountError('any', 'AbortSignal', 1, 0);
    return createDependentAbortSignal(toSignalSequence(signals));
  }

  static {
    signalState = (signal) => {
      if (!isObject(signal) || !(#s in signal)) throw illegalInvocation();
      const s = signal.#s;
      if (s.sources !== null && !s.aborted && !s.registered) syncDependent(s);
      return s;
    };
    rawSignalState = (signal) => signal.#s;
    isAbortSignal = (value) => isObject(value) && #s in value;
  }
}

defineEventHandler(AbortSignal.prototype, 'onabort');
finishInterface(AbortSignal, 'AbortSignal');

function createAbortSignal() {
  return new AbortSignal(kCreate);
}

// WebIDL sequence<AbortSignal> from an iterable.
function toSignalSequence(value) {
  const notSequence = () => new TypeError(`Failed to execute 'any' on 'AbortSignal': ` +
    `The provided value cannot be converted to a sequence.`);
  if (!isObject(value)) throw notSequence();
  const method = value[SymbolIterator];
  if (typeof method !== 'function') throw notSequence();
  const iterator = ReflectApply(method, value, []);
  if (!isObject(iterator)) throw new TypeError('The iterator returned by [Symbol.iterator]() is not an object.');
  const next = iterator.next;
  const list = [];
  for (;;) {
    const result = ReflectApply(next, iterator, []);
    if (!isObject(result)) throw new TypeError('The iterator result is not an object.');
    if (result.done) break;
    const item = result.value;
    if (!isAbortSignal(item)) {
      throw new TypeError(`Failed to execute 'any' on 'AbortSignal': ` +
        `Failed to convert value to 'AbortSignal'.`);
    }
    ArrayPrototypePush(list, item);
  }
  return list;
}

// Adds a source state to a dependent's list, once.
function addSource(sources, seen, ss) {
  if (seen !== null) {
    if (seen.has(ss)) return;
    seen.add(ss);
  } else {
    for (let i = 0; i < sources.length; i++) {
      if (sources[i] === ss) return;
    }
  }
  sources[sources.length] = ss;
}

// "create a dependent abort signal" (AbortSignal.any).
function createDependentAbortSignal(signals) {
  const result = createAbortSignal();
  const rs = rawSignalState(result);
  for (let i = 0; i < signals.length; i++) {
    const s = signalState(signals[i]);
    if (s.aborted) {
      markAborted(rs, s.reason);
      return result;
    }
  }
  rs.dependent = true;
  rs.createdOrder = ++dependentCount;
  const sources = [];
  // Long lists are deduplicated through a set, short ones by a scan.
  const seen = signals.length > 16 ? new SafeSet() : null;
  for (let i = 0; i < signals.length; i++) {
    const s = rawSignalState(signals[i]);
    if (!s.dependent) {
      addSource(sources, seen, s);
    } else if (s.sources !== null) {
      // A dependent signal is never a source: follow its sources instead.
      const inner = s.sources;
      for (let j = 0; j < inner.length; j++) addSource(sources, seen, inner[j]);
    }
  }
  rs.sources = sources;
  return result;
}

// A dependent that gets an abort listener or algorithm is registered with its sources, which
// then keep it alive and abort it (running its algorithms and dispatching its event).
function registerDependent(signal) {
  const s = signalState(signal);
  if (!s.dependent || s.aborted || s.registered || s.sources === null) return;
  s.registered = true;
  const sources = s.sources;
  for (let i = 0; i < sources.length; i++) {
    const ss = sources[i];
    if (ss.dependents === null) ss.dependents = new SafeSet();
    ss.dependents.add(signal);
  }
}

// A dependent that aborted no longer needs its sources, nor they it.
function detachFromSources(signal, s) {
  const sources = s.sources;
  if (sources === null) return;
  s.sources = null;
  if (!s.registered) return;
  for (let i = 0; i < sources.length; i++) {
    const ss = sources[i];
    if (ss.dependents !== null) ss.dependents.delete(signal);
  }
}

// "add" an abort algorithm. Returns a function that removes it again.
function addAbortAlgorithm(signal, fn) {
  const s = signalState(signal);
  if (s.aborted) return () => {};
  if (s.algorithms === null) s.algorithms = new SafeSet();
  const record = new AlgorithmRecord(fn);
  s.algorithms.add(record);
  registerDependent(signal);
  return () => {
    if (s.algorithms !== null) s.algorithms.delete(record);
  };
}

// "run the abort steps"
function runAbortSteps(signal) {
  const s = rawSignalState(signal);
  const algorithms = s.algorithms;
  s.algorithms = null;
  if (algorithms !== null) {
    const list = [];
    for (const record of algorithms) ArrayPrototypePush(list, record);
    for (let i = 0; i < list.length; i++) {
      try {
        ReflectApply(list[i].fn, undefined, []);
      } catch (error) {
        reportException(error);
      }
    }
  }
  if (s.dependent) detachFromSources(signal, s);
  const event = new Event('abort');
  const es = eventState(event);
  es.trusted = true;
  dispatch(signal, event, es);
}

function byCreation(a, b) {
  return rawSignalState(a).createdOrder - rawSignalState(b).createdOrder;
}

// "signal abort"
function signalAbort(signal, reason) {
  const s = signalState(signal);
  if (s.aborted) return;
  markAborted(s, reason === undefined ? newAbortError() : reason);
  const toAbort = [];
  const dependents = s.dependents;
  s.dependents = null;
  if (dependents !== null) {
    for (const dependent of dependents) {
      const ds = rawSignalState(dependent);
      if (ds.aborted) continue;
      ds.aborted = true;
      ds.reason = s.reason;
      ds.abortOrder = s.abortOrder;
      ArrayPrototypePush(toAbort, dependent);
    }
    if (toAbort.length > 1) ArrayPrototypeSort(toAbort, byCreation);
  }
  runAbortSteps(signal);
  for (let i = 0; i < toAbort.length; i++) runAbortSteps(toAbort[i]);
}

function abortSignal(signal, reason = undefined) {
  signalState(signal);
  signalAbort(signal, reason);
}

// ---------------------------------------------------------------------------------------------
// AbortController

class AbortController {
  #signal;

  constructor() {
    this.#signal = createAbortSignal();
  }

  get signal() {
    if (!isObject(this) || !(#signal in this)) throw illegalInvocation();
    return this.#signal;
  }

  abort(reason = undefined) {
    if (!isObject(this) || !(#signal in this)) throw illegalInvocation();
    signalAbort(this.#signal, reason);
  }
}

finishInterface(AbortController, 'AbortController');

export {
  Event,
  CustomEvent,
  EventTarget,
  AbortController,
  AbortSignal,
  setErrorReporter,
  reportException,
  initEventTarget,
  hasEventListener,
  isEvent,
  isEventTarget,
  isAbortSignal,
  setEventTrusted,
  dispatchTrustedEvent,
  defineEventHandler,
  createAbortSignal,
  abortSignal,
  addAbortAlgorithm,
  createDependentAbortSignal,
};
