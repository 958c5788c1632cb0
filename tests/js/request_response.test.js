// Request and Response (WHATWG Fetch, as Cloudflare Workers has them): construction and
// validation, body extraction and Content-Type defaults, the Body mixin and its used/locked
// errors, clone() independence, Request-from-Request body transfer, the static Response
// constructors, Web IDL shape, and robustness against patched built-ins.

import assert from 'node:assert';

const URL_A = 'https://example.com/a';

function streamOf(...chunks) {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function readStream(stream) {
  const reader = stream.getReader();
  let text = '';
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

const USED = /Body has already been used/;

// ---------------------------------------------------------------------------------------------
// Request: URL, method, init members

export const requestUrl = {
  async test() {
    assert.strictEqual(new Request('https://EXAMPLE.com:443/a/../b?q=1#frag').url, 'https://example.com/b?q=1#frag');
    assert.strictEqual(new Request('about:blank').url, 'about:blank');
    assert.strictEqual(new Request(new URL('http://x.test/p')).url, 'http://x.test/p');
    assert.strictEqual(new Request({ toString: () => 'http://y.test' }).url, 'http://y.test/');
    for (const relative of ['', '/path', 'path', '//host/x', '?q', '#f']) {
      assert.throws(() => new Request(relative), /Invalid URL/, JSON.stringify(relative));
    }
    assert.throws(() => new Request('http://[::1'), TypeError);
    assert.throws(() => new Request('https://user:pass@example.com/'), /credentials/);
    assert.throws(() => new Request('https://user@example.com/'), /credentials/);
    assert.throws(() => new Request(), /1 argument required, but only 0 present/);
  },
};

// Request URLs that skip the parser (isNormalizedHttpURL) must come out as the parser gives
// them: the quick check may only say yes to URLs the parser returns unchanged.
export const requestUrlQuickCheckAgreesWithParser = {
  async test() {
    const urls = [
      'http://example.com/', 'https://example.com/', 'https://example.com:443/', 'http://example.com:80/',
      'https://example.com:80/a', 'http://example.com:443/a', 'https://example.com:08443/', 'https://example.com:65536/',
      'https://a.b-c.example:8443/p/q?x=1&y=%20', 'https://EXAMPLE.com/', 'https://xn--nxasmq6b.example/',
      'https://example.xn--nxasmq6b/', 'https://1.2.3.4/', 'https://01.2.3.4/', 'https://1.2.3/', 'https://256.1.1.1/',
      'https://1.2.3.4.5/', 'https://example.123/', 'https://example.com/./a', 'https://example.com/a/../b',
      'https://example.com/%2e%2E/b', 'https://example.com/a b', 'https://example.com/a?b c', "https://example.com/?'",
      'https://example.com/a#f', 'https://example.com', 'https://example.com?q', 'https://.example.com/',
      'https://example..com/', 'https:/example.com/', 'https://example.com/\\x', 'https://ex_ample.com/',
      'https://example.com/é', 'HTTPS://example.com/', 'httpss://example.com/', 'https://[::1]:8443/',
    ];
    for (const u of urls) {
      let expected;
      try {
        expected = new URL(u).href;
      } catch {
        assert.throws(() => new Request(u), TypeError, u);
        continue;
      }
      assert.strictEqual(new Request(u).url, expected, u);
    }
  },
};

export const requestDefaults = {
  async test() {
    const req = new Request(URL_A);
    assert.strictEqual(req.method, 'GET');
    assert.strictEqual(req.url, URL_A);
    assert.ok(req.headers instanceof Headers);
    assert.deepStrictEqual([...req.headers], []);
    assert.strictEqual(req.body, null);
    assert.strictEqual(req.bodyUsed, false);
    assert.strictEqual(req.redirect, 'follow');
    assert.strictEqual(req.destination, '');
    assert.strictEqual(req.referrer, 'about:client');
    assert.strictEqual(req.referrerPolicy, '');
    assert.strictEqual(req.mode, 'cors');
    assert.strictEqual(req.credentials, 'same-origin');
    assert.strictEqual(req.cache, 'default');
    assert.strictEqual(req.integrity, '');
    assert.strictEqual(req.keepalive, false);
    assert.strictEqual(req.isReloadNavigation, false);
    assert.strictEqual(req.isHistoryNavigation, false);
    assert.strictEqual(req.duplex, 'half');
    assert.ok(req.signal instanceof AbortSignal);
    assert.strictEqual(req.signal.aborted, false);
    assert.strictEqual(req.cf, undefined);
    assert.strictEqual(req.headers, req.headers, 'the same Headers object each time');
    assert.strictEqual(await req.text(), '');
  },
};

export const requestMethods = {
  async test() {
    for (const [input, expected] of [['get', 'GET'], ['Post', 'POST'], ['delete', 'DELETE'],
      ['head', 'HEAD'], ['options', 'OPTIONS'], ['put', 'PUT'], ['patch', 'patch'],
      ['PATCH', 'PATCH'], ['FoO', 'FoO'], ['M-SEARCH', 'M-SEARCH']]) {
      assert.strictEqual(new Request(URL_A, { method: input }).method, expected, input);
    }
    for (const method of ['CONNECT', 'connect', 'TRACE', 'trace', 'TRACK', 'TrAcK']) {
      assert.throws(() => new Request(URL_A, { method }), /unsupported/, method);
    }
    for (const method of ['', 'GET POST', 'a:b', 'b\u00e9', '(get)']) {
      assert.throws(() => new Request(URL_A, { method }), TypeError, JSON.stringify(method));
    }
    assert.throws(() => new Request(URL_A, { method: '\u0100' }), TypeError);
  },
};

export const requestGetHeadCannotHaveBody = {
  async test() {
    for (const method of ['GET', 'HEAD', 'get', 'head']) {
      assert.throws(() => new Request(URL_A, { method, body: 'x' }), /GET or HEAD/, method);
      assert.throws(() => new Request(URL_A, { method, body: '' }), /GET or HEAD/, method);
      new Request(URL_A, { method, body: null });
      new Request(URL_A, { method, body: undefined });
    }
    assert.throws(() => new Request(URL_A, { body: 'implicit GET' }), TypeError);
    // Changing a POST with a body to GET is also rejected.
    const post = new Request(URL_A, { method: 'POST', body: 'x' });
    assert.throws(() => new Request(post, { method: 'GET' }), TypeError);
  },
};

export const requestEnums = {
  async test() {
    const req = new Request(URL_A, {
      redirect: 'manual', cache: 'no-store', credentials: 'include', mode: 'same-origin',
      referrerPolicy: 'no-referrer', integrity: 'sha256-abc', keepalive: true, priority: 'high',
    });
    assert.strictEqual(req.redirect, 'manual');
    assert.strictEqual(req.cache, 'no-store');
    assert.strictEqual(req.credentials, 'include');
    assert.strictEqual(req.mode, 'same-origin');
    assert.strictEqual(req.referrerPolicy, 'no-referrer');
    assert.strictEqual(req.integrity, 'sha256-abc');
    assert.strictEqual(req.keepalive, true);
    for (const [member, value] of [['redirect', 'follows'], ['cache', 'none'], ['credentials', 'all'],
      ['mode', 'no-such'], ['referrerPolicy', 'bogus'], ['priority', 'urgent'], ['duplex', 'full']]) {
      assert.throws(() => new Request(URL_A, { [member]: value }), /not a valid enum value/, member);
    }
    assert.throws(() => new Request(URL_A, { mode: 'navigate' }), /navigate/);
    assert.throws(() => new Request(URL_A, { cache: 'only-if-cached' }), /only-if-cached/);
    new Request(URL_A, { cache: 'only-if-cached', mode: 'same-origin' });
    assert.throws(() => new Request(URL_A, { window: {} }), TypeError);
    new Request(URL_A, { window: null });
    assert.throws(() => new Request(URL_A, 'init'), TypeError);
    new Request(URL_A, null);
  },
};

export const requestInitReadInOrder = {
  async test() {
    const read = [];
    const init = new Proxy({}, { get(target, key) { if (typeof key === 'string') read.push(key); return undefined; } });
    new Request(URL_A, init);
    assert.deepStrictEqual(read, ['body', 'cache', 'cf', 'credentials', 'duplex', 'headers',
      'integrity', 'keepalive', 'method', 'mode', 'priority', 'redirect', 'referrer',
      'referrerPolicy', 'signal', 'window']);
  },
};

export const requestReferrer = {
  async test() {
    assert.strictEqual(new Request(URL_A, { referrer: '' }).referrer, '');
    // A worker has no origin, so a referrer URL is never same-origin: "about:client".
    assert.strictEqual(new Request(URL_A, { referrer: 'https://example.com/page' }).referrer, 'about:client');
    assert.strictEqual(new Request(URL_A, { referrer: 'about:client' }).referrer, 'about:client');
    assert.throws(() => new Request(URL_A, { referrer: '/relative' }), TypeError);
    // Any init member resets the referrer of a Request made from a Request.
    const noReferrer = new Request(URL_A, { referrer: '' });
    assert.strictEqual(new Request(noReferrer).referrer, '');
    assert.strictEqual(new Request(noReferrer, { method: 'GET' }).referrer, 'about:client');
  },
};

export const requestSignal = {
  async test() {
    const controller = new AbortController();
    const req = new Request(URL_A, { signal: controller.signal });
    assert.notStrictEqual(req.signal, controller.signal, 'a new signal that follows the given one');
    assert.strictEqual(req.signal.aborted, false);
    const copy = new Request(req);
    const clone = req.clone();
    controller.abort('why');
    assert.strictEqual(req.signal.aborted, true);
    assert.strictEqual(req.signal.reason, 'why');
    assert.strictEqual(copy.signal.aborted, true);
    assert.strictEqual(clone.signal.aborted, true);
    assert.strictEqual(new Request(URL_A, { signal: AbortSignal.abort('r') }).signal.reason, 'r');
    // null means no signal to follow, even for a Request made from an aborted one.
    assert.strictEqual(new Request(req, { signal: null }).signal.aborted, false);
    assert.throws(() => new Request(URL_A, { signal: {} }), /AbortSignal/);
    assert.throws(() => new Request(URL_A, { signal: new EventTarget() }), TypeError);
  },
};

export const requestCf = {
  async test() {
    const cf = { cacheTtl: 5, nested: { a: [1] } };
    const req = new Request(URL_A, { cf });
    assert.deepStrictEqual(req.cf, cf);
    const copy = new Request(req);
    assert.deepStrictEqual(copy.cf, cf);
    const clone = req.clone();
    assert.deepStrictEqual(clone.cf, cf);
    clone.cf.nested.a.push(2);
    assert.deepStrictEqual(req.cf.nested.a, [1], 'clones do not share cf');
    assert.deepStrictEqual(new Request(req, { cf: { other: true } }).cf, { other: true });
  },
};

export const requestHeaders = {
  async test() {
    const req = new Request(URL_A, { headers: { 'X-A': '1' } });
    assert.strictEqual(req.headers.get('x-a'), '1');
    req.headers.set('X-B', '2');  // request headers are mutable
    const copy = new Request(req);
    assert.strictEqual(copy.headers.get('x-b'), '2');
    copy.headers.set('x-a', 'changed');
    assert.strictEqual(req.headers.get('x-a'), '1', 'headers are copied');
    // init.headers replaces the input's headers entirely.
    const replaced = new Request(req, { headers: [['x-c', '3']] });
    assert.deepStrictEqual([...replaced.headers], [['x-c', '3']]);
    const fromHeaders = new Request(URL_A, { headers: req.headers });
    assert.deepStrictEqual([...fromHeaders.headers], [...req.headers]);
    assert.throws(() => new Request(URL_A, { headers: [['a']] }), TypeError);
    assert.throws(() => new Request(URL_A, { headers: 'a: b' }), TypeError);
  },
};

// ---------------------------------------------------------------------------------------------
// body extraction

export const bodyContentTypes = {
  async test() {
    const fd = new FormData();
    fd.append('a', 'b');
    const cases = [
      ['text', 'text/plain;charset=UTF-8'],
      [new ArrayBuffer(2), null],
      [new Uint8Array([1, 2]), null],
      [new DataView(new ArrayBuffer(1)), null],
      [new Blob(['x'], { type: 'Image/PNG' }), 'image/png'],
      [new Blob(['x']), null],
      [new URLSearchParams('a=1'), 'application/x-www-form-urlencoded;charset=UTF-8'],
      [streamOf('x'), null],
      [{ toString: () => 'obj' }, 'text/plain;charset=UTF-8'],
      [42, 'text/plain;charset=UTF-8'],
    ];
    for (const [body, type] of cases) {
      assert.strictEqual(new Response(body).headers.get('content-type'), type, String(body));
      const req = new Request(URL_A, { method: 'POST', body });
      assert.strictEqual(req.headers.get('content-type'), type, String(body));
    }
    assert.match(new Response(fd).headers.get('content-type'), /^multipart\/form-data; boundary=/);
    // An explicit Content-Type is kept.
    assert.strictEqual(new Response('x', { headers: { 'Content-Type': 'text/html' } }).headers.get('content-type'), 'text/html');
    const req = new Request(URL_A, { method: 'POST', body: 'x', headers: [['content-type', 'a/b']] });
    assert.deepStrictEqual(req.headers.getSetCookie(), []);
    assert.strictEqual(req.headers.get('Content-Type'), 'a/b');
  },
};

export const bodyContents = {
  async test() {
    const u8 = new Uint8Array([104, 105, 33]);
    assert.strictEqual(await new Response('h\u00e9').text(), 'h\u00e9');
    assert.strictEqual(await new Response(u8).text(), 'hi!');
    assert.strictEqual(await new Response(u8.buffer).text(), 'hi!');
    assert.strictEqual(await new Response(new Uint16Array(u8.buffer, 0, 1)).text(), 'hi');
    assert.strictEqual(await new Response(new Blob(['b', 'lob'])).text(), 'blob');
    assert.strictEqual(await new Response(new URLSearchParams({ q: 'a b&c' })).text(), 'q=a+b%26c');
    assert.strictEqual(await new Response(streamOf('str', 'eam')).text(), 'stream');
    assert.strictEqual(await new Response('a\uD800b').text(), 'a\uFFFDb');
    assert.strictEqual(await new Response(null).text(), '');
    assert.strictEqual(await new Response(undefined).text(), '');
    assert.strictEqual(new Response(undefined).body, null);
    // Buffer bodies are copied when the Response is made.
    const bytes = new Uint8Array([97]);
    const res = new Response(bytes);
    bytes[0] = 98;
    assert.strictEqual(await res.text(), 'a');
    assert.throws(() => new Response(new SharedArrayBuffer(1)), TypeError);
  },
};

export const bodyStreamRules = {
  async test() {
    const stream = streamOf('x');
    const res = new Response(stream);
    assert.strictEqual(res.body, stream, 'a ReadableStream body is used as is');
    const locked = streamOf('y');
    locked.getReader();
    assert.throws(() => new Response(locked), TypeError);
    const disturbed = streamOf('z');
    const reader = disturbed.getReader();
    await reader.read();
    reader.releaseLock();
    assert.throws(() => new Response(disturbed), TypeError);
    assert.throws(() => new Request(URL_A, { method: 'POST', body: streamOf('k'), keepalive: true }), /keepalive/);
    // Workers do not require duplex for a stream body; 'half' is accepted too.
    assert.strictEqual(await new Request(URL_A, { method: 'POST', body: streamOf('d') }).text(), 'd');
    assert.strictEqual(await new Request(URL_A, { method: 'POST', body: streamOf('e'), duplex: 'half' }).text(), 'e');
    assert.throws(() => new Request(URL_A, { method: 'POST', body: streamOf('f'), mode: 'no-cors' }), TypeError);
    // Chunks must be Uint8Arrays.
    const bad = new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } });
    await assert.rejects(new Response(bad).text(), TypeError);
  },
};

