// CompressionStream and DecompressionStream ('gzip', 'deflate', 'deflate-raw') on native zlib.
import assert from 'node:assert';

const FORMATS = ['gzip', 'deflate', 'deflate-raw'];

function hex(s) {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

function concat(chunks) {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

// Writes `chunks` into the transform while reading its output; resolves with the output bytes.
async function run(transform, chunks) {
  const writer = transform.writable.getWriter();
  const writing = (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })();
  writing.catch(() => {}); // awaited below, unless reading fails first
  const out = [];
  const reader = transform.readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    assert.ok(value instanceof Uint8Array);
    assert.ok(value.byteLength > 0);
    out.push(value);
  }
  await writing;
  return concat(out);
}

function split(bytes, size) {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

// Deterministic pseudo-random bytes (xorshift32).
function randomBytes(n, seed = 0x12345678) {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function assertBytesEqual(actual, expected) {
  assert.strictEqual(actual.byteLength, expected.byteLength);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`bytes differ at ${i}: ${actual[i]} != ${expected[i]}`);
  }
}

const TEXT = 'Hello from an external gzip encoder! '.repeat(4);

// Produced with Python 3: gzip.compress(data, compresslevel=9, mtime=0), zlib.compress(data, 9)
// and zlib.compressobj(9, zlib.DEFLATED, -15) for data = TEXT.
const FIXTURES = {
  'gzip': '1f8b0800000000000203f348cdc9c957482bcacf5548cc5348ad28492dca4bcc5148afca2c5048cd4bce4f49' +
    '2d5254f0a0af220037a507a694000000',
  'deflate': '78daf348cdc9c957482bcacf5548cc5348ad28492dca4bcc5148afca2c5048cd4bce4f492d5254f0a0af220097a33555',
  'deflate-raw': 'f348cdc9c957482bcacf5548cc5348ad28492dca4bcc5148afca2c5048cd4bce4f492d5254f0a0af2200',
};
// `printf 'dynworker compression fixture\n' | gzip -n -9` (GNU gzip).
const GNU_GZIP = '1f8b08000000000002034ba9cc2bcf2fca4e2d5248cecf2d284a2d2ececccf5348cbac28292d4ae50200b1f2bbf01e000000';

export const shape = {
  test() {
    for (const Ctor of [CompressionStream, DecompressionStream]) {
      assert.strictEqual(Ctor.length, 1);
      assert.throws(() => new Ctor(), { name: 'TypeError', message: /1 argument required/ });
      assert.throws(() => new Ctor('brotli'), TypeError);
      assert.throws(() => new Ctor('GZIP'), TypeError);
      const s = new Ctor('gzip');
      assert.ok(s.readable instanceof ReadableStream);
      assert.ok(s.writable instanceof WritableStream);
      assert.throws(() => Object.getOwnPropertyDescriptor(Ctor.prototype, 'readable').get.call({}),
        TypeError);
    }
  },
};

export const knownFixturesDecode = {
  async test() {
    for (const format of FORMATS) {
      const bytes = await run(new DecompressionStream(format), [hex(FIXTURES[format])]);
      assert.strictEqual(new TextDecoder().decode(bytes), TEXT, format);
      // Fed one byte at a time.
      const slow = await run(new DecompressionStream(format), split(hex(FIXTURES[format]), 1));
      assert.strictEqual(new TextDecoder().decode(slow), TEXT, format);
    }
    const gnu = await run(new DecompressionStream('gzip'), [hex(GNU_GZIP).buffer]);
    assert.strictEqual(new TextDecoder().decode(gnu), 'dynworker compression fixture\n');
  },
};

export const roundTripText = {
  async test() {
    const input = new TextEncoder().encode('streams all the way down '.repeat(50));
    for (const format of FORMATS) {
      const compressed = await run(new CompressionStream(format), [input]);
      assert.ok(compressed.byteLength < input.byteLength / 4, format);
      const output = await run(new DecompressionStream(format), [compressed]);
      assertBytesEqual(output, input);
    }
    const gz = await run(new CompressionStream('gzip'), [input]);
    assert.deepStrictEqual([...gz.subarray(0, 3)], [0x1f, 0x8b, 0x08]);
    const zl = await run(new CompressionStream('deflate'), [input]);
    assert.strictEqual(zl[0], 0x78);
  },
};

export const roundTripEmpty = {
  async test() {
    for (const format of FORMATS) {
      const compressed = await run(new CompressionStream(format), []);
      assert.ok(compressed.byteLength > 0, format);
      const output = await run(new DecompressionStream(format), [compressed]);
      assert.strictEqual(output.byteLength, 0);
      // Empty chunks are fine too.
      const c2 = await run(new CompressionStream(format), [new Uint8Array(0), new ArrayBuffer(0)]);
      assert.strictEqual((await run(new DecompressionStream(format), [c2])).byteLength, 0);
    }
  },
};

export const roundTripLargeRandomData = {
  async test() {
    const input = randomBytes(4 * 1024 * 1024);
    for (const format of FORMATS) {
      // Small chunks of odd sizes in both directions; views at offsets into larger buffers.
      const compressed = await run(new CompressionStream(format), split(input, 4093));
      assert.ok(compressed.byteLength > input.byteLength * 0.99, format); // random data
      const output = await run(new DecompressionStream(format), split(compressed, 1021));
      assertBytesEqual(output, input);
    }
  },
};

