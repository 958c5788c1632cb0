// The `console` global. Every call is formatted with internal:inspect (node's console output)
// and written as one block of text with ops.log(level, text), so a multi-line object logged in
// one call stays together. Levels follow node: log/info/debug/dir/table/count/time* write
// 'log', 'info' or 'debug'; warn, error, assert and trace go to 'warn' / 'error' (stderr).
//
// Methods do not use `this` (`const { log } = console; log(1)` works), never throw on odd
// arguments, and use only primordials, so user code replacing built-ins cannot break them.
//
// Not in the startup snapshot: evaluated when user code first reads the console global (see
// internal:lazy). The tail workers' tap is held by internal:console_tap.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { consoleTap } from 'internal:console_tap';

const {
  ArrayIsArray,
  ArrayPrototypePush,
  MapPrototypeEntries,
  MapIteratorPrototypeNext,
  ObjectGetOwnPropertyDescriptor,
  ObjectPrototypeHasOwnProperty,
  ReflectApply,
  ReflectOwnKeys,
  SafeMap,
  SetPrototypeValues,
  SetIteratorPrototypeNext,
  StringPrototypeIndexOf,
  StringPrototypeRepeat,
  StringPrototypeSlice,
  SymbolPrototypeToString,
  SymbolToStringTag,
  ObjectDefineProperty,
} = primordials;

// internal:inspect, the largest runtime module, is loaded on first use rather than imported:
// then it is not in the startup snapshot, which every dynamic worker deserializes whether it
// logs or not (about 3% of a new worker's start).
let inspectModule = null;
function lazyInspect() {
  if (inspectModule === null) inspectModule = ops.loadBuiltin('internal:inspect');
  return inspectModule;
}
export function inspect(value, opts) { return lazyInspect().inspect(value, opts); }
function format(...args) { return ReflectApply(lazyInspect().format, undefined, args); }
function captureStack(fn) { return lazyInspect().captureStack(fn); }
// For console.table only: internal:types is loaded with internal:inspect, not with the console.
function isMap(value) { return ops.loadBuiltin('internal:types').isMap(value); }
function isSet(value) { return ops.loadBuiltin('internal:types').isSet(value); }
function formatDuration(ms) { return lazyInspect().formatDuration(ms); }
function displayWidth(text, ansi) { return lazyInspect().displayWidth(text, ansi); }
function indentNewlines(text, indent) { return lazyInspect().indentNewlines(text, indent); }

let groupIndent = '';
const counts = new SafeMap();
const timers = new SafeMap();

function now() {
  try {
    return ops.now();
  } catch {
    return 0;
  }
}

// Writes one call's text, indented for the current console.group() depth.
// Tail workers see what a request logged (internal:rpc sets the tap in dynamic workers).
function emit(level, text) {
  if (groupIndent !== '') text = groupIndent + indentNewlines(text, groupIndent);
  const tap = consoleTap();
  if (tap !== null) tap(level, text);
  try {
    ops.log(level, text);
  } catch {
    // nowhere left to report to
  }
}

// The common call, console.log('text', value, 42): strings and simple primitives, with no
// format directive in a first string followed by more arguments, come out as internal:inspect's
// format gives them (joined by spaces), without loading that module: it was most of what a
// small worker's first console.log cost. Anything else: undefined, and format() does it.
function simpleFormat(args) {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    let s;
    if (typeof v === 'string') {
      if (i === 0 && args.length > 1 && StringPrototypeIndexOf(v, '%') !== -1) return undefined;
      s = v;
    } else if (typeof v === 'number') {
      if (v === 0 && 1 / v < 0) return undefined;  // -0, which inspect writes as "-0"
      s = `${v}`;
    } else if (typeof v === 'boolean' || v === undefined || v === null) {
      s = `${v}`;
    } else {
      return undefined;
    }
    out = i === 0 ? s : `${out} ${s}`;
  }
  return out;
}

function formatArgs(args) {
  try {
    const simple = simpleFormat(args);  // may throw too: a join past the longest string
    if (simple !== undefined) return simple;
    return ReflectApply(format, undefined, args);
  } catch {
    return '[console: arguments could not be formatted]';
  }
}

// A label (console.count / console.time) as a string, like `${label}` but never throwing.
function labelString(label) {
  if (label === undefined) return 'default';
  if (typeof label === 'string') return label;
  if (typeof label === 'symbol') return SymbolPrototypeToString(label);
  if (label === null || (typeof label !== 'object' && typeof label !== 'function')) {
    return `${label}`;
  }
  try {
    const s = `${label}`;
    if (typeof s === 'string') return s;
  } catch {
    // fall through
  }
  return inspect(label);
}

function log(...args) {
  emit('log', formatArgs(args));
}
function info(...args) {
  emit('info', formatArgs(args));
}
function debug(...args) {
  emit('debug', formatArgs(args));
}
function warn(...args) {
  emit('warn', formatArgs(args));
}
function error(...args) {
  emit('error', formatArgs(args));
}
function dirxml(...args) {
  emit('log', formatArgs(args));
}

