// Workers KV bindings (kv.wrangler.jsonc): every method, value types, metadata, expiration,
// listing with prefixes and cursors, bulk gets, and the errors with workerd's and the KV
// service's exact messages. The data lives in this run's state directory (a fresh temporary one
// unless --state-dir is given); each test uses keys of its own.
import assert from 'node:assert';
import { advanceStorageClock, storageIntegrityCheck } from 'dynworker:test';

const kv = (status, message, method = 'PUT') => ({ name: 'Error', message: `KV ${method} failed: ${status} ${message}` });
const typeError = (message) => ({ name: 'TypeError', message });

function streamOf(...chunks) {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? new TextEncoder().encode(c) : c);
      controller.close();
    },
  });
}

async function readStream(stream) {
  return new Response(stream).text();
}

export const getMissingIsNull = {
  async test(ctrl, env) {
    assert.strictEqual(await env.KV.get('missing'), null);
    for (const type of ['text', 'json', 'arrayBuffer', 'stream']) {
      assert.strictEqual(await env.KV.get('missing', type), null);
      assert.strictEqual(await env.KV.get('missing', { type }), null);
    }
    assert.deepStrictEqual(await env.KV.getWithMetadata('missing'),
      { value: null, metadata: null, cacheStatus: null });
    // A namespace nothing was written to reads as empty.
    assert.strictEqual(await env.EMPTY.get('k'), null);
    assert.deepStrictEqual(await env.EMPTY.list(), { keys: [], list_complete: true, cacheStatus: null });
    await env.EMPTY.delete('k');
  },
};

export const valueTypesRoundTrip = {
  async test(ctrl, env) {
    await env.KV.put('types:string', 'héllo \u{1F600}');
    assert.strictEqual(await env.KV.get('types:string'), 'héllo \u{1F600}');
    assert.strictEqual(await env.KV.get('types:string', 'text'), 'héllo \u{1F600}');
    const ab = await env.KV.get('types:string', 'arrayBuffer');
    assert.ok(ab instanceof ArrayBuffer);
    assert.deepStrictEqual(new Uint8Array(ab), new TextEncoder().encode('héllo \u{1F600}'));
    const stream = await env.KV.get('types:string', { type: 'stream' });
    assert.ok(stream instanceof ReadableStream);
    assert.strictEqual(await readStream(stream), 'héllo \u{1F600}');

    await env.KV.put('types:json', JSON.stringify({ a: [1, 2], b: null }));
    assert.deepStrictEqual(await env.KV.get('types:json', 'json'), { a: [1, 2], b: null });
    assert.deepStrictEqual(await env.KV.get('types:json', { type: 'json', cacheTtl: 60 }), { a: [1, 2], b: null });
    await assert.rejects(env.KV.get('types:string', 'json'), SyntaxError);

    // ArrayBuffer, views (only the viewed bytes), DataView, a stream of several chunks.
    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    await env.KV.put('types:buffer', bytes.buffer);
    assert.deepStrictEqual(new Uint8Array(await env.KV.get('types:buffer', 'arrayBuffer')), bytes);
    await env.KV.put('types:view', bytes.subarray(1, 4));
    assert.deepStrictEqual(new Uint8Array(await env.KV.get('types:view', 'arrayBuffer')), new Uint8Array([1, 2, 255]));
    await env.KV.put('types:dataview', new DataView(bytes.buffer, 3, 2));
    assert.deepStrictEqual(new Uint8Array(await env.KV.get('types:dataview', 'arrayBuffer')), new Uint8Array([255, 254]));
    await env.KV.put('types:stream', streamOf('ab', 'cd', new Uint8Array([0x65])));
    assert.strictEqual(await env.KV.get('types:stream'), 'abcde');
    await env.KV.put('types:empty', '');
    assert.strictEqual(await env.KV.get('types:empty'), '');
    await env.KV.put('types:empty-stream', streamOf());
    assert.strictEqual(await env.KV.get('types:empty-stream'), '');
    // Other primitives become strings, as workerd converts them.
    await env.KV.put('types:number', 42);
    assert.strictEqual(await env.KV.get('types:number'), '42');
    // Overwrite.
    await env.KV.put('types:number', 'forty-two');
    assert.strictEqual(await env.KV.get('types:number'), 'forty-two');
  },
};

