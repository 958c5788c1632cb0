// Blob and File (W3C File API): blob parts of every kind, type normalisation, endings, slice
// with negative indices and a content type, text/arrayBuffer/bytes/stream, File's name and
// lastModified, Web IDL conversions and shape, and robustness against patched built-ins.

import assert from 'node:assert';

const bytesOf = async (blob) => [...new Uint8Array(await blob.arrayBuffer())];

async function streamBytes(stream) {
  const reader = stream.getReader();
  const out = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    assert.ok(value instanceof Uint8Array, 'chunks are Uint8Arrays');
    for (let i = 0; i < value.length; i++) out.push(value[i]);
  }
}

// ---------------------------------------------------------------------------------------------
// construction

export const emptyBlob = {
  async test() {
    for (const blob of [new Blob(), new Blob(undefined), new Blob([]), new Blob([], {})]) {
      assert.strictEqual(blob.size, 0);
      assert.strictEqual(blob.type, '');
      assert.strictEqual(await blob.text(), '');
    }
  },
};

export const partsOfEveryKind = {
  async test() {
    const u8 = new Uint8Array([0, 255, 0, 4]);
    const parts = [
      'hé',                                   // UTF-8: 68 c3 a9
      u8.buffer,                              // 00 ff 00 04
      new Uint16Array(u8.buffer, 2, 1),       // 00 04 (a view: only its bytes)
      new DataView(u8.buffer, 1, 2),          // ff 00
      new Blob(['!']),                        // 21
      new File(['?'], 'f.txt'),               // 3f
    ];
    const blob = new Blob(parts);
    assert.deepStrictEqual(await bytesOf(blob),
      [0x68, 0xc3, 0xa9, 0, 255, 0, 4, 0, 4, 255, 0, 0x21, 0x3f]);
    assert.strictEqual(blob.size, 13);
  },
};

export const partsAreCopied = {
  async test() {
    const u8 = new Uint8Array([97, 98]);
    const blob = new Blob([u8, u8.buffer]);
    u8[0] = 122;
    assert.strictEqual(await blob.text(), 'abab');
    // A detached buffer contributes no bytes.
    const buffer = new ArrayBuffer(4);
    structuredClone(buffer, { transfer: [buffer] });
    assert.strictEqual(new Blob([buffer, 'x']).size, 1);
  },
};

export const sharedMemoryIsRejected = {
  async test() {
    assert.throws(() => new Blob([new SharedArrayBuffer(4)]), TypeError);
    assert.throws(() => new Blob([new Uint8Array(new SharedArrayBuffer(4))]), TypeError);
  },
};

export const otherValuesAreStringified = {
  async test() {
    const blob = new Blob([null, undefined, true, 0, 12, [1, 2], {}, { toString: () => 'S' },
      new String('obj')]);
    assert.strictEqual(await blob.text(), 'nullundefinedtrue0121,2[object Object]Sobj');
    assert.throws(() => new Blob([Symbol('x')]), TypeError);
    const error = new Error('from toString');
    assert.throws(() => new Blob([{ toString() { throw error; } }]), (e) => e === error);
  },
};

export const lonesurrogatesBecomeReplacementCharacters = {
  async test() {
    const blob = new Blob(['a\uD800b', '\uDC00', '\uD83D\uDE00']);
    assert.deepStrictEqual(await bytesOf(blob),
      [0x61, 0xef, 0xbf, 0xbd, 0x62, 0xef, 0xbf, 0xbd, 0xf0, 0x9f, 0x98, 0x80]);
  },
};

export const blobPartsMustBeASequence = {
  async test() {
    for (const value of [null, true, 0, 'string', new Date(), /re/, {}, { 0: 'a', length: 1 }]) {
      assert.throws(() => new Blob(value), TypeError, String(value));
    }
    // Any iterable object works, including a String object and a typed array.
    assert.strictEqual(await new Blob(new String('xyz')).text(), 'xyz');
    assert.strictEqual(await new Blob(new Uint8Array([1, 2, 3])).text(), '123');
    const custom = {
      [Symbol.iterator]() {
        let i = 0;
        return { next: () => [{ done: false, value: 'ab' }, { done: false, value: 'cde' }, { done: true }][i++] };
      },
    };
    assert.strictEqual(new Blob(custom).size, 5);
  },
};