function assert(condition, ...args) {
  if (condition) return;
  if (args.length === 0) {
    emit('warn', 'Assertion failed');
  } else if (typeof args[0] === 'string') {
    args[0] = `Assertion failed: ${args[0]}`;
    emit('warn', formatArgs(args));
  } else {
    emit('warn', `Assertion failed: ${formatArgs(args)}`);
  }
}

function trace(...args) {
  const message = args.length === 0 ? '' : `: ${formatArgs(args)}`;
  const stack = captureStack(trace);
  emit('error', stack === '' ? `Trace${message}` : `Trace${message}\n${stack}`);
}

function dir(object, options) {
  let text;
  try {
    let opts = { customInspect: false };
    if (options !== null && typeof options === 'object') opts = { customInspect: false, ...options };
    text = inspect(object, opts);
  } catch {
    text = inspect(object);
  }
  emit('log', text);
}

function group(...label) {
  if (label.length > 0) emit('log', formatArgs(label));
  groupIndent += '  ';
}

function groupEnd() {
  groupIndent = StringPrototypeSlice(groupIndent, 0, groupIndent.length < 2 ? 0 : -2);
}

function count(label) {
  const name = labelString(label);
  const n = (counts.get(name) ?? 0) + 1;
  counts.set(name, n);
  emit('log', `${name}: ${n}`);
}

function countReset(label) {
  const name = labelString(label);
  if (!counts.has(name)) {
    emit('warn', `Count for '${name}' does not exist`);
    return;
  }
  counts.set(name, 0);
}

function time(label) {
  const name = labelString(label);
  if (timers.has(name)) {
    emit('warn', `Label '${name}' already exists for console.time()`);
    return;
  }
  timers.set(name, now());
}

function elapsedText(name, method) {
  const start = timers.get(name);
  if (start === undefined) {
    emit('warn', `No such label '${name}' for console.${method}()`);
    return undefined;
  }
  return `${name}: ${formatDuration(now() - start)}`;
}

function timeEnd(label) {
  const name = labelString(label);
  const text = elapsedText(name, 'timeEnd');
  if (text === undefined) return;
  timers.delete(name);
  emit('log', text);
}

function timeLog(label, ...data) {
  const name = labelString(label);
  const text = elapsedText(name, 'timeLog');
  if (text === undefined) return;
  emit('log', data.length === 0 ? text : `${text} ${formatArgs(data)}`);
}

// ---- console.table ----

function tableCell(value) {
  let depth = 0;
  if (value !== null && typeof value === 'object' && !isArraySafe(value)) {
    let keyCount = 0;
    try {
      const keys = ReflectOwnKeys(value);
      for (let i = 0; i < keys.length && keyCount <= 2; i++) {
        const desc = ObjectGetOwnPropertyDescriptor(value, keys[i]);
        if (typeof keys[i] === 'string' && desc !== undefined && desc.enumerable === true) keyCount++;
      }
    } catch {
      keyCount = 0;
    }
    if (keyCount > 2) depth = -1;
  }
  return inspect(value, { depth, maxArrayLength: 3, breakLength: Infinity });
}

function isArraySafe(value) {
  try {
    return ArrayIsArray(value);
  } catch {
    return false;
  }
}

// Own enumerable string keys, without calling getters.
function enumerableKeys(obj) {
  const out = [];
  const keys = ReflectOwnKeys(obj);
  for (let i = 0; i < keys.length; i++) {
    if (typeof keys[i] !== 'string') continue;
    const desc = ObjectGetOwnPropertyDescriptor(obj, keys[i]);
    if (desc !== undefined && desc.enumerable === true) ArrayPrototypePush(out, keys[i]);
  }
  return out;
}

// The value of an own property for a table cell ([Getter] for accessors).
function ownValueCell(obj, key) {
  const desc = ObjectGetOwnPropertyDescriptor(obj, key);
  if (desc === undefined) return '';
  if (ObjectPrototypeHasOwnProperty(desc, 'get')) return desc.get !== undefined ? '[Getter]' : '[Setter]';
  return tableCell(desc.value);
}