export const badValuesAndTypes = {
  async test(ctrl, env) {
    const notAValue = typeError('KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ' +
      'ReadableStreams as values.');
    await assert.rejects(env.KV.put('bad', { a: 1 }), notAValue);
    await assert.rejects(env.KV.put('bad', new Blob(['x'])), notAValue);
    await assert.rejects(env.KV.put('bad', new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } })), notAValue);
    assert.strictEqual(await env.KV.get('bad'), null);
    await env.KV.put('bad', 'v');
    await assert.rejects(env.KV.get('bad', 'blob'), typeError('Unknown response type. Possible types ' +
      'are "text", "arrayBuffer", "json", and "stream".'));
    await assert.rejects(env.KV.get('bad', { cacheTtl: 29 }), kv(400, 'Invalid cache_ttl of 29. Cache TTL must be at least 30.', 'GET'));
    assert.strictEqual(await env.KV.get('bad', { cacheTtl: 30 }), 'v');
  },
};

export const keyNames = {
  async test(ctrl, env) {
    for (const [method, call] of [['GET', (k) => env.KV.get(k)], ['PUT', (k) => env.KV.put(k, 'v')],
      ['DELETE', (k) => env.KV.delete(k)], ['GET', (k) => env.KV.getWithMetadata(k)]]) {
      await assert.rejects(call(''), typeError('Key name cannot be empty.'));
      await assert.rejects(call('.'), typeError('"." is not allowed as a key name.'));
      await assert.rejects(call('..'), typeError('".." is not allowed as a key name.'));
      // 512 bytes is the limit, counted in UTF-8 (é is 2 bytes).
      await assert.rejects(call('é'.repeat(257)), kv(414, 'UTF-8 encoded length of 514 exceeds key length limit of 512.', method));
    }
    const longest = 'k'.repeat(510) + 'é';
    await env.KV.put(longest, 'v');
    assert.strictEqual(await env.KV.get(longest), 'v');
    // Keys are strings: other values are converted.
    await env.KV.put(123, 'number key');
    assert.strictEqual(await env.KV.get('123'), 'number key');
    await env.KV.put('...', 'dots are fine');
    assert.strictEqual(await env.KV.get('...'), 'dots are fine');
  },
};

export const metadata = {
  async test(ctrl, env) {
    await env.KV.put('meta:a', 'value', { metadata: { tag: 'x', n: [1, 2] } });
    assert.deepStrictEqual(await env.KV.getWithMetadata('meta:a'),
      { value: 'value', metadata: { tag: 'x', n: [1, 2] }, cacheStatus: null });
    assert.deepStrictEqual(await env.KV.getWithMetadata('meta:a', 'arrayBuffer').then((r) => new Uint8Array(r.value)),
      new TextEncoder().encode('value'));
    // No metadata (and null metadata) reads as null; a put without metadata drops the old one.
    await env.KV.put('meta:b', 'v', { metadata: null });
    assert.deepStrictEqual(await env.KV.getWithMetadata('meta:b'), { value: 'v', metadata: null, cacheStatus: null });
    await env.KV.put('meta:a', 'value2');
    assert.deepStrictEqual(await env.KV.getWithMetadata('meta:a'), { value: 'value2', metadata: null, cacheStatus: null });
    await env.KV.put('meta:c', 'v', { metadata: 'just a string' });
    assert.strictEqual((await env.KV.getWithMetadata('meta:c')).metadata, 'just a string');

    // 1024 bytes of JSON at most.
    const fits = { s: 'x'.repeat(1024 - 8) };
    assert.strictEqual(JSON.stringify(fits).length, 1024);
    await env.KV.put('meta:big', 'v', { metadata: fits });
    await assert.rejects(env.KV.put('meta:big', 'v', { metadata: { s: 'x'.repeat(1024 - 7) } }),
      kv(413, 'Metadata length of 1025 exceeds limit of 1024.'));
    await assert.rejects(env.KV.put('meta:big', 'v', { metadata: { s: 'é'.repeat(600) } }),
      kv(413, 'Metadata length of 1208 exceeds limit of 1024.'));
    assert.deepStrictEqual((await env.KV.getWithMetadata('meta:big')).metadata, fits);
  },
};

