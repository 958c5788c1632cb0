// R2 bindings (r2.wrangler.jsonc): put from every value type (streams chunk by chunk), get with
// streamed bodies, ranges and conditions, head, delete, list with prefixes, delimiters, cursors
// and includes, R2Object's fields (etag = MD5 of the body, checksums, httpEtag, metadata,
// writeHttpMetadata), and the errors with workerd's and R2's exact messages. Each test uses keys
// of its own.
import assert from 'node:assert';
import { storageIntegrityCheck } from 'dynworker:test';
import { pattern } from './fixtures/bytes.js';

const MD5_HELLO = '5eb63bbbe01eeed093cb22bb8f5acdc3';  // md5('hello world')
const MD5_EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA256_HELLO = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';

const r2 = (action, message, code) => ({ name: 'Error', message: `${action}: ${message} (${code})` });
const typeError = (message) => ({ name: 'TypeError', message });
const rangeError = (message) => ({ name: 'RangeError', message });

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function streamOf(...chunks) {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? new TextEncoder().encode(c) : c);
      controller.close();
    },
  });
}

export const missingObjects = {
  async test(ctrl, env) {
    assert.strictEqual(await env.BUCKET.get('missing'), null);
    assert.strictEqual(await env.BUCKET.head('missing'), null);
    await env.BUCKET.delete('missing');
    assert.strictEqual(await env.EMPTY.get('k'), null);
    assert.deepStrictEqual(await env.EMPTY.list(), { objects: [], truncated: false, delimitedPrefixes: [] });
  },
};

export const putReturnsTheObject = {
  async test(ctrl, env) {
    const before = Date.now();
    const obj = await env.BUCKET.put('obj/hello', 'hello world', {
      httpMetadata: { contentType: 'text/plain', cacheControl: 'max-age=60' },
      customMetadata: { owner: 'me', n: 1 },
    });
    assert.strictEqual(Object.prototype.toString.call(obj), '[object R2Object]');
    assert.strictEqual(obj.key, 'obj/hello');
    assert.match(obj.version, /^[0-9a-f]{32}$/);
    assert.strictEqual(obj.size, 11);
    assert.strictEqual(obj.etag, MD5_HELLO);
    assert.strictEqual(obj.httpEtag, `"${MD5_HELLO}"`);
    assert.ok(obj.checksums.md5 instanceof ArrayBuffer);
    assert.strictEqual(hex(obj.checksums.md5), MD5_HELLO);
    assert.strictEqual(obj.checksums.sha256, undefined);
    assert.deepStrictEqual(obj.checksums.toJSON(), { md5: MD5_HELLO });
    assert.ok(obj.uploaded instanceof Date);
    assert.ok(obj.uploaded.getTime() >= before && obj.uploaded.getTime() <= Date.now());
    assert.deepStrictEqual(obj.httpMetadata, { contentType: 'text/plain', cacheControl: 'max-age=60' });
    assert.deepStrictEqual(obj.customMetadata, { owner: 'me', n: '1' });
    assert.strictEqual(obj.range, undefined);
    assert.strictEqual(obj.storageClass, 'Standard');
    assert.strictEqual('body' in obj, false);
    const json = JSON.parse(JSON.stringify(obj));
    assert.deepStrictEqual(json.checksums, { md5: MD5_HELLO });
    assert.strictEqual(json.uploaded, obj.uploaded.toISOString());

    // head() and get() give the same object; each put is a new version.
    const head = await env.BUCKET.head('obj/hello');
    assert.strictEqual(head.version, obj.version);
    assert.strictEqual(head.uploaded.getTime(), obj.uploaded.getTime());
    assert.deepStrictEqual(head.range, { offset: 0, length: 11 });
    assert.deepStrictEqual(head.customMetadata, { owner: 'me', n: '1' });
    const again = await env.BUCKET.put('obj/hello', 'hello world');
    assert.notStrictEqual(again.version, obj.version);
    assert.strictEqual(again.etag, obj.etag);
    assert.deepStrictEqual(again.httpMetadata, {});
    assert.deepStrictEqual(again.customMetadata, {});
  },
};