// ---------------------------------------------------------------------------------------------
// the Body mixin

export const bodyMethods = {
  async test() {
    const make = () => new Response('{"a":[1,"\u00e9"]}', { headers: { 'content-type': 'Application/JSON; Charset=UTF-8' } });
    assert.deepStrictEqual(await make().json(), { a: [1, '\u00e9'] });
    assert.strictEqual(await make().text(), '{"a":[1,"\u00e9"]}');
    const buffer = await make().arrayBuffer();
    assert.ok(buffer instanceof ArrayBuffer);
    assert.strictEqual(buffer.byteLength, 14);
    const bytes = await make().bytes();
    assert.ok(bytes instanceof Uint8Array);
    assert.strictEqual(bytes[0], 0x7b);
    const blob = await make().blob();
    assert.ok(blob instanceof Blob);
    assert.strictEqual(blob.type, 'application/json;charset=utf-8');
    assert.strictEqual(await blob.text(), '{"a":[1,"\u00e9"]}');
    // A BOM is removed by text() and json().
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x31]);
    assert.strictEqual(await new Response(bom).text(), '1');
    assert.strictEqual(await new Response(bom).json(), 1);
    await assert.rejects(new Response('{bad').json(), SyntaxError);
    // Results do not share memory with the body or each other.
    const res = new Response('abc');
    const clone = res.clone();
    const a = await res.bytes();
    a[0] = 0;
    assert.strictEqual(await clone.text(), 'abc');
  },
};