export const valueSizeLimit = {
  async test(ctrl, env) {
    const limit = 25 * 1024 * 1024;
    await assert.rejects(env.KV.put('big', new Uint8Array(limit + 1)),
      kv(413, `Value length of ${limit + 1} exceeds limit of ${limit}.`));
    // A stream is counted to its end (the message gives the whole length) and not stored.
    const mib = new Uint8Array(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent++ === 26) controller.close();
        else controller.enqueue(mib.slice());
      },
    });
    await assert.rejects(env.KV.put('big', stream), kv(413, `Value length of ${26 * 1024 * 1024} exceeds limit of ${limit}.`));
    assert.strictEqual(await env.KV.get('big'), null);
  },
};

export const expiration = {
  async test(ctrl, env) {
    const now = Math.floor(Date.now() / 1000);
    await assert.rejects(env.KV.put('exp', 'v', { expirationTtl: 59 }),
      kv(400, 'Invalid expiration_ttl of 59. Expiration TTL must be at least 60.'));
    await assert.rejects(env.KV.put('exp', 'v', { expirationTtl: 0 }),
      kv(400, 'Invalid expiration_ttl of 0. Please specify integer greater than 0.'));
    await assert.rejects(env.KV.put('exp', 'v', { expiration: now - 10 }),
      kv(400, `Invalid expiration of ${now - 10}. Please specify integer greater than the current number of seconds since the UNIX epoch.`));
    await assert.rejects(env.KV.put('exp', 'v', { expiration: now + 30 }),
      kv(400, `Invalid expiration of ${now + 30}. Expiration times must be at least 60 seconds in the future.`));
    assert.strictEqual(await env.KV.get('exp'), null);

    await env.KV.put('exp:ttl', 'a', { expirationTtl: 60, metadata: { m: 1 } });
    await env.KV.put('exp:abs', 'b', { expiration: now + 120 });
    await env.KV.put('exp:never', 'c');
    let listed = await env.KV.list({ prefix: 'exp:' });
    const ttlKey = listed.keys.find((k) => k.name === 'exp:ttl');
    assert.ok(ttlKey.expiration >= now + 60 && ttlKey.expiration <= now + 62, String(ttlKey.expiration));
    assert.deepStrictEqual(ttlKey.metadata, { m: 1 });
    assert.deepStrictEqual(listed.keys.find((k) => k.name === 'exp:abs'), { name: 'exp:abs', expiration: now + 120 });
    assert.deepStrictEqual(listed.keys.find((k) => k.name === 'exp:never'), { name: 'exp:never' });

    // Past its expiration a key is gone for every method.
    advanceStorageClock(65);
    assert.strictEqual(await env.KV.get('exp:ttl'), null);
    assert.deepStrictEqual(await env.KV.getWithMetadata('exp:ttl'), { value: null, metadata: null, cacheStatus: null });
    assert.strictEqual((await env.KV.get(['exp:ttl', 'exp:abs'])).get('exp:ttl'), null);
    assert.strictEqual(await env.KV.get('exp:abs'), 'b');
    listed = await env.KV.list({ prefix: 'exp:' });
    assert.deepStrictEqual(listed.keys.map((k) => k.name), ['exp:abs', 'exp:never']);
    advanceStorageClock(60);
    assert.strictEqual(await env.KV.get('exp:abs'), null);
    assert.strictEqual(await env.KV.get('exp:never'), 'c');
    // A new put of an expired key starts afresh.
    await env.KV.put('exp:ttl', 'again');
    assert.strictEqual(await env.KV.get('exp:ttl'), 'again');
  },
};

export const deleteRemoves = {
  async test(ctrl, env) {
    await env.KV.put('del:a', 'v');
    assert.strictEqual(await env.KV.delete('del:a'), undefined);
    assert.strictEqual(await env.KV.get('del:a'), null);
    await env.KV.delete('del:never-existed');
  },
};