export const valueTypes = {
  async test(ctrl, env) {
    const cases = [
      ['string', 'hello world', 'hello world'],
      ['arraybuffer', new TextEncoder().encode('hello world').buffer, 'hello world'],
      ['view', new TextEncoder().encode('xxhello worldxx').subarray(2, 13), 'hello world'],
      ['dataview', new DataView(new TextEncoder().encode('hello world').buffer), 'hello world'],
      ['blob', new Blob(['hello', ' ', 'world']), 'hello world'],
      ['stream', streamOf('hel', 'lo wor', 'ld'), 'hello world'],
      ['null', null, ''],
      ['undefined', undefined, ''],
      ['empty-stream', streamOf(), ''],
    ];
    for (const [name, value, text] of cases) {
      const obj = await env.BUCKET.put(`types/${name}`, value);
      assert.strictEqual(obj.size, text.length, name);
      assert.strictEqual(obj.etag, text === '' ? MD5_EMPTY : MD5_HELLO, name);
      assert.strictEqual(await (await env.BUCKET.get(`types/${name}`)).text(), text, name);
    }
    await assert.rejects(env.BUCKET.put('types/bad', { a: 1 }), typeError("Failed to execute 'put' on " +
      "'R2Bucket': parameter 2 is not of type 'ReadableStream or ArrayBuffer or ArrayBufferView or string or Blob'."));
    await assert.rejects(env.BUCKET.put('types/bad', 42), { name: 'TypeError' });
    await assert.rejects(env.BUCKET.put('types/bad', new ReadableStream({ start(c) { c.enqueue('text'); c.close(); } })),
      typeError('This ReadableStream did not return bytes.'));
    assert.strictEqual(await env.BUCKET.head('types/bad'), null);
  },
};

export const bodies = {
  async test(ctrl, env) {
    await env.BUCKET.put('body/json', '{"a":[1,2]}', { httpMetadata: { contentType: 'application/json' } });
    const reads = {
      text: async (o) => o.text(),
      json: async (o) => JSON.stringify(await o.json()),
      arrayBuffer: async (o) => new TextDecoder().decode(await o.arrayBuffer()),
      bytes: async (o) => new TextDecoder().decode(await o.bytes()),
      blob: async (o) => { const b = await o.blob(); assert.strictEqual(b.type, 'application/json'); return b.text(); },
      body: async (o) => new Response(o.body).text(),
    };
    for (const [name, read] of Object.entries(reads)) {
      const obj = await env.BUCKET.get('body/json');
      assert.strictEqual(Object.prototype.toString.call(obj), '[object R2ObjectBody]');
      assert.ok(obj.body instanceof ReadableStream);
      assert.strictEqual(obj.bodyUsed, false, name);
      assert.strictEqual(await read(obj), '{"a":[1,2]}', name);
      assert.strictEqual(obj.bodyUsed, true, name);
      await assert.rejects(obj.text(), typeError('Body has already been used. It can only be used once. ' +
        'Use tee() first if you need to read it twice.'));
    }
    // An unread body can be left alone (its file is closed when it is collected) or canceled.
    const unread = await env.BUCKET.get('body/json');
    await unread.body.cancel();
    assert.strictEqual(unread.bodyUsed, true);
  },
};

// Large bodies stream both ways: a put from a stream of 80 chunks, a get read from the file in
// 64 KiB pieces.
export const largeStreamedBodies = {
  async test(ctrl, env) {
    const chunk = 64 * 1024;
    const data = pattern(80 * chunk + 123);
    let offset = 0;
    const source = new ReadableStream({
      pull(controller) {
        if (offset >= data.length) return controller.close();
        controller.enqueue(data.slice(offset, offset + chunk));
        offset += chunk;
      },
    });
    const streamed = await env.BUCKET.put('large/streamed', source);
    const buffered = await env.BUCKET.put('large/buffered', data);
    assert.strictEqual(streamed.size, data.length);
    assert.strictEqual(streamed.etag, buffered.etag);
    assert.match(streamed.etag, /^[0-9a-f]{32}$/);

    const got = await env.BUCKET.get('large/streamed');
    const reader = got.body.getReader();
    let pieces = 0;
    let total = 0;
    let same = true;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      assert.ok(value.length <= chunk);
      for (let i = 0; i < value.length && same; i++) same = value[i] === data[total + i];
      total += value.length;
      pieces++;
    }
    assert.strictEqual(total, data.length);
    assert.ok(same, 'the bytes read back differ');
    assert.ok(pieces >= 81, `read in ${pieces} pieces`);
  },
};