export const blobTypeFromHeaders = {
  async test() {
    assert.strictEqual((await new Response('x').blob()).type, 'text/plain;charset=utf-8');
    assert.strictEqual((await new Response(new Uint8Array(1)).blob()).type, '');
    const res = new Response('x', { headers: { 'Content-Type': 'text/plain' } });
    res.headers.set('Content-Type', 'test/test');
    assert.strictEqual((await res.blob()).type, 'test/test', 'read when consumed');
    const invalid = new Response('x', { headers: { 'Content-Type': 'not a mime type' } });
    assert.strictEqual((await invalid.blob()).type, '');
    // "extract a MIME type": the last valid type; a charset carries over for the same essence.
    const cases = [
      [['text/plain;charset=gbk', 'text/plain'], 'text/plain;charset=gbk'],
      [['text/plain;charset=gbk', 'text/html'], 'text/html'],
      [['text/html', '*/*'], 'text/html'],
      [['text/html;charset=gbk', 'text/plain', 'text/html'], 'text/html'],
      [['text/plain;charset="a,b"'], 'text/plain;charset="a,b"'],
    ];
    for (const [values, expected] of cases) {
      const headers = new Headers();
      for (const v of values) headers.append('content-type', v);
      assert.strictEqual((await new Response('x', { headers }).blob()).type, expected, values.join(' | '));
    }
  },
};

