// WHATWG Streams: ReadableStream (default, byte, BYOB), WritableStream, TransformStream,
// piping, tee, async iteration, ReadableStream.from, queuing strategies.
import assert from 'node:assert';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream) {
  const reader = stream.getReader();
  const chunks = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  reader.releaseLock();
  return chunks;
}

function recordingWritable(log, options = {}) {
  return new WritableStream({
    async write(chunk) {
      log.push(['write', chunk]);
      if (options.writeDelay) await sleep(options.writeDelay);
    },
    close() { log.push(['close']); },
    abort(reason) { log.push(['abort', reason]); },
  }, options.strategy);
}

// ---------------------------------------------------------------------------------------------
// Shape

export const globalsAndShape = {
  async test() {
    const names = ['ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader',
      'ReadableStreamDefaultController', 'ReadableByteStreamController', 'ReadableStreamBYOBRequest',
      'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController',
      'TransformStream', 'TransformStreamDefaultController', 'ByteLengthQueuingStrategy',
      'CountQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream', 'CompressionStream',
      'DecompressionStream'];
    for (const name of names) {
      assert.strictEqual(typeof globalThis[name], 'function', name);
      const desc = Object.getOwnPropertyDescriptor(globalThis, name);
      assert.strictEqual(desc.enumerable, false, name);
      assert.strictEqual(desc.writable, true, name);
      assert.strictEqual(globalThis[name].prototype[Symbol.toStringTag], name);
    }
    for (const name of ['ReadableStreamDefaultController', 'ReadableByteStreamController',
      'ReadableStreamBYOBRequest', 'WritableStreamDefaultController', 'TransformStreamDefaultController']) {
      assert.throws(() => new globalThis[name](), { name: 'TypeError', message: 'Illegal constructor' });
    }
    assert.strictEqual(ReadableStream.length, 0);
    assert.strictEqual(ReadableStreamDefaultReader.length, 1);
    assert.strictEqual(ReadableStream.prototype.pipeTo.length, 1);
    assert.strictEqual(ReadableStream.prototype[Symbol.asyncIterator], ReadableStream.prototype.values);
    assert.strictEqual(Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'getReader').enumerable, true);
    assert.strictEqual(Object.prototype.toString.call(new ReadableStream()), '[object ReadableStream]');

    // Brand checks.
    assert.throws(() => ReadableStream.prototype.getReader.call({}), { name: 'TypeError', message: 'Illegal invocation' });
    assert.throws(() => Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked').get.call({}), TypeError);
    await assert.rejects(ReadableStream.prototype.cancel.call({}), { name: 'TypeError', message: 'Illegal invocation' });
    await assert.rejects(WritableStream.prototype.abort.call(new ReadableStream()), TypeError);
    await assert.rejects(ReadableStreamDefaultReader.prototype.read.call({}), TypeError);

    // Argument counts.
    assert.throws(() => new ReadableStreamDefaultReader(), {
      name: 'TypeError',
      message: "Failed to construct 'ReadableStreamDefaultReader': 1 argument required, but only 0 present.",
    });
    assert.throws(() => new ByteLengthQueuingStrategy(), /1 argument required/);
    await assert.rejects(new ReadableStream().pipeTo(), /1 argument required/);
    assert.throws(() => new ReadableStreamDefaultReader({}), TypeError);
    assert.throws(() => new ReadableStream(null), TypeError);
    assert.throws(() => new ReadableStream({ type: 'nope' }), TypeError);
    assert.throws(() => new ReadableStream({ pull: 5 }), TypeError);
    assert.throws(() => new WritableStream({ type: 'bytes' }), RangeError);
    assert.throws(() => new TransformStream({ readableType: 'bytes' }), RangeError);
    assert.throws(() => new ReadableStream({}, { highWaterMark: -1 }), RangeError);
    assert.throws(() => new ReadableStream({}, { highWaterMark: NaN }), RangeError);
    assert.throws(() => new ReadableStream({ type: 'bytes' }, { size() { return 1; } }), RangeError);
    assert.throws(() => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 }), TypeError);
  },
};

// ---------------------------------------------------------------------------------------------
// Default readable streams

export const defaultReaderReadsInOrder = {
  async test() {
    const rs = new ReadableStream({
      start(c) {
        c.enqueue('a');
        c.enqueue('b');
        c.close();
      },
    });
    assert.strictEqual(rs.locked, false);
    const reader = rs.getReader();
    assert.strictEqual(rs.locked, true);
    assert.ok(reader instanceof ReadableStreamDefaultReader);
    assert.deepStrictEqual(await reader.read(), { value: 'a', done: false });
    assert.deepStrictEqual(await reader.read(), { value: 'b', done: false });
    assert.deepStrictEqual(await reader.read(), { value: undefined, done: true });
    assert.deepStrictEqual(await reader.read(), { value: undefined, done: true });
    assert.strictEqual(await reader.closed, undefined);
    reader.releaseLock();
    assert.strictEqual(rs.locked, false);
    await assert.rejects(reader.closed, TypeError);
    await assert.rejects(reader.read(), TypeError);
  },
};

export const lockingErrors = {
  async test() {
    const rs = new ReadableStream();
    const reader = rs.getReader();
    assert.throws(() => rs.getReader(), (e) => e instanceof TypeError && /locked/.test(e.message));
    assert.throws(() => new ReadableStreamDefaultReader(rs), TypeError);
    await assert.rejects(rs.cancel(), TypeError);
    await assert.rejects(rs.pipeTo(new WritableStream()), TypeError);
    assert.throws(() => rs.pipeThrough(new TransformStream()), TypeError);
    assert.throws(() => rs.tee(), TypeError);
    assert.throws(() => rs.values(), TypeError);
    assert.throws(() => rs.getReader({ mode: 'byob' }), TypeError);
    assert.throws(() => rs.getReader({ mode: 'other' }), TypeError);

    // Releasing with a pending read rejects it with a TypeError.
    const pending = reader.read();
    reader.releaseLock();
    await assert.rejects(pending, TypeError);
    await assert.rejects(reader.closed, TypeError);
    reader.releaseLock(); // no-op once released
    assert.strictEqual(rs.locked, false);

    const ws = new WritableStream();
    const writer = ws.getWriter();
    assert.throws(() => ws.getWriter(), TypeError);
    assert.throws(() => new WritableStreamDefaultWriter(ws), TypeError);
    await assert.rejects(ws.abort(), TypeError);
    await assert.rejects(ws.close(), TypeError);
    await assert.rejects(new ReadableStream().pipeTo(ws), TypeError);
    writer.releaseLock();
    assert.throws(() => writer.desiredSize, TypeError);
    await assert.rejects(writer.write('x'), TypeError);
    await assert.rejects(writer.close(), TypeError);
    await assert.rejects(writer.ready, TypeError);
    assert.strictEqual(ws.locked, false);

    // A BYOB reader needs a byte stream.
    assert.throws(() => new ReadableStream().getReader({ mode: 'byob' }), TypeError);
    assert.throws(() => new ReadableStreamBYOBReader(new ReadableStream()), TypeError);
  },
};