export const ranges = {
  async test(ctrl, env) {
    await env.BUCKET.put('range/digits', '0123456789');
    const read = async (range) => {
      const obj = await env.BUCKET.get('range/digits', { range });
      return [await obj.text(), obj.range];
    };
    assert.deepStrictEqual(await read({ offset: 3 }), ['3456789', { offset: 3, length: 7 }]);
    assert.deepStrictEqual(await read({ offset: 2, length: 3 }), ['234', { offset: 2, length: 3 }]);
    assert.deepStrictEqual(await read({ length: 4 }), ['0123', { offset: 0, length: 4 }]);
    assert.deepStrictEqual(await read({ offset: 8, length: 100 }), ['89', { offset: 8, length: 2 }]);
    assert.deepStrictEqual(await read({ suffix: 3 }), ['789', { offset: 7, length: 3 }]);
    assert.deepStrictEqual(await read({ suffix: 30 }), ['0123456789', { offset: 0, length: 10 }]);
    assert.deepStrictEqual(await read(new Headers({ range: 'bytes=2-4' })), ['234', { offset: 2, length: 3 }]);
    assert.deepStrictEqual(await read(new Headers({ range: 'bytes=-2' })), ['89', { offset: 8, length: 2 }]);
    assert.deepStrictEqual(await read(new Headers({ range: 'bytes=7-' })), ['789', { offset: 7, length: 3 }]);
    // Several ranges, or a malformed one: the whole object.
    assert.deepStrictEqual(await read(new Headers({ range: 'bytes=0-1,3-4' })), ['0123456789', { offset: 0, length: 10 }]);
    assert.deepStrictEqual(await read(new Headers({ range: 'lines=1-2' })), ['0123456789', { offset: 0, length: 10 }]);
    const full = await env.BUCKET.get('range/digits');
    assert.deepStrictEqual(full.range, { offset: 0, length: 10 });

    const get = (range) => env.BUCKET.get('range/digits', { range });
    await assert.rejects(get({ offset: -1 }), rangeError('Invalid range. Starting offset (-1) must be greater than or equal to 0.'));
    await assert.rejects(get({ offset: 1.5 }), rangeError('Invalid range. Starting offset (1.5) must be an integer, not floating point.'));
    await assert.rejects(get({ length: -2 }), rangeError('Invalid range. Length (-2) must be greater than or equal to 0.'));
    await assert.rejects(get({ length: 0.5 }), rangeError('Invalid range. Length (0.5) must be an integer, not floating point.'));
    await assert.rejects(get({ suffix: -1 }), rangeError('Invalid suffix. Suffix (-1) must be greater than or equal to 0.'));
    await assert.rejects(get({ offset: 1, suffix: 2 }), typeError('Suffix is incompatible with offset.'));
    await assert.rejects(get({ length: 1, suffix: 2 }), typeError('Suffix is incompatible with length.'));
    const unsatisfiable = r2('get', 'The requested range is not satisfiable', 10039);
    await assert.rejects(get({ offset: 11 }), unsatisfiable);
    await assert.rejects(get({ offset: 2, length: 0 }), unsatisfiable);
    await assert.rejects(get({ suffix: 0 }), unsatisfiable);
  },
};

export const httpMetadata = {
  async test(ctrl, env) {
    const expiry = new Date('2030-01-02T03:04:05Z');
    const put = await env.BUCKET.put('http/object', 'x', {
      httpMetadata: {
        contentType: 'text/html', contentLanguage: 'fr', contentDisposition: 'inline',
        contentEncoding: 'identity', cacheControl: 'no-store', cacheExpiry: expiry,
      },
    });
    const got = await env.BUCKET.get('http/object');
    for (const o of [put, got]) {
      assert.strictEqual(o.httpMetadata.contentType, 'text/html');
      assert.ok(o.httpMetadata.cacheExpiry instanceof Date);
      assert.strictEqual(o.httpMetadata.cacheExpiry.getTime(), expiry.getTime());
      const headers = new Headers({ 'x-kept': '1', 'content-type': 'old' });
      o.writeHttpMetadata(headers);
      assert.deepStrictEqual([...headers], [
        ['cache-control', 'no-store'], ['content-disposition', 'inline'], ['content-encoding', 'identity'],
        ['content-language', 'fr'], ['content-type', 'text/html'], ['expires', 'Wed, 02 Jan 2030 03:04:05 GMT'],
        ['x-kept', '1'],
      ]);
    }
    // From Headers, as a request's or response's.
    const fromHeaders = await env.BUCKET.put('http/from-headers', 'x', {
      httpMetadata: new Headers({ 'Content-Type': 'image/png', 'Cache-Control': 'public', Expires: 'Wed, 02 Jan 2030 03:04:05 GMT', 'X-Other': 'dropped' }),
    });
    assert.deepStrictEqual(fromHeaders.httpMetadata, { contentType: 'image/png', cacheControl: 'public', cacheExpiry: expiry });
    assert.deepStrictEqual((await env.BUCKET.head('http/from-headers')).httpMetadata,
      { contentType: 'image/png', cacheControl: 'public', cacheExpiry: expiry });
    assert.throws(() => put.writeHttpMetadata({}), typeError("Failed to execute 'writeHttpMetadata' on 'R2Object': parameter 1 is not of type 'Headers'."));
  },
};