function renderTable(head, columns) {
  const widths = [];
  let rows = 0;
  for (let c = 0; c < head.length; c++) {
    let width = displayWidth(head[c], false);
    const column = columns[c];
    if (column.length > rows) rows = column.length;
    for (let r = 0; r < column.length; r++) {
      const cell = column[r];
      if (cell !== undefined) {
        const w = displayWidth(cell, false);
        if (w > width) width = w;
      }
    }
    ArrayPrototypePush(widths, width + 2);
  }
  const line = (left, middle, right) => {
    let out = left;
    for (let c = 0; c < widths.length; c++) {
      if (c > 0) out += middle;
      out += StringPrototypeRepeat('\u2500', widths[c]);
    }
    return out + right;
  };
  const row = (cells) => {
    let out = '\u2502';
    for (let c = 0; c < widths.length; c++) {
      const cell = cells[c] === undefined ? '' : cells[c];
      const pad = widths[c] - displayWidth(cell, false) - 1;
      out += ` ${cell}${StringPrototypeRepeat(' ', pad > 0 ? pad : 0)}\u2502`;
    }
    return out;
  };
  let out = `${line('\u250c', '\u252c', '\u2510')}\n${row(head)}\n${line('\u251c', '\u253c', '\u2524')}\n`;
  for (let r = 0; r < rows; r++) {
    const cells = [];
    for (let c = 0; c < columns.length; c++) ArrayPrototypePush(cells, columns[c][r]);
    out += `${row(cells)}\n`;
  }
  return out + line('\u2514', '\u2534', '\u2518');
}

function buildTable(data, properties) {
  if (isMap(data)) {
    const index = [];
    const keys = [];
    const values = [];
    const it = MapPrototypeEntries(data);
    for (let i = 0; ; i++) {
      const step = MapIteratorPrototypeNext(it);
      if (step.done) break;
      ArrayPrototypePush(index, tableCell(i));
      ArrayPrototypePush(keys, tableCell(step.value[0]));
      ArrayPrototypePush(values, tableCell(step.value[1]));
    }
    return renderTable(['(iteration index)', 'Key', 'Values'], [index, keys, values]);
  }
  if (isSet(data)) {
    const index = [];
    const values = [];
    const it = SetPrototypeValues(data);
    for (let i = 0; ; i++) {
      const step = SetIteratorPrototypeNext(it);
      if (step.done) break;
      ArrayPrototypePush(index, tableCell(i));
      ArrayPrototypePush(values, tableCell(step.value));
    }
    return renderTable(['(iteration index)', 'Values'], [index, values]);
  }

  const columnNames = [];
  const columns = new SafeMap(); // name -> cells by row
  const valuesColumn = [];
  let hasPrimitives = false;
  const rowKeys = enumerableKeys(data);
  for (let r = 0; r < rowKeys.length; r++) {
    const desc = ObjectGetOwnPropertyDescriptor(data, rowKeys[r]);
    const item = desc !== undefined && !ObjectPrototypeHasOwnProperty(desc, 'get')
      ? desc.value : undefined;
    const primitive = item === null || (typeof item !== 'function' && typeof item !== 'object');
    if (properties === undefined && primitive) {
      hasPrimitives = true;
      valuesColumn[r] = tableCell(item);
      continue;
    }
    const keys = properties !== undefined ? properties : enumerableKeys(item);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      const name = typeof key === 'symbol' ? SymbolPrototypeToString(key) : `${key}`;
      let column = columns.get(name);
      if (column === undefined) {
        column = [];
        columns.set(name, column);
        ArrayPrototypePush(columnNames, name);
      }
      column[r] = primitive || !ObjectPrototypeHasOwnProperty(item, key) ? '' : ownValueCell(item, key);
    }
  }
  const head = ['(index)'];
  const cols = [rowKeys];
  for (let i = 0; i < columnNames.length; i++) {
    ArrayPrototypePush(head, columnNames[i]);
    ArrayPrototypePush(cols, columns.get(columnNames[i]));
  }
  if (hasPrimitives) {
    ArrayPrototypePush(head, 'Values');
    ArrayPrototypePush(cols, valuesColumn);
  }
  return renderTable(head, cols);
}

function table(data, properties) {
  if (data === null || typeof data !== 'object') {
    emit('log', formatArgs([data]));
    return;
  }
  let props;
  if (properties !== undefined) {
    if (!isArraySafe(properties)) {
      emit('log', formatArgs([data]));
      return;
    }
    props = [];
    const n = properties.length;
    for (let i = 0; i < n; i++) {
      const key = properties[i];
      ArrayPrototypePush(props, typeof key === 'symbol' ? key : labelString(key));
    }
  }
  let text;
  try {
    text = buildTable(data, props);
  } catch {
    text = formatArgs([data]);
  }
  emit('log', text);
}

// Not meaningful without a devtools front end.
function clear() {}
function profile() {}
function profileEnd() {}
function timeStamp() {}

export const console = {
  log,
  info,
  debug,
  warn,
  error,
  dirxml,
  trace,
  assert,
  dir,
  table,
  group,
  groupCollapsed(...label) {
    ReflectApply(group, undefined, label);
  },
  groupEnd,
  count,
  countReset,
  time,
  timeEnd,
  timeLog,
  clear,
  profile,
  profileEnd,
  timeStamp,
};
ObjectDefineProperty(console, SymbolToStringTag, {
  value: 'console', writable: false, enumerable: false, configurable: true,
});

// Lets the runtime format with options (colors...) the same way console does.
export function formatWithOptions(...args) {
  return ReflectApply(lazyInspect().formatWithOptions, undefined, args);
}