export const pullIsCalledToFillTheQueue = {
  async test() {
    let pulls = 0;
    let controller;
    const rs = new ReadableStream({
      start(c) { controller = c; },
      pull(c) {
        pulls++;
        c.enqueue(pulls);
      },
    }, { highWaterMark: 3 });
    await tick();
    // Filled up to the high-water mark, and no further.
    assert.strictEqual(pulls, 3);
    assert.strictEqual(controller.desiredSize, 0);
    const reader = rs.getReader();
    assert.deepStrictEqual(await reader.read(), { value: 1, done: false });
    await tick();
    assert.strictEqual(pulls, 4);
    assert.strictEqual(controller.desiredSize, 0);
  },
};

export const pullIsNotReentered = {
  async test() {
    let pulls = 0;
    let release;
    const rs = new ReadableStream({
      pull(c) {
        pulls++;
        return new Promise((resolve) => {
          release = () => {
            c.enqueue(pulls);
            resolve();
          };
        });
      },
    }, { highWaterMark: 0 });
    const reader = rs.getReader();
    const r1 = reader.read();
    const r2 = reader.read();
    await tick();
    assert.strictEqual(pulls, 1); // the second read waits for the first pull to finish
    release();
    assert.deepStrictEqual(await r1, { value: 1, done: false });
    await tick();
    assert.strictEqual(pulls, 2);
    release();
    assert.deepStrictEqual(await r2, { value: 2, done: false });
  },
};

export const countAndByteLengthStrategies = {
  async test() {
    const count = new CountQueuingStrategy({ highWaterMark: 4 });
    assert.strictEqual(count.highWaterMark, 4);
    assert.strictEqual(count.size(), 1);
    assert.strictEqual(count.size, new CountQueuingStrategy({ highWaterMark: 1 }).size);
    const bytes = new ByteLengthQueuingStrategy({ highWaterMark: 10 });
    assert.strictEqual(bytes.highWaterMark, 10);
    assert.strictEqual(bytes.size(new Uint8Array(7)), 7);
    assert.throws(() => new CountQueuingStrategy({}), TypeError);
    assert.throws(() => new bytes.size(), TypeError); // not a constructor

    let controller;
    new ReadableStream({ start(c) { controller = c; } }, bytes);
    assert.strictEqual(controller.desiredSize, 10);
    controller.enqueue(new Uint8Array(4));
    assert.strictEqual(controller.desiredSize, 6);
    controller.enqueue(new Uint8Array(8));
    assert.strictEqual(controller.desiredSize, -2);

    // Custom size functions: a bad size errors the stream and throws from enqueue.
    let c2;
    const rs = new ReadableStream({ start(c) { c2 = c; } }, { size: () => -1, highWaterMark: 5 });
    assert.throws(() => c2.enqueue('x'), RangeError);
    await assert.rejects(rs.getReader().read(), RangeError);
    let c3;
    const boom = new Error('size failed');
    const rs3 = new ReadableStream({ start(c) { c3 = c; } }, { size() { throw boom; } });
    assert.throws(() => c3.enqueue('x'), (e) => e === boom);
    await assert.rejects(rs3.getReader().closed, (e) => e === boom);
  },
};

export const controllerErrorAndClose = {
  async test() {
    let controller;
    const rs = new ReadableStream({ start(c) { controller = c; } });
    const reader = rs.getReader();
    const pending = reader.read();
    const err = new Error('source failed');
    controller.error(err);
    await assert.rejects(pending, (e) => e === err);
    await assert.rejects(reader.closed, (e) => e === err);
    await assert.rejects(reader.read(), (e) => e === err);
    assert.strictEqual(controller.desiredSize, null);
    assert.throws(() => controller.enqueue(1), TypeError);
    assert.throws(() => controller.close(), TypeError);
    controller.error(new Error('ignored')); // no-op once errored

    let c2;
    const rs2 = new ReadableStream({ start(c) { c2 = c; } });
    c2.enqueue(1);
    c2.close();
    assert.throws(() => c2.close(), TypeError);
    assert.throws(() => c2.enqueue(2), TypeError);
    assert.deepStrictEqual(await readAll(rs2), [1]);
    assert.strictEqual(c2.desiredSize, 0);
  },
};

export const startFailureErrorsTheStream = {
  async test() {
    const err = new Error('start rejected');
    const rs = new ReadableStream({ start() { return Promise.reject(err); } });
    await assert.rejects(rs.getReader().closed, (e) => e === err);
    const thrown = new Error('start threw');
    assert.throws(() => new ReadableStream({ start() { throw thrown; } }), (e) => e === thrown);
    const pullErr = new Error('pull failed');
    const rs2 = new ReadableStream({ pull() { throw pullErr; } });
    await assert.rejects(rs2.getReader().read(), (e) => e === pullErr);
  },
};

export const cancelCallsTheSourceAndClosesReads = {
  async test() {
    const log = [];
    const rs = new ReadableStream({
      start(c) { c.enqueue('queued'); },
      cancel(reason) {
        log.push(reason);
        return sleep(1);
      },
    });
    const reader = rs.getReader();
    assert.deepStrictEqual(await reader.read(), { value: 'queued', done: false });
    const pending = reader.read();
    const result = await reader.cancel('why');
    assert.strictEqual(result, undefined);
    assert.deepStrictEqual(log, ['why']);
    assert.deepStrictEqual(await pending, { value: undefined, done: true });
    await reader.closed;

    const err = new Error('cancel failed');
    const rs2 = new ReadableStream({ cancel() { throw err; } });
    await assert.rejects(rs2.cancel(), (e) => e === err);
    // Canceling a closed stream resolves; an errored one rejects with its error.
    const closed = new ReadableStream({ start(c) { c.close(); } });
    assert.strictEqual(await closed.cancel(), undefined);
    const e3 = new Error('e3');
    const errored = new ReadableStream({ start(c) { c.error(e3); } });
    await assert.rejects(errored.cancel(), (e) => e === e3);
  },
};

// ---------------------------------------------------------------------------------------------
// Byte streams

export const byteStreamDefaultReader = {
  async test() {
    const chunk = new Uint8Array([1, 2, 3, 4]);
    const buffer = chunk.buffer;
    let controller;
    const rs = new ReadableStream({
      type: 'bytes',
      start(c) { controller = c; },
    });
    assert.ok(controller instanceof ReadableByteStreamController);
    assert.strictEqual(controller.byobRequest, null);
    controller.enqueue(chunk);
    // enqueue transfers the chunk's buffer.
    assert.strictEqual(buffer.byteLength, 0);
    assert.strictEqual(chunk.byteLength, 0);
    assert.throws(() => controller.enqueue(chunk), TypeError); // detached
    assert.throws(() => controller.enqueue(new Uint8Array(0)), TypeError);
    assert.throws(() => controller.enqueue('nope'), TypeError);
    controller.enqueue(new Uint16Array([0x0605]));
    controller.close();
    const reader = rs.getReader();
    const r1 = await reader.read();
    assert.ok(r1.value instanceof Uint8Array);
    assert.deepStrictEqual([...r1.value], [1, 2, 3, 4]);
    const r2 = await reader.read();
    assert.ok(r2.value instanceof Uint8Array);
    assert.strictEqual(r2.value.byteLength, 2);
    assert.deepStrictEqual(await reader.read(), { value: undefined, done: true });
  },
};