export const customMetadataLimit = {
  async test(ctrl, env) {
    // 2048 bytes: keys plus values, one byte per Latin-1 character, two per character when a
    // string has any character beyond Latin-1.
    await env.BUCKET.put('meta/fits', 'x', { customMetadata: { k: 'v'.repeat(2047) } });
    const tooLarge = r2('put', 'Your metadata headers exceed the maximum allowed metadata size.', 10012);
    await assert.rejects(env.BUCKET.put('meta/big', 'x', { customMetadata: { k: 'v'.repeat(2048) } }), tooLarge);
    await assert.rejects(env.BUCKET.put('meta/big', 'x', { customMetadata: { a: '\u0100'.repeat(1024) } }), tooLarge);
    await env.BUCKET.put('meta/latin1', 'x', { customMetadata: { a: 'é'.repeat(2047) } });
    assert.strictEqual(await env.BUCKET.head('meta/big'), null);
    assert.strictEqual((await env.BUCKET.head('meta/fits')).customMetadata.k.length, 2047);
  },
};

export const checksums = {
  async test(ctrl, env) {
    const withMd5 = await env.BUCKET.put('sum/md5', 'hello world', { md5: MD5_HELLO.toUpperCase() });
    assert.strictEqual(withMd5.etag, MD5_HELLO);
    await env.BUCKET.put('sum/md5-bytes', 'hello world', { md5: new Uint8Array(MD5_HELLO.match(/../g).map((h) => parseInt(h, 16))) });
    await assert.rejects(env.BUCKET.put('sum/md5', 'changed', { md5: MD5_HELLO }), r2('put',
      'The MD5 checksum you specified did not match what we received.\n' +
      `You provided a MD5 checksum with value: ${MD5_HELLO}\n` +
      'Actual MD5 was: 8977dfac2f8e04cb96e66882235f5aba', 10037));
    assert.strictEqual(await (await env.BUCKET.get('sum/md5')).text(), 'hello world');
    const sha = await env.BUCKET.put('sum/sha256', 'hello world', { sha256: SHA256_HELLO });
    assert.strictEqual(hex(sha.checksums.sha256), SHA256_HELLO);
    assert.deepStrictEqual(sha.checksums.toJSON(), { md5: MD5_HELLO, sha256: SHA256_HELLO });
    assert.deepStrictEqual((await env.BUCKET.head('sum/sha256')).checksums.toJSON(), { md5: MD5_HELLO, sha256: SHA256_HELLO });
    await assert.rejects(env.BUCKET.put('sum/sha1', 'hello world', { sha1: '0'.repeat(40) }),
      { message: /^put: The SHA-1 checksum you specified did not match what we received\.\nYou provided a SHA-1 checksum with value: 0{40}\nActual SHA-1 was: 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed \(10037\)$/ });
    await assert.rejects(env.BUCKET.put('sum/x', 'x', { md5: 'abc' }), typeError('MD5 is 32 hex characters, not 3'));
    await assert.rejects(env.BUCKET.put('sum/x', 'x', { md5: 'g'.repeat(32) }), typeError("Provided MD5 wasn't a valid hex string"));
    await assert.rejects(env.BUCKET.put('sum/x', 'x', { md5: new Uint8Array(3) }), typeError('MD5 is 16 bytes, not 3'));
    await assert.rejects(env.BUCKET.put('sum/x', 'x', { sha512: 'a'.repeat(10) }), typeError('SHA-512 is 128 hex characters, not 10'));
    await assert.rejects(env.BUCKET.put('sum/x', 'x', { md5: MD5_HELLO, sha1: '0'.repeat(40) }),
      typeError('You cannot specify multiple hashing algorithms.'));
    assert.strictEqual(await env.BUCKET.head('sum/x'), null);
  },
};