export const bodyUsedErrors = {
  async test() {
    const res = new Response('once');
    assert.strictEqual(res.bodyUsed, false);
    const first = res.text();
    assert.strictEqual(res.bodyUsed, true);
    for (const method of ['text', 'json', 'arrayBuffer', 'bytes', 'blob', 'formData']) {
      await assert.rejects(res[method](), USED, method);
    }
    assert.strictEqual(await first, 'once');
    assert.throws(() => res.clone(), USED);
    // The body stream of a consumed body is locked and disturbed.
    assert.ok(res.body instanceof ReadableStream);
    assert.strictEqual(res.body.locked, true);
    assert.throws(() => res.body.getReader(), TypeError);

    const req = new Request(URL_A, { method: 'POST', body: 'r' });
    await req.arrayBuffer();
    await assert.rejects(req.text(), USED);
    assert.throws(() => new Request(req), /already been used/);
    // A new body in init makes it fine.
    assert.strictEqual(await new Request(req, { body: 'fresh' }).text(), 'fresh');

    // No body: never used.
    const empty = new Response();
    assert.strictEqual(await empty.text(), '');
    assert.strictEqual(empty.bodyUsed, false);
    assert.strictEqual(await empty.text(), '');
  },
};

export const lockedBodyErrors = {
  async test() {
    const res = new Response('locked');
    const reader = res.body.getReader();
    assert.strictEqual(res.bodyUsed, false);
    await assert.rejects(res.text(), /locked/);
    assert.throws(() => res.clone(), /locked/);
    const { value } = await reader.read();
    assert.strictEqual(new TextDecoder().decode(value), 'locked');
    assert.strictEqual(res.bodyUsed, true, 'reading through the stream uses the body');
    reader.releaseLock();
    await assert.rejects(res.text(), USED);

    const req = new Request(URL_A, { method: 'POST', body: '...' });
    req.body.getReader();
    assert.throws(() => new Request(req), TypeError);
    new Request(req, { body: 'other' });
  },
};

export const bodyStreamGetter = {
  async test() {
    const res = new Response('abc');
    const body = res.body;
    assert.ok(body instanceof ReadableStream);
    assert.strictEqual(res.body, body, 'the same stream each time');
    assert.strictEqual(await readStream(body), 'abc');
    assert.strictEqual(res.bodyUsed, true);
    await assert.rejects(res.text(), USED);
    // A byte stream: a BYOB reader works.
    const byob = new Response('xyz').body.getReader({ mode: 'byob' });
    const { value } = await byob.read(new Uint8Array(8));
    assert.strictEqual(new TextDecoder().decode(value), 'xyz');
    // Reading the stream does not change what a clone reads.
    const original = new Response('shared');
    const copy = original.clone();
    const chunk = (await original.body.getReader().read()).value;
    chunk.fill(0);
    assert.strictEqual(await copy.text(), 'shared');
  },
};