export const byobReaderFillsViews = {
  async test() {
    let controller;
    const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
    const reader = rs.getReader({ mode: 'byob' });
    assert.ok(reader instanceof ReadableStreamBYOBReader);
    controller.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));

    const view = new Uint8Array(4);
    const r1 = await reader.read(view);
    assert.strictEqual(view.byteLength, 0); // the buffer was transferred
    assert.strictEqual(r1.done, false);
    assert.ok(r1.value instanceof Uint8Array);
    assert.deepStrictEqual([...r1.value], [1, 2, 3, 4]);
    assert.strictEqual(r1.value.buffer.byteLength, 4);

    // Element-aligned reads into a Uint16Array.
    const r2 = await reader.read(new Uint16Array(2));
    assert.ok(r2.value instanceof Uint16Array);
    assert.strictEqual(r2.value.length, 2);
    assert.deepStrictEqual([...new Uint8Array(r2.value.buffer)], [5, 6, 7, 8]);

    // DataView at an offset.
    const r3 = await reader.read(new DataView(new ArrayBuffer(8), 2, 4));
    assert.ok(r3.value instanceof DataView);
    assert.strictEqual(r3.value.byteOffset, 2);
    assert.strictEqual(r3.value.byteLength, 2);
    assert.strictEqual(r3.value.getUint8(0), 9);
    assert.strictEqual(r3.value.getUint8(1), 10);

    // Bad views are rejected.
    await assert.rejects(reader.read(new Uint8Array(0)), TypeError);
    const detached = new Uint8Array(4);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    await assert.rejects(reader.read(detached), TypeError);
    await assert.rejects(reader.read('x'), TypeError);
    await assert.rejects(reader.read(new Uint8Array(2), { min: 0 }), TypeError);
    await assert.rejects(reader.read(new Uint8Array(2), { min: 3 }), RangeError);

    // A pending read is answered by close() with an empty view and done.
    const pending = reader.read(new Uint8Array(3));
    await tick();
    controller.close();
    controller.byobRequest.respond(0);
    const r4 = await pending;
    assert.strictEqual(r4.done, true);
    assert.ok(r4.value instanceof Uint8Array);
    assert.strictEqual(r4.value.byteLength, 0);
    assert.strictEqual(r4.value.buffer.byteLength, 3);
    const r5 = await reader.read(new Uint8Array(1));
    assert.strictEqual(r5.done, true);
  },
};

export const byobRequestRespond = {
  async test() {
    const log = [];
    let next = 0;
    const rs = new ReadableStream({
      type: 'bytes',
      pull(c) {
        const req = c.byobRequest;
        log.push(req.view.byteLength);
        assert.ok(req instanceof ReadableStreamBYOBRequest);
        for (let i = 0; i < 3; i++) req.view[i] = next++;
        assert.throws(() => req.respond(req.view.byteLength + 1), RangeError);
        req.respond(3);
        assert.strictEqual(req.view, null);
        assert.throws(() => req.respond(1), TypeError);
      },
    });
    const reader = rs.getReader({ mode: 'byob' });
    const r1 = await reader.read(new Uint8Array(8));
    assert.deepStrictEqual([...r1.value], [0, 1, 2]);
    // min: pull is called again until at least 5 bytes are there.
    const r2 = await reader.read(new Uint8Array(8), { min: 5 });
    assert.deepStrictEqual([...r2.value], [3, 4, 5, 6, 7, 8]);
    // The second read's view was handed out again, minus the 3 bytes already filled.
    assert.deepStrictEqual(log, [8, 8, 5]);
  },
};

export const byobRespondWithNewView = {
  async test() {
    const rs = new ReadableStream({
      type: 'bytes',
      pull(c) {
        const view = c.byobRequest.view;
        const replacement = new Uint8Array(view.buffer, view.byteOffset, 2);
        replacement.set([42, 43]);
        assert.throws(() => c.byobRequest.respondWithNewView(new Uint8Array(2)), RangeError);
        c.byobRequest.respondWithNewView(replacement);
      },
    });
    const reader = rs.getReader({ mode: 'byob' });
    const { value } = await reader.read(new Uint8Array(4));
    assert.deepStrictEqual([...value], [42, 43]);
  },
};

export const autoAllocateChunkSize = {
  async test() {
    let seen;
    const rs = new ReadableStream({
      type: 'bytes',
      autoAllocateChunkSize: 16,
      pull(c) {
        seen = c.byobRequest.view;
        seen[0] = 7;
        c.byobRequest.respond(1);
      },
    });
    const reader = rs.getReader();
    const { value } = await reader.read();
    assert.strictEqual(seen.byteLength, 0); // handed over
    assert.ok(value instanceof Uint8Array);
    assert.deepStrictEqual([...value], [7]);
    assert.strictEqual(value.buffer.byteLength, 16);
  },
};

export const byteStreamReaderRelease = {
  async test() {
    // Releasing a BYOB reader with a read pending: the read rejects; the bytes written into the
    // old view are not lost and reach the next reader.
    let controller;
    const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
    const byob = rs.getReader({ mode: 'byob' });
    const pending = byob.read(new Uint8Array(4));
    byob.releaseLock();
    await assert.rejects(pending, TypeError);
    const req = controller.byobRequest;
    req.view[0] = 9;
    req.respond(1);
    const reader = rs.getReader();
    const { value } = await reader.read();
    assert.deepStrictEqual([...value], [9]);
  },
};

// ---------------------------------------------------------------------------------------------
// tee

export const teeDefault = {
  async test() {
    const rs = new ReadableStream({
      start(c) {
        c.enqueue('a');
        c.enqueue('b');
        c.close();
      },
    });
    const [b1, b2] = rs.tee();
    assert.strictEqual(rs.locked, true);
    assert.ok(b1 instanceof ReadableStream);
    const [x, y] = await Promise.all([readAll(b1), readAll(b2)]);
    assert.deepStrictEqual(x, ['a', 'b']);
    assert.deepStrictEqual(y, ['a', 'b']);
  },
};

export const teeCancelBothGivesCompositeReason = {
  async test() {
    let reason;
    const rs = new ReadableStream({ cancel(r) { reason = r; } });
    const [b1, b2] = rs.tee();
    const p1 = b1.cancel('one');
    await tick();
    assert.strictEqual(reason, undefined); // still one branch left
    const p2 = b2.cancel('two');
    await Promise.all([p1, p2]);
    assert.deepStrictEqual(reason, ['one', 'two']);
  },
};

