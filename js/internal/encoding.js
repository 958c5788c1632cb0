// TextEncoder and TextDecoder, per the WHATWG Encoding standard
// (https://encoding.spec.whatwg.org/#api).
//
// Supported encodings: UTF-8, UTF-16LE, UTF-16BE and windows-1252 (which, as the standard
// says, is what the labels 'latin1', 'iso-8859-1', 'ascii', ... mean). UTF-8 conversion is
// done by the native ops (JS only splits off an incomplete sequence at the end of a streamed
// chunk); UTF-16 and windows-1252 are decoded here into a Uint16Array of code units that is
// turned into a string a chunk at a time.
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated, and must not be able to change how these classes behave.
//
// Not in the startup snapshot: evaluated on first use, through the bootstrap's lazy globals
// or an import from another such module (internal:streams, internal:base64).

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { registerPlatformClass } from 'internal:structured_clone';
import { isSharedBuffer } from 'internal:bytes';

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  RangeError,
  ReflectApply,
  SafeMap,
  SharedArrayBufferPrototypeGetByteLength,
  String,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  SymbolToStringTag,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeSet,
  Uint16Array,
  Uint8Array,
} = primordials;

const {
  utf8Decode,
  utf8Encode,
  utf8EncodeInto,
} = ops;

// ---------------------------------------------------------------------------------------------
// Web IDL helpers

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}

function argumentsRequired(method, iface, required, present) {
  return new TypeError(`Failed to execute '${method}' on '${iface}': ` +
    `${required} argument${required === 1 ? '' : 's'} required, but only ${present} present.`);
}

// Web IDL DOMString / USVString conversion (ECMAScript ToString). Lone surrogates in a
// USVString are replaced with U+FFFD by the native UTF-8 encoder, which is the only consumer of
// USVStrings here.
function toDOMString(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'symbol') {
    throw new TypeError('Cannot convert a Symbol value to a string');
  }
  return String(value);
}

// Web IDL dictionary conversion: undefined and null give the defaults (returned as undefined),
// other non-objects throw.
function toDictionary(dict, name, iface, method) {
  if (dict === undefined || dict === null) return undefined;
  const type = typeof dict;
  if (type !== 'object' && type !== 'function') {
    throw new TypeError(`Failed to ${method === 'constructor' ? 'construct' : `execute '${method}' on`} ` +
      `'${iface}': The provided value is not of type '${name}'.`);
  }
  return dict;
}

// Make accessors and methods enumerable, as Web IDL requires (class syntax makes them
// non-enumerable), and add Symbol.toStringTag.
function webIdlShape(cls, names) {
  const proto = cls.prototype;
  for (let i = 0; i < names.length; i++) {
    const desc = ObjectGetOwnPropertyDescriptor(proto, names[i]);
    desc.enumerable = true;
    ObjectDefineProperty(proto, names[i], desc);
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: cls.name, writable: false, enumerable: false, configurable: true,
  });
}

// A Uint8Array over bytes [start, end) of `u8`, made with the captured constructor so that no
// species lookup (Uint8Array.prototype.constructor, Symbol.species) is observable.
function view(u8, start, end) {
  return new Uint8Array(TypedArrayPrototypeGetBuffer(u8),
    TypedArrayPrototypeGetByteOffset(u8) + start, end - start);
}