export const listOrderPrefixAndCursor = {
  async test(ctrl, env) {
    // Byte order of UTF-8: U+FF5A sorts before U+1F600 (JS's UTF-16 order says the opposite).
    const names = ['list/b', 'list/a', 'list/\u{1F600}', 'list/\uFF5A', 'list/é', 'list/A', 'list/a/1'];
    for (const n of names) await env.KV.put(n, 'v', { metadata: { n } });
    await env.KV.put('lisu', 'not in the prefix');
    await env.KV.put('lis', 'not in the prefix');
    const all = await env.KV.list({ prefix: 'list/' });
    assert.deepStrictEqual(all.keys.map((k) => k.name),
      ['list/A', 'list/a', 'list/a/1', 'list/b', 'list/é', 'list/\uFF5A', 'list/\u{1F600}']);
    assert.strictEqual(all.list_complete, true);
    assert.strictEqual('cursor' in all, false);
    assert.strictEqual(all.cacheStatus, null);
    assert.deepStrictEqual(all.keys[0], { name: 'list/A', metadata: { n: 'list/A' } });

    // Pages of 3 with cursors.
    const pages = [];
    let cursor;
    for (;;) {
      const page = await env.KV.list({ prefix: 'list/', limit: 3, cursor });
      pages.push(page.keys.map((k) => k.name));
      if (page.list_complete) {
        assert.strictEqual(page.cursor, undefined);
        break;
      }
      assert.strictEqual(typeof page.cursor, 'string');
      cursor = page.cursor;
    }
    assert.deepStrictEqual(pages, [['list/A', 'list/a', 'list/a/1'], ['list/b', 'list/é', 'list/\uFF5A'], ['list/\u{1F600}']]);
    // A key written between pages after the cursor shows up on the next page.
    const first = await env.KV.list({ prefix: 'list/', limit: 2 });
    await env.KV.put('list/aa', 'v');
    const second = await env.KV.list({ prefix: 'list/', limit: 2, cursor: first.cursor });
    assert.deepStrictEqual(second.keys.map((k) => k.name), ['list/a/1', 'list/aa']);

    // A prefix whose last character is the highest code point.
    await env.KV.put('list2/\u{10FFFF}x', 'v');
    assert.deepStrictEqual((await env.KV.list({ prefix: 'list2/\u{10FFFF}' })).keys.map((k) => k.name), ['list2/\u{10FFFF}x']);
    assert.deepStrictEqual((await env.KV.list({ prefix: 'nothing-here/' })).keys, []);
  },
};

export const listLimits = {
  async test(ctrl, env) {
    await assert.rejects(env.OTHER.list({ limit: 1001 }),
      kv(400, 'Invalid key_count_limit of 1001. Please specify an integer less than 1000.', 'GET'));
    await assert.rejects(env.OTHER.list({ prefix: 'p'.repeat(513) }),
      kv(414, 'UTF-8 encoded length of 513 exceeds key length limit of 512.', 'GET'));
    // The default and largest page is 1000 keys; 0 means the default.
    for (let i = 0; i < 1001; i++) await env.OTHER.put(`many/${String(i).padStart(4, '0')}`, '');
    const page = await env.OTHER.list({ limit: 0 });
    assert.strictEqual(page.keys.length, 1000);
    assert.strictEqual(page.list_complete, false);
    assert.strictEqual((await env.OTHER.list()).keys.length, 1000);
    const rest = await env.OTHER.list({ limit: 1000, cursor: page.cursor });
    assert.deepStrictEqual(rest.keys.map((k) => k.name), ['many/1000']);
    assert.strictEqual(rest.list_complete, true);
  },
};