// ---------------------------------------------------------------------------------------------
// clone and Request-from-Request

export const cloneIndependence = {
  async test() {
    for (const make of [() => 'text body', () => streamOf('text', ' body'), () => new Blob(['text body'])]) {
      const res = new Response(make(), { status: 201, statusText: 'Made', headers: { 'X-A': '1' } });
      const clone = res.clone();
      assert.strictEqual(clone.status, 201);
      assert.strictEqual(clone.statusText, 'Made');
      assert.notStrictEqual(clone.headers, res.headers);
      clone.headers.set('x-a', '2');
      assert.strictEqual(res.headers.get('x-a'), '1');
      assert.strictEqual(await clone.text(), 'text body');
      assert.strictEqual(clone.bodyUsed, true);
      assert.strictEqual(res.bodyUsed, false);
      assert.strictEqual(await res.text(), 'text body');
    }
    const req = new Request(URL_A, { method: 'PUT', body: streamOf('req'), headers: { 'X-R': 'r' }, redirect: 'manual' });
    const clone = req.clone();
    assert.strictEqual(clone.method, 'PUT');
    assert.strictEqual(clone.redirect, 'manual');
    assert.strictEqual(clone.headers.get('x-r'), 'r');
    assert.strictEqual(await req.text(), 'req');
    assert.strictEqual(await clone.text(), 'req');
    // Clones of clones, read in any order.
    const base = new Response(streamOf('deep'));
    const c1 = base.clone();
    const c2 = c1.clone();
    assert.strictEqual(await c2.text(), 'deep');
    assert.strictEqual(await base.text(), 'deep');
    assert.strictEqual(await c1.text(), 'deep');
    // A body-less response clones to a body-less response.
    assert.strictEqual(new Response(null, { status: 204 }).clone().body, null);
  },
};

export const cloneKeepsGuard = {
  async test() {
    const error = Response.error().clone();
    assert.strictEqual(error.type, 'error');
    assert.throws(() => error.headers.set('a', 'b'), TypeError);
    const redirect = Response.redirect('https://example.com/x').clone();
    assert.strictEqual(redirect.headers.get('location'), 'https://example.com/x');
    assert.throws(() => redirect.headers.set('a', 'b'), TypeError);
  },
};

export const requestFromRequestTransfersBody = {
  async test() {
    const original = new Request(URL_A, { method: 'POST', body: 'moved', headers: { 'X-A': '1' } });
    const moved = new Request(original);
    assert.strictEqual(moved.method, 'POST');
    assert.strictEqual(moved.url, URL_A);
    assert.strictEqual(original.bodyUsed, true, 'the input body is used by the new Request');
    await assert.rejects(original.text(), USED);
    assert.strictEqual(await moved.text(), 'moved');

    const streamed = new Request(URL_A, { method: 'POST', body: streamOf('s1', 's2') });
    const originalBody = streamed.body;
    const next = new Request(streamed, { headers: { 'X-B': '2' } });
    assert.strictEqual(streamed.bodyUsed, true);
    assert.strictEqual(originalBody.locked, true);
    assert.notStrictEqual(next.body, originalBody);
    assert.strictEqual(await next.text(), 's1s2');

    // A body that was read through its stream cannot be transferred.
    const read = new Request(URL_A, { method: 'POST', body: 'x' });
    const reader = read.body.getReader();
    await reader.read();
    reader.releaseLock();
    assert.throws(() => new Request(read), TypeError);

    // Content-Type comes from the input's headers, or from init.body when headers lack it.
    const typed = new Request(URL_A, { method: 'POST', body: 'plate', headers: { 'X-Extra': 'y' } });
    assert.strictEqual(new Request(typed).headers.get('content-type'), 'text/plain;charset=UTF-8');
    const withType = new Request(URL_A, { method: 'POST', body: 'p', headers: { 'Content-Type': 'potato' } });
    assert.strictEqual(new Request(withType).headers.get('content-type'), 'potato');
    const noHeaders = new Request(new Request(URL_A, { headers: { 'Content-Type': 'potato' } }), { headers: {} });
    assert.strictEqual(noHeaders.headers.has('content-type'), false);
  },
};

export const requestAsInit = {
  async test() {
    // The Workers idiom new Request(url, request): the Request is read as a RequestInit.
    const original = new Request(URL_A, {
      method: 'POST', body: 'proxied', headers: { 'X-A': '1' }, redirect: 'manual', cf: { c: 1 },
    });
    const req = new Request('https://other.example/', original);
    assert.strictEqual(req.url, 'https://other.example/');
    assert.strictEqual(req.method, 'POST');
    assert.strictEqual(req.redirect, 'manual');
    assert.strictEqual(req.headers.get('x-a'), '1');
    assert.deepStrictEqual(req.cf, { c: 1 });
    // Both share the body stream: reading one uses the other.
    assert.strictEqual(req.body, original.body);
    assert.strictEqual(await req.text(), 'proxied');
    assert.strictEqual(original.bodyUsed, true);
    // A clone made before reading reads everything.
    const o2 = new Request(URL_A, { method: 'POST', body: 'twice' });
    const r2 = new Request('https://other.example/', o2);
    const c2 = r2.clone();
    assert.strictEqual(await c2.text(), 'twice');
    assert.strictEqual(await r2.text(), 'twice');
    // A GET request as init.
    const get = new Request('https://other.example/', new Request(URL_A, { headers: { 'X-G': 'g' } }));
    assert.strictEqual(get.headers.get('x-g'), 'g');
    assert.strictEqual(get.body, null);
  },
};

