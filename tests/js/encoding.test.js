// TextEncoder / TextDecoder (WHATWG Encoding standard): labels, BOM handling, fatal mode,
// streaming, UTF-16, windows-1252, buffer kinds, and robustness against patched built-ins.

import assert from 'node:assert';

// ---------------------------------------------------------------------------------------------
// helpers

const u8 = (...bytes) => new Uint8Array(bytes);

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function codeUnits(s) {
  return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i).toString(16).padStart(4, '0'))
    .join(' ');
}

function assertString(actual, expected, message) {
  if (actual !== expected) {
    assert.fail(`${message ?? 'strings differ'}: got [${codeUnits(actual)}], ` +
      `expected [${codeUnits(expected)}]`);
  }
}

function assertBytes(actual, expected, message) {
  assert.ok(actual instanceof Uint8Array, `${message ?? ''}: result is not a Uint8Array`);
  assert.strictEqual(hex(actual), hex(expected), message);
}

// Decodes `chunks` with one decoder, streaming all but the last call.
function decodeChunks(decoder, chunks) {
  let out = '';
  for (let i = 0; i < chunks.length; i++) {
    out += decoder.decode(chunks[i], { stream: i < chunks.length - 1 });
  }
  return out;
}

// UTF-16 code units -> bytes.
function utf16Bytes(s, bigEndian) {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i + (bigEndian ? 1 : 0)] = c & 0xFF;
    out[2 * i + (bigEndian ? 0 : 1)] = c >> 8;
  }
  return out;
}

function concat(...arrays) {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

function detach(buffer) {
  structuredClone(buffer, { transfer: [buffer] });
  assert.strictEqual(buffer.byteLength, 0,
    'could not detach an ArrayBuffer with structuredClone(buffer, { transfer: [buffer] })');
}

const FATAL = (encoding) => ({
  name: 'TypeError',
  message: `The encoded data was not valid for encoding ${encoding}`,
});

// Every label of the supported encodings (https://encoding.spec.whatwg.org/#names-and-labels).
const LABELS = {
  'utf-8': ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8',
    'x-unicode20utf8'],
  'utf-16be': ['unicodefffe', 'utf-16be'],
  'utf-16le': ['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16',
    'utf-16le'],
  'windows-1252': ['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819',
    'iso-8859-1', 'iso-ir-100', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1',
    'latin1', 'us-ascii', 'windows-1252', 'x-cp1252'],
};

// A string with 1-, 2-, 3- and 4-byte UTF-8 characters, and its UTF-8 bytes.
const MIXED = 'a\u00e9\u20ac\ud834\udd1e z\u0800\uffff\ud800\udc00\udbff\udfff\u07ff\u0080\u007f';
const MIXED_UTF8 = u8(
  0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9D, 0x84, 0x9E, 0x20, 0x7A, 0xE0, 0xA0, 0x80,
  0xEF, 0xBF, 0xBF, 0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, 0xDF, 0xBF, 0xC2, 0x80, 0x7F);

// ---------------------------------------------------------------------------------------------
// TextEncoder

export const encoderBasics = {
  async test() {
    const encoder = new TextEncoder();
    assert.strictEqual(encoder.encoding, 'utf-8');
    assertBytes(encoder.encode(), u8());
    assertBytes(encoder.encode(undefined), u8());
    assertBytes(encoder.encode(''), u8());
    assertBytes(encoder.encode(null), u8(0x6E, 0x75, 0x6C, 0x6C));
    assertBytes(encoder.encode(12), u8(0x31, 0x32));
    assertBytes(encoder.encode({ toString() { return 'x'; } }), u8(0x78));
    assertBytes(encoder.encode(MIXED), MIXED_UTF8);
    assertBytes(encoder.encode('\0'), u8(0));
    assertBytes(encoder.encode('\uFEFF'), u8(0xEF, 0xBB, 0xBF), 'a BOM is encoded, not dropped');
    assert.throws(() => encoder.encode(Symbol('s')), TypeError);

    const a = encoder.encode('abc');
    const b = encoder.encode('abc');
    assert.notStrictEqual(a.buffer, b.buffer, 'each call returns a new buffer');
    assert.strictEqual(a.byteOffset, 0);
    assert.strictEqual(a.length, 3);

    // Large input: round trip through the decoder.
    const big = MIXED.repeat(50000);
    const bigBytes = encoder.encode(big);
    assert.strictEqual(bigBytes.length, MIXED_UTF8.length * 50000);
    assertString(new TextDecoder().decode(bigBytes), big, 'large round trip');
  },
};

export const encodeLoneSurrogates = {
  async test() {
    const encoder = new TextEncoder();
    const R = [0xEF, 0xBF, 0xBD];
    const cases = [
      ['\ud800', [...R]],
      ['\udc00', [...R]],
      ['\udbff', [...R]],
      ['\udfff', [...R]],
      ['a\ud800b', [0x61, ...R, 0x62]],
      ['\ud800\ud800', [...R, ...R]],
      ['\udc00\ud800', [...R, ...R]],
      ['\ud800\udc00', [0xF0, 0x90, 0x80, 0x80]],
      ['\udbff\udfff', [0xF4, 0x8F, 0xBF, 0xBF]],
      ['\ud800\ud800\udc00', [...R, 0xF0, 0x90, 0x80, 0x80]],
      ['\ud800\udc00\udc00', [0xF0, 0x90, 0x80, 0x80, ...R]],
      ['x\ud83d', [0x78, ...R]],
    ];
    for (const [input, expected] of cases) {
      assertBytes(encoder.encode(input), u8(...expected), `encode([${codeUnits(input)}])`);
    }
  },
};

// Reference for encodeInto: whole code points (lone surrogates as U+FFFD, 3 bytes) while they fit.
function expectedEncodeInto(s, capacity) {
  let read = 0;
  let written = 0;
  while (read < s.length) {
    const c = s.charCodeAt(read);
    let units = 1;
    let size;
    if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xD800 && c <= 0xDBFF && read + 1 < s.length &&
      s.charCodeAt(read + 1) >= 0xDC00 && s.charCodeAt(read + 1) <= 0xDFFF) {
      size = 4;
      units = 2;
    } else size = 3;
    if (written + size > capacity) break;
    read += units;
    written += size;
  }
  return { read, written };
}