export const conditionalGet = {
  async test(ctrl, env) {
    const obj = await env.BUCKET.put('cond/get', 'hello world');
    const get = (onlyIf) => env.BUCKET.get('cond/get', { onlyIf });
    const hasBody = (o) => o !== null && 'body' in o;
    assert.ok(hasBody(await get({ etagMatches: obj.etag })));
    assert.ok(hasBody(await get({ etagMatches: '*' })));
    // A failed precondition gives the object without its body.
    const failed = await get({ etagMatches: 'nope' });
    assert.strictEqual(Object.prototype.toString.call(failed), '[object R2Object]');
    assert.strictEqual(failed.etag, obj.etag);
    assert.ok(!hasBody(failed));
    assert.ok(!hasBody(await get({ etagDoesNotMatch: obj.etag })));
    assert.ok(hasBody(await get({ etagDoesNotMatch: 'other' })));
    assert.ok(hasBody(await get({ uploadedBefore: new Date(Date.now() + 60000) })));
    assert.ok(!hasBody(await get({ uploadedBefore: new Date(obj.uploaded.getTime() - 60000) })));
    assert.ok(hasBody(await get({ uploadedAfter: new Date(obj.uploaded.getTime() - 60000) })));
    assert.ok(!hasBody(await get({ uploadedAfter: new Date(Date.now() + 60000) })));
    // Headers: If-None-Match (a list, weak tags match too), If-Match.
    assert.ok(!hasBody(await get(new Headers({ 'if-none-match': `"x", W/"${obj.etag}"` }))));
    assert.ok(hasBody(await get(new Headers({ 'if-none-match': '"x", "y"' }))));
    assert.ok(hasBody(await get(new Headers({ 'if-match': `"${obj.etag}"` }))));
    assert.ok(!hasBody(await get(new Headers({ 'if-match': '"other"' }))));
    await assert.rejects(get({ etagMatches: `"${obj.etag}"` }),
      typeError(`Conditional ETag should not be wrapped in quotes ("${obj.etag}").`));
    await assert.rejects(get(new Headers({ 'if-match': '"unclosed' })), { message: 'Unclosed double quote for Etag' });
    // No object: null whatever the condition.
    assert.strictEqual(await env.BUCKET.get('cond/missing', { onlyIf: { etagMatches: 'x' } }), null);
  },
};

export const conditionalPut = {
  async test(ctrl, env) {
    const first = await env.BUCKET.put('cond/put', 'one');
    // A failed precondition: null, and the object is unchanged.
    assert.strictEqual(await env.BUCKET.put('cond/put', 'two', { onlyIf: { etagMatches: 'nope' } }), null);
    assert.strictEqual(await (await env.BUCKET.get('cond/put')).text(), 'one');
    const second = await env.BUCKET.put('cond/put', 'two', { onlyIf: { etagMatches: first.etag } });
    assert.strictEqual(second.size, 3);
    // Create-only: If-None-Match: *.
    assert.strictEqual(await env.BUCKET.put('cond/put', 'three', { onlyIf: new Headers({ 'if-none-match': '*' }) }), null);
    assert.ok(await env.BUCKET.put('cond/new', 'created', { onlyIf: { etagDoesNotMatch: '*' } }));
    assert.strictEqual(await env.BUCKET.put('cond/new', 'again', { onlyIf: { etagDoesNotMatch: '*' } }), null);
    assert.strictEqual(await (await env.BUCKET.get('cond/new')).text(), 'created');
    // etagMatches on a missing object fails.
    assert.strictEqual(await env.BUCKET.put('cond/absent', 'x', { onlyIf: { etagMatches: '*' } }), null);
    assert.strictEqual(await env.BUCKET.head('cond/absent'), null);
  },
};