export const requestNoCorsMode = {
  async test() {
    for (const method of ['GET', 'HEAD', 'POST']) {
      assert.strictEqual(new Request(URL_A, { mode: 'no-cors', method }).mode, 'no-cors');
    }
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      assert.throws(() => new Request(URL_A, { mode: 'no-cors', method }), /no-cors/, method);
    }
  },
};

export const transferredBodyStreamIsSpent = {
  async test() {
    const original = new Request(URL_A, { method: 'POST', body: 'bytes' });
    const stream = original.body;
    const moved = new Request(original);
    assert.strictEqual(original.bodyUsed, true);
    assert.strictEqual(stream.locked, true);
    assert.strictEqual(await moved.text(), 'bytes');
  },
};

// ---------------------------------------------------------------------------------------------
// Response

export const responseDefaults = {
  async test() {
    const res = new Response();
    assert.strictEqual(res.status, 200);
    assert.strictEqual(res.ok, true);
    assert.strictEqual(res.statusText, '');
    assert.strictEqual(res.type, 'default');
    assert.strictEqual(res.url, '');
    assert.strictEqual(res.redirected, false);
    assert.strictEqual(res.body, null);
    assert.strictEqual(res.bodyUsed, false);
    assert.strictEqual(res.webSocket, null);
    assert.strictEqual(res.cf, undefined);
    assert.deepStrictEqual([...res.headers], []);
    const withCf = new Response('x', { cf: { a: 1 } });
    assert.deepStrictEqual(withCf.cf, { a: 1 });
  },
};

export const responseStatus = {
  async test() {
    for (const status of [200, 201, 299, 300, 404, 500, 599]) {
      const res = new Response(null, { status });
      assert.strictEqual(res.status, status);
      assert.strictEqual(res.ok, status >= 200 && status < 300);
    }
    for (const status of [0, 100, 101, 103, 199, 600, 1000, -1, 'abc', NaN]) {
      assert.throws(() => new Response(null, { status }), RangeError, String(status));
    }
    // unsigned short conversion: modulo 2^16, truncation.
    assert.strictEqual(new Response(null, { status: 65536 + 200 }).status, 200);
    assert.strictEqual(new Response(null, { status: 201.9 }).status, 201);
    assert.strictEqual(new Response(null, { status: '404' }).status, 404);
    assert.throws(() => new Response(null, { status: 10n }), TypeError);
  },
};

export const responseStatusText = {
  async test() {
    assert.strictEqual(new Response(null, { statusText: 'Not\tFound \u00ff!' }).statusText, 'Not\tFound \u00ff!');
    for (const statusText of ['a\nb', 'a\rb', '\u0000', '\u007f', '\u0001']) {
      assert.throws(() => new Response(null, { statusText }), TypeError, JSON.stringify(statusText));
    }
    assert.throws(() => new Response(null, { statusText: '\u0100' }), TypeError);
  },
};

export const responseNullBodyStatus = {
  async test() {
    for (const status of [204, 205, 304]) {
      assert.throws(() => new Response('body', { status }), /null body status/, String(status));
      assert.throws(() => new Response('', { status }), TypeError, String(status));
      assert.strictEqual(new Response(null, { status }).status, status);
      assert.strictEqual(new Response(undefined, { status }).body, null);
    }
  },
};

export const responseInitValidation = {
  async test() {
    for (const init of [1, 'x', true]) {
      assert.throws(() => new Response(null, init), TypeError);
    }
    const read = [];
    const init = new Proxy({}, { get(target, key) { if (typeof key === 'string') read.push(key); return undefined; } });
    new Response(null, init);
    assert.deepStrictEqual(read, ['cf', 'headers', 'status', 'statusText']);
    // The body is extracted before the status is checked.
    const locked = streamOf('x');
    locked.getReader();
    assert.throws(() => new Response(locked, { status: 0 }), TypeError);
  },
};

export const responseJson = {
  async test() {
    const res = Response.json({ a: 1 }, { status: 201, headers: { 'X-A': 'b' } });
    assert.strictEqual(res.status, 201);
    assert.strictEqual(res.type, 'default');
    assert.strictEqual(res.headers.get('content-type'), 'application/json');
    assert.strictEqual(res.headers.get('x-a'), 'b');
    assert.deepStrictEqual(await res.json(), { a: 1 });
    assert.strictEqual(await Response.json('hello').text(), '"hello"');
    assert.strictEqual(await Response.json(null).text(), 'null');
    assert.strictEqual(Response.json(1, { headers: { 'Content-Type': 'foo/bar' } }).headers.get('content-type'), 'foo/bar');
    // Lone surrogates are escaped by JSON.stringify, so the bytes stay valid UTF-8.
    assert.deepStrictEqual([...(await Response.json('\uDEAD').bytes())], [34, 92, 117, 100, 101, 97, 100, 34]);
    assert.throws(() => Response.json(Symbol('x')), TypeError);
    assert.throws(() => Response.json(undefined), TypeError);
    assert.throws(() => Response.json(() => {}), TypeError);
    const circular = {};
    circular.self = circular;
    assert.throws(() => Response.json(circular), TypeError);
    const error = new Error('getter');
    assert.throws(() => Response.json({ get x() { throw error; } }), (e) => e === error);
    for (const status of [204, 205, 304]) {
      assert.throws(() => Response.json('x', { status }), TypeError);
    }
    assert.throws(() => Response.json({}, { status: 99 }), RangeError);
    assert.throws(() => Response.json(), /1 argument required/);
    // Response.json() headers are mutable.
    const headers = Response.json(null).headers;
    headers.set('content-type', 'x/y');
    assert.strictEqual(headers.get('content-type'), 'x/y');
  },
};

