// connect() and Socket for `cloudflare:sockets`, with workerd's behaviour and messages
// (src/workerd/api/sockets.c++): address and option checks, `opened`, `closed`, `close()`,
// `startTls()`, half-open handling. The bytes move through the socket* ops (src/api/socket_ops.cc),
// which hold the connections by number.
//
// State of one socket (a record, `s`):
//   id          the native connection, 0 when there is none (closed, failed, handed to startTls)
//   ready       resolves once `id` is usable: at once for connect(), after the plaintext socket is
//               flushed for startTls(); rejects when the connection fails first
//   readState   'open' | 'eof' | 'errored' | 'cancelled'
//   writeDone   the write side is finished (FIN sent, failed or aborted)
//
// Runtime-internal API (not reachable by user code):
//   connectDenyingAddresses(address, options, cidrs)
//       connect(address, options) on the network (never through a globalOutbound), except that
//       the connection is not made when the host's DNS answer (or the IP literal) has an address
//       inside one of `cidrs` (an array of strings: "10.0.0.0/8", "fd00::/8", no brackets
//       needed): `opened` and `closed` then reject with an Error "Egress to HOST:PORT is not
//       permitted by the sandbox policy." carrying `deniedAddress` and `deniedCidr`. Address
//       and option errors throw as connect()'s do; a malformed block throws a TypeError.
//   isAddressDenial(value)
//       true only for such an Error made by the runtime (internal:fetch exports the same).
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { parseURL } from 'internal:url';
import { getConnectOutbound, countSubrequest } from 'internal:outbound';
import { isArrayBuffer, isSharedArrayBuffer } from 'internal:types';
import {
  createReadableByteStream, readableStreamControllerEnqueue, readableStreamControllerClose,
  readableStreamControllerError, readableStreamCancel, createWritableStream, writableStreamState,
  writableStreamControllerError, writableStreamForceClose, writableStreamForceAbort,
  writableStreamFlush,
} from 'internal:streams';

const {
  ArrayIsArray, ArrayPrototypePush, FinalizationRegistry, FinalizationRegistryPrototypeRegister, ArrayBufferIsView, ArrayBufferPrototypeGetByteLength, DataViewPrototypeGetByteLength, MathTrunc,
  NumberIsFinite, ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, Promise,
  PromisePrototypeThen, PromiseReject, SharedArrayBufferPrototypeGetByteLength,
  StringPrototypeCharCodeAt, Symbol, SymbolToStringTag, TypeError,
  TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetSymbolToStringTag,
} = primordials;

const { isAddressDenial } = ops;

const kInternal = Symbol('kInternal');
// Goes through a writable's queue to find out when everything before it has been written.
const kFlush = { __proto__: null };

function noop() {}