export const partsConvertedInOrderAsIterated = {
  async test() {
    // The array is read as it is iterated: changes made by a toString are seen.
    const arr = [
      { toString() { arr.pop(); return 'PASS'; } },
      { toString() { throw new Error('removed, never converted'); } },
    ];
    assert.strictEqual(await new Blob(arr).text(), 'PASS');
    // Arguments are converted left to right: options are not read when a part throws.
    const error = new Error('part');
    assert.throws(() => new Blob([{ toString() { throw error; } }], {
      get type() { throw new Error('options read too early'); },
    }), (e) => e === error);
  },
};

export const optionsOrderAndValidation = {
  async test() {
    const accessed = [];
    new Blob([], {
      get type() { accessed.push('type'); return ''; },
      get endings() { accessed.push('endings'); return undefined; },
    });
    assert.deepStrictEqual(accessed, ['endings', 'type']);
    for (const options of [null, undefined, {}, /re/, () => {}]) {
      assert.strictEqual(new Blob(['a'], options).type, '');
    }
    for (const options of [1, 'type', true]) {
      assert.throws(() => new Blob([], options), TypeError);
    }
    assert.throws(() => new Blob([], { endings: 'invalid' }), TypeError);
    assert.throws(() => new Blob([], { endings: 'NATIVE' }), TypeError);
  },
};

export const typeNormalisation = {
  async test() {
    const cases = [
      ['', ''], ['a', 'a'], ['A', 'a'], ['TEXT/HTML', 'text/html'],
      ['text/plain;charset=UTF-8', 'text/plain;charset=utf-8'], [' image/gif ', ' image/gif '],
      ['\timage/gif', ''], ['image/gif\u007f', ''], ['\u00e5', ''], ['\u0130mage/gif', ''],
      ['image/gif\u0000', ''], ['nonparsable', 'nonparsable'],
    ];
    for (const [type, expected] of cases) {
      assert.strictEqual(new Blob([], { type }).type, expected, JSON.stringify(type));
      assert.strictEqual(new File([], 'f', { type }).type, expected, JSON.stringify(type));
    }
    assert.strictEqual(new Blob([], { type: { toString: () => 'X/Y' } }).type, 'x/y');
  },
};

export const endings = {
  async test() {
    const text = 'a\r\nb\nc\rd\n\re';
    assert.strictEqual(await new Blob([text]).text(), text);
    assert.strictEqual(await new Blob([text], { endings: 'transparent' }).text(), text);
    assert.strictEqual(await new Blob([text], { endings: 'native' }).text(), 'a\nb\nc\nd\n\ne');
    // Only strings are converted, not bytes.
    const bytes = new Uint8Array([13, 10]);
    assert.deepStrictEqual(await bytesOf(new Blob([bytes], { endings: 'native' })), [13, 10]);
  },
};

// ---------------------------------------------------------------------------------------------
// slice

export const slice = {
  async test() {
    const blob = new Blob(['0123456789'], { type: 'text/plain' });
    // Indices are [Clamp] long long: rounded to the nearest integer, ties to even.
    const cases = [
      [[], '0123456789'], [[2], '23456789'], [[2, 5], '234'], [[-3], '789'], [[-3, -1], '78'],
      [[5, 2], ''], [[0, 100], '0123456789'], [[100], ''], [[-100], '0123456789'],
      [[-100, 2], '01'], [[1.7, 4.5], '23'], [[2.5, 6.5], '2345'], [[NaN, '3'], '012'],
      [[undefined, 4], '0123'], [[Infinity], ''], [[-Infinity, -8], '01'],
    ];
    for (const [args, expected] of cases) {
      assert.strictEqual(await blob.slice(...args).text(), expected, JSON.stringify(args));
    }
    const part = blob.slice(1, 3);
    assert.strictEqual(part.type, '', 'slice does not keep the type');
    assert.ok(part instanceof Blob);
    assert.strictEqual(blob.slice(0, 1, 'Text/HTML').type, 'text/html');
    assert.strictEqual(blob.slice(0, 1, 'bad\u00ff').type, '');
    // Slices of slices.
    assert.strictEqual(await blob.slice(2, 8).slice(1, -1).text(), '3456');
    // A File's slice is a Blob, not a File.
    const file = new File(['abc'], 'x.txt');
    assert.strictEqual(file.slice(1) instanceof File, false);
    assert.strictEqual(await file.slice(1).text(), 'bc');
  },
};

// ---------------------------------------------------------------------------------------------
// reading