export const responseRedirect = {
  async test() {
    const res = Response.redirect('https://example.com/a b?x#frag');
    assert.strictEqual(res.status, 302);
    assert.strictEqual(res.headers.get('location'), 'https://example.com/a%20b?x#frag');
    assert.strictEqual(res.body, null);
    assert.strictEqual(res.type, 'default');
    assert.strictEqual(res.url, '');
    for (const status of [301, 302, 303, 307, 308]) {
      assert.strictEqual(Response.redirect(URL_A, status).status, status);
    }
    for (const status of [200, 300, 304, 305, 306, 309, 0, 400]) {
      assert.throws(() => Response.redirect(URL_A, status), RangeError, String(status));
    }
    assert.throws(() => Response.redirect('/relative'), /Invalid URL/);
    assert.throws(() => Response.redirect('/relative', 200), TypeError, 'the URL is checked first');
    assert.throws(() => Response.redirect(), /1 argument required/);
    assert.strictEqual(Response.redirect(URL_A, undefined).status, 302);
    assert.throws(() => res.headers.set('location', 'x'), TypeError, 'immutable');
  },
};

export const responseError = {
  async test() {
    const res = Response.error();
    assert.strictEqual(res.type, 'error');
    assert.strictEqual(res.status, 0);
    assert.strictEqual(res.ok, false);
    assert.strictEqual(res.statusText, '');
    assert.strictEqual(res.body, null);
    assert.deepStrictEqual([...res.headers], []);
    assert.throws(() => res.headers.append('a', 'b'), TypeError);
    assert.notStrictEqual(Response.error(), Response.error());
  },
};

// ---------------------------------------------------------------------------------------------
// Web IDL shape

export const webIdlShape = {
  async test() {
    assert.strictEqual(Request.length, 1);
    assert.strictEqual(Response.length, 0);
    assert.throws(() => Request(URL_A), TypeError);
    assert.throws(() => Response(), TypeError);
    assert.strictEqual(Object.prototype.toString.call(new Request(URL_A)), '[object Request]');
    assert.strictEqual(Object.prototype.toString.call(new Response()), '[object Response]');
    assert.strictEqual(Response.redirect.length, 1);
    assert.strictEqual(Response.json.length, 1);
    assert.strictEqual(Response.error.length, 0);
    for (const name of ['error', 'redirect', 'json']) {
      assert.strictEqual(Object.getOwnPropertyDescriptor(Response, name).enumerable, true, name);
    }
    const bodyMembers = ['body', 'bodyUsed', 'arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'];
    for (const [cls, members] of [
      [Request, ['method', 'url', 'headers', 'destination', 'referrer', 'referrerPolicy', 'mode',
        'credentials', 'cache', 'redirect', 'integrity', 'keepalive', 'isReloadNavigation',
        'isHistoryNavigation', 'signal', 'duplex', 'clone', ...bodyMembers]],
      [Response, ['type', 'url', 'redirected', 'status', 'ok', 'statusText', 'headers', 'clone',
        ...bodyMembers]],
    ]) {
      for (const name of members) {
        const desc = Object.getOwnPropertyDescriptor(cls.prototype, name);
        assert.ok(desc, `${cls.name}.prototype.${name}`);
        assert.strictEqual(desc.enumerable, true, `${cls.name}.prototype.${name} is enumerable`);
        if (desc.get) {
          assert.strictEqual(desc.set, undefined, `${name} is read-only`);
          assert.throws(() => desc.get.call({}), /Illegal invocation/, name);
        } else if (name === 'clone') {
          assert.throws(() => desc.value.call({}), /Illegal invocation/, name);
        } else {
          assert.strictEqual(desc.value.length, 0, name);
          const result = desc.value.call({});
          assert.ok(result instanceof Promise, `${name} returns a promise`);
          await assert.rejects(result, /Illegal invocation/, name);
        }
      }
    }
    // Request methods do not work on a Response and vice versa.
    await assert.rejects(Request.prototype.text.call(new Response('x')), /Illegal invocation/);
    assert.throws(() => Object.getOwnPropertyDescriptor(Response.prototype, 'status').get.call(new Request(URL_A)), TypeError);
    const req = new Request(URL_A);
    assert.throws(() => { req.method = 'POST'; }, TypeError);
    assert.strictEqual(req.method, 'GET');
    assert.deepStrictEqual(Object.keys(req), []);
    assert.deepStrictEqual(Object.keys(new Response('x')), []);
  },
};

// ---------------------------------------------------------------------------------------------
// robustness