export const failedPutKeepsTheOldObject = {
  async test(ctrl, env) {
    await env.BUCKET.put('keep/me', 'old');
    let pulls = 0;
    const failing = new ReadableStream({
      pull(controller) {
        if (pulls++ < 3) controller.enqueue(new Uint8Array(1000));
        else controller.error(new Error('the source broke'));
      },
    });
    await assert.rejects(env.BUCKET.put('keep/me', failing), { message: 'the source broke' });
    assert.strictEqual(await (await env.BUCKET.get('keep/me')).text(), 'old');
    // A stream given to a put that fails before reading it is canceled.
    let canceled = null;
    const unread = new ReadableStream({ cancel(reason) { canceled = reason; } });
    await assert.rejects(env.BUCKET.put('k'.repeat(1025), unread), { message: /^put: The specified object name is not valid/ });
    assert.strictEqual(canceled?.message, 'Stream cancelled because the associated put operation encountered an error.');
  },
};

export const deleteObjects = {
  async test(ctrl, env) {
    for (const k of ['del/a', 'del/b', 'del/c']) await env.BUCKET.put(k, k);
    assert.strictEqual(await env.BUCKET.delete('del/a'), undefined);
    assert.strictEqual(await env.BUCKET.head('del/a'), null);
    await env.BUCKET.delete(['del/b', 'del/c', 'del/never']);
    assert.deepStrictEqual((await env.BUCKET.list({ prefix: 'del/' })).objects, []);
  },
};

export const keyNames = {
  async test(ctrl, env) {
    const longest = 'k'.repeat(1022) + 'é';
    await env.BUCKET.put(longest, 'v');
    assert.strictEqual(await (await env.BUCKET.get(longest)).text(), 'v');
    const tooLong = 'k'.repeat(1023) + 'é';
    for (const [action, call] of [['get', (k) => env.BUCKET.get(k)], ['head', (k) => env.BUCKET.head(k)],
      ['put', (k) => env.BUCKET.put(k, 'v')], ['delete', (k) => env.BUCKET.delete([k])]]) {
      await assert.rejects(call(tooLong), r2(action, 'The specified object name is not valid.', 10020));
    }
  },
};

export const listing = {
  async test(ctrl, env) {
    const B = env.LISTING;
    const keys = ['a', 'b/1', 'b/2', 'b/c/3', 'b/d/4', 'c', 'é', '\uFF5A', '\u{1F600}'];
    for (const k of keys) {
      await B.put(k, k, { httpMetadata: { contentType: 'text/plain' }, customMetadata: { k } });
    }
    const names = (r) => r.objects.map((o) => o.key);
    const all = await B.list();
    assert.deepStrictEqual(names(all), keys);
    assert.strictEqual(all.truncated, false);
    assert.strictEqual('cursor' in all, false);
    assert.deepStrictEqual(all.delimitedPrefixes, []);
    // Metadata only when asked for.
    assert.strictEqual(all.objects[0].httpMetadata, undefined);
    assert.strictEqual(all.objects[0].customMetadata, undefined);
    assert.throws(() => all.objects[0].writeHttpMetadata(new Headers()), typeError("HTTP metadata unknown for key `a`. " +
      "Did you forget to add 'httpMetadata' to `include` when listing?"));
    const withMeta = await B.list({ include: ['httpMetadata', 'customMetadata'], limit: 1 });
    assert.deepStrictEqual(withMeta.objects[0].httpMetadata, { contentType: 'text/plain' });
    assert.deepStrictEqual(withMeta.objects[0].customMetadata, { k: 'a' });
    const onlyCustom = await B.list({ include: ['customMetadata'], limit: 1 });
    assert.strictEqual(onlyCustom.objects[0].httpMetadata, undefined);
    assert.deepStrictEqual(onlyCustom.objects[0].customMetadata, { k: 'a' });
    assert.strictEqual(all.objects[0].size, 1);
    assert.strictEqual(all.objects[0].range, undefined);

    assert.deepStrictEqual(names(await B.list({ prefix: 'b/' })), ['b/1', 'b/2', 'b/c/3', 'b/d/4']);
    assert.deepStrictEqual(names(await B.list({ startAfter: 'b/c/3' })), ['b/d/4', 'c', 'é', '\uFF5A', '\u{1F600}']);

    // Delimiters: "directories" come back as delimitedPrefixes, each once.
    const top = await B.list({ delimiter: '/' });
    assert.deepStrictEqual(names(top), ['a', 'c', 'é', '\uFF5A', '\u{1F600}']);
    assert.deepStrictEqual(top.delimitedPrefixes, ['b/']);
    const inB = await B.list({ prefix: 'b/', delimiter: '/' });
    assert.deepStrictEqual(names(inB), ['b/1', 'b/2']);
    assert.deepStrictEqual(inB.delimitedPrefixes, ['b/c/', 'b/d/']);

    // Pages: objects and prefixes count towards the limit; the cursor skips a whole prefix.
    const pages = [];
    let cursor;
    for (;;) {
      const page = await B.list({ delimiter: '/', limit: 2, cursor });
      pages.push([...names(page), ...page.delimitedPrefixes.map((p) => `[${p}]`)]);
      if (!page.truncated) {
        assert.strictEqual(page.cursor, undefined);
        break;
      }
      cursor = page.cursor;
    }
    assert.deepStrictEqual(pages, [['a', '[b/]'], ['c', 'é'], ['\uFF5A', '\u{1F600}']]);
    const plainPages = [];
    cursor = undefined;
    do {
      const page = await B.list({ limit: 4, cursor });
      plainPages.push(names(page));
      cursor = page.cursor;
    } while (cursor !== undefined);
    assert.deepStrictEqual(plainPages, [keys.slice(0, 4), keys.slice(4, 8), keys.slice(8)]);

    const maxKeys = r2('list', 'MaxKeys params must be positive integer <= 1000.', 10022);
    await assert.rejects(B.list({ limit: 0 }), maxKeys);
    await assert.rejects(B.list({ limit: 1001 }), maxKeys);
    await assert.rejects(B.list({ include: ['everything'] }), rangeError('Unsupported include value everything'));
    assert.strictEqual(storageIntegrityCheck('r2/r2-listing/meta.sqlite'), 'ok');
  },
};