export const readMethods = {
  async test() {
    const blob = new Blob(['h\u00e9llo']);
    const text = blob.text();
    assert.ok(text instanceof Promise);
    assert.strictEqual(await text, 'h\u00e9llo');
    const buffer = await blob.arrayBuffer();
    assert.ok(buffer instanceof ArrayBuffer);
    assert.strictEqual(buffer.byteLength, 6);
    const bytes = await blob.bytes();
    assert.ok(bytes instanceof Uint8Array);
    assert.deepStrictEqual([...bytes], [0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f]);
    // Results are fresh copies.
    bytes[0] = 0;
    new Uint8Array(buffer)[1] = 0;
    assert.strictEqual(await blob.text(), 'h\u00e9llo');
    assert.notStrictEqual(await blob.arrayBuffer(), await blob.arrayBuffer());
  },
};

export const textDecoding = {
  async test() {
    // One leading BOM is removed; invalid sequences become U+FFFD.
    const blob = new Blob([new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62])]);
    assert.strictEqual(await blob.text(), '\ufeffa\ufffdb');
    assert.strictEqual(await new Blob([new Uint8Array([0xe2, 0x82])]).text(), '\ufffd');
  },
};

export const stream = {
  async test() {
    const blob = new Blob(['abc', new Uint8Array([0, 255])]);
    const s = blob.stream();
    assert.ok(s instanceof ReadableStream);
    assert.deepStrictEqual(await streamBytes(s), [97, 98, 99, 0, 255]);
    assert.deepStrictEqual(await streamBytes(new Blob().stream()), []);
    // Each call gives a new stream over all the bytes; writing to a chunk does not change the blob.
    const reader = blob.stream().getReader();
    const { value } = await reader.read();
    value[0] = 0;
    assert.strictEqual(await blob.slice(0, 3).text(), 'abc');
    // A large blob streams completely.
    const big = new Uint8Array(200000).map((_, i) => i & 0xff);
    const got = await streamBytes(new Blob([big]).stream());
    assert.strictEqual(got.length, big.length);
    assert.strictEqual(got[199999], 199999 & 0xff);
  },
};

export const blobSurvivesSourceChanges = {
  async test() {
    const inner = new Blob(['inner']);
    const outer = new Blob([inner, '-', inner.slice(1, 3)]);
    assert.strictEqual(await outer.text(), 'inner-nn');
  },
};

// ---------------------------------------------------------------------------------------------
// File

export const fileBasics = {
  async test() {
    const before = Date.now();
    const file = new File(['ab', new Uint8Array([99])], 'name.txt', { type: 'Text/Plain' });
    const after = Date.now();
    assert.ok(file instanceof File);
    assert.ok(file instanceof Blob);
    assert.strictEqual(file.name, 'name.txt');
    assert.strictEqual(file.type, 'text/plain');
    assert.strictEqual(file.size, 3);
    assert.strictEqual(await file.text(), 'abc');
    assert.ok(file.lastModified >= before && file.lastModified <= after, 'lastModified defaults to now');
    assert.strictEqual(Object.prototype.toString.call(file), '[object File]');
  },
};

export const fileArguments = {
  async test() {
    assert.throws(() => new File(), /2 arguments required, but only 0 present/);
    assert.throws(() => new File([]), /2 arguments required, but only 1 present/);
    for (const bits of ['hello', 0, null]) {
      assert.throws(() => new File(bits, 'x'), TypeError);
    }
    assert.strictEqual(new File([], null).name, 'null');
    assert.strictEqual(new File([], 1).name, '1');
    assert.strictEqual(new File([], 'dir/file').name, 'dir/file', 'no replacement of "/"');
    assert.strictEqual(new File([], 'a\uD800').name, 'a\uFFFD', 'USVString');
    assert.strictEqual(new File([], 'x', { name: 'ignored' }).name, 'x');
    for (const options of [1, 'abc', true]) {
      assert.throws(() => new File([], 'x', options), TypeError);
    }
    for (const options of [null, undefined, [1], /re/, () => {}]) {
      assert.strictEqual(new File(['bits'], 'x', options).size, 4);
    }
  },
};

export const fileLastModified = {
  async test() {
    const cases = [[42, 42], [-1, -1], [0, 0], [1.9, 1], [-1.9, -1], [NaN, 0], [Infinity, 0],
      ['12', 12], [new Date(1234), 1234], [2 ** 64 + 2 ** 12, 4096], [2 ** 63, -(2 ** 63)]];
    for (const [value, expected] of cases) {
      assert.strictEqual(new File([], 'x', { lastModified: value }).lastModified, expected,
        String(value));
    }
    assert.ok(Object.is(new File([], 'x', { lastModified: -0 }).lastModified, 0));
    assert.throws(() => new File([], 'x', { lastModified: 1n }), TypeError);
  },
};