export const teeErrorsReachBothBranches = {
  async test() {
    let controller;
    const rs = new ReadableStream({ start(c) { controller = c; } });
    const [b1, b2] = rs.tee();
    const err = new Error('source broke');
    controller.error(err);
    await assert.rejects(b1.getReader().closed, (e) => e === err);
    await assert.rejects(b2.getReader().closed, (e) => e === err);
  },
};

export const teeByteStream = {
  async test() {
    let n = 0;
    const rs = new ReadableStream({
      type: 'bytes',
      pull(c) {
        if (n === 3) {
          c.close();
          if (c.byobRequest) c.byobRequest.respond(0);
          return;
        }
        c.enqueue(new Uint8Array([n, n + 10]));
        n++;
      },
    });
    const [b1, b2] = rs.tee();
    // One branch reads with BYOB, the other with a default reader; each gets its own copy.
    const byob = b1.getReader({ mode: 'byob' });
    const got1 = [];
    for (;;) {
      const { value, done } = await byob.read(new Uint8Array(2));
      if (done) break;
      got1.push(...value);
    }
    const chunks2 = await readAll(b2);
    assert.deepStrictEqual(got1, [0, 10, 1, 11, 2, 12]);
    assert.deepStrictEqual(chunks2.flatMap((c) => [...c]), [0, 10, 1, 11, 2, 12]);
    assert.ok(chunks2.every((c) => c instanceof Uint8Array));
  },
};

// ---------------------------------------------------------------------------------------------
// ReadableStream.from and async iteration

export const fromIterables = {
  async test() {
    assert.deepStrictEqual(await readAll(ReadableStream.from([1, 2, 3])), [1, 2, 3]);
    assert.deepStrictEqual(await readAll(ReadableStream.from('hé')), ['h', 'é']);
    async function* gen() {
      yield 'x';
      await sleep(1);
      yield 'y';
    }
    assert.deepStrictEqual(await readAll(ReadableStream.from(gen())), ['x', 'y']);
    // Sync iterables of promises are awaited.
    assert.deepStrictEqual(await readAll(ReadableStream.from([Promise.resolve(5), 6])), [5, 6]);
    assert.throws(() => ReadableStream.from(5), TypeError);
    assert.throws(() => ReadableStream.from(null), TypeError);
    assert.throws(() => ReadableStream.from({ [Symbol.asyncIterator]: 5 }), TypeError);

    // Cancel calls the iterator's return().
    let returned = null;
    const iterable = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next() { return Promise.resolve({ value: i++, done: false }); },
          return(reason) {
            returned = reason;
            return Promise.resolve({ done: true });
          },
        };
      },
    };
    const rs = ReadableStream.from(iterable);
    const reader = rs.getReader();
    assert.deepStrictEqual(await reader.read(), { value: 0, done: false });
    await reader.cancel('enough');
    assert.strictEqual(returned, 'enough');

    // An erroring iterator errors the stream.
    const err = new Error('iterator failed');
    const bad = ReadableStream.from({ [Symbol.iterator]() { return { next() { throw err; } }; } });
    await assert.rejects(bad.getReader().read(), (e) => e === err);
  },
};

export const asyncIteration = {
  async test() {
    const rs = ReadableStream.from(['a', 'b', 'c']);
    const seen = [];
    for await (const chunk of rs) seen.push(chunk);
    assert.deepStrictEqual(seen, ['a', 'b', 'c']);
    assert.strictEqual(rs.locked, false);

    const it = new ReadableStream().values();
    assert.strictEqual(Object.prototype.toString.call(it), '[object ReadableStream AsyncIterator]');
    assert.strictEqual(Object.getPrototypeOf(Object.getPrototypeOf(it)),
      Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})())).__proto__);
    await assert.rejects(it.next.call({}), TypeError);
  },
};

export const asyncIterationEarlyBreakCancels = {
  async test() {
    let canceled = 'not called';
    let pulls = 0;
    const rs = new ReadableStream({
      pull(c) { c.enqueue(++pulls); },
      cancel(reason) { canceled = reason; },
    });
    for await (const chunk of rs) {
      if (chunk === 2) break;
    }
    assert.strictEqual(canceled, undefined); // return() cancels with undefined
    assert.strictEqual(rs.locked, false);
    assert.deepStrictEqual(await rs.getReader().read(), { value: undefined, done: true });
  },
};

export const asyncIterationPreventCancel = {
  async test() {
    let canceled = false;
    const rs = new ReadableStream({
      start(c) {
        c.enqueue(1);
        c.enqueue(2);
        c.enqueue(3);
        c.close();
      },
      cancel() { canceled = true; },
    });
    for await (const chunk of rs.values({ preventCancel: true })) {
      if (chunk === 1) break;
    }
    assert.strictEqual(canceled, false);
    assert.strictEqual(rs.locked, false);
    assert.deepStrictEqual(await readAll(rs), [2, 3]);
  },
};

export const asyncIterationErrorRejects = {
  async test() {
    const err = new Error('broken');
    const rs = new ReadableStream({
      start(c) {
        c.enqueue(1);
        c.error(err);
      },
    });
    const it = rs[Symbol.asyncIterator]();
    await assert.rejects(it.next(), (e) => e === err);
    assert.deepStrictEqual(await it.next(), { value: undefined, done: true });
    assert.deepStrictEqual(await it.return('r'), { value: 'r', done: true });
  },
};

export const asyncIteratorNextCallsAreQueued = {
  async test() {
    const rs = ReadableStream.from((async function* () {
      yield 1;
      await sleep(2);
      yield 2;
    })());
    const it = rs.values();
    const [a, b, c, d] = await Promise.all([it.next(), it.next(), it.next(), it.return('x')]);
    assert.deepStrictEqual(a, { value: 1, done: false });
    assert.deepStrictEqual(b, { value: 2, done: false });
    assert.deepStrictEqual(c, { value: undefined, done: true });
    assert.deepStrictEqual(d, { value: 'x', done: true });
  },
};

// ---------------------------------------------------------------------------------------------
// WritableStream

export const writerReadyAndDesiredSize = {
  async test() {
    const log = [];
    const resolvers = [];
    const ws = new WritableStream({
      write(chunk) {
        log.push(chunk);
        return new Promise((resolve) => resolvers.push(resolve));
      },
    }, new CountQueuingStrategy({ highWaterMark: 2 }));
    const writer = ws.getWriter();
    assert.strictEqual(writer.desiredSize, 2);
    await writer.ready;
    const w1 = writer.write('a');
    assert.strictEqual(writer.desiredSize, 1);
    const w2 = writer.write('b');
    assert.strictEqual(writer.desiredSize, 0);
    let ready = false;
    writer.ready.then(() => { ready = true; });
    await tick();
    assert.strictEqual(ready, false); // backpressure
    assert.deepStrictEqual(log, ['a']); // one write at a time
    resolvers.shift()();
    await w1;
    await tick();
    assert.strictEqual(ready, true);
    assert.strictEqual(writer.desiredSize, 1);
    assert.deepStrictEqual(log, ['a', 'b']);
    resolvers.shift()();
    await w2;
    assert.strictEqual(writer.desiredSize, 2);
    const closed = writer.close();
    await closed;
    await writer.closed;
    assert.strictEqual(writer.desiredSize, 0);
    await assert.rejects(writer.write('c'), TypeError);
    await assert.rejects(writer.close(), TypeError);
  },
};