export const encodeIntoSmallBuffers = {
  async test() {
    const encoder = new TextEncoder();
    const inputs = [MIXED, 'x\ud834\udd1e', '\ud834\udd1e\ud834\udd1e', '\ud800a\udc00',
      'abc', '', '\u00e9\u00e9\u00e9', '\u20ac\ud800\udc00\u20ac'];
    for (const input of inputs) {
      const full = encoder.encode(input);
      for (let capacity = 0; capacity <= full.length + 2; capacity++) {
        const backing = new Uint8Array(capacity + 4).fill(0xAA);
        const dest = backing.subarray(2, 2 + capacity);
        const result = encoder.encodeInto(input, dest);
        const expected = expectedEncodeInto(input, capacity);
        const what = `encodeInto([${codeUnits(input)}], capacity ${capacity})`;
        assert.deepStrictEqual(result, expected, what);
        assert.deepStrictEqual(Object.keys(result), ['read', 'written'], what);
        assert.strictEqual(Object.getPrototypeOf(result), Object.prototype, what);
        assert.strictEqual(hex(dest.subarray(0, result.written)),
          hex(full.subarray(0, result.written)), `${what}: bytes`);
        for (let i = 2 + result.written; i < backing.length; i++) {
          assert.strictEqual(backing[i], 0xAA, `${what}: byte ${i - 2} beyond 'written' was changed`);
        }
        assert.strictEqual(backing[0], 0xAA, `${what}: wrote before the view`);
        assert.strictEqual(backing[1], 0xAA, `${what}: wrote before the view`);
        // A surrogate pair is never split: read never ends between its two halves.
        if (result.read > 0 && result.read < input.length) {
          const last = input.charCodeAt(result.read - 1);
          const next = input.charCodeAt(result.read);
          assert.ok(!(last >= 0xD800 && last <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF),
            `${what}: split a surrogate pair`);
        }
      }
    }

    // Specific cases.
    assert.deepStrictEqual(encoder.encodeInto('x\ud834\udd1e', new Uint8Array(4)),
      { read: 1, written: 1 });
    assert.deepStrictEqual(encoder.encodeInto('\ud800', new Uint8Array(2)), { read: 0, written: 0 });
    assert.deepStrictEqual(encoder.encodeInto('\ud800', new Uint8Array(3)), { read: 1, written: 3 });
    assert.deepStrictEqual(encoder.encodeInto(undefined, new Uint8Array(20)),
      { read: 9, written: 9 }, "'undefined' is converted with String()");
    assert.deepStrictEqual(encoder.encodeInto(null, new Uint8Array(2)), { read: 2, written: 2 });
    assert.deepStrictEqual(encoder.encodeInto(123, new Uint8Array(8)), { read: 3, written: 3 });
  },
};

export const encodeIntoArguments = {
  async test() {
    const encoder = new TextEncoder();
    for (const dest of [new Uint16Array(4), new Int8Array(4), new Uint8ClampedArray(4),
      new ArrayBuffer(4), new DataView(new ArrayBuffer(4)), [0, 0, 0], null, undefined, 'abcd',
      { length: 4 }, Object.create(Uint8Array.prototype)]) {
      assert.throws(() => encoder.encodeInto('a', dest), TypeError,
        `encodeInto with ${Object.prototype.toString.call(dest)}`);
    }
    assert.throws(() => encoder.encodeInto('a'), {
      name: 'TypeError',
      message: "Failed to execute 'encodeInto' on 'TextEncoder': 2 arguments required, but only 1 present.",
    });
    assert.throws(() => encoder.encodeInto(), TypeError);
    assert.throws(() => encoder.encodeInto(Symbol('x'), new Uint8Array(4)), TypeError);

    // A Uint8Array on a SharedArrayBuffer ([AllowShared]).
    const shared = new Uint8Array(new SharedArrayBuffer(8), 2, 4);
    assert.deepStrictEqual(encoder.encodeInto('\u00e9\u00e9\u00e9', shared), { read: 2, written: 4 });
    assert.strictEqual(hex(shared), 'c3 a9 c3 a9');

    // A detached destination holds nothing.
    const buffer = new ArrayBuffer(8);
    const dest = new Uint8Array(buffer);
    detach(buffer);
    assert.deepStrictEqual(encoder.encodeInto('abc', dest), { read: 0, written: 0 });
  },
};

// ---------------------------------------------------------------------------------------------
// TextDecoder construction

export const decoderLabels = {
  async test() {
    const whitespace = ['', ' ', '\t', '\n', '\f', '\r', ' \t\n\f\r '];
    for (const [encoding, labels] of Object.entries(LABELS)) {
      for (const label of labels) {
        for (const variant of [label, label.toUpperCase(),
          label.replace(/^./, (c) => c.toUpperCase())]) {
          for (const ws of whitespace) {
            const full = ws + variant + ws;
            assert.strictEqual(new TextDecoder(full).encoding, encoding,
              `label ${JSON.stringify(full)}`);
          }
        }
      }
    }
    assert.strictEqual(new TextDecoder().encoding, 'utf-8');
    assert.strictEqual(new TextDecoder(undefined).encoding, 'utf-8');
    assert.strictEqual(new TextDecoder({ toString() { return 'latin1'; } }).encoding,
      'windows-1252');

    assert.throws(() => new TextDecoder('xyz'), {
      name: 'RangeError',
      message: "Failed to construct 'TextDecoder': The encoding label provided ('xyz') is invalid.",
    });
    const invalid = [
      '', ' ', 'utf-8\u000b', '\u000butf-8', '\u00a0utf-8', 'utf-8\u00a0', 'utf\u00a08',
      'utf-8\0', 'utf-32', 'utf-7', 'utf_8', 'utf 8', 'u t f-8', 'iso-8859-2', 'koi8-r', 'gbk',
      'shift_jis', 'replacement', 'x-user-defined', 'utf-16x', 'latin-1', 'windows1252', null,
      'utf-8'.repeat(10), '\u212Aoi8-r', 'ut\u0130f-8',
      // Unicode case mapping must not apply: U+017F LATIN SMALL LETTER LONG S uppercases to S.
      'a\u017Fcii',
    ];
    for (const label of invalid) {
      assert.throws(() => new TextDecoder(label), RangeError, `label ${JSON.stringify(label)}`);
    }
    assert.throws(() => new TextDecoder(Symbol('utf-8')), TypeError);
    assert.throws(() => TextDecoder(), TypeError, 'constructor requires new');
    assert.throws(() => TextEncoder(), TypeError, 'constructor requires new');
  },
};

