// TextEncoderStream and TextDecoderStream.
import assert from 'node:assert';

async function run(transform, chunks) {
  const writer = transform.writable.getWriter();
  const writing = (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })();
  writing.catch(() => {}); // awaited below, unless reading fails first
  const out = [];
  for await (const chunk of transform.readable) out.push(chunk);
  await writing;
  return out;
}

function bytesOf(chunks) {
  const out = [];
  for (const c of chunks) {
    assert.ok(c instanceof Uint8Array);
    out.push(...c);
  }
  return out;
}

export const shape = {
  test() {
    const enc = new TextEncoderStream();
    assert.strictEqual(enc.encoding, 'utf-8');
    assert.ok(enc.readable instanceof ReadableStream);
    assert.ok(enc.writable instanceof WritableStream);
    assert.strictEqual(Object.prototype.toString.call(enc), '[object TextEncoderStream]');
    const dec = new TextDecoderStream('utf-16le', { fatal: true, ignoreBOM: true });
    assert.strictEqual(dec.encoding, 'utf-16le');
    assert.strictEqual(dec.fatal, true);
    assert.strictEqual(dec.ignoreBOM, true);
    const plain = new TextDecoderStream();
    assert.strictEqual(plain.encoding, 'utf-8');
    assert.strictEqual(plain.fatal, false);
    assert.strictEqual(plain.ignoreBOM, false);
    assert.throws(() => new TextDecoderStream('no-such-encoding'), RangeError);
    assert.throws(() => Object.getOwnPropertyDescriptor(TextDecoderStream.prototype, 'encoding').get.call(enc),
      TypeError);
  },
};

export const encodeChunks = {
  async test() {
    const out = await run(new TextEncoderStream(), ['héllo', '', ' wörld', 42]);
    assert.strictEqual(new TextDecoder().decode(new Uint8Array(bytesOf(out))), 'héllo wörld42');
    // Empty strings produce no chunk.
    assert.strictEqual(out.length, 3);
  },
};

export const encodeSurrogatePairSplitAcrossChunks = {
  async test() {
    const emoji = '\u{1F600}'; // D83D DE00
    const out = await run(new TextEncoderStream(), ['a\uD83D', '\uDE00b']);
    assert.deepStrictEqual(bytesOf(out), [0x61, ...new TextEncoder().encode(emoji), 0x62]);
    // A lone lead surrogate at the end becomes U+FFFD on close.
    const out2 = await run(new TextEncoderStream(), ['x\uD83D']);
    assert.deepStrictEqual(bytesOf(out2), [0x78, 0xEF, 0xBF, 0xBD]);
    // A lead surrogate followed by a non-trail.
    const out3 = await run(new TextEncoderStream(), ['\uD83D', 'y']);
    assert.deepStrictEqual(bytesOf(out3), [0xEF, 0xBF, 0xBD, 0x79]);
    // Two lead surrogates in a row.
    const out4 = await run(new TextEncoderStream(), ['\uD83D', '\uD83D', '\uDE00']);
    assert.deepStrictEqual(bytesOf(out4), [0xEF, 0xBF, 0xBD, ...new TextEncoder().encode(emoji)]);
  },
};

export const decodeSplitSequences = {
  async test() {
    const bytes = new TextEncoder().encode('€ and \u{1F600}!');
    // Every byte its own chunk: multi-byte sequences are held back until complete.
    const chunks = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.slice(i, i + 1));
    const out = await run(new TextDecoderStream(), chunks);
    assert.strictEqual(out.join(''), '€ and \u{1F600}!');
    assert.ok(out.every((s) => typeof s === 'string' && s.length > 0));
    // BOM is stripped once, at the start.
    const bom = await run(new TextDecoderStream(), [new Uint8Array([0xEF, 0xBB]), new Uint8Array([0xBF, 0x41])]);
    assert.strictEqual(bom.join(''), 'A');
    // ArrayBuffer and DataView chunks.
    const ab = new TextEncoder().encode('ab').buffer;
    const out2 = await run(new TextDecoderStream(), [ab, new DataView(new TextEncoder().encode('cd').buffer)]);
    assert.strictEqual(out2.join(''), 'abcd');
  },
};

export const decodeIncompleteAtEnd = {
  async test() {
    const out = await run(new TextDecoderStream(), [new Uint8Array([0x61, 0xE2, 0x82])]);
    assert.strictEqual(out.join(''), 'a\uFFFD');
    // fatal: an incomplete sequence at the end errors the stream with a TypeError.
    const dec = new TextDecoderStream('utf-8', { fatal: true });
    await assert.rejects(run(dec, [new Uint8Array([0x61, 0xE2, 0x82])]), TypeError);
    const dec2 = new TextDecoderStream('utf-8', { fatal: true });
    await assert.rejects(run(dec2, [new Uint8Array([0xFF])]), TypeError);
  },
};

export const decodeUtf16AndLatin1 = {
  async test() {
    const out = await run(new TextDecoderStream('utf-16le'), [new Uint8Array([0x68, 0x00, 0x69]), new Uint8Array([0x00])]);
    assert.strictEqual(out.join(''), 'hi');
    const latin = await run(new TextDecoderStream('latin1'), [new Uint8Array([0x63, 0x61, 0x66, 0xE9])]);
    assert.strictEqual(latin.join(''), 'café');
  },
};

export const decodeRejectsNonBuffers = {
  async test() {
    const dec = new TextDecoderStream();
    const writer = dec.writable.getWriter();
    const reading = dec.readable.getReader().read();
    await assert.rejects(writer.write('string'), TypeError);
    await assert.rejects(reading, TypeError);
  },
};

export const roundTripThroughPipes = {
  async test() {
    const text = 'ünïcödé \u{1F680} '.repeat(1000);
    const pieces = [];
    for (let i = 0; i < text.length; i += 7) pieces.push(text.slice(i, i + 7)); // splits pairs
    const out = ReadableStream.from(pieces)
      .pipeThrough(new TextEncoderStream())
      .pipeThrough(new TextDecoderStream());
    let result = '';
    for await (const chunk of out) result += chunk;
    assert.strictEqual(result, text);
  },
};

// TextDecoderStream takes AllowSharedBufferSource chunks (Encoding standard): bytes in a
// SharedArrayBuffer, directly or through a view, are decoded like any others.
export const decoderStreamAcceptsSharedBuffers = {
  async test() {
    const bytes = new TextEncoder().encode('h\u00e9llo');
    const shared = new SharedArrayBuffer(bytes.length + 2);
    new Uint8Array(shared).set(bytes, 1);
    const dec = new TextDecoderStream();
    const writer = dec.writable.getWriter();
    writer.write(new Uint8Array(shared, 1, 2)); // 'h' and the first byte of 'é'
    writer.write(new DataView(shared, 3, bytes.length - 2));
    writer.write(new SharedArrayBuffer(0));
    writer.close();
    let text = '';
    for await (const chunk of dec.readable) text += chunk;
    assert.strictEqual(text, 'h\u00e9llo');
  },
};

// CompressionStream takes BufferSource only: a SharedArrayBuffer chunk is a TypeError.
export const compressionStreamRejectsSharedBuffers = {
  async test() {
    const cs = new CompressionStream('gzip');
    const writer = cs.writable.getWriter();
    const reading = cs.readable.getReader().read();
    await assert.rejects(writer.write(new Uint8Array(new SharedArrayBuffer(4))), TypeError);
    await assert.rejects(reading, TypeError);
  },
};