export const writableStartWriteClose = {
  async test() {
    const log = [];
    let controllerSeen;
    const ws = new WritableStream({
      start(c) {
        controllerSeen = c;
        log.push('start');
        return sleep(1);
      },
      write(chunk, c) {
        assert.strictEqual(c, controllerSeen);
        log.push(`write:${chunk}`);
      },
      close() { log.push('close'); },
    });
    assert.ok(controllerSeen instanceof WritableStreamDefaultController);
    const writer = ws.getWriter();
    writer.write(1);
    writer.write(2);
    await writer.close();
    assert.deepStrictEqual(log, ['start', 'write:1', 'write:2', 'close']);
  },
};

export const writableAbortSignalsTheController = {
  async test() {
    let controller;
    let abortReason = 'not called';
    const ws = new WritableStream({
      start(c) { controller = c; },
      write() { return new Promise(() => {}); }, // never finishes on its own
      abort(reason) { abortReason = reason; },
    });
    assert.ok(controller.signal instanceof AbortSignal);
    let signalReason;
    controller.signal.addEventListener('abort', () => { signalReason = controller.signal.reason; });
    const writer = ws.getWriter();
    await writer.ready;
    const write = writer.write('x');
    await tick();
    const abort = writer.abort('stop');
    assert.strictEqual(controller.signal.aborted, true);
    assert.strictEqual(signalReason, 'stop');
    await assert.rejects(writer.ready, (e) => e === 'stop');
    // The sink's abort waits for the in-flight write, which never settles here.
    await tick();
    assert.strictEqual(abortReason, 'not called');
    assert.strictEqual(writer.desiredSize, null);
    void write;
    void abort;
  },
};

export const writableAbortRejectsPendingWrites = {
  async test() {
    let abortReason;
    const ws = new WritableStream({ abort(reason) { abortReason = reason; } },
      { highWaterMark: 0 });
    const writer = ws.getWriter();
    const w1 = writer.write('queued');
    const err = new Error('aborted');
    const abort = writer.abort(err);
    await assert.rejects(w1, (e) => e === err);
    await abort;
    assert.strictEqual(abortReason, err);
    await assert.rejects(writer.closed, (e) => e === err);
  },
};

export const writableSinkErrors = {
  async test() {
    const err = new Error('sink write failed');
    const ws = new WritableStream({ write() { throw err; } });
    const writer = ws.getWriter();
    await assert.rejects(writer.write('a'), (e) => e === err);
    await assert.rejects(writer.closed, (e) => e === err);
    await assert.rejects(writer.write('b'), (e) => e === err);
    assert.strictEqual(writer.desiredSize, null);

    let controller;
    const ws2 = new WritableStream({ start(c) { controller = c; } });
    const err2 = new Error('controller error');
    controller.error(err2);
    await assert.rejects(ws2.getWriter().closed, (e) => e === err2);

    const closeErr = new Error('close failed');
    const ws3 = new WritableStream({ close() { return Promise.reject(closeErr); } });
    await assert.rejects(ws3.close(), (e) => e === closeErr);
  },
};

// ---------------------------------------------------------------------------------------------
// TransformStream

export const transformUppercase = {
  async test() {
    const ts = new TransformStream({
      transform(chunk, controller) { controller.enqueue(chunk.toUpperCase()); },
      flush(controller) { controller.enqueue('!'); },
    });
    const writer = ts.writable.getWriter();
    writer.write('ab');
    writer.write('cd');
    writer.close();
    assert.deepStrictEqual(await readAll(ts.readable), ['AB', 'CD', '!']);
  },
};

export const transformIdentityDefault = {
  async test() {
    const ts = new TransformStream();
    const out = ReadableStream.from([1, 2]).pipeThrough(ts);
    assert.strictEqual(out, ts.readable);
    assert.deepStrictEqual(await readAll(out), [1, 2]);
  },
};

export const transformBackpressure = {
  async test() {
    const transformed = [];
    const ts = new TransformStream({
      transform(chunk, c) {
        transformed.push(chunk);
        c.enqueue(chunk);
      },
    });
    const writer = ts.writable.getWriter();
    // Readable high-water mark 0: nothing is transformed until the readable side is read, and
    // then one chunk per read.
    const w1 = writer.write('a');
    writer.write('b');
    await tick();
    assert.deepStrictEqual(transformed, []);
    assert.strictEqual(writer.desiredSize, -1);
    const reader = ts.readable.getReader();
    assert.deepStrictEqual(await reader.read(), { value: 'a', done: false });
    await w1;
    await tick();
    assert.deepStrictEqual(transformed, ['a']);
    assert.deepStrictEqual(await reader.read(), { value: 'b', done: false });
    assert.deepStrictEqual(transformed, ['a', 'b']);
  },
};

export const transformCancelAndErrors = {
  async test() {
    let cancelReason = 'not called';
    const ts = new TransformStream({ cancel(reason) { cancelReason = reason; } });
    const writer = ts.writable.getWriter();
    await ts.readable.cancel('no more');
    assert.strictEqual(cancelReason, 'no more');
    await assert.rejects(writer.closed, (e) => e === 'no more');

    // Abort on the writable side also calls cancel and errors the readable side.
    let reason2;
    const ts2 = new TransformStream({ cancel(r) { reason2 = r; } });
    await ts2.writable.abort('aborted');
    assert.strictEqual(reason2, 'aborted');
    await assert.rejects(ts2.readable.getReader().closed, (e) => e === 'aborted');

    // A throwing transform errors both sides.
    const err = new Error('transform failed');
    const ts3 = new TransformStream({ transform() { throw err; } });
    const w3 = ts3.writable.getWriter();
    const r3 = ts3.readable.getReader();
    const read3 = r3.read(); // the transform runs once the readable side wants a chunk
    await assert.rejects(w3.write('x'), (e) => e === err);
    await assert.rejects(read3, (e) => e === err);
    await assert.rejects(w3.closed, (e) => e === err);

    // A failing flush errors the readable side and rejects close().
    const flushErr = new Error('flush failed');
    const ts4 = new TransformStream({ flush() { throw flushErr; } });
    await assert.rejects(ts4.writable.close(), (e) => e === flushErr);
    await assert.rejects(ts4.readable.getReader().closed, (e) => e === flushErr);

    // terminate() closes the readable side and errors the writable side.
    const ts5 = new TransformStream({
      transform(chunk, c) {
        c.enqueue(chunk);
        c.terminate();
      },
    });
    const w5 = ts5.writable.getWriter();
    const read5 = readAll(ts5.readable);
    await w5.write('last');
    assert.deepStrictEqual(await read5, ['last']);
    await assert.rejects(w5.write('more'), TypeError);
  },
};