export const compressibleDataInManyChunks = {
  async test() {
    // Highly compressible: small input chunks, large output (inflate produces many chunks).
    const input = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = (i >> 10) & 0xff;
    const compressed = await run(new CompressionStream('gzip'), split(input, 777));
    assert.ok(compressed.byteLength < input.byteLength / 50);
    const output = await run(new DecompressionStream('gzip'), split(compressed, 100));
    assertBytesEqual(output, input);
  },
};

export const acceptsAnyBufferSource = {
  async test() {
    const bytes = new TextEncoder().encode('buffer sources');
    const chunks = [
      bytes.buffer,
      new DataView(bytes.buffer, 0, 3),
      new Uint16Array([0x6261]),
      new Uint8Array(bytes.buffer, 3, 4),
    ];
    const compressed = await run(new CompressionStream('deflate'), chunks);
    const output = await run(new DecompressionStream('deflate'), [compressed]);
    const expected = concat([bytes, bytes.subarray(0, 3), new Uint8Array(new Uint16Array([0x6261]).buffer),
      bytes.subarray(3, 7)]);
    assertBytesEqual(output, expected);

    for (const Ctor of [CompressionStream, DecompressionStream]) {
      const s = new Ctor('gzip');
      const writer = s.writable.getWriter();
      const reading = s.readable.getReader().read();
      await assert.rejects(writer.write('not bytes'), TypeError);
      await assert.rejects(reading, TypeError);
      const s2 = new Ctor('gzip');
      s2.readable.getReader().read().catch(() => {});
      await assert.rejects(s2.writable.getWriter().write(new Uint8Array(new SharedArrayBuffer(4))),
        TypeError);
    }
  },
};

async function expectDecompressError(format, chunks) {
  const ds = new DecompressionStream(format);
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const reading = (async () => {
    for (;;) {
      const { done } = await reader.read();
      if (done) return 'closed';
    }
  })();
  const writing = (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })();
  await assert.rejects(reading, (e) => e instanceof TypeError);
  await assert.rejects(writing, (e) => e instanceof TypeError);
  return reading.catch((e) => e);
}

export const corruptInputIsATypeError = {
  async test() {
    for (const format of FORMATS) {
      const garbage = new Uint8Array(64).fill(0xff);
      const error = await expectDecompressError(format, [garbage]);
      assert.match(error.message, /not valid/);
    }
    // A gzip stream whose CRC was changed.
    const bad = hex(FIXTURES.gzip);
    bad[bad.length - 6] ^= 1;
    await expectDecompressError('gzip', [bad]);
    // A zlib stream is not gzip, and a gzip stream is not zlib.
    await expectDecompressError('gzip', [hex(FIXTURES.deflate)]);
    await expectDecompressError('deflate', [hex(FIXTURES.gzip)]);
  },
};

export const truncatedInputIsATypeError = {
  async test() {
    for (const format of FORMATS) {
      const whole = hex(FIXTURES[format]);
      const error = await expectDecompressError(format, [whole.subarray(0, whole.length - 5)]);
      assert.match(error.message, /truncated/);
    }
    await expectDecompressError('gzip', [hex(FIXTURES.gzip).subarray(0, 4)]);
    await expectDecompressError('deflate', []); // no input at all
  },
};

export const trailingDataIsATypeError = {
  async test() {
    for (const format of FORMATS) {
      const whole = hex(FIXTURES[format]);
      // Trailing bytes in the same chunk as the end of the stream...
      const error = await expectDecompressError(format, [concat([whole, new Uint8Array([1, 2, 3])])]);
      assert.match(error.message, /after the end/);
      // ...and in a later chunk.
      await expectDecompressError(format, [whole, new Uint8Array([0])]);
    }
    // Empty chunks after the end are harmless.
    const output = await run(new DecompressionStream('deflate'), [hex(FIXTURES.deflate), new Uint8Array(0)]);
    assert.strictEqual(new TextDecoder().decode(output), TEXT);
  },
};

export const cancelAndAbort = {
  async test() {
    const cs = new CompressionStream('gzip');
    const writer = cs.writable.getWriter();
    writer.write(new Uint8Array(10)).catch(() => {});
    await cs.readable.cancel('done');
    await assert.rejects(writer.closed, (e) => e === 'done');

    const ds = new DecompressionStream('deflate');
    await ds.writable.abort(new Error('stop'));
    await assert.rejects(ds.readable.getReader().read(), /stop/);
  },
};

export const pipeThroughCompression = {
  async test() {
    const text = 'pipe me through gzip and back '.repeat(100);
    const source = ReadableStream.from([text.slice(0, 500), text.slice(500)]);
    const roundTripped = source
      .pipeThrough(new TextEncoderStream())
      .pipeThrough(new CompressionStream('gzip'))
      .pipeThrough(new DecompressionStream('gzip'))
      .pipeThrough(new TextDecoderStream());
    let out = '';
    for await (const chunk of roundTripped) out += chunk;
    assert.strictEqual(out, text);
  },
};

export const manyStreamsAreCollected = {
  async test() {
    // Streams dropped without being finished still free their zlib state (on GC); creating many
    // must not exhaust memory.
    for (let i = 0; i < 2000; i++) {
      const cs = new CompressionStream(i % 2 ? 'gzip' : 'deflate');
      const w = cs.writable.getWriter();
      w.write(new Uint8Array(16)).catch(() => {});
    }
    const output = await run(new CompressionStream('deflate-raw'), [new Uint8Array(5)]);
    assert.ok(output.byteLength > 0);
  },
};