// Web IDL `AllowSharedBufferSource` -> Uint8Array over the bytes (a detached buffer gives no
// bytes). Bytes in a SharedArrayBuffer are copied first, so that another thread writing to
// them cannot change the result half way through.
function toBytes(input) {
  if (ArrayBufferIsView(input)) {
    if (TypedArrayPrototypeGetSymbolToStringTag(input) !== undefined) {
      const buffer = TypedArrayPrototypeGetBuffer(input);
      const offset = TypedArrayPrototypeGetByteOffset(input);
      const length = TypedArrayPrototypeGetByteLength(input);
      return bufferBytes(buffer, offset, length);
    }
    // DataView: its getters throw when the buffer is detached.
    const buffer = DataViewPrototypeGetBuffer(input);
    let offset;
    let length;
    try {
      offset = DataViewPrototypeGetByteOffset(input);
      length = DataViewPrototypeGetByteLength(input);
    } catch {
      return new Uint8Array(0);
    }
    return bufferBytes(buffer, offset, length);
  }
  if (input !== null && typeof input === 'object') {
    let length;
    try {
      length = ArrayBufferPrototypeGetByteLength(input);
    } catch {
      length = -1;
    }
    if (length === 0) return new Uint8Array(0); // also a detached buffer
    if (length > 0) return new Uint8Array(input, 0, length);
    try {
      length = SharedArrayBufferPrototypeGetByteLength(input);
    } catch {
      length = -1;
    }
    if (length >= 0) {
      const copy = new Uint8Array(length);
      TypedArrayPrototypeSet(copy, new Uint8Array(input, 0, length));
      return copy;
    }
  }
  throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not " +
    "of type '(ArrayBuffer or ArrayBufferView or SharedArrayBuffer)'.");
}

function bufferBytes(buffer, offset, length) {
  if (length === 0) return new Uint8Array(0);
  const bytes = new Uint8Array(buffer, offset, length);
  if (!isSharedBuffer(buffer)) return bytes;
  const copy = new Uint8Array(length);
  TypedArrayPrototypeSet(copy, bytes);
  return copy;
}

// String from code units [0, length) of a Uint16Array (or, one byte a unit, a Uint8Array), a
// chunk at a time (an argument list per chunk; never one concatenation per character). Whole
// chunks go through a plain array, which Function.prototype.apply spreads faster than a typed
// array; it is filled once here, before any user code runs, so its elements are always own
// properties and writing them never consults Array.prototype. Also used by atob().
const CHUNK = 8192;
const SCRATCH = [];
for (let i = 0; i < CHUNK; i++) SCRATCH[i] = 0;