export const decoderOptions = {
  async test() {
    let d = new TextDecoder();
    assert.strictEqual(d.fatal, false);
    assert.strictEqual(d.ignoreBOM, false);
    d = new TextDecoder('utf-8', { fatal: true });
    assert.strictEqual(d.fatal, true);
    assert.strictEqual(d.ignoreBOM, false);
    d = new TextDecoder('utf-16', { ignoreBOM: 1, fatal: '' });
    assert.strictEqual(d.fatal, false);
    assert.strictEqual(d.ignoreBOM, true);
    d = new TextDecoder('utf-8', null);
    assert.strictEqual(d.fatal, false);
    d = new TextDecoder('utf-8', undefined);
    assert.strictEqual(d.fatal, false);
    d = new TextDecoder('utf-8', function f() {});
    assert.strictEqual(d.fatal, false);
    // Inherited members are read, as for any dictionary.
    d = new TextDecoder('utf-8', Object.create({ fatal: true }));
    assert.strictEqual(d.fatal, true);
    assert.throws(() => new TextDecoder('utf-8', 5), TypeError);
    assert.throws(() => new TextDecoder('utf-8', 'fatal'), TypeError);
    // The options are read (fatal, then ignoreBOM) before the label is looked up.
    const order = [];
    assert.throws(() => new TextDecoder('nope', {
      get fatal() { order.push('fatal'); return false; },
      get ignoreBOM() { order.push('ignoreBOM'); return false; },
    }), RangeError);
    assert.deepStrictEqual(order, ['fatal', 'ignoreBOM']);

    assert.throws(() => new TextDecoder().decode(new Uint8Array(1), 5), TypeError);
    assert.strictEqual(new TextDecoder().decode(u8(0x41), null), 'A');
  },
};