export const transformControllerDesiredSize = {
  async test() {
    let controller;
    const ts = new TransformStream({ start(c) { controller = c; } }, undefined, { highWaterMark: 2 });
    assert.ok(controller instanceof TransformStreamDefaultController);
    assert.strictEqual(controller.desiredSize, 2);
    controller.enqueue('x');
    assert.strictEqual(controller.desiredSize, 1);
    controller.error(new Error('done'));
    assert.strictEqual(controller.desiredSize, null);
    assert.throws(() => controller.enqueue('y'), TypeError);
    void ts;
  },
};

// ---------------------------------------------------------------------------------------------
// Piping

export const pipeToBasic = {
  async test() {
    const log = [];
    const rs = ReadableStream.from(['a', 'b', 'c']);
    await rs.pipeTo(recordingWritable(log));
    assert.deepStrictEqual(log, [['write', 'a'], ['write', 'b'], ['write', 'c'], ['close']]);
    assert.strictEqual(rs.locked, false);
  },
};

export const pipeToRespectsBackpressure = {
  async test() {
    // A slow writer (high-water mark 1): the source's pull is called only when the pipe needs
    // another chunk, so at most a couple of chunks are ever buffered ahead of the writer.
    let pulls = 0;
    let writes = 0;
    const maxAhead = [];
    const rs = new ReadableStream({
      pull(c) {
        pulls++;
        maxAhead.push(pulls - writes);
        if (pulls > 10) c.close();
        else c.enqueue(pulls);
      },
    }, { highWaterMark: 1 });
    const ws = new WritableStream({
      async write() {
        await sleep(3);
        writes++;
      },
    }, { highWaterMark: 1 });
    const piping = rs.pipeTo(ws);
    await sleep(10);
    assert.ok(pulls <= writes + 2, `pulls ${pulls} writes ${writes}`);
    await piping;
    assert.strictEqual(writes, 10);
    assert.strictEqual(pulls, 11);
    // Never more than the chunk being written plus the source's own queue (its hwm of 1).
    assert.ok(Math.max(...maxAhead) <= 2, `max ahead ${Math.max(...maxAhead)}`);
  },
};

export const pipeToPullsOnlyWhenNeeded = {
  async test() {
    // With a writer that never finishes its first write, the source is pulled for the chunk
    // being written (the writable stream, hwm 1, then has backpressure) and to refill the
    // source's own queue (hwm 1); nothing more.
    let pulls = 0;
    const rs = new ReadableStream({ pull(c) { c.enqueue(++pulls); } }, { highWaterMark: 1 });
    const ws = new WritableStream({ write() { return new Promise(() => {}); } }, { highWaterMark: 1 });
    rs.pipeTo(ws);
    await sleep(20);
    assert.strictEqual(pulls, 2);
    await sleep(10);
    assert.strictEqual(pulls, 2);
  },
};

export const pipeToAbortSignal = {
  async test() {
    const ac = new AbortController();
    let canceled = 'not called';
    const log = [];
    const rs = new ReadableStream({
      pull(c) { c.enqueue('x'); return sleep(1); },
      cancel(reason) { canceled = reason; },
    });
    const piping = rs.pipeTo(recordingWritable(log), { signal: ac.signal });
    await sleep(5);
    ac.abort();
    await assert.rejects(piping, (e) => e instanceof DOMException && e.name === 'AbortError');
    assert.ok(canceled instanceof DOMException && canceled.name === 'AbortError');
    assert.strictEqual(log[log.length - 1][0], 'abort');
    assert.strictEqual(rs.locked, false);

    // Already aborted; preventAbort and preventCancel keep both streams usable.
    const reason = new Error('pre-aborted');
    let canceled2 = false;
    const rs2 = new ReadableStream({ cancel() { canceled2 = true; } });
    const log2 = [];
    const ws2 = recordingWritable(log2);
    await assert.rejects(rs2.pipeTo(ws2, { signal: AbortSignal.abort(reason), preventAbort: true,
      preventCancel: true }), (e) => e === reason);
    assert.strictEqual(canceled2, false);
    assert.deepStrictEqual(log2, []);
    assert.strictEqual(rs2.locked, false);
    assert.strictEqual(ws2.locked, false);

    await assert.rejects(new ReadableStream().pipeTo(new WritableStream(), { signal: 'nope' }), TypeError);
  },
};

export const pipeToPropagatesErrorsForward = {
  async test() {
    const err = new Error('source failed');
    let controller;
    const rs = new ReadableStream({ start(c) { controller = c; } });
    const log = [];
    const piping = rs.pipeTo(recordingWritable(log));
    controller.enqueue('one');
    await tick();
    controller.error(err);
    await assert.rejects(piping, (e) => e === err);
    assert.deepStrictEqual(log, [['write', 'one'], ['abort', err]]);

    // preventAbort leaves the destination alone.
    const rs2 = new ReadableStream({ start(c) { c.error(err); } });
    const log2 = [];
    const ws2 = recordingWritable(log2);
    await assert.rejects(rs2.pipeTo(ws2, { preventAbort: true }), (e) => e === err);
    assert.deepStrictEqual(log2, []);
    const writer = ws2.getWriter();
    await writer.write('still works');
    assert.deepStrictEqual(log2, [['write', 'still works']]);
  },
};

export const pipeToPropagatesErrorsBackward = {
  async test() {
    const err = new Error('sink failed');
    let canceled = 'not called';
    const rs = new ReadableStream({
      pull(c) { c.enqueue('chunk'); },
      cancel(reason) { canceled = reason; },
    });
    const ws = new WritableStream({ write() { throw err; } });
    await assert.rejects(rs.pipeTo(ws), (e) => e === err);
    assert.strictEqual(canceled, err);

    let canceled2 = false;
    const rs2 = new ReadableStream({ cancel() { canceled2 = true; } });
    const ws2 = new WritableStream({ start(c) { c.error(err); } });
    await assert.rejects(rs2.pipeTo(ws2, { preventCancel: true }), (e) => e === err);
    assert.strictEqual(canceled2, false);
    assert.strictEqual(rs2.locked, false);
  },
};

export const pipeToClosing = {
  async test() {
    // preventClose keeps the destination open.
    const log = [];
    const ws = recordingWritable(log);
    await ReadableStream.from([1]).pipeTo(ws, { preventClose: true });
    assert.deepStrictEqual(log, [['write', 1]]);
    const writer = ws.getWriter();
    await writer.write(2);
    await writer.close();
    assert.deepStrictEqual(log, [['write', 1], ['write', 2], ['close']]);

    // A closed destination cancels the source.
    let canceled;
    const rs = new ReadableStream({ cancel(reason) { canceled = reason; } });
    const closedWs = new WritableStream();
    await closedWs.close();
    await assert.rejects(rs.pipeTo(closedWs), TypeError);
    assert.ok(canceled instanceof TypeError);
  },
};