export const bulkGet = {
  async test(ctrl, env) {
    await env.KV.put('bulk:a', 'A', { metadata: { m: 'a' } });
    await env.KV.put('bulk:j', '{"x":1}');
    const map = await env.KV.get(['bulk:a', 'bulk:missing', 'bulk:j']);
    assert.ok(map instanceof Map);
    assert.deepStrictEqual([...map], [['bulk:a', 'A'], ['bulk:missing', null], ['bulk:j', '{"x":1}']]);
    assert.deepStrictEqual([...await env.KV.get(['bulk:j'], 'json')], [['bulk:j', { x: 1 }]]);
    assert.deepStrictEqual([...await env.KV.getWithMetadata(['bulk:a', 'bulk:missing'])],
      [['bulk:a', { value: 'A', metadata: { m: 'a' } }], ['bulk:missing', null]]);
    const method = 'GET_BULK';
    await assert.rejects(env.KV.get(['bulk:a'], 'json'),
      kv(400, 'At least one of the requested keys corresponds to a non-json value', method));
    await assert.rejects(env.KV.get(['bulk:a'], 'arrayBuffer'),
      kv(400, '"arrayBuffer" is not a valid type. Use "json" or "text"', method));
    await assert.rejects(env.KV.get([]), kv(400, 'You must request a minimum of 1 key', method));
    await assert.rejects(env.KV.get(Array.from({ length: 101 }, (_, i) => `k${i}`)),
      kv(400, 'You can request a maximum of 100 keys', method));
    await assert.rejects(env.KV.get(['']), kv(400, 'Key names must not be empty', method));
    await assert.rejects(env.KV.get(['..']), kv(400, 'Illegal key name "..". Please use a different name.', method));
    await assert.rejects(env.KV.get(['x'.repeat(513)]), kv(414, 'UTF-8 encoded length of 513 exceeds key length limit of 512.', method));
    assert.strictEqual((await env.KV.get(Array.from({ length: 100 }, (_, i) => `k${i}`))).size, 100);
  },
};

export const bindingsWithOneIdShareData = {
  async test(ctrl, env) {
    await env.KV.put('shared', 'from KV');
    assert.strictEqual(await env.SAME.get('shared'), 'from KV');
    assert.strictEqual(await env.OTHER.get('shared'), null);
    await env.SAME.delete('shared');
    assert.strictEqual(await env.KV.get('shared'), null);
    assert.strictEqual(storageIntegrityCheck('kv/kv-test.sqlite'), 'ok');
  },
};

export const webIdlShape = {
  async test(ctrl, env) {
    assert.strictEqual(Object.prototype.toString.call(env.KV), '[object KvNamespace]');
    assert.deepStrictEqual(Object.keys(Object.getPrototypeOf(env.KV)), ['get', 'getWithMetadata', 'put', 'delete', 'list']);
    assert.throws(() => new env.KV.constructor(), typeError('Illegal constructor'));
    await assert.rejects(env.KV.get.call({}, 'k'), typeError('Illegal invocation'));
    await assert.rejects(env.KV.get(), typeError("Failed to execute 'get' on 'KvNamespace': 1 argument required, but only 0 present."));
    await assert.rejects(env.KV.put('k'), typeError("Failed to execute 'put' on 'KvNamespace': 2 arguments required, but only 1 present."));
    // Errors are rejections, never synchronous throws.
    const p = env.KV.put('', 'v');
    assert.ok(p instanceof Promise);
    await assert.rejects(p);
  },
};

export const survivesPatchedBuiltins = {
  async test(ctrl, env) {
    const saved = [Array.prototype.push, JSON.parse, Map.prototype.set];
    Array.prototype.push = () => { throw new Error('patched push'); };
    JSON.parse = () => { throw new Error('patched parse'); };
    Map.prototype.set = () => { throw new Error('patched set'); };
    try {
      await env.KV.put('patched', '{"ok":true}', { metadata: { m: 1 } });
      assert.deepStrictEqual(await env.KV.get('patched', 'json'), { ok: true });
      const listed = await env.KV.list({ prefix: 'patched' });
      assert.strictEqual(listed.keys.length, 1);
      assert.strictEqual((await env.KV.get(['patched'])).size, 1);
    } finally {
      [Array.prototype.push, JSON.parse, Map.prototype.set] = saved;
    }
  },
};

// The binding is the loader's own: it cannot be handed to a dynamic worker.
export const notSendableToDynamicWorkers = {
  async test(ctrl, env) {
    const code = { compatibilityDate: '2025-01-01', mainModule: 'main.js',
      modules: { 'main.js': 'export default { fetch() { return new Response("x"); } };' } };
    assert.throws(() => env.LOADER.load({ ...code, env: { KV: env.KV } }), {
      name: 'DataCloneError',
      message: 'Could not serialize object of type "KvNamespace". This type does not support serialization.',
    });
  },
};