export const fileOptionOrder = {
  async test() {
    const accessed = [];
    new File([], 'x', {
      get type() { accessed.push('type'); return ''; },
      get lastModified() { accessed.push('lastModified'); return 0; },
      get endings() { accessed.push('endings'); return undefined; },
    });
    assert.deepStrictEqual(accessed, ['endings', 'lastModified', 'type']);
  },
};

// ---------------------------------------------------------------------------------------------
// Web IDL shape

export const webIdlShape = {
  async test() {
    assert.strictEqual(Blob.length, 0);
    assert.strictEqual(File.length, 2);
    assert.strictEqual(Object.getPrototypeOf(File), Blob);
    assert.strictEqual(Object.getPrototypeOf(File.prototype), Blob.prototype);
    assert.throws(() => Blob(), TypeError);
    assert.throws(() => File([], 'x'), TypeError);
    assert.strictEqual(Object.prototype.toString.call(new Blob()), '[object Blob]');
    for (const [name, length] of [['slice', 0], ['stream', 0], ['text', 0], ['arrayBuffer', 0], ['bytes', 0]]) {
      const desc = Object.getOwnPropertyDescriptor(Blob.prototype, name);
      assert.strictEqual(desc.value.length, length, name);
      assert.strictEqual(desc.enumerable, true, name);
    }
    for (const name of ['size', 'type']) {
      const desc = Object.getOwnPropertyDescriptor(Blob.prototype, name);
      assert.strictEqual(typeof desc.get, 'function', name);
      assert.strictEqual(desc.set, undefined, name);
      assert.throws(() => desc.get.call({}), /Illegal invocation/, name);
    }
    for (const name of ['name', 'lastModified']) {
      const desc = Object.getOwnPropertyDescriptor(File.prototype, name);
      assert.throws(() => desc.get.call(new Blob()), /Illegal invocation/, name);
    }
    assert.throws(() => Blob.prototype.slice.call({}), /Illegal invocation/);
    assert.throws(() => Blob.prototype.stream.call({}), /Illegal invocation/);
    // Promise-returning methods reject instead of throwing.
    for (const name of ['text', 'arrayBuffer', 'bytes']) {
      const result = Blob.prototype[name].call({});
      assert.ok(result instanceof Promise, name);
      await assert.rejects(result, TypeError);
    }
    // Attributes are read-only (modules are strict code: assigning throws).
    const blob = new Blob(['abc']);
    assert.throws(() => { blob.size = 10; }, TypeError);
    assert.strictEqual(blob.size, 3);
    assert.deepStrictEqual(Object.keys(blob), []);
  },
};

// ---------------------------------------------------------------------------------------------
// robustness

export const survivesPatchedBuiltins = {
  async test() {
    const saved = {
      push: Array.prototype.push,
      toLowerCase: String.prototype.toLowerCase,
      then: Promise.prototype.then,
      set: Uint8Array.prototype.set,
      subarray: Uint8Array.prototype.subarray,
      slice: Uint8Array.prototype.slice,
      arrayIterator: Array.prototype[Symbol.iterator],
    };
    const boom = () => { throw new Error('patched built-in called'); };
    let text;
    let sliced;
    let bytes;
    let file;
    try {
      Array.prototype.push = boom;
      String.prototype.toLowerCase = boom;
      Promise.prototype.then = boom;
      Uint8Array.prototype.set = boom;
      Uint8Array.prototype.subarray = boom;
      Uint8Array.prototype.slice = boom;
      const parts = { [Symbol.iterator]: saved.arrayIterator.bind(['ab', new Uint8Array([99]), new Blob(['d'])]) };
      const blob = new Blob(parts, { type: 'A/B' });
      if (blob.type !== 'a/b' || blob.size !== 4) throw new Error('wrong blob');
      file = new File([blob], 'f', { lastModified: 5 });
      text = blob.text();
      sliced = blob.slice(-2, undefined, 'X').text();
      bytes = file.bytes();
    } finally {
      Array.prototype.push = saved.push;
      String.prototype.toLowerCase = saved.toLowerCase;
      Promise.prototype.then = saved.then;
      Uint8Array.prototype.set = saved.set;
      Uint8Array.prototype.subarray = saved.subarray;
      Uint8Array.prototype.slice = saved.slice;
    }
    assert.strictEqual(await text, 'abcd');
    assert.strictEqual(await sliced, 'cd');
    assert.deepStrictEqual([...(await bytes)], [97, 98, 99, 100]);
    assert.strictEqual(file.lastModified, 5);
  },
};