export const pipeThroughChain = {
  async test() {
    const double = () => new TransformStream({ transform(n, c) { c.enqueue(n * 2); } });
    const out = ReadableStream.from([1, 2, 3]).pipeThrough(double()).pipeThrough(double());
    assert.deepStrictEqual(await readAll(out), [4, 8, 12]);
    assert.throws(() => new ReadableStream().pipeThrough({}), TypeError);
    assert.throws(() => new ReadableStream().pipeThrough({ readable: new ReadableStream() }), TypeError);
    const ts = new TransformStream();
    ts.writable.getWriter();
    assert.throws(() => new ReadableStream().pipeThrough(ts), TypeError);
  },
};

export const pipeByteStreamToWritable = {
  async test() {
    let i = 0;
    const rs = new ReadableStream({
      type: 'bytes',
      pull(c) {
        if (i === 3) c.close();
        else c.enqueue(new Uint8Array([i++]));
      },
    });
    const got = [];
    await rs.pipeTo(new WritableStream({ write(chunk) { got.push(...chunk); } }));
    assert.deepStrictEqual(got, [0, 1, 2]);
  },
};

// ---------------------------------------------------------------------------------------------
// Hardening: streams must not depend on built-ins that user code can replace.

export const worksWithPatchedBuiltins = {
  async test() {
    const savedThen = Promise.prototype.then;
    const savedPush = Array.prototype.push;
    const savedShift = Array.prototype.shift;
    let thenCalls = 0;
    Promise.prototype.then = function () {
      thenCalls++;
      throw new Error('patched Promise.prototype.then was called');
    };
    Array.prototype.push = function () { throw new Error('patched Array.prototype.push was called'); };
    Array.prototype.shift = function () { throw new Error('patched Array.prototype.shift was called'); };
    try {
      const chunks = [];
      const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
      let n = 0;
      const source = new ReadableStream({
        pull(c) {
          if (n === 3) c.close();
          else c.enqueue(`c${n++}`);
        },
      });
      const sink = new WritableStream({ write(chunk) { chunks[chunks.length] = chunk; } });
      await source.pipeThrough(upper).pipeTo(sink);
      if (chunks.length !== 3 || chunks[0] !== 'C0' || chunks[2] !== 'C2') {
        throw new Error(`unexpected chunks ${chunks}`);
      }
      // Tee, byte streams, BYOB, async iteration and from() with the same patches.
      const [b1, b2] = new ReadableStream({
        type: 'bytes',
        start(c) {
          c.enqueue(new Uint8Array([1, 2, 3]));
          c.close();
        },
      }).tee();
      const r1 = b1.getReader({ mode: 'byob' });
      const first = await r1.read(new Uint8Array(2));
      if (first.value.length !== 2) throw new Error('byob read');
      let count = 0;
      for await (const chunk of b2) count += chunk.length;
      if (count !== 3) throw new Error('async iteration');
      const it = ReadableStream.from(['q']).values();
      const step = await it.next();
      if (step.value !== 'q') throw new Error('from');
      await it.return();
      const encoded = new TextEncoderStream();
      const w = encoded.writable.getWriter();
      w.write('hi');
      w.close();
      const reader = encoded.readable.getReader();
      const { value } = await reader.read();
      if (value.length !== 2) throw new Error('TextEncoderStream');
      const cs = new CompressionStream('gzip');
      const cw = cs.writable.getWriter();
      cw.write(new Uint8Array(100));
      cw.close();
      const cr = cs.readable.getReader();
      let total = 0;
      for (;;) {
        const step2 = await cr.read();
        if (step2.done) break;
        total += step2.value.length;
      }
      if (total < 18) throw new Error('CompressionStream');
    } finally {
      Promise.prototype.then = savedThen;
      Array.prototype.push = savedPush;
      Array.prototype.shift = savedShift;
    }
    assert.strictEqual(thenCalls, 0);
  },
};

export const patchedGlobalsAreIgnored = {
  async test() {
    // Replacing prototype methods of the stream classes does not change internal behaviour.
    const saved = ReadableStreamDefaultReader.prototype.read;
    const savedEnqueue = ReadableStreamDefaultController.prototype.enqueue;
    ReadableStreamDefaultReader.prototype.read = () => { throw new Error('patched read'); };
    try {
      const log = [];
      await ReadableStream.from([1, 2]).pipeTo(recordingWritable(log));
      assert.deepStrictEqual(log, [['write', 1], ['write', 2], ['close']]);
      ReadableStreamDefaultController.prototype.enqueue = () => { throw new Error('patched enqueue'); };
      const ts = new TransformStream();
      const w = ts.writable.getWriter();
      w.write('x');
      w.close();
      const it = ts.readable.values();
      assert.deepStrictEqual(await it.next(), { value: 'x', done: false });
    } finally {
      ReadableStreamDefaultReader.prototype.read = saved;
      ReadableStreamDefaultController.prototype.enqueue = savedEnqueue;
    }
  },
};

export const subclassing = {
  async test() {
    class MyStream extends ReadableStream {
      constructor() {
        super({ start(c) { c.enqueue('sub'); c.close(); } });
      }
      extra() { return 'extra'; }
    }
    const s = new MyStream();
    assert.strictEqual(s.extra(), 'extra');
    assert.deepStrictEqual(await readAll(s), ['sub']);
  },
};

export const worksWithManyBuiltinsReplaced = {
  async test() {
    // Index loops and no destructuring below: this test must not use what it breaks.
    const saved = [];
    const getDescriptor = Reflect.getOwnPropertyDescriptor;
    const defineProperty = Reflect.defineProperty;
    const sabotage = (obj, key) => {
      saved[saved.length] = [obj, key, getDescriptor(obj, key)];
      defineProperty(obj, key, {
        value() { throw new Error(`sabotaged ${String(key)} was called`); },
        writable: true,
        configurable: true,
      });
    };
    const arrayProto = Array.prototype;
    const arrayIteratorProto = Object.getPrototypeOf([][Symbol.iterator]());
    const keys = ['push', 'pop', 'shift', 'unshift', 'slice', 'splice', 'concat', 'map', 'forEach', 'indexOf'];
    for (let i = 0; i < keys.length; i++) sabotage(arrayProto, keys[i]);
    sabotage(arrayProto, Symbol.iterator);
    sabotage(arrayIteratorProto, 'next');
    sabotage(Promise.prototype, 'then');
    sabotage(Promise, 'resolve');
    sabotage(Promise, 'reject');
    sabotage(Promise, 'all');
    sabotage(Function.prototype, 'call');
    sabotage(Function.prototype, 'apply');
    sabotage(Function.prototype, 'bind');
    sabotage(Reflect, 'apply');
    sabotage(Object, 'defineProperty');
    sabotage(Uint8Array.prototype, 'set');
    sabotage(Uint8Array.prototype, 'subarray');
    sabotage(ArrayBuffer.prototype, 'slice');
    sabotage(Map.prototype, 'get');
    sabotage(Map.prototype, 'set');
    sabotage(String.prototype, 'slice');
    sabotage(String.prototype, 'charCodeAt');
    let failure = null;
    try {
      const out = [];
      let n = 0;
      const source = new ReadableStream({
        pull(c) {
          if (n === 3) c.close();
          else c.enqueue(`c${n++}\u{1F600}`);
        },
      });
      await source
        .pipeThrough(new TransformStream({ transform(chunk, c) { c.enqueue(chunk + '!'); } }))
        .pipeThrough(new TextEncoderStream())
        .pipeThrough(new CompressionStream('deflate'))
        .pipeThrough(new DecompressionStream('deflate'))
        .pipeThrough(new TextDecoderStream())
        .pipeTo(new WritableStream({ write(chunk) { out[out.length] = chunk; } }));
      let text = '';
      for (let i = 0; i < out.length; i++) text += out[i];
      if (text !== 'c0\u{1F600}!c1\u{1F600}!c2\u{1F600}!') throw new Error(`pipeline gave ${text}`);

      const branches = new ReadableStream({
        type: 'bytes',
        start(c) {
          const chunk = new Uint8Array(4);
          chunk[0] = 1;
          c.enqueue(chunk);
          c.close();
        },
      }).tee();
      const byob = branches[0].getReader({ mode: 'byob' });
      const first = await byob.read(new Uint16Array(1));
      if (first.value.length !== 1 || first.value[0] !== 1) throw new Error('BYOB read on a tee branch');
      const other = await branches[1].getReader().read();
      if (other.value.length !== 2) throw new Error('default read on the other tee branch');

      const iterator = ReadableStream.from({
        [Symbol.asyncIterator]() {
          let i = 0;
          return { async next() { return { value: i, done: i++ > 2 }; } };
        },
      }).values();
      let sum = 0;
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        sum += step.value;
      }
      if (sum !== 3) throw new Error(`ReadableStream.from gave ${sum}`);
    } catch (error) {
      failure = error;
    } finally {
      for (let i = saved.length - 1; i >= 0; i--) {
        const entry = saved[i];
        if (entry[2] === undefined) Reflect.deleteProperty(entry[0], entry[1]);
        else defineProperty(entry[0], entry[1], entry[2]);
      }
    }
    if (failure !== null) throw failure;
  },
};