function codeUnitsToString(units, length) {
  let result = '';
  let i = 0;
  for (; i + CHUNK <= length; i += CHUNK) {
    for (let k = 0; k < CHUNK; k++) SCRATCH[k] = units[i + k];
    result += ReflectApply(StringFromCharCode, undefined, SCRATCH);
  }
  if (i < length) {
    const buffer = TypedArrayPrototypeGetBuffer(units);
    const start = TypedArrayPrototypeGetByteOffset(units);
    const rest = TypedArrayPrototypeGetSymbolToStringTag(units) === 'Uint16Array'
      ? new Uint16Array(buffer, start + i * 2, length - i)
      : new Uint8Array(buffer, start + i, length - i);
    result += ReflectApply(StringFromCharCode, undefined, rest);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// TextEncoder

class TextEncoder {
  #brand = true;

  constructor() {}

  get encoding() {
    if (!(typeof this === 'object' && this !== null && #brand in this)) throw illegalInvocation();
    return 'utf-8';
  }

  encode(input = '') {
    if (!(typeof this === 'object' && this !== null && #brand in this)) throw illegalInvocation();
    return utf8Encode(toDOMString(input));
  }

  encodeInto(source, destination) {
    if (!(typeof this === 'object' && this !== null && #brand in this)) throw illegalInvocation();
    if (arguments.length < 2) {
      throw argumentsRequired('encodeInto', 'TextEncoder', 2, arguments.length);
    }
    const string = toDOMString(source);
    if (TypedArrayPrototypeGetSymbolToStringTag(destination) !== 'Uint8Array') {
      throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not " +
        "of type 'Uint8Array'.");
    }
    const result = utf8EncodeInto(string, destination);
    return { read: result[0], written: result[1] };
  }
}
webIdlShape(TextEncoder, ['encoding', 'encode', 'encodeInto']);

// ---------------------------------------------------------------------------------------------
// Labels (https://encoding.spec.whatwg.org/#names-and-labels), for the encodings supported.

const UTF8 = 'utf-8';
const UTF16LE = 'utf-16le';
const UTF16BE = 'utf-16be';
const WINDOWS1252 = 'windows-1252';

const LABELS = new SafeMap();
{
  const table = [
    [UTF8, ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8',
      'x-unicode20utf8']],
    [UTF16BE, ['unicodefffe', 'utf-16be']],
    [UTF16LE, ['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16',
      'utf-16le']],
    [WINDOWS1252, ['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819',
      'iso-8859-1', 'iso-ir-100', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1',
      'latin1', 'us-ascii', 'windows-1252', 'x-cp1252']],
  ];
  for (let i = 0; i < table.length; i++) {
    const labels = table[i][1];
    for (let j = 0; j < labels.length; j++) LABELS.set(labels[j], table[i][0]);
  }
}

function isAsciiWhitespace(c) {
  return c === 0x09 || c === 0x0A || c === 0x0C || c === 0x0D || c === 0x20;
}

// "get an encoding": strip leading and trailing ASCII whitespace, ASCII lowercase, look up.
function getEncoding(label) {
  let start = 0;
  let end = label.length;
  while (start < end && isAsciiWhitespace(StringPrototypeCharCodeAt(label, start))) start++;
  while (end > start && isAsciiWhitespace(StringPrototypeCharCodeAt(label, end - 1))) end--;
  if (end - start > 20) return undefined; // longer than any label
  let key = '';
  for (let i = start; i < end; i++) {
    const c = StringPrototypeCharCodeAt(label, i);
    if (c > 0x7F) return undefined; // every label is ASCII
    key += StringFromCharCode(c >= 0x41 && c <= 0x5A ? c + 0x20 : c);
  }
  return LABELS.get(key);
}

// ---------------------------------------------------------------------------------------------
// windows-1252 (index-windows-1252: bytes 0x80-0x9F; every other byte maps to itself)

const WINDOWS1252_HIGH = [
  0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
];
const WINDOWS1252_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  WINDOWS1252_TABLE[i] = i >= 0x80 && i <= 0x9F ? WINDOWS1252_HIGH[i - 0x80] : i;
}

function decodeWindows1252(bytes) {
  const length = TypedArrayPrototypeGetLength(bytes);
  if (length === 0) return '';
  let high = 0;
  for (let i = 0; i < length; i++) high |= bytes[i];
  // ASCII only (common for 'ascii' and 'latin1'): the native decoder is faster.
  if (high < 0x80) return utf8Decode(bytes, false);
  const units = new Uint16Array(length);
  for (let i = 0; i < length; i++) units[i] = WINDOWS1252_TABLE[bytes[i]];
  return codeUnitsToString(units, length);
}

// ---------------------------------------------------------------------------------------------
// UTF-8 streaming helpers. The native decoder handles complete input (and an incomplete
// sequence at the very end as one U+FFFD, as the standard does at end of queue). When
// streaming, the bytes of a trailing incomplete-but-valid-so-far sequence are held back and
// completed with the next chunk here.

// Number of bytes in the sequence that `lead` starts, or 0 if it cannot start one.
function utf8SequenceLength(lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether `byte` may follow `lead` as its second byte (the standard's lower/upper bounds).
function utf8ValidSecond(lead, byte) {
  if (lead === 0xE0) return byte >= 0xA0 && byte <= 0xBF;
  if (lead === 0xED) return byte >= 0x80 && byte <= 0x9F;
  if (lead === 0xF0) return byte >= 0x90 && byte <= 0xBF;
  if (lead === 0xF4) return byte >= 0x80 && byte <= 0x8F;
  return byte >= 0x80 && byte <= 0xBF;
}

// Index in bytes [start, length) where a trailing incomplete (but so far valid) sequence
// begins, or `length` if there is none.
function utf8IncompleteTail(bytes, start, length) {
  const limit = length - 3 > start ? length - 3 : start;
  for (let i = length - 1; i >= limit; i--) {
    const b = bytes[i];
    if (b >= 0x80 && b <= 0xBF) continue; // continuation byte: look further back
    const needed = utf8SequenceLength(b);
    if (needed === 0 || needed <= length - i) return length;
    if (i + 1 < length && !utf8ValidSecond(b, bytes[i + 1])) return length;
    // Bytes after the second are continuation bytes (checked by the loop).
    return i;
  }
  return length;
}

// ---------------------------------------------------------------------------------------------
// TextDecoder

class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  // Decoder state (the standard's "decoder", "do not flush" and "BOM seen").
  #doNotFlush = false;
  #bomSeen = false;
  // UTF-8: bytes of an incomplete sequence held back while streaming.
  #pending = new Uint8Array(4);
  #pendingLength = 0;
  #pendingNeeded = 0;
  // UTF-16: lead byte (-1: none) and lead surrogate (-1: none).
  #leadByte = -1;
  #leadSurrogate = -1;

  constructor(label = 'utf-8', options = undefined) {
    label = toDOMString(label);
    const dict = toDictionary(options, 'TextDecoderOptions', 'TextDecoder', 'constructor');
    const fatal = dict === undefined ? false : !!dict.fatal;
    const ignoreBOM = dict === undefined ? false : !!dict.ignoreBOM;
    const encoding = getEncoding(label);
    if (encoding === undefined) {
      throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ` +
        `('${label}') is invalid.`);
    }
    this.#encoding = encoding;
    this.#fatal = fatal;
    this.#ignoreBOM = ignoreBOM;
  }

  get encoding() {
    if (!(typeof this === 'object' && this !== null && #encoding in this)) {
      throw illegalInvocation();
    }
    return this.#encoding;
  }

  get fatal() {
    if (!(typeof this === 'object' && this !== null && #encoding in this)) {
      throw illegalInvocation();
    }
    return this.#fatal;
  }

  get ignoreBOM() {
    if (!(typeof this === 'object' && this !== null && #encoding in this)) {
      throw illegalInvocation();
    }
    return this.#ignoreBOM;
  }

  decode(input = undefined, options = undefined) {
    if (!(typeof this === 'object' && this !== null && #encoding in this)) {
      throw illegalInvocation();
    }
    const bytes = input === undefined ? new Uint8Array(0) : toBytes(input);
    const dict = toDictionary(options, 'TextDecodeOptions', 'TextDecoder', 'decode');
    const stream = dict === undefined ? false : !!dict.stream;

    if (!this.#doNotFlush) this.#reset();
    this.#doNotFlush = stream;

    let output;
    try {
      const encoding = this.#encoding;
      if (encoding === UTF8) output = this.#decodeUtf8(bytes, stream);
      else if (encoding === WINDOWS1252) return decodeWindows1252(bytes);
      else output = this.#decodeUtf16(bytes, stream, encoding === UTF16BE);
    } catch (err) {
      // A fatal error ends the stream: the next call starts afresh.
      this.#reset();
      this.#doNotFlush = false;
      throw err;
    }

    // BOM handling ("serialize I/O queue"): a U+FEFF that is the first code point of the
    // stream is dropped, unless ignoreBOM.
    if (!this.#ignoreBOM && !this.#bomSeen && output.length > 0) {
      this.#bomSeen = true;
      if (StringPrototypeCharCodeAt(output, 0) === 0xFEFF) {
        output = StringPrototypeSlice(output, 1);
      }
    }
    return output;
  }

  #reset() {
    this.#bomSeen = false;
    this.#pendingLength = 0;
    this.#pendingNeeded = 0;
    this.#leadByte = -1;
    this.#leadSurrogate = -1;
  }

  #error() {
    if (this.#fatal) {
      throw new TypeError(`The encoded data was not valid for encoding ${this.#encoding}`);
    }
    return '\uFFFD';
  }

  #decodeUtf8(bytes, stream) {
    const length = TypedArrayPrototypeGetLength(bytes);
    let start = 0;
    let prefix = '';
    if (this.#pendingLength > 0) {
      // Complete (or fail) the sequence held back by the previous call.
      const pending = this.#pending;
      const needed = this.#pendingNeeded;
      while (start < length && this.#pendingLength < needed) {
        const b = bytes[start];
        const ok = this.#pendingLength === 1 ? utf8ValidSecond(pending[0], b) :
          b >= 0x80 && b <= 0xBF;
        if (!ok) break;
        pending[this.#pendingLength++] = b;
        start++;
      }
      if (this.#pendingLength === needed) {
        prefix = utf8Decode(view(pending, 0, needed), false);
        this.#pendingLength = 0;
      } else if (start < length) {
        // An unexpected byte: the held-back bytes are one error; that byte is decoded below.
        this.#pendingLength = 0;
        prefix = this.#error();
      } else if (stream) {
        return ''; // still incomplete; wait for more
      } else {
        this.#pendingLength = 0;
        return this.#error();
      }
    }
    let end = length;
    if (stream) {
      end = utf8IncompleteTail(bytes, start, length);
      if (end < length) {
        const pending = this.#pending;
        for (let i = end; i < length; i++) pending[i - end] = bytes[i];
        this.#pendingLength = length - end;
        this.#pendingNeeded = utf8SequenceLength(bytes[end]);
      }
    }
    if (start === end) return prefix;
    const rest = utf8Decode(start === 0 && end === length ? bytes : view(bytes, start, end),
      this.#fatal);
    return prefix === '' ? rest : prefix + rest;
  }

  #decodeUtf16(bytes, stream, bigEndian) {
    const length = TypedArrayPrototypeGetLength(bytes);
    // At most one output unit per two input bytes, plus one for a pending lead byte and one
    // for an error emitted at the end.
    const units = new Uint16Array(((length + 1) >> 1) + 2);
    let n = 0;
    let leadByte = this.#leadByte;
    let leadSurrogate = this.#leadSurrogate;
    const fatal = this.#fatal;
    let i = 0;
    while (i < length) {
      const byte = bytes[i++];
      if (leadByte === -1) {
        leadByte = byte;
        continue;
      }
      const unit = bigEndian ? (leadByte << 8) | byte : (byte << 8) | leadByte;
      leadByte = -1;
      if (leadSurrogate !== -1) {
        const lead = leadSurrogate;
        leadSurrogate = -1;
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
          units[n++] = lead;
          units[n++] = unit;
          continue;
        }
        // Unpaired lead surrogate: an error, then the unit is processed again.
        if (fatal) this.#error();
        units[n++] = 0xFFFD;
      }
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        leadSurrogate = unit;
      } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
        if (fatal) this.#error();
        units[n++] = 0xFFFD;
      } else {
        units[n++] = unit;
      }
    }
    if (!stream && (leadByte !== -1 || leadSurrogate !== -1)) {
      leadByte = -1;
      leadSurrogate = -1;
      if (fatal) this.#error();
      units[n++] = 0xFFFD;
    }
    this.#leadByte = leadByte;
    this.#leadSurrogate = leadSurrogate;
    return n === 0 ? '' : codeUnitsToString(units, n);
  }
}
webIdlShape(TextDecoder, ['encoding', 'fatal', 'ignoreBOM', 'decode']);

// The bootstrap defines TextEncoder and TextDecoder lazily, so they register themselves as
// platform classes.
registerPlatformClass(TextEncoder);
registerPlatformClass(TextDecoder);

export { TextEncoder, TextDecoder, toDOMString, codeUnitsToString };