export const survivesPatchedBuiltins = {
  async test() {
    const saved = {
      push: Array.prototype.push,
      toLowerCase: String.prototype.toLowerCase,
      toUpperCase: String.prototype.toUpperCase,
      then: Promise.prototype.then,
      resolve: Promise.resolve,
      stringify: JSON.stringify,
      parse: JSON.parse,
      set: Uint8Array.prototype.set,
      slice: Uint8Array.prototype.slice,
    };
    const boom = () => { throw new Error('patched built-in called'); };
    const pending = [];
    try {
      Array.prototype.push = boom;
      String.prototype.toLowerCase = boom;
      String.prototype.toUpperCase = boom;
      Promise.prototype.then = boom;
      Promise.resolve = boom;
      JSON.stringify = boom;
      JSON.parse = boom;
      Uint8Array.prototype.set = boom;
      Uint8Array.prototype.slice = boom;
      const req = new Request('https://EXAMPLE.com/x', { method: 'post', body: 'payload', headers: { 'X-Y': 'z' } });
      if (req.method !== 'POST' || req.url !== 'https://example.com/x') throw new Error('wrong request');
      const clone = req.clone();
      const moved = new Request(clone, { method: 'put' });
      pending[0] = req.text();
      pending[1] = moved.arrayBuffer();
      const res = new Response(new ReadableStream({
        start(c) { c.enqueue(new Uint8Array([123, 125])); c.close(); },
      }), { status: 201, headers: [['Content-Type', 'Application/Json']] });
      const resClone = res.clone();
      pending[2] = res.json();
      pending[3] = resClone.blob();
      pending[4] = Response.json({ k: 'v' }).text();
      pending[5] = Response.redirect('https://example.com/', 307).headers.get('location');
      const fd = new FormData();
      fd.append('a', 'b');
      pending[6] = new Response(fd).formData();
    } finally {
      Array.prototype.push = saved.push;
      String.prototype.toLowerCase = saved.toLowerCase;
      String.prototype.toUpperCase = saved.toUpperCase;
      Promise.prototype.then = saved.then;
      Promise.resolve = saved.resolve;
      JSON.stringify = saved.stringify;
      JSON.parse = saved.parse;
      Uint8Array.prototype.set = saved.set;
      Uint8Array.prototype.slice = saved.slice;
    }
    assert.strictEqual(await pending[0], 'payload');
    assert.strictEqual(new TextDecoder().decode(await pending[1]), 'payload');
    assert.deepStrictEqual(await pending[2], {});
    const blob = await pending[3];
    assert.strictEqual(blob.type, 'application/json');
    assert.strictEqual(await blob.text(), '{}');
    assert.strictEqual(await pending[4], '{"k":"v"}');
    assert.strictEqual(pending[5], 'https://example.com/');
    assert.strictEqual((await pending[6]).get('a'), 'b');
  },
};

export const survivesPatchedThenWhileConsuming = {
  async test() {
    // Promise.prototype.then stays patched while the bodies are read (microtasks run with it).
    const saved = Promise.prototype.then;
    let calls = 0;
    const res = new Response(streamOf('a', 'b', 'c'));
    const clone = res.clone();
    const req = new Request(URL_A, { method: 'POST', body: streamOf('x') });
    let results;
    try {
      Promise.prototype.then = function (...args) {
        calls++;
        return saved.apply(this, args);
      };
      const all = [res.text(), clone.arrayBuffer(), new Request(req).text()];
      results = [];
      for (const p of all) results.push(await p);
    } finally {
      Promise.prototype.then = saved;
    }
    assert.strictEqual(results[0], 'abc');
    assert.strictEqual(new TextDecoder().decode(results[1]), 'abc');
    assert.strictEqual(results[2], 'x');
    assert.strictEqual(calls, 0, 'the runtime never called the patched then');
  },
};

export const survivesObjectPrototypeAccessors = {
  async test() {
    // Making and reading body streams must not read properties that user code can put on
    // Object.prototype (underlying-source and strategy members such as start, type, size).
    const names = ['start', 'pull', 'cancel', 'type', 'size', 'highWaterMark', 'autoAllocateChunkSize'];
    try {
      for (const name of names) {
        Object.defineProperty(Object.prototype, name, {
          get() { throw new Error(`Object.prototype.${name} was read`); },
          configurable: true,
        });
      }
      assert.strictEqual(await new Response('bye').text(), 'bye');
      assert.strictEqual(await new Response().text(), '');
      const req = new Request(URL_A, { method: 'POST', body: 'yes' });
      assert.strictEqual(await readStream(req.body), 'yes');
      const res = new Response(new Uint8Array([64]));
      const clone = res.clone();
      assert.strictEqual(await res.text(), '@');
      assert.strictEqual(await clone.text(), '@');
      const blob = await new Response('b', { headers: { 'content-type': 'a/b' } }).blob();
      assert.strictEqual(await readStream(blob.stream()), 'b');
      const fd = new FormData();
      fd.append('k', new Blob(['v']));
      assert.strictEqual(await (await new Response(fd).formData()).get('k').text(), 'v');
      assert.strictEqual(await new Request(URL_A, { method: 'PUT', body: new URLSearchParams('a=b') }).text(), 'a=b');
    } finally {
      for (const name of names) delete Object.prototype[name];
    }
  },
};

// Reading a streamed body never hands the runtime's internal promise a thenable: a user's
// Object.prototype.then is not called and does not see the bytes.
export const streamedBodyReadIgnoresPatchedThen = {
  async test() {
    let called = 0;
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('stream '));
        controller.enqueue(new TextEncoder().encode('body'));
        controller.close();
      },
    });
    const response = new Response(stream);
    // eslint-disable-next-line no-extend-native
    Object.prototype.then = function then() { called++; };
    let text;
    try {
      text = response.text();
    } finally {
      delete Object.prototype.then;
    }
    assert.strictEqual(await text, 'stream body');
    assert.strictEqual(called, 0);
  },
};