// An async iterator's return() queues behind pending next() calls and becomes the pending
// operation itself, so a next() or return() made after it settles after it (Web IDL's
// ongoing promise).
export const asyncIteratorReturnIsQueuedLikeNext = {
  async test() {
    const order = [];
    let cancelled = 0;
    const stream = new ReadableStream({
      cancel() {
        cancelled++;
        return new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    const it = stream.values();
    const first = it.return('stop').then((r) => order.push(['first return', r.done]));
    const second = it.next().then((r) => order.push(['next', r.done]));
    const third = it.return('again').then((r) => order.push(['second return', r.value, r.done]));
    await Promise.all([first, second, third]);
    assert.deepStrictEqual(order, [
      ['first return', true], ['next', true], ['second return', 'again', true],
    ]);
    assert.strictEqual(cancelled, 1);
  },
};

// A transformer whose cancel() errors the controller while the writable side is being closed:
// the error wins on both sides, because start() returning a plain value lets the writable
// start (and finish erroring) before the cancel() result is looked at.
export const transformCancelThatErrorsRejectsCancelAndClose = {
  async test() {
    const boom = new Error('from cancel');
    let controller;
    const ts = new TransformStream({
      start(c) { controller = c; },
      async cancel() { controller.error(boom); },
      flush() { throw new Error('flush must not run'); },
    });
    const cancelling = ts.readable.cancel(new Error('reason'));
    const closing = ts.writable.close();
    const results = await Promise.allSettled([cancelling, closing]);
    assert.deepStrictEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.strictEqual(results[0].reason, boom);
    assert.strictEqual(results[1].reason, boom);
  },
};

// writer.abort() before the TransformStream started, then readable.cancel(): the cancel
// succeeds and the abort reason becomes the writable's error.
export const transformAbortThenCancelDuringStart = {
  async test() {
    const reason = new Error('abort reason');
    const ts = new TransformStream();
    const writer = ts.writable.getWriter();
    const aborting = writer.abort(reason);
    const cancelling = ts.readable.cancel(new Error('cancel reason'));
    await aborting;
    await cancelling;
    await assert.rejects(writer.closed, (e) => e === reason);
  },
};

// A start() returning a promise is adopted like any promise resolution: the stream starts
// (and pulls) only two microtasks after that promise settles.
export const startPromiseIsAdopted = {
  async test() {
    const log = [];
    const rs = new ReadableStream({
      start() { return Promise.resolve(); },
      pull() { log.push('pull'); },
    });
    Promise.resolve().then(() => log.push('tick 1'))
      .then(() => log.push('tick 2')).then(() => log.push('tick 3'));
    await tick();
    assert.deepStrictEqual(log, ['tick 1', 'tick 2', 'pull', 'tick 3']);
    assert.ok(rs instanceof ReadableStream);
  },
};

// pipeTo() reads "in parallel": a chunk enqueued into a pending pipe read is written to the
// destination in a later microtask, not from inside enqueue().
export const pipeDoesNotWriteInsideEnqueue = {
  async test() {
    let controller;
    const writes = [];
    const piping = new ReadableStream({ start(c) { controller = c; } }, { highWaterMark: 0 })
      .pipeTo(new WritableStream({ write(chunk) { writes.push(chunk); } }));
    await tick();
    controller.enqueue('x');
    assert.deepStrictEqual(writes, []);
    controller.close();
    await piping;
    assert.deepStrictEqual(writes, ['x']);
  },
};

// A chunk that is handed to a pending pipe read just before the pipe shuts down (abort signal)
// is still written before the destination is aborted.
export const pipeWritesReadChunkBeforeAbortShutdown = {
  async test() {
    let controller;
    const log = [];
    const ac = new AbortController();
    const piping = new ReadableStream({ start(c) { controller = c; } }, { highWaterMark: 0 })
      .pipeTo(new WritableStream({
        write(chunk) { log.push(['write', chunk]); },
        abort(reason) { log.push(['abort', reason]); },
      }), { signal: ac.signal });
    await tick();
    controller.enqueue('last');
    ac.abort('stop');
    await assert.rejects(piping, (e) => e === 'stop');
    assert.deepStrictEqual(log, [['write', 'last'], ['abort', 'stop']]);
  },
};

// Adopting a promise returned by start() or pull() never calls a replaced
// Promise.prototype.then (`await` itself does not call it either).
export const adoptingCallbackPromisesIgnoresPatchedThen = {
  async test() {
    const original = Promise.prototype.then;
    let patchedCalls = 0;
    let first;
    let second;
    Promise.prototype.then = function (...args) {
      patchedCalls++;
      return original.apply(this, args);
    };
    try {
      const rs = new ReadableStream({
        start() { return Promise.resolve(); },
        pull(c) { c.enqueue('a'); c.close(); return Promise.resolve(); },
      });
      const reader = rs.getReader();
      first = await reader.read();
      second = await reader.read();
      await reader.closed;
    } finally {
      Promise.prototype.then = original;
    }
    assert.strictEqual(patchedCalls, 0);
    assert.deepStrictEqual([first, second],
      [{ value: 'a', done: false }, { value: undefined, done: true }]);
  },
};