function isObject(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function newDeferred() {
  const d = {
    __proto__: null, promise: undefined, resolve: undefined, reject: undefined, pending: true,
  };
  d.promise = new Promise((resolve, reject) => {
    d.resolve = resolve;
    d.reject = reject;
  });
  PromisePrototypeThen(d.promise, undefined, noop);  // handled: workerd marks these handled too
  return d;
}

function resolveDeferred(d, value) {
  if (!d.pending) return;
  d.pending = false;
  d.resolve(value);
}

function rejectDeferred(d, reason) {
  if (!d.pending) return;
  d.pending = false;
  d.reject(reason);
}

// ---------------------------------------------------------------------------------------------
// Arguments

// workerd's isValidHost: a cheap guard on the whole "host:port" string, not a full validation.
function isValidHost(address) {
  const length = address.length;
  if (length === 0 || length > 255) return false;
  for (let i = 0; i < length; i++) {
    const c = StringPrototypeCharCodeAt(address, i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) continue;
    // - . _ [ ] :
    if (c === 0x2d || c === 0x2e || c === 0x5f || c === 0x5b || c === 0x5d || c === 0x3a) continue;
    return false;
  }
  return true;
}

// A `uint16_t` field as workerd's bindings convert it.
function toPort(value) {
  const n = +value;
  if (!NumberIsFinite(n)) {
    throw new TypeError('The value cannot be converted because it is not an integer.');
  }
  if (n < 0) {
    throw new TypeError('The value cannot be converted because it is negative and this API ' +
      'expects a positive number.');
  }
  if (n > 65535) throw new TypeError('Value out of range. Must be less than or equal to 65535.');
  return MathTrunc(n);
}

// -> { hostname, port, address }: address is the "host:port" string opened's remoteAddress shows.
function parseAddress(address) {
  let hostname;
  let port;
  let text;
  if (isObject(address)) {
    // SocketAddress { hostname, port }, its fields read in that order.
    const rawHostname = address.hostname;
    if (rawHostname === undefined) {
      throw new TypeError("Incorrect type for the 'hostname' field on 'SocketAddress': the " +
        "provided value is not of type 'string'.");
    }
    hostname = `${rawHostname}`;
    port = toPort(address.port);
    if (hostname === '') throw new TypeError('Specified address is missing hostname.');
    text = `${hostname}:${port}`;
  } else {
    text = `${address}`;
    // Only the host and port matter; the URL parser handles IPv6 brackets.
    const url = parseURL(`fake://${text}`);
    if (url === null) throw new TypeError('Specified address could not be parsed.');
    if (url.host === null || url.host === '') {
      throw new TypeError('Specified address is missing hostname.');
    }
    if (url.port === null) throw new TypeError('Specified address is missing port.');
    hostname = url.host;
    port = url.port;
  }
  if (!isValidHost(text)) {
    throw new TypeError('Specified address is empty string, contains unsupported characters or ' +
      'is too long.');
  }
  if (port === 0) {
    throw new TypeError(
      `Specified address has port 0 (${text}): a port must be between 1 and 65535.`);
  }
  return { __proto__: null, hostname, port, address: text };
}

// SocketOptions { secureTransport, allowHalfOpen, highWaterMark }.
function parseOptions(options) {
  const result = {
    __proto__: null, secureTransport: 'off', allowHalfOpen: false, highWaterMark: undefined,
  };
  if (options === undefined || options === null) return result;
  if (!isObject(options)) {
    throw new TypeError("Failed to execute 'connect' on 'SocketsModule': parameter 2 is not of " +
      "type 'SocketOptions'.");
  }
  const secureTransport = options.secureTransport;
  const allowHalfOpen = options.allowHalfOpen;
  const highWaterMark = options.highWaterMark;
  if (secureTransport !== undefined) result.secureTransport = `${secureTransport}`;
  result.allowHalfOpen = !!allowHalfOpen;
  if (highWaterMark !== undefined) {
    const n = +highWaterMark;
    if (!NumberIsFinite(n)) {
      throw new TypeError('The value cannot be converted because it is not an integer.');
    }
    if (n < 0) {
      throw new TypeError('The value cannot be converted because it is negative and this API ' +
        'expects a positive number.');
    }
    result.highWaterMark = MathTrunc(n);
  }
  return result;
}

function transportMode(secureTransport) {
  switch (secureTransport) {
    case 'off': return 0;
    case 'on': return 1;
    case 'starttls': return 2;
    default:
      throw new TypeError(`Unsupported value in secureTransport socket option: ${secureTransport}`);
  }
}

// Bytes of a chunk the writable accepts, or undefined for a chunk it refuses.
function chunkBytes(chunk) {
  if (typeof chunk === 'string') return ops.utf8Encode(chunk);
  if (ArrayBufferIsView(chunk) || isArrayBuffer(chunk) || isSharedArrayBuffer(chunk)) return chunk;
  return undefined;
}

function byteLength(bytes) {
  if (ArrayBufferIsView(bytes)) {
    if (TypedArrayPrototypeGetSymbolToStringTag(bytes) !== undefined) {
      return TypedArrayPrototypeGetByteLength(bytes);
    }
    try {
      return DataViewPrototypeGetByteLength(bytes);
    } catch {
      return 0;  // detached
    }
  }
  if (isArrayBuffer(bytes)) return ArrayBufferPrototypeGetByteLength(bytes);
  return SharedArrayBufferPrototypeGetByteLength(bytes);
}

function chunkSize(chunk) {
  if (typeof chunk === 'string') return chunk.length;
  const bytes = chunkBytes(chunk);
  return bytes === undefined ? 1 : byteLength(bytes);
}

// ---------------------------------------------------------------------------------------------
// Socket state

function newSocketRecord(address, options, secureTransport, domain) {
  const s = {
    __proto__: null,
    id: 0,
    handle: undefined,  // { id } for the collector (track)
    ready: newDeferred(),
    address,
    options,
    secureTransport,
    domain,            // the host startTls verifies; null once startTls was called
    opened: newDeferred(),
    closed: newDeferred(),
    openState: 'pending',  // 'pending' | 'open' | 'failed'
    failure: undefined,
    readable: undefined,
    writable: undefined,
    readState: 'open',
    writeDone: false,
    detached: false,   // startTls took the connection: these streams no longer touch it
    closing: false,    // close() was called
    upgraded: false,
  };
  s.readable = createReadableByteStream((controller) => pull(s, controller), () => cancelRead(s));
  const hwm = options.highWaterMark;
  s.writable = hwm === undefined
    ? createWritableStream((chunk) => write(s, chunk), () => closeWrite(s), () => abortWrite(s))
    : createWritableStream((chunk) => write(s, chunk), () => closeWrite(s), () => abortWrite(s),
      hwm, chunkSize);
  return s;
}

function resolveClosed(s) {
  resolveDeferred(s.closed, undefined);
}

function rejectClosed(s, error) {
  rejectDeferred(s.closed, error);
}

// Once both directions are finished (read to the end, canceled or failed; FIN sent, failed or
// aborted) the native connection is closed and `closed` resolves, unless a failure rejected it.
function maybeRelease(s) {
  if (s.readState === 'open' || !s.writeDone) return;
  release(s);
  resolveClosed(s);
}

function release(s) {
  const id = s.id;
  if (id === 0) return;
  s.id = 0;
  if (s.handle !== undefined) s.handle.id = 0;
  ops.socketClose(id);
}

// A socket nobody can use any more (the Socket, its streams and any pending operation all
// unreachable) that was never closed: close its connection when the record is collected,
// instead of holding it until the worker ends. The registry holds a small box, not the record.
const abandoned = new FinalizationRegistry((handle) => {
  if (handle.id !== 0) ops.socketClose(handle.id);
});
function track(s) {
  s.handle = { __proto__: null, id: s.id };
  FinalizationRegistryPrototypeRegister(abandoned, s, s.handle);
}

// The connection could not be made (or secured): like workerd, `opened` and `closed` reject
// with the error, the readable is canceled (reads see the end) and the writable errors.
function fail(s, error) {
  if (s.openState === 'failed') return;
  s.openState = 'failed';
  s.failure = error;
  rejectDeferred(s.ready, error);
  rejectDeferred(s.opened, error);
  rejectClosed(s, error);
  if (s.readState === 'open') s.readState = 'cancelled';
  PromisePrototypeThen(readableStreamCancel(s.readable, undefined), undefined, noop);
  s.writeDone = true;
  PromisePrototypeThen(writableStreamForceAbort(s.writable, error), undefined, noop);
  release(s);
}

function pull(s, controller) {
  if (s.id !== 0) return readChunk(s, controller);
  return PromisePrototypeThen(s.ready.promise, () => readChunk(s, controller));
}

function readChunk(s, controller) {
  if (s.readState !== 'open' || s.detached) return undefined;
  if (s.id === 0) {
    s.readState = 'eof';
    readableStreamControllerClose(controller);
    return undefined;
  }
  return PromisePrototypeThen(ops.socketRead(s.id), (chunk) => {
    if (s.readState !== 'open' || s.detached) return;
    if (chunk === undefined) {
      onReadEof(s, controller);
    } else {
      readableStreamControllerEnqueue(controller, chunk);
    }
  }, (error) => {
    if (s.readState !== 'open' || s.detached) return;
    // The connection broke (a reset, a TLS error): both directions fail with the same error.
    s.readState = 'errored';
    if (s.failure === undefined) s.failure = error;
    readableStreamControllerError(controller, error);
    rejectClosed(s, error);
    s.writeDone = true;
    writableStreamControllerError(s.writable, error);
    release(s);
  });
}

function onReadEof(s, controller) {
  s.readState = 'eof';
  try {
    readableStreamControllerClose(controller);
  } catch {
    // A BYOB view left partly filled: the stream errored itself; the socket still ends.
  }
  if (!s.options.allowHalfOpen) {
    // workerd: the end of the readable closes the write side (after what is queued), then
    // `closed` resolves.
    PromisePrototypeThen(writableStreamForceClose(s.writable), () => {
      resolveClosed(s);
      maybeRelease(s);
    }, (error) => {
      rejectClosed(s, error);
      s.writeDone = true;
      maybeRelease(s);
    });
  } else if (s.writeDone) {
    resolveClosed(s);
    maybeRelease(s);
  }
}

function cancelRead(s) {
  if (s.readState !== 'open') return;
  s.readState = 'cancelled';
  if (s.detached || s.closing) return;
  if (s.id !== 0) ops.socketCancelRead(s.id);
  maybeRelease(s);
}

// Pending writes fail with what broke the connection, not with "closed" from the teardown.
function writeError(s, error) {
  return s.failure !== undefined ? s.failure : error;
}

function write(s, chunk) {
  if (chunk === kFlush) return undefined;
  const bytes = chunkBytes(chunk);
  if (bytes === undefined) {
    throw new TypeError('This TransformStream is being used as a byte stream, but received an ' +
      'object of non-ArrayBuffer/ArrayBufferView type on its writable side.');
  }
  if (byteLength(bytes) === 0) return undefined;
  if (s.detached) throw new TypeError('This WritableStream has been detached by startTls().');
  if (s.id !== 0) return sendBytes(s, bytes);
  return PromisePrototypeThen(s.ready.promise, () => sendBytes(s, bytes),
    (error) => PromiseReject(writeError(s, error)));
}

function sendBytes(s, bytes) {
  if (s.id === 0) return PromiseReject(writeError(s, new TypeError('The socket is closed.')));
  return PromisePrototypeThen(ops.socketWrite(s.id, bytes), undefined, (error) => {
    const e = writeError(s, error);
    s.writeDone = true;
    rejectClosed(s, e);
    throw e;
  });
}

// writer.close(): FIN after the queued bytes; reading goes on.
function closeWrite(s) {
  if (s.detached) return undefined;
  const shutdown = () => {
    if (s.id === 0) {
      s.writeDone = true;
      return undefined;
    }
    return PromisePrototypeThen(ops.socketShutdown(s.id), () => {
      s.writeDone = true;
      if (s.options.allowHalfOpen && s.readState === 'eof') resolveClosed(s);
      maybeRelease(s);
    }, (error) => {
      const e = writeError(s, error);
      s.writeDone = true;
      rejectClosed(s, e);
      maybeRelease(s);
      throw e;
    });
  };
  if (s.id !== 0) return shutdown();
  return PromisePrototypeThen(s.ready.promise, shutdown,
    (error) => PromiseReject(writeError(s, error)));
}

// writer.abort(): the peer sees the end of the stream; the readable side stays usable.
function abortWrite(s) {
  if (s.detached || s.closing || s.writeDone || s.id === 0) return undefined;
  s.writeDone = true;
  const done = () => maybeRelease(s);
  return PromisePrototypeThen(ops.socketShutdown(s.id), done, done);
}

// ---------------------------------------------------------------------------------------------
// Socket

let socketRecord;

class Socket {
  #s;

  constructor(key = undefined, record = undefined) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#s = record;
  }

  get readable() {
    return socketRecord(this).readable;
  }

  get writable() {
    return socketRecord(this).writable;
  }

  get opened() {
    return socketRecord(this).opened.promise;
  }

  get closed() {
    return socketRecord(this).closed.promise;
  }

  get upgraded() {
    return socketRecord(this).upgraded;
  }

  get secureTransport() {
    return socketRecord(this).secureTransport;
  }

  // Waits for the connection attempt to finish, writes what is queued, then closes both
  // directions and resolves `closed`. The returned promise resolves either way; `closed` carries
  // a failure.
  close() {
    let s;
    try {
      s = socketRecord(this);
    } catch (error) {
      return PromiseReject(error);
    }
    if (s.closing) return PromisePrototypeThen(s.closed.promise, noop);
    s.closing = true;
    const settledOpen = PromisePrototypeThen(s.opened.promise, noop, noop);
    const flushed = PromisePrototypeThen(settledOpen, () => {
      return writableStreamState(s.writable) === 'writable'
        ? writableStreamFlush(s.writable, kFlush) : undefined;
    });
    const torn = PromisePrototypeThen(flushed, () => {
      if (s.readState === 'open') s.readState = 'cancelled';
      const canceled = readableStreamCancel(s.readable, undefined);
      const aborted = writableStreamForceAbort(s.writable,
        new TypeError('This WritableStream belongs to an object that is closing.'));
      return PromisePrototypeThen(canceled, () => aborted);
    });
    return PromisePrototypeThen(torn, () => {
      release(s);
      resolveClosed(s);
    }, (error) => {
      if (s.readState === 'open') s.readState = 'cancelled';
      PromisePrototypeThen(readableStreamCancel(s.readable, undefined), undefined, noop);
      PromisePrototypeThen(writableStreamForceAbort(s.writable, error), undefined, noop);
      release(s);
      rejectClosed(s, error);
    });
  }

  // Upgrades a 'starttls' socket: the queued plaintext is written, this socket's streams stop
  // (its `closed` resolves and `upgraded` becomes true) and the returned socket speaks TLS,
  // verifying `expectedServerHostname` or the host given to connect().
  startTls(options = undefined) {
    const s = socketRecord(this);
    if (s.secureTransport === 'on') throw new TypeError('Cannot startTls on a TLS socket.');
    if (s.id === 0) {
      throw new TypeError('The connection was closed before startTls could be started.');
    }
    if (s.secureTransport !== 'starttls') {
      throw new TypeError("The `secureTransport` socket option must be set to 'starttls' for " +
        'startTls to be used.');
    }
    if (s.domain === null) {
      throw new TypeError('startTls has already been called on this socket, or the socket was ' +
        'transferred over RPC.');
    }
    let hostname = s.domain;
    if (options !== undefined && options !== null) {
      if (!isObject(options)) {
        throw new TypeError("Failed to execute 'startTls' on 'Socket': parameter 1 is not of " +
          "type 'TlsOptions'.");
      }
      const expected = options.expectedServerHostname;
      if (expected !== undefined) hostname = `${expected}`;
    }
    const t = newSocketRecord(s.address, s.options, 'on', s.domain);
    s.domain = null;
    const settledOpen = PromisePrototypeThen(s.opened.promise, undefined, (error) => {
      throw error;
    });
    const flushed = PromisePrototypeThen(settledOpen, () => {
      const state = writableStreamState(s.writable);
      return state === 'writable' ? writableStreamFlush(s.writable, kFlush) : undefined;
    });
    const secured = PromisePrototypeThen(flushed, () => {
      if (s.id === 0) throw new TypeError('The connection was closed before startTls completed.');
      const id = s.id;
      // Hand the connection over; this socket's streams end without touching it.
      s.detached = true;
      s.id = 0;
      if (s.handle !== undefined) s.handle.id = 0;
      s.upgraded = true;
      if (s.readState === 'open') s.readState = 'cancelled';
      t.id = id;
      track(t);
      const handshake = ops.socketStartTls(id, hostname);
      PromisePrototypeThen(readableStreamCancel(s.readable, undefined), undefined, noop);
      PromisePrototypeThen(writableStreamForceClose(s.writable), undefined, noop);
      resolveClosed(s);
      resolveDeferred(t.ready, undefined);
      return handshake;
    });
    PromisePrototypeThen(secured, (addresses) => {
      if (t.openState !== 'pending') return;
      t.openState = 'open';
      resolveDeferred(t.opened, { remoteAddress: t.address, localAddress: addresses[1] });
    }, (error) => fail(t, error));
    return new Socket(kInternal, t);
  }

  static {
    socketRecord = (value) => {
      if (!isObject(value) || !(#s in value)) throw new TypeError('Illegal invocation');
      return value.#s;
    };
  }
}

// Web IDL: members are enumerable. (Indexed loop: this module may first load after user code.)
const kMembers = [
  'readable', 'writable', 'opened', 'closed', 'upgraded', 'secureTransport', 'close', 'startTls',
];
for (let i = 0; i < kMembers.length; i++) {
  const desc = ObjectGetOwnPropertyDescriptor(Socket.prototype, kMembers[i]);
  desc.enumerable = true;
  ObjectDefineProperty(Socket.prototype, kMembers[i], desc);
}
ObjectDefineProperty(Socket.prototype, SymbolToStringTag, {
  __proto__: null, value: 'Socket', writable: false, enumerable: false, configurable: true,
});

// connect(address, options): address is 'host:port' or { hostname, port }; options
// { secureTransport: 'off' | 'on' | 'starttls', allowHalfOpen: false, highWaterMark }.
export function connect(address, options) {
  if (arguments.length < 1) {
    throw new TypeError("Failed to execute 'connect' on 'SocketsModule': parameter 1 is not of " +
      "type 'string or SocketAddress'.");
  }
  const opts = parseOptions(options);
  const parsed = parseAddress(address);
  const mode = transportMode(opts.secureTransport);
  countSubrequest();
  // A dynamic worker's globalOutbound gets the address after the same checks as the network.
  const connectOutbound = getConnectOutbound();
  if (connectOutbound !== null) return connectOutbound(parsed.address, options);
  return openSocket(parsed, opts, mode, null);
}

export function connectDenyingAddresses(address, options, cidrs) {
  if (!ArrayIsArray(cidrs)) {
    throw new TypeError('connectDenyingAddresses: cidrs must be an array of CIDR strings such ' +
      'as "10.0.0.0/8".');
  }
  const list = [];
  for (let i = 0; i < cidrs.length; i++) {
    if (typeof cidrs[i] !== 'string') {
      throw new TypeError(`connectDenyingAddresses: cidrs[${i}] is not a string; cidrs must be ` +
        'an array of CIDR strings such as "10.0.0.0/8".');
    }
    ArrayPrototypePush(list, cidrs[i]);
  }
  const opts = parseOptions(options);
  const parsed = parseAddress(address);
  const mode = transportMode(opts.secureTransport);
  countSubrequest();
  return openSocket(parsed, opts, mode, list);
}

// deniedCidrs: null, or the blocks the op checks the resolved addresses against.
function openSocket(parsed, opts, mode, deniedCidrs) {
  const result = ops.socketConnect(parsed.hostname, parsed.port, mode, deniedCidrs);
  const s = newSocketRecord(parsed.address, opts, opts.secureTransport, parsed.hostname);
  s.id = result[0];
  track(s);
  resolveDeferred(s.ready, undefined);
  PromisePrototypeThen(result[1], (addresses) => {
    if (s.openState !== 'pending') return;
    s.openState = 'open';
    resolveDeferred(s.opened, { remoteAddress: s.address, localAddress: addresses[1] });
  }, (error) => fail(s, error));
  return new Socket(kInternal, s);
}

export { Socket, isAddressDenial };