export const webIdlShape = {
  async test() {
    assert.strictEqual(Object.prototype.toString.call(new TextEncoder()), '[object TextEncoder]');
    assert.strictEqual(Object.prototype.toString.call(new TextDecoder()), '[object TextDecoder]');
    assert.strictEqual(TextEncoder.length, 0);
    assert.strictEqual(TextDecoder.length, 0);
    assert.strictEqual(TextEncoder.prototype.encode.length, 0);
    assert.strictEqual(TextEncoder.prototype.encodeInto.length, 2);
    assert.strictEqual(TextDecoder.prototype.decode.length, 0);
    for (const [cls, names] of [[TextEncoder, ['encoding', 'encode', 'encodeInto']],
      [TextDecoder, ['encoding', 'fatal', 'ignoreBOM', 'decode']]]) {
      for (const name of names) {
        const desc = Object.getOwnPropertyDescriptor(cls.prototype, name);
        assert.ok(desc, `${cls.name}.prototype.${name} exists`);
        assert.strictEqual(desc.enumerable, true, `${cls.name}.prototype.${name} is enumerable`);
        assert.strictEqual(desc.configurable, true);
      }
    }
    assert.deepStrictEqual(Object.keys(new TextEncoder()), []);
    assert.deepStrictEqual(Object.keys(new TextDecoder()), []);

    const illegal = { name: 'TypeError', message: 'Illegal invocation' };
    const get = (cls, name) => Object.getOwnPropertyDescriptor(cls.prototype, name).get;
    for (const thisArg of [{}, null, undefined, 1, new TextDecoder(), TextEncoder.prototype]) {
      if (thisArg instanceof TextDecoder) continue;
      assert.throws(() => get(TextEncoder, 'encoding').call(thisArg), illegal);
      assert.throws(() => TextEncoder.prototype.encode.call(thisArg, 'a'), illegal);
      assert.throws(() => TextEncoder.prototype.encodeInto.call(thisArg, 'a', new Uint8Array(1)),
        illegal);
    }
    for (const thisArg of [{}, null, undefined, 1, new TextEncoder(), TextDecoder.prototype]) {
      for (const name of ['encoding', 'fatal', 'ignoreBOM']) {
        assert.throws(() => get(TextDecoder, name).call(thisArg), illegal);
      }
      assert.throws(() => TextDecoder.prototype.decode.call(thisArg, new Uint8Array(1)), illegal);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// TextDecoder.decode: inputs

export const decodeInputKinds = {
  async test() {
    const d = new TextDecoder();
    const bytes = u8(0x78, 0x41, 0xC3, 0xA9, 0x42, 0x79);
    assert.strictEqual(d.decode(), '');
    assert.strictEqual(d.decode(undefined), '');
    assert.strictEqual(d.decode(bytes), 'xA\u00e9By');
    assert.strictEqual(d.decode(bytes.buffer), 'xA\u00e9By');
    assert.strictEqual(d.decode(bytes.subarray(1, 5)), 'A\u00e9B');
    assert.strictEqual(d.decode(new DataView(bytes.buffer, 1, 4)), 'A\u00e9B');
    assert.strictEqual(d.decode(new Int8Array(bytes.buffer, 1, 4)), 'A\u00e9B');
    assert.strictEqual(d.decode(new Uint8ClampedArray(bytes.buffer, 1, 4)), 'A\u00e9B');
    assert.strictEqual(d.decode(new Uint16Array(bytes.buffer, 2, 2)), '\u00e9By');
    assert.strictEqual(d.decode(new Float64Array(0)), '');
    assert.strictEqual(d.decode(new ArrayBuffer(0)), '');
    assert.strictEqual(d.decode(new BigUint64Array(1)), '\0'.repeat(8));
    for (const bad of [null, 'abc', 123, [0x41], { length: 1, 0: 0x41 }, Symbol('x'), true,
      Object.create(Uint8Array.prototype), Object.create(ArrayBuffer.prototype)]) {
      assert.throws(() => d.decode(bad), TypeError,
        `decode(${typeof bad === 'object' ? Object.prototype.toString.call(bad) : typeof bad})`);
    }
    // The bytes are copied: changing the input afterwards does not matter.
    const stream = new TextDecoder();
    const chunk = u8(0xE2, 0x82);
    assert.strictEqual(stream.decode(chunk, { stream: true }), '');
    chunk[0] = 0x41;
    chunk[1] = 0x41;
    assert.strictEqual(stream.decode(u8(0xAC)), '\u20ac');
  },
};

export const decodeSharedBuffers = {
  async test() {
    const sab = new SharedArrayBuffer(8);
    const view = new Uint8Array(sab);
    view.set([0x41, 0xE2, 0x82, 0xAC, 0x42, 0x00, 0x43, 0x00]);
    for (const label of ['utf-8', 'utf-16le', 'windows-1252']) {
      const d = new TextDecoder(label);
      const expected = new TextDecoder(label).decode(view.slice());
      assert.strictEqual(d.decode(sab), expected, `${label}: SharedArrayBuffer`);
      assert.strictEqual(d.decode(view), expected, `${label}: Uint8Array on a SharedArrayBuffer`);
      assert.strictEqual(d.decode(new DataView(sab)), expected, `${label}: DataView on SAB`);
    }
    assert.strictEqual(new TextDecoder().decode(new Uint8Array(sab, 1, 3)), '\u20ac');
    assert.strictEqual(new TextDecoder('utf-16le').decode(new Uint16Array(sab, 4, 2)), 'BC');
    // Streaming from a SharedArrayBuffer keeps a copy of the pending bytes.
    const d = new TextDecoder();
    assert.strictEqual(d.decode(new Uint8Array(sab, 0, 3), { stream: true }), 'A');
    view[1] = 0;
    view[2] = 0;
    assert.strictEqual(d.decode(new Uint8Array(sab, 3, 2)), '\u20acB');
  },
};

export const decodeDetachedBuffers = {
  async test() {
    for (const label of ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252']) {
      const d = new TextDecoder(label);
      let buffer = new ArrayBuffer(4);
      detach(buffer);
      assert.strictEqual(d.decode(buffer), '', `${label}: detached ArrayBuffer`);
      buffer = new ArrayBuffer(4);
      const u = new Uint8Array(buffer, 1, 2);
      detach(buffer);
      assert.strictEqual(d.decode(u), '', `${label}: view of a detached ArrayBuffer`);
      buffer = new ArrayBuffer(4);
      const dv = new DataView(buffer, 1, 2);
      detach(buffer);
      assert.strictEqual(d.decode(dv), '', `${label}: DataView of a detached ArrayBuffer`);
    }
    // A detached chunk in the middle of a stream adds nothing.
    const d = new TextDecoder();
    const buffer = new ArrayBuffer(2);
    const view = new Uint8Array(buffer);
    detach(buffer);
    assert.strictEqual(d.decode(u8(0xE2), { stream: true }), '');
    assert.strictEqual(d.decode(view, { stream: true }), '');
    assert.strictEqual(d.decode(u8(0x82, 0xAC)), '\u20ac');
  },
};

// ---------------------------------------------------------------------------------------------
// BOM

export const bomHandling = {
  async test() {
    const cases = [
      ['utf-8', u8(0xEF, 0xBB, 0xBF, 0x41, 0x42)],
      ['utf-16le', u8(0xFF, 0xFE, 0x41, 0x00, 0x42, 0x00)],
      ['utf-16be', u8(0xFE, 0xFF, 0x00, 0x41, 0x00, 0x42)],
    ];
    for (const [label, bytes] of cases) {
      assert.strictEqual(new TextDecoder(label).decode(bytes), 'AB', `${label}: BOM stripped`);
      assert.strictEqual(new TextDecoder(label, { ignoreBOM: true }).decode(bytes), '\uFEFFAB',
        `${label}: ignoreBOM keeps it`);
      // Only the first one.
      const bom = bytes.subarray(0, label === 'utf-8' ? 3 : 2);
      assertString(new TextDecoder(label).decode(concat(bom, bytes)), '\uFEFFAB',
        `${label}: second BOM kept`);
      // Every split of the BOM across stream chunks.
      for (let i = 0; i <= bytes.length; i++) {
        const d = new TextDecoder(label);
        assertString(decodeChunks(d, [bytes.subarray(0, i), bytes.subarray(i)]), 'AB',
          `${label}: BOM split at ${i}`);
        // The decoder is reusable: the next stream strips its BOM too.
        assertString(d.decode(bytes), 'AB', `${label}: BOM stripped again after the stream ended`);
      }
      // Byte by byte.
      const d = new TextDecoder(label);
      assertString(decodeChunks(d, [...Array.from(bytes, (b) => u8(b)), u8()]), 'AB',
        `${label}: BOM byte by byte`);
      // A BOM that is not at the start of the stream is kept.
      const s = new TextDecoder(label);
      const a = label === 'utf-8' ? u8(0x41) : label === 'utf-16le' ? u8(0x41, 0) : u8(0, 0x41);
      assert.strictEqual(s.decode(a, { stream: true }), 'A');
      assertString(s.decode(bytes), '\uFEFFAB', `${label}: BOM after the first character`);
      // Empty chunks at the start do not count as the first character.
      const e = new TextDecoder(label);
      assert.strictEqual(e.decode(u8(), { stream: true }), '');
      assert.strictEqual(e.decode(undefined, { stream: true }), '');
      assertString(e.decode(bytes), 'AB', `${label}: BOM after empty chunks`);
    }
    // A UTF-16BE BOM read as UTF-16LE is U+FFFE, not a BOM.
    assertString(new TextDecoder('utf-16le').decode(u8(0xFE, 0xFF, 0x41, 0x00)), '\uFFFEA');
    assertString(new TextDecoder('utf-16be').decode(u8(0xFF, 0xFE, 0x00, 0x41)), '\uFFFEA');
    // No BOM sniffing: a UTF-8 BOM does not switch a UTF-16 decoder, and vice versa.
    assertString(new TextDecoder('utf-8').decode(u8(0xFF, 0xFE, 0x41, 0x00)), '\uFFFD\uFFFDA\0');
    // windows-1252 never strips anything.
    assertString(new TextDecoder('windows-1252').decode(u8(0xEF, 0xBB, 0xBF, 0x41)),
      '\u00ef\u00bb\u00bfA');
    // Just a BOM.
    assert.strictEqual(new TextDecoder().decode(u8(0xEF, 0xBB, 0xBF)), '');
    assert.strictEqual(new TextDecoder('utf-16le', { fatal: true }).decode(u8(0xFF, 0xFE)), '');
  },
};

// ---------------------------------------------------------------------------------------------
// Errors: replacement characters and fatal mode

// Invalid UTF-8 and the WHATWG result (one U+FFFD per maximal subpart).
const UTF8_INVALID = [
  [[0xFF], '\uFFFD'],
  [[0xFE], '\uFFFD'],
  [[0x80], '\uFFFD'],
  [[0xBF, 0x41], '\uFFFDA'],
  [[0xC0, 0x80], '\uFFFD\uFFFD'],
  [[0xC1, 0xBF], '\uFFFD\uFFFD'],
  [[0xC2], '\uFFFD'],
  [[0xC2, 0x41], '\uFFFDA'],
  [[0xE0, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD'],
  [[0xE0, 0x9F, 0xBF], '\uFFFD\uFFFD\uFFFD'],
  [[0xE0, 0xA0], '\uFFFD'],
  [[0xE0, 0xA0, 0x41], '\uFFFDA'],
  [[0xE2, 0x82], '\uFFFD'],
  [[0xE2, 0x82, 0xE2, 0x82, 0xAC], '\uFFFD\u20ac'],
  [[0xED, 0xA0, 0x80], '\uFFFD\uFFFD\uFFFD'],
  [[0xED, 0xBF, 0xBF], '\uFFFD\uFFFD\uFFFD'],
  [[0xF0, 0x80, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD\uFFFD'],
  [[0xF0, 0x8F, 0xBF, 0xBF], '\uFFFD\uFFFD\uFFFD\uFFFD'],
  [[0xF0, 0x9D, 0x84], '\uFFFD'],
  [[0xF0, 0x9D, 0x84, 0x41], '\uFFFDA'],
  [[0xF0, 0x9D, 0x41, 0x84], '\uFFFDA\uFFFD'],
  [[0xF4, 0x90, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD\uFFFD'],
  [[0xF5, 0x80, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD\uFFFD'],
  [[0xF8, 0x88, 0x80, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD'],
  [[0x41, 0xC3, 0xA9, 0xC3], 'A\u00e9\uFFFD'],
  [[0xC3, 0xC3, 0xA9], '\uFFFD\u00e9'],
  [[0xEF, 0xBB], '\uFFFD'],
  [[0xEF, 0xBB, 0x41], '\uFFFDA'],
  [[0xF4, 0x8F, 0xBF], '\uFFFD'],
  [[0xF4, 0x8F, 0xBF, 0x7F], '\uFFFD\u007f'],
  [[0xE0, 0xA0, 0x80, 0xE0], '\u0800\uFFFD'],
];

export const utf8Errors = {
  async test() {
    for (const [bytes, expected] of UTF8_INVALID) {
      const what = `utf-8 [${hex(bytes)}]`;
      assertString(new TextDecoder().decode(u8(...bytes)), expected, what);
      assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(u8(...bytes)),
        FATAL('utf-8'), `${what} fatal`);
      // Streaming every split must give the same result as one call.
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) {
          const chunks = [bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)].map((c) => u8(...c));
          assertString(decodeChunks(new TextDecoder(), chunks), expected, `${what} split ${i},${j}`);
          assert.throws(() => decodeChunks(new TextDecoder('utf-8', { fatal: true }), chunks),
            FATAL('utf-8'), `${what} fatal split ${i},${j}`);
        }
      }
    }
    // An incomplete sequence at the end of a stream is an error when the stream is flushed.
    const d = new TextDecoder('utf-8', { fatal: true });
    assert.strictEqual(d.decode(u8(0x41, 0xE2, 0x82), { stream: true }), 'A');
    assert.throws(() => d.decode(), FATAL('utf-8'));
    // ... after which the decoder starts afresh.
    assert.strictEqual(d.decode(u8(0xEF, 0xBB, 0xBF, 0x42)), 'B');
    // A fatal error in the middle of a stream also resets it.
    assert.strictEqual(d.decode(u8(0xE2), { stream: true }), '');
    assert.throws(() => d.decode(u8(0x41), { stream: true }), FATAL('utf-8'));
    assert.strictEqual(d.decode(u8(0x42)), 'B');
    // Non-fatal: the flush gives one U+FFFD.
    const r = new TextDecoder();
    assert.strictEqual(r.decode(u8(0xF0, 0x9F), { stream: true }), '');
    assert.strictEqual(r.decode(u8(0x98), { stream: true }), '');
    assertString(r.decode(), '\uFFFD');
    assert.strictEqual(r.decode(u8(0x41)), 'A');
  },
};

// Invalid UTF-16 (as code units, written little- or big-endian) and the WHATWG result.
const UTF16_INVALID = [
  [[0xD800], '\uFFFD'],
  [[0xDC00], '\uFFFD'],
  [[0xDFFF, 0x0041], '\uFFFDA'],
  [[0xD800, 0x0041], '\uFFFDA'],
  [[0xD800, 0xD800, 0xDC00], '\uFFFD\ud800\udc00'],
  [[0xD800, 0xDC00, 0xDC00], '\ud800\udc00\uFFFD'],
  [[0xDC00, 0xD800], '\uFFFD\uFFFD'],
  [[0x0041, 0xDBFF], 'A\uFFFD'],
  [[0xDBFF, 0xFFFF], '\uFFFD\uffff'],
];

export const utf16Errors = {
  async test() {
    for (const [label, bigEndian] of [['utf-16le', false], ['utf-16be', true]]) {
      for (const [units, expected] of UTF16_INVALID) {
        const bytes = utf16Bytes(String.fromCharCode(...units), bigEndian);
        const what = `${label} [${hex(bytes)}]`;
        assertString(new TextDecoder(label).decode(bytes), expected, what);
        assert.throws(() => new TextDecoder(label, { fatal: true }).decode(bytes), FATAL(label),
          `${what} fatal`);
        for (let i = 0; i <= bytes.length; i++) {
          for (let j = i; j <= bytes.length; j++) {
            const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
            assertString(decodeChunks(new TextDecoder(label), chunks), expected,
              `${what} split ${i},${j}`);
            assert.throws(() => decodeChunks(new TextDecoder(label, { fatal: true }), chunks),
              FATAL(label), `${what} fatal split ${i},${j}`);
          }
        }
      }
    }
  },
};

export const utf16OddLength = {
  async test() {
    assertString(new TextDecoder('utf-16le').decode(u8(0x41, 0x00, 0x42)), 'A\uFFFD');
    assertString(new TextDecoder('utf-16be').decode(u8(0x00, 0x41, 0x00)), 'A\uFFFD');
    assertString(new TextDecoder('utf-16le').decode(u8(0x41)), '\uFFFD');
    assert.throws(() => new TextDecoder('utf-16le', { fatal: true }).decode(u8(0x41, 0x00, 0x42)),
      FATAL('utf-16le'));
    assert.throws(() => new TextDecoder('utf-16be', { fatal: true }).decode(u8(0x00)),
      FATAL('utf-16be'));
    // A high surrogate followed by one byte: one error at the end, not two.
    assertString(new TextDecoder('utf-16le').decode(u8(0x3D, 0xD8, 0x00)), '\uFFFD');
    // Odd-length chunks while streaming are fine.
    const d = new TextDecoder('utf-16le', { fatal: true });
    assert.strictEqual(d.decode(u8(0x41), { stream: true }), '');
    assert.strictEqual(d.decode(u8(0x00, 0x42, 0x00, 0x43), { stream: true }), 'AB');
    assert.strictEqual(d.decode(u8(0x00)), 'C');
    // Odd byteLength views over a larger buffer.
    const buffer = u8(0xFF, 0x41, 0x00, 0x42, 0x00, 0xFF).buffer;
    assertString(new TextDecoder('utf-16le').decode(new Uint8Array(buffer, 1, 3)), 'A\uFFFD');
    assertString(new TextDecoder('utf-16le').decode(new DataView(buffer, 1, 4)), 'AB');
  },
};

// ---------------------------------------------------------------------------------------------
// Streaming valid input, split at every byte position

export const streamingUtf8 = {
  async test() {
    const bytes = MIXED_UTF8;
    for (const fatal of [false, true]) {
      const d = new TextDecoder('utf-8', { fatal });
      for (let i = 0; i <= bytes.length; i++) {
        assertString(decodeChunks(d, [bytes.subarray(0, i), bytes.subarray(i)]), MIXED,
          `split at ${i}`);
        for (let j = i; j <= bytes.length; j++) {
          assertString(decodeChunks(d, [bytes.subarray(0, i), bytes.subarray(i, j),
            bytes.subarray(j)]), MIXED, `split at ${i},${j}`);
        }
      }
      // One byte at a time, and the result of each call.
      const parts = [];
      for (let i = 0; i < bytes.length; i++) parts.push(d.decode(bytes.subarray(i, i + 1), { stream: true }));
      parts.push(d.decode());
      assertString(parts.join(''), MIXED, 'byte by byte');
      // A character is emitted as soon as its last byte arrives, never earlier.
      assert.deepStrictEqual(parts.slice(0, 10), ['a', '', '\u00e9', '', '', '\u20ac', '', '', '',
        '\ud834\udd1e']);
    }
    // Each multi-byte character split at each of its byte positions, with text around it.
    for (const ch of ['\u00e9', '\u07ff', '\u0800', '\u20ac', '\uffff', '\ud800\udc00',
      '\ud834\udd1e', '\udbff\udfff']) {
      const enc = new TextEncoder().encode(`<${ch}>`);
      for (let i = 1; i < enc.length; i++) {
        const d = new TextDecoder('utf-8', { fatal: true });
        const first = d.decode(enc.subarray(0, i), { stream: true });
        const second = d.decode(enc.subarray(i));
        assertString(first + second, `<${ch}>`, `[${codeUnits(ch)}] split at ${i}`);
        assert.ok(first === '<' || first === `<${ch}` || (first === `<${ch}>` && i === enc.length),
          `[${codeUnits(ch)}] split at ${i}: characters are never split (first part ${codeUnits(first)})`);
      }
    }
    // Large input in chunks of odd sizes.
    const big = MIXED.repeat(20000);
    const bigBytes = new TextEncoder().encode(big);
    for (const size of [1000, 4097, 65537]) {
      const d = new TextDecoder();
      let out = '';
      for (let i = 0; i < bigBytes.length; i += size) {
        out += d.decode(bigBytes.subarray(i, i + size), { stream: true });
      }
      out += d.decode();
      assert.ok(out === big, `large stream in chunks of ${size}`);
    }
  },
};

export const streamingUtf16 = {
  async test() {
    const text = 'A\u00e9\u20ac\ud834\udd1e\uFEFF\uffff\ud800\udc00z';
    for (const [label, bigEndian] of [['utf-16le', false], ['utf-16be', true]]) {
      const bytes = utf16Bytes(text, bigEndian);
      const d = new TextDecoder(label, { fatal: true });
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) {
          assertString(decodeChunks(d, [bytes.subarray(0, i), bytes.subarray(i, j),
            bytes.subarray(j)]), text, `${label} split at ${i},${j}`);
        }
      }
      const parts = [];
      for (let i = 0; i < bytes.length; i++) parts.push(d.decode(bytes.subarray(i, i + 1), { stream: true }));
      parts.push(d.decode());
      assertString(parts.join(''), text, `${label} byte by byte`);
      // A surrogate pair is only emitted once complete.
      assert.deepStrictEqual(parts.slice(6, 14), ['', '', '', '\ud834\udd1e', '', '\uFEFF', '', '\uffff']);
      // Large input (more than one string-building chunk).
      const big = text.repeat(30000);
      const bigBytes = utf16Bytes(big, bigEndian);
      assert.ok(new TextDecoder(label).decode(bigBytes) === big, `${label}: large input`);
      let out = '';
      const s = new TextDecoder(label);
      for (let i = 0; i < bigBytes.length; i += 9999) {
        out += s.decode(bigBytes.subarray(i, i + 9999), { stream: true });
      }
      out += s.decode();
      assert.ok(out === big, `${label}: large input streamed in odd chunks`);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// windows-1252 (and its labels latin1, ascii, iso-8859-1, ...)

export const windows1252 = {
  async test() {
    const high = {
      0x80: '\u20ac', 0x81: '\u0081', 0x82: '\u201a', 0x83: '\u0192', 0x84: '\u201e',
      0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021', 0x88: '\u02c6', 0x89: '\u2030',
      0x8A: '\u0160', 0x8B: '\u2039', 0x8C: '\u0152', 0x8D: '\u008d', 0x8E: '\u017d',
      0x8F: '\u008f', 0x90: '\u0090', 0x91: '\u2018', 0x92: '\u2019', 0x93: '\u201c',
      0x94: '\u201d', 0x95: '\u2022', 0x96: '\u2013', 0x97: '\u2014', 0x98: '\u02dc',
      0x99: '\u2122', 0x9A: '\u0161', 0x9B: '\u203a', 0x9C: '\u0153', 0x9D: '\u009d',
      0x9E: '\u017e', 0x9F: '\u0178',
    };
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    for (const label of LABELS['windows-1252']) {
      const d = new TextDecoder(label, { fatal: true });
      assert.strictEqual(d.encoding, 'windows-1252');
      const out = d.decode(all);
      assert.strictEqual(out.length, 256, label);
      for (let i = 0; i < 256; i++) {
        const expected = high[i] ?? String.fromCharCode(i);
        assert.strictEqual(out[i], expected, `${label}: byte 0x${i.toString(16)}`);
      }
    }
    const d = new TextDecoder('latin1');
    assert.strictEqual(d.decode(u8(0x80)), '\u20ac', "'latin1' is windows-1252: 0x80 is the euro sign");
    assert.strictEqual(new TextDecoder('ascii').decode(u8(0x93, 0x41, 0x94)), '\u201cA\u201d');
    assert.strictEqual(new TextDecoder('iso-8859-1').decode(u8(0xE9, 0xFF, 0xA0)), '\u00e9\u00ff\u00a0');
    assert.strictEqual(d.decode(u8(0xC3, 0xA9)), '\u00c3\u00a9');
    assert.strictEqual(d.fatal, false);
    // Streaming is trivial but must work, and the stream option is accepted.
    assert.strictEqual(d.decode(u8(0x80), { stream: true }) + d.decode(u8(0x9F)), '\u20ac\u0178');
    // Large input.
    const big = new Uint8Array(300000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xFF;
    const out = d.decode(big);
    assert.strictEqual(out.length, big.length);
    for (let i = 0; i < big.length; i += 997) {
      assert.strictEqual(out[i], high[big[i]] ?? String.fromCharCode(big[i]), `large input at ${i}`);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// User code patching built-ins must not change how encoding works.

function patchAll() {
  // Everything used here is captured first: the loop patches what it would otherwise call.
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const toName = String;
  const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
  const targets = [
    [String.prototype, ['charCodeAt', 'codePointAt', 'slice', 'substring', 'toLowerCase',
      'toUpperCase', 'padStart', 'trim', 'replace', 'indexOf', 'at', 'charAt', Symbol.iterator]],
    [String, ['fromCharCode', 'fromCodePoint']],
    [Array.prototype, ['push', 'join', 'slice', 'map', 'pop', 'shift', 'concat', 'indexOf',
      Symbol.iterator]],
    [TypedArrayPrototype, ['subarray', 'slice', 'set', 'fill', 'map', 'join', 'indexOf',
      Symbol.iterator, 'length', 'byteLength', 'byteOffset', 'buffer']],
    [Uint8Array.prototype, ['subarray', 'slice', 'set', 'constructor']],
    [Uint16Array.prototype, ['subarray', 'constructor']],
    [Uint8Array, [Symbol.species]],
    [Uint16Array, [Symbol.species]],
    [ArrayBuffer.prototype, ['byteLength', 'slice']],
    [SharedArrayBuffer.prototype, ['byteLength', 'slice']],
    [DataView.prototype, ['byteLength', 'byteOffset', 'buffer']],
    [ArrayBuffer, ['isView']],
    [Function.prototype, ['apply', 'call', 'bind']],
    [Reflect, ['apply']],
    [Map.prototype, ['get', 'set', 'has']],
    [Object, ['defineProperty', 'getOwnPropertyDescriptor', 'keys']],
    [Number.prototype, ['toString']],
    [Object.prototype, ['read', 'written']],
  ];
  // Global constructors are replaced too.
  const globals = ['Uint8Array', 'Uint16Array', 'String', 'TypeError', 'RangeError', 'Map',
    'ArrayBuffer', 'Reflect'];
  const saved = [];
  const restore = function restore() {
    for (let i = saved.length - 1; i >= 0; i--) {
      const entry = saved[i];
      if (entry[2]) defineProperty(entry[0], entry[1], entry[2]);
      else delete entry[0][entry[1]];
    }
  };
  try {
    for (let t = 0; t < targets.length; t++) {
      const target = targets[t][0];
      const keys = targets[t][1];
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        const desc = getOwnPropertyDescriptor(target, key);
        saved[saved.length] = [target, key, desc];
        const name = toName(key);
        const trap = function patched() { throw new Error(`patched built-in ${name} was used`); };
        if ((desc && (desc.get || desc.set)) || target === Object.prototype) {
          defineProperty(target, key, { get: trap, set: trap, configurable: true });
        } else {
          defineProperty(target, key, { value: trap, writable: true, configurable: true });
        }
      }
    }
    for (let g = 0; g < globals.length; g++) {
      const name = globals[g];
      saved[saved.length] = [globalThis, name, getOwnPropertyDescriptor(globalThis, name)];
      globalThis[name] = function patchedGlobal() {
        throw new Error(`patched global ${name} was used`);
      };
    }
  } catch (e) {
    restore();
    throw e;
  }
  return restore;
}

export const patchedBuiltins = {
  async test() {
    const sab = new SharedArrayBuffer(4);
    new Uint8Array(sab).set([0xE2, 0x82, 0xAC, 0x41]);
    const inputs = {
      mixed: MIXED,
      lone: 'a\ud800b\udc00',
      utf8: concat(u8(0xEF, 0xBB, 0xBF), MIXED_UTF8, u8(0xC3)),
      utf16le: utf16Bytes('\uFEFFA\ud834\udd1e\ud800', false),
      utf16be: utf16Bytes('\uFEFFB\u20ac\udc00', true),
      latin1: u8(0x80, 0x41, 0xE9, 0x9F),
      dv: new DataView(MIXED_UTF8.buffer, 1, 5),
      sab,
      dest: new Uint8Array(7),
      bigUtf16: utf16Bytes('x\u20ac'.repeat(10000), false),
    };
    // Everything the operations below need is prepared here, with pristine built-ins.
    inputs.utf8Buffer = inputs.utf8.buffer;
    inputs.utf8Bytes = [];
    for (let k = 0; k < inputs.utf8.length - 1; k++) {
      inputs.utf8Bytes[k] = new DataView(inputs.utf8Buffer, k, 1);
    }
    inputs.utf8Parts = [new DataView(inputs.utf8Buffer, 0, 7),
      new DataView(inputs.utf8Buffer, 7, inputs.utf8.length - 7 - 2),
      new DataView(inputs.utf8Buffer, inputs.utf8.length - 2, 2)];
    inputs.utf16Parts = [new DataView(inputs.utf16le.buffer, 0, 3),
      new DataView(inputs.utf16le.buffer, 3, 5)];
    // What each operation returns with pristine built-ins ...
    const run = (i) => {
      const got = [];
      const add = (f) => {
        try {
          got[got.length] = f();
        } catch (e) {
          got[got.length] = `threw ${e && e.name}: ${e && e.message}`;
        }
      };
      add(() => new TextEncoder().encode(i.mixed));
      add(() => new TextEncoder().encode(i.lone));
      add(() => new TextEncoder().encodeInto(i.mixed, i.dest));
      add(() => new TextEncoder().encoding);
      add(() => new TextDecoder().decode(i.utf8));
      add(() => new TextDecoder('UTF-16 ').decode(i.utf16le));
      add(() => new TextDecoder('utf-16be').decode(i.utf16be));
      add(() => new TextDecoder(' Latin1').decode(i.latin1));
      add(() => new TextDecoder().decode(i.dv));
      add(() => new TextDecoder().decode(i.sab));
      add(() => new TextDecoder().decode(i.utf8Buffer));
      add(() => new TextDecoder('utf-16le').decode(i.bigUtf16));
      add(() => {
        const d = new TextDecoder('utf-8', { fatal: true });
        let s = '';
        for (let k = 0; k < i.utf8Bytes.length; k++) {
          s += d.decode(i.utf8Bytes[k], { stream: true });
        }
        return s;
      });
      add(() => {
        const d = new TextDecoder('utf-16le');
        return d.decode(i.utf16Parts[0], { stream: true }) + d.decode(i.utf16Parts[1]);
      });
      add(() => {
        // Chunks that split characters: a held-back tail, then its completion plus more.
        const d = new TextDecoder();
        return d.decode(i.utf8Parts[0], { stream: true }) +
          d.decode(i.utf8Parts[1], { stream: true }) + d.decode(i.utf8Parts[2]);
      });
      add(() => new TextDecoder('utf-8', { fatal: true }).decode(i.utf8));
      add(() => new TextDecoder('nope'));
      add(() => new TextEncoder().encodeInto('a', i.dv));
      return got;
    };
    const expected = run(inputs);
    const restore = patchAll();
    let actual;
    try {
      actual = run(inputs);
    } finally {
      restore();
    }
    assert.strictEqual(actual.length, expected.length);
    for (let k = 0; k < expected.length; k++) {
      const e = expected[k];
      const a = actual[k];
      if (e instanceof Uint8Array) assertBytes(a, e, `operation ${k}`);
      else assert.deepStrictEqual(a, e, `operation ${k} with patched built-ins`);
    }
    // Sanity: the expected values are the real ones.
    assertString(expected[4], `${MIXED}\uFFFD`);
    assertString(expected[5], 'A\ud834\udd1e\uFFFD');
    assertString(expected[6], 'B\u20ac\uFFFD');
    assert.strictEqual(expected[7], '\u20acA\u00e9\u0178');
    assertString(expected[14], `${MIXED}\uFFFD`);
    assert.match(expected[16], /^threw RangeError/);
    assert.match(expected[17], /^threw TypeError/);
  },
};