export const listDefaultLimitIs1000 = {
  async test(ctrl, env) {
    for (let i = 0; i < 1001; i++) await env.BUCKET.put(`thousand/${String(i).padStart(4, '0')}`, '');
    const page = await env.BUCKET.list({ prefix: 'thousand/' });
    assert.strictEqual(page.objects.length, 1000);
    assert.strictEqual(page.truncated, true);
    const rest = await env.BUCKET.list({ prefix: 'thousand/', cursor: page.cursor });
    assert.deepStrictEqual(rest.objects.map((o) => o.key), ['thousand/1000']);
  },
};

export const bindingsWithOneBucketShareObjects = {
  async test(ctrl, env) {
    await env.BUCKET.put('shared', 'from BUCKET');
    assert.strictEqual(await (await env.SAME.get('shared')).text(), 'from BUCKET');
    assert.strictEqual(await env.LISTING.head('shared'), null);
    assert.strictEqual(storageIntegrityCheck('r2/r2-test/meta.sqlite'), 'ok');
  },
};

export const webIdlShape = {
  async test(ctrl, env) {
    assert.strictEqual(Object.prototype.toString.call(env.BUCKET), '[object R2Bucket]');
    assert.deepStrictEqual(Object.keys(Object.getPrototypeOf(env.BUCKET)), ['head', 'get', 'put', 'delete', 'list']);
    assert.throws(() => new env.BUCKET.constructor(), typeError('Illegal constructor'));
    await assert.rejects(env.BUCKET.head.call({}, 'k'), typeError('Illegal invocation'));
    await assert.rejects(env.BUCKET.get(), typeError("Failed to execute 'get' on 'R2Bucket': 1 argument required, but only 0 present."));
    const obj = await env.BUCKET.put('shape', 'x');
    assert.deepStrictEqual(Object.keys(obj), ['key', 'version', 'size', 'etag', 'httpEtag', 'checksums',
      'uploaded', 'httpMetadata', 'customMetadata', 'range', 'storageClass', 'ssecKeyMd5']);
    assert.throws(() => { obj.key = 'other'; }, TypeError);
    assert.throws(() => new obj.constructor(), typeError('Illegal constructor'));
    const body = await env.BUCKET.get('shape');
    assert.ok(body instanceof obj.constructor);
    assert.throws(() => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(body), 'bodyUsed').get.call(obj),
      typeError('Illegal invocation'));
    await body.text();
  },
};

export const notSendableToDynamicWorkers = {
  async test(ctrl, env) {
    const code = { compatibilityDate: '2025-01-01', mainModule: 'main.js',
      modules: { 'main.js': 'export default { fetch() { return new Response("x"); } };' } };
    assert.throws(() => env.LOADER.load({ ...code, env: { BUCKET: env.BUCKET } }), {
      name: 'DataCloneError',
      message: 'Could not serialize object of type "R2Bucket". This type does not support serialization.',
    });
  },
};
