// fetch() over real loopback HTTP servers (dynworker:test's serve(), in this isolate): methods
// and bodies, headers both ways, streamed request and response bodies (with backpressure),
// redirects in the three modes, AbortSignal at each stage, network failures, gzip/deflate
// decoding, null-body responses, and robustness against patched built-ins.
//
// HTTPS (a test CA, an untrusted certificate), connection reuse, resets and memory flatness
// for 100 MB each way are covered by tests/cc/fetch_test.cc, which needs servers and process
// measurements JS cannot reach.

import assert from 'node:assert';
import { serve } from 'dynworker:test';

const encoder = new TextEncoder();

async function withServer(handler, fn) {
  const srv = await serve(handler);
  try {
    return await fn(srv);
  } finally {
    await srv.close();
  }
}

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Bytes whose value at absolute offset o is o % 251, produced `chunkSize` at a time.
function patternStream(total, chunkSize = 65536) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= total) {
        controller.close();
        return;
      }
      const n = Math.min(chunkSize, total - offset);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = (offset + i) % 251;
      offset += n;
      controller.enqueue(chunk);
    },
  });
}

// Reads a stream of pattern bytes: its length and the first offset that is wrong (-1: none).
async function verifyPattern(stream) {
  const reader = stream.getReader();
  let offset = 0;
  let bad = -1;
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    assert.ok(value instanceof Uint8Array, 'chunks are Uint8Arrays');
    chunks++;
    if (bad < 0) {
      for (let i = 0; i < value.length; i++) {
        if (value[i] !== (offset + i) % 251) {
          bad = offset + i;
          break;
        }
      }
    }
    offset += value.length;
  }
  return { length: offset, bad, chunks };
}

// A port nothing listens on: one a server had, after it closed.
async function closedPort() {
  const srv = await serve(() => new Response('x'));
  const port = srv.port;
  await srv.close();
  return port;
}

// ---------------------------------------------------------------------------------------------
// Requests and responses

export const getAndPost = {
  async test() {
    const seen = [];
    await withServer(async (request) => {
      const url = new URL(request.url);
      seen.push({ method: request.method, path: url.pathname + url.search, body: await request.text(),
        contentType: request.headers.get('content-type'), contentLength: request.headers.get('content-length') });
      if (url.pathname === '/json') return Response.json({ ok: true, method: request.method });
      return new Response(`you sent ${request.method}`, { status: 201, statusText: 'Made It', headers: { 'X-Reply': 'yes' } });
    }, async (srv) => {
      const get = await fetch(`${srv.url}path/a?x=1&y=%20`);
      assert.ok(get instanceof Response);
      assert.strictEqual(get.status, 201);
      assert.strictEqual(get.statusText, 'Made It');
      assert.strictEqual(get.ok, true);
      assert.strictEqual(get.type, 'basic');
      assert.strictEqual(get.redirected, false);
      assert.strictEqual(get.url, `${srv.url}path/a?x=1&y=%20`);
      assert.strictEqual(get.headers.get('x-reply'), 'yes');
      assert.strictEqual(get.headers.get('content-length'), '12');
      assert.throws(() => get.headers.set('x', '1'), TypeError, 'a fetched response has immutable headers');
      assert.ok(get.body instanceof ReadableStream);
      assert.strictEqual(await get.text(), 'you sent GET');

      const post = await fetch(`${srv.url}form`, { method: 'POST', body: 'hello body' });
      assert.strictEqual(await post.text(), 'you sent POST');

      const json = await fetch(new Request(`${srv.url}json`, { method: 'PUT', body: JSON.stringify({ a: 1 }),
        headers: { 'content-type': 'application/json' } }));
      assert.deepStrictEqual(await json.json(), { ok: true, method: 'PUT' });

      const empty = await fetch(`${srv.url}empty`, { method: 'POST' });
      assert.strictEqual(await empty.text(), 'you sent POST');
    });
    assert.deepStrictEqual(seen, [
      { method: 'GET', path: '/path/a?x=1&y=%20', body: '', contentType: null, contentLength: null },
      { method: 'POST', path: '/form', body: 'hello body', contentType: 'text/plain;charset=UTF-8', contentLength: '10' },
      { method: 'PUT', path: '/json', body: '{"a":1}', contentType: 'application/json', contentLength: '7' },
      { method: 'POST', path: '/empty', body: '', contentType: null, contentLength: '0' },
    ]);
  },
};

export const bodyKinds = {
  async test() {
    await withServer(async (request) => {
      const bytes = new Uint8Array(await request.arrayBuffer());
      return Response.json({ type: request.headers.get('content-type'), length: bytes.length, first: bytes[0] ?? null });
    }, async (srv) => {
      const send = async (body) => (await fetch(srv.url, { method: 'POST', body })).json();
      assert.deepStrictEqual(await send(new Uint8Array([7, 8, 9])), { type: null, length: 3, first: 7 });
      assert.deepStrictEqual(await send(new Uint8Array([1, 2, 3, 4]).buffer), { type: null, length: 4, first: 1 });
      assert.deepStrictEqual(await send(new DataView(new Uint8Array([5, 6]).buffer, 1)), { type: null, length: 1, first: 6 });
      assert.deepStrictEqual(await send(new Blob(['ab'], { type: 'text/x-thing' })), { type: 'text/x-thing', length: 2, first: 97 });
      assert.deepStrictEqual(await send(new URLSearchParams({ a: 'b c' })),
        { type: 'application/x-www-form-urlencoded;charset=UTF-8', length: 5, first: 97 });
      const form = new FormData();
      form.append('field', 'value');
      const sent = await send(form);
      assert.match(sent.type, /^multipart\/form-data; boundary=/);
      assert.ok(sent.length > 20);
      // A Response's body, unread, is sent as bytes.
      assert.deepStrictEqual(await send(new Response('xyz').body), { type: null, length: 3, first: 120 });
    });
  },
};

export const headersBothWays = {
  async test() {
    let seen;
    await withServer((request) => {
      seen = [...request.headers];
      const headers = new Headers([['X-Multi', 'one'], ['X-Multi', 'two'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
      return new Response('ok', { headers });
    }, async (srv) => {
      const res = await fetch(srv.url, {
        headers: [['X-Custom', 'v1'], ['x-custom', 'v2'], ['Authorization', 'Bearer t'], ['User-Agent', 'dw-test']],
      });
      assert.strictEqual(res.headers.get('x-multi'), 'one, two');
      assert.deepStrictEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
      await res.text();
    });
    const get = (name) => seen.filter(([n]) => n === name).map(([, v]) => v).join('|');
    assert.strictEqual(get('x-custom'), 'v1, v2');
    assert.strictEqual(get('authorization'), 'Bearer t');
    assert.strictEqual(get('user-agent'), 'dw-test');
    assert.strictEqual(get('accept-encoding'), 'gzip, deflate', 'fetch asks for what it can decode');
    assert.match(get('host'), /^127\.0\.0\.1:\d+$/);

    // An explicit Accept-Encoding is kept; a Range request asks for identity.
    await withServer((request) => new Response(request.headers.get('accept-encoding')), async (srv) => {
      assert.strictEqual(await (await fetch(srv.url, { headers: { 'accept-encoding': 'br' } })).text(), 'br');
      assert.strictEqual(await (await fetch(srv.url, { headers: { range: 'bytes=0-1' } })).text(), 'identity');
    });
  },
};

export const nullBodies = {
  async test() {
    await withServer((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/204') return new Response(null, { status: 204 });
      if (path === '/304') return new Response(null, { status: 304 });
      return new Response('a body for GET', { headers: { 'x-method': request.method } });
    }, async (srv) => {
      const head = await fetch(srv.url, { method: 'HEAD' });
      assert.strictEqual(head.status, 200);
      assert.strictEqual(head.headers.get('x-method'), 'HEAD');
      assert.strictEqual(head.body, null);
      assert.strictEqual(await head.text(), '');
      const noContent = await fetch(`${srv.url}204`);
      assert.strictEqual(noContent.status, 204);
      assert.strictEqual(noContent.body, null);
      const notModified = await fetch(`${srv.url}304`);
      assert.strictEqual(notModified.status, 304);
      assert.strictEqual(notModified.body, null);
      // The connection is still good for more.
      assert.strictEqual(await (await fetch(srv.url)).text(), 'a body for GET');
    });
  },
};

export const errorStatuses = {
  async test() {
    await withServer(() => new Response('nope', { status: 404, statusText: 'Not Here' }), async (srv) => {
      const res = await fetch(srv.url);
      assert.strictEqual(res.status, 404);
      assert.strictEqual(res.ok, false);
      assert.strictEqual(res.statusText, 'Not Here');
      assert.strictEqual(await res.text(), 'nope');
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Streaming

export const streamedUpload = {
  async test() {
    const SIZE = 8 * 1024 * 1024 + 123;
    await withServer(async (request) => {
      let result;
      try {
        result = await verifyPattern(request.body);
      } catch {
        return new Response('the body broke off', { status: 400 });  // the mismatch cases below
      }
      return Response.json({ ...result, te: request.headers.get('transfer-encoding'), cl: request.headers.get('content-length') });
    }, async (srv) => {
      const res = await fetch(srv.url, { method: 'POST', body: patternStream(SIZE, 50000) });
      const got = await res.json();
      assert.strictEqual(got.length, SIZE);
      assert.strictEqual(got.bad, -1);
      assert.strictEqual(got.te, 'chunked');
      assert.strictEqual(got.cl, null);

      // With a Content-Length the caller set, the stream is sent with that length.
      const sized = await fetch(srv.url, { method: 'PUT', body: patternStream(100000), headers: { 'content-length': '100000' } });
      const s = await sized.json();
      assert.deepStrictEqual([s.length, s.bad, s.cl, s.te], [100000, -1, '100000', null]);
      // A stream that does not match that length fails the fetch (and is never sent as if whole).
      await assert.rejects(fetch(srv.url, { method: 'PUT', body: patternStream(99999), headers: { 'content-length': '100000' } }),
        (e) => e instanceof TypeError && e.message === 'the request body to 127.0.0.1 ended after 99999 of its 100000 bytes (Content-Length)');
      await assert.rejects(fetch(srv.url, { method: 'PUT', body: patternStream(100001), headers: { 'content-length': '100000' } }),
        (e) => e instanceof TypeError && e.message === 'the request body to 127.0.0.1 is longer than its Content-Length (100000 bytes)');
    });
  },
};

export const uploadBackpressure = {
  async test() {
    // The server does not read until told: the request stream must not be drained into memory.
    const go = deferred();
    let produced = 0;
    const body = new ReadableStream({
      pull(controller) {
        produced += 65536;
        controller.enqueue(new Uint8Array(65536));
        if (produced >= 64 * 1024 * 1024) controller.close();
      },
    }, { highWaterMark: 1 });
    await withServer(async (request) => {
      await go.promise;
      const reader = request.body.getReader();
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.length;
      }
      return new Response(String(n));
    }, async (srv) => {
      const pending = fetch(srv.url, { method: 'POST', body });
      await sleep(300);
      assert.ok(produced < 16 * 1024 * 1024, `the body was pulled without backpressure: ${produced} bytes`);
      go.resolve();
      const res = await pending;
      assert.strictEqual(await res.text(), String(64 * 1024 * 1024));
    });
  },
};

export const streamedDownload = {
  async test() {
    const SIZE = 8 * 1024 * 1024 + 7;
    await withServer(() => new Response(patternStream(SIZE, 100000)), async (srv) => {
      const res = await fetch(srv.url);
      assert.strictEqual(res.headers.get('content-length'), null);
      const got = await verifyPattern(res.body);
      assert.strictEqual(got.length, SIZE);
      assert.strictEqual(got.bad, -1);
      assert.ok(got.chunks > 1, 'the body arrives in pieces');
    });
  },
};

export const proxiedBody = {
  async test() {
    // A fetched response body streams straight into another fetch's request body.
    const SIZE = 3 * 1024 * 1024 + 5;
    await withServer(() => new Response(patternStream(SIZE)), async (source) => {
      await withServer(async (request) => Response.json(await verifyPattern(request.body)), async (sink) => {
        const upstream = await fetch(source.url);
        const res = await fetch(sink.url, { method: 'POST', body: upstream.body });
        const got = await res.json();
        assert.strictEqual(got.length, SIZE);
        assert.strictEqual(got.bad, -1);
        assert.strictEqual(upstream.bodyUsed, true);
      });
      // clone() of a fetched response: both branches get every byte.
      const res = await fetch(source.url);
      const copy = res.clone();
      const [a, b] = await Promise.all([verifyPattern(res.body), verifyPattern(copy.body)]);
      assert.deepStrictEqual([a.length, a.bad, b.length, b.bad], [SIZE, -1, SIZE, -1]);
    });
  },
};

export const downloadIsIncremental = {
  async test() {
    // The first chunk reaches the reader while the server still holds the rest back.
    const more = deferred();
    await withServer(() => new Response(new ReadableStream({
      async start(controller) {
        controller.enqueue(encoder.encode('first,'));
        await more.promise;
        controller.enqueue(encoder.encode('second'));
        controller.close();
      },
    })), async (srv) => {
      const res = await fetch(srv.url);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const first = await reader.read();
      assert.strictEqual(decoder.decode(first.value), 'first,');
      more.resolve();
      let rest = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += decoder.decode(value, { stream: true });
      }
      assert.strictEqual(rest, 'second');
    });
  },
};

export const downloadBackpressure = {
  async test() {
    // A reader that stops reading stops the server's stream from being pulled (bounded buffers).
    let produced = 0;
    await withServer(() => new Response(new ReadableStream({
      pull(controller) {
        produced += 65536;
        controller.enqueue(new Uint8Array(65536));
        if (produced >= 256 * 1024 * 1024) controller.close();
      },
    })), async (srv) => {
      const res = await fetch(srv.url);
      const reader = res.body.getReader();
      await reader.read();
      await sleep(300);
      assert.ok(produced < 16 * 1024 * 1024, `the server was not held back: ${produced} bytes produced`);
      await reader.cancel();
    });
  },
};

export const uploadErrors = {
  async test() {
    await withServer(async (request) => {
      try {
        await request.text();
      } catch {
        // the client gave up
      }
      return new Response('x');
    }, async (srv) => {
      const boom = new Error('source broke');
      let sent = 0;
      const failing = new ReadableStream({
        pull(controller) {
          if (sent++ < 3) controller.enqueue(new Uint8Array(1000));
          else controller.error(boom);
        },
      });
      await assert.rejects(fetch(srv.url, { method: 'POST', body: failing }), (e) => e === boom);

      const wrongType = new ReadableStream({
        start(controller) {
          controller.enqueue('a string, not bytes');
          controller.close();
        },
      });
      await assert.rejects(fetch(srv.url, { method: 'POST', body: wrongType }),
        (e) => e instanceof TypeError && /not a Uint8Array/.test(e.message));

      const used = new Request(srv.url, { method: 'POST', body: 'once' });
      await (await fetch(used)).text();
      assert.strictEqual(used.bodyUsed, true, 'fetch(request) uses the request body');
      await assert.rejects(fetch(used), /already been used/);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Redirects

function redirectServer() {
  const log = [];
  const handler = async (request) => {
    const url = new URL(request.url);
    const body = await request.text();
    log.push({ method: request.method, path: url.pathname + url.search, body,
      type: request.headers.get('content-type'), auth: request.headers.get('authorization') });
    const m = /^\/(\d{3})(\/.*)?$/.exec(url.pathname);
    if (m) {
      const target = url.searchParams.get('to') ?? '/final';
      return new Response(`redirect ${m[1]}`, { status: Number(m[1]), headers: { location: target } });
    }
    if (url.pathname === '/loop') return new Response(null, { status: 302, headers: { location: '/loop' } });
    if (url.pathname === '/chain') {
      const n = Number(url.searchParams.get('n'));
      return new Response(null, { status: 302, headers: { location: n > 0 ? `/chain?n=${n - 1}` : '/final' } });
    }
    if (url.pathname === '/nolocation') return new Response('no location', { status: 302 });
    return new Response(`final ${request.method} ${body}`);
  };
  return { log, handler };
}

export const redirectFollow = {
  async test() {
    const { log, handler } = redirectServer();
    await withServer(handler, async (srv) => {
      const res = await fetch(`${srv.url}301`);
      assert.strictEqual(res.status, 200);
      assert.strictEqual(res.redirected, true);
      assert.strictEqual(res.url, `${srv.url}final`);
      assert.strictEqual(await res.text(), 'final GET ');

      // 301/302 turn POST into GET without the body; 303 turns any non-GET/HEAD into GET;
      // 307/308 keep the method and resend the body.
      const cases = [
        ['301', 'POST', 'final GET '], ['302', 'POST', 'final GET '], ['303', 'POST', 'final GET '],
        ['303', 'PUT', 'final GET '], ['307', 'POST', 'final POST data'], ['308', 'POST', 'final POST data'],
        ['301', 'PUT', 'final PUT data'], ['302', 'DELETE', 'final DELETE data'],
      ];
      for (const [status, method, expected] of cases) {
        log.length = 0;
        const r = await fetch(`${srv.url}${status}`, { method, body: 'data', headers: { 'content-type': 'text/x-data' } });
        assert.strictEqual(await r.text(), expected, `${status} ${method}`);
        const final = log[1];
        const keeps = expected.endsWith('data');
        assert.strictEqual(final.type, keeps ? 'text/x-data' : null, `${status} ${method}: Content-Type`);
      }

      const headRes = await fetch(`${srv.url}303`, { method: 'HEAD' });
      assert.strictEqual(headRes.body, null);
      assert.strictEqual(log.at(-1).method, 'HEAD');

      const chained = await fetch(`${srv.url}chain?n=5`);
      assert.strictEqual(await chained.text(), 'final GET ');
      assert.strictEqual(chained.url, `${srv.url}final`);

      // The fragment of the request URL carries over to a Location without one.
      const frag = await fetch(`${srv.url}302#section`);
      assert.strictEqual(frag.url, `${srv.url}final`);
      await frag.text();

      // Exactly 20 redirects are followed; the 21st is an error.
      assert.strictEqual(await (await fetch(`${srv.url}chain?n=19`)).text(), 'final GET ');
      log.length = 0;
      await assert.rejects(fetch(`${srv.url}loop`), (e) => e instanceof TypeError &&
        /too many redirects \(more than 20\)/.test(e.message) && e.message.includes(`${srv.url}loop`));
      assert.strictEqual(log.length, 21);

      // A 3xx without Location is a response like any other.
      const noLocation = await fetch(`${srv.url}nolocation`);
      assert.strictEqual(noLocation.status, 302);
      assert.strictEqual(await noLocation.text(), 'no location');

      await assert.rejects(fetch(`${srv.url}302?to=${encodeURIComponent('ftp://example.com/')}`),
        (e) => e instanceof TypeError && /only http: and https: redirects/.test(e.message));
      await assert.rejects(fetch(`${srv.url}302?to=${encodeURIComponent('http://[bad')}`),
        (e) => e instanceof TypeError && /not a valid URL/.test(e.message));
    });
  },
};

export const redirectAuthorization = {
  async test() {
    const { log, handler } = redirectServer();
    await withServer(handler, async (other) => {
      await withServer(handler, async (srv) => {
        const auth = { authorization: 'Bearer secret' };
        await (await fetch(`${srv.url}302`, { headers: auth })).text();
        assert.strictEqual(log.at(-1).auth, 'Bearer secret', 'same origin keeps Authorization');
        const cross = await fetch(`${srv.url}302?to=${encodeURIComponent(`${other.url}final`)}`, { headers: auth });
        assert.strictEqual(cross.url, `${other.url}final`);
        await cross.text();
        assert.strictEqual(log.at(-1).auth, null, 'a different origin (port) loses Authorization');
      });
    });
  },
};

export const redirectStreamedBody = {
  async test() {
    const { log, handler } = redirectServer();
    await withServer(handler, async (srv) => {
      await assert.rejects(fetch(`${srv.url}307`, { method: 'POST', body: patternStream(1000) }),
        (e) => e instanceof TypeError && /ReadableStream, which cannot be sent again/.test(e.message));
      // 303 drops the body, so a stream is fine.
      const ok = await fetch(`${srv.url}303`, { method: 'POST', body: patternStream(1000) });
      assert.strictEqual(await ok.text(), 'final GET ');
      assert.strictEqual(log.at(-1).method, 'GET');
      // Manual mode does not need to resend it.
      const manual = await fetch(`${srv.url}307`, { method: 'POST', body: patternStream(1000), redirect: 'manual' });
      assert.strictEqual(manual.status, 307);
      await manual.text();
    });
  },
};

export const redirectManualAndError = {
  async test() {
    const { log, handler } = redirectServer();
    await withServer(handler, async (srv) => {
      for (const status of [301, 302, 303, 307, 308]) {
        const res = await fetch(`${srv.url}${status}`, { redirect: 'manual' });
        assert.strictEqual(res.status, status);
        assert.strictEqual(res.type, 'basic');
        assert.strictEqual(res.redirected, false);
        assert.strictEqual(res.url, `${srv.url}${status}`);
        assert.strictEqual(res.headers.get('location'), '/final');
        assert.strictEqual(await res.text(), `redirect ${status}`);
      }
      log.length = 0;
      await assert.rejects(fetch(`${srv.url}302`, { redirect: 'error' }), (e) => e instanceof TypeError &&
        e.message === `Fetch to ${srv.url}302 was redirected (302 to /final), and the request's redirect mode is 'error'.`);
      assert.strictEqual(log.length, 1, 'the redirect is not followed');
      const fine = await fetch(`${srv.url}final`, { redirect: 'error' });
      assert.strictEqual(await fine.text(), 'final GET ');
      // The mode comes from a Request too.
      const req = new Request(`${srv.url}301`, { redirect: 'manual' });
      assert.strictEqual((await fetch(req)).status, 301);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// AbortSignal

export const abortBeforeStart = {
  async test() {
    let requests = 0;
    await withServer(() => {
      requests++;
      return new Response('x');
    }, async (srv) => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(fetch(srv.url, { signal: controller.signal }),
        (e) => e instanceof DOMException && e.name === 'AbortError');
      const reason = new Error('my reason');
      await assert.rejects(fetch(srv.url, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
      // The request body stream is cancelled with the reason.
      let cancelled;
      const body = new ReadableStream({ cancel(r) { cancelled = r; } });
      await assert.rejects(fetch(srv.url, { method: 'POST', body, signal: AbortSignal.abort(reason) }), (e) => e === reason);
      assert.strictEqual(cancelled, reason);
      await sleep(50);
      assert.strictEqual(requests, 0);
    });
  },
};

export const abortWhileWaiting = {
  async test() {
    const serverSawAbort = deferred();
    const arrived = deferred();
    await withServer(async (request) => {
      arrived.resolve();
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
      serverSawAbort.resolve(request.signal.reason);
      return new Response('too late');
    }, async (srv) => {
      const controller = new AbortController();
      const pending = fetch(srv.url, { signal: controller.signal });
      await arrived.promise;  // the request is waiting for its response
      const reason = new Error('stop waiting');
      controller.abort(reason);
      await assert.rejects(pending, (e) => e === reason);
      const seen = await serverSawAbort.promise;
      assert.match(String(seen), /disconnected/, 'the connection was closed');

      await assert.rejects(fetch(srv.url, { signal: AbortSignal.timeout(30) }),
        (e) => e instanceof DOMException && e.name === 'TimeoutError');
    });
  },
};

export const abortDuringBody = {
  async test() {
    const serverSawAbort = deferred();
    await withServer((request) => {
      request.signal.addEventListener('abort', () => serverSawAbort.resolve());
      return new Response(new ReadableStream({
        start(controller) {
          controller.enqueue(encoder.encode('part one'));
          // and nothing more until the client goes away
          request.signal.addEventListener('abort', () => controller.close());
        },
      }));
    }, async (srv) => {
      const controller = new AbortController();
      const res = await fetch(srv.url, { signal: controller.signal });
      const reader = res.body.getReader();
      const first = await reader.read();
      assert.strictEqual(new TextDecoder().decode(first.value), 'part one');
      const pendingRead = reader.read();
      const reason = new Error('enough');
      controller.abort(reason);
      await assert.rejects(pendingRead, (e) => e === reason);
      await assert.rejects(reader.read(), (e) => e === reason);
      await serverSawAbort.promise;  // the server noticed the closed connection
    });
  },
};

export const abortAfterBody = {
  async test() {
    await withServer(() => new Response('complete'), async (srv) => {
      const controller = new AbortController();
      const res = await fetch(srv.url, { signal: controller.signal });
      assert.strictEqual(await res.text(), 'complete');
      controller.abort();  // nothing left to abort
      // Cancelling an unread body is fine too, and the server stays usable.
      const unread = await fetch(srv.url);
      await unread.body.cancel();
      assert.strictEqual(await (await fetch(srv.url)).text(), 'complete');
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Failures

export const refusedPort = {
  async test() {
    const port = await closedPort();
    await assert.rejects(fetch(`http://127.0.0.1:${port}/x`), (e) => e instanceof TypeError &&
      e.message === `connection refused: 127.0.0.1:${port}`);
    // A refused stream upload cancels the body.
    let cancelled = false;
    const body = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(10)); }, cancel() { cancelled = true; } });
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body }), /connection refused/);
    await sleep(20);
    assert.strictEqual(cancelled, true);
  },
};

export const unknownHost = {
  async test() {
    await assert.rejects(fetch('http://nohost.invalid/'), (e) => e instanceof TypeError &&
      e.message.startsWith('DNS lookup failed for nohost.invalid: '));
  },
};

// ---------------------------------------------------------------------------------------------
// Content-Encoding

async function compress(text, format) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const contentDecoding = {
  async test() {
    const text = 'compressible text '.repeat(20000);
    const gzip = await compress(text, 'gzip');
    const deflate = await compress(text, 'deflate');
    const raw = await compress(text, 'deflate-raw');
    await withServer((request) => {
      const path = new URL(request.url).pathname;
      const send = (bytes, encoding) => new Response(bytes, { headers: { 'content-encoding': encoding } });
      if (path === '/gzip') return send(gzip, 'gzip');
      if (path === '/x-gzip') return send(gzip, 'X-GZIP');
      if (path === '/deflate') return send(deflate, 'deflate');
      if (path === '/raw') return send(raw, 'deflate');
      if (path === '/br') return send(new Uint8Array([1, 2, 3]), 'br');
      if (path === '/corrupt') return send(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]), 'gzip');
      if (path === '/truncated') return send(gzip.subarray(0, gzip.length - 10), 'gzip');
      if (path === '/streamed') {
        return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip')),
          { headers: { 'content-encoding': 'gzip' } });
      }
      return new Response('?');
    }, async (srv) => {
      for (const path of ['gzip', 'x-gzip', 'deflate', 'raw', 'streamed']) {
        const res = await fetch(`${srv.url}${path}`);
        assert.strictEqual(await res.text(), text, path);
      }
      const gz = await fetch(`${srv.url}gzip`);
      assert.strictEqual(gz.headers.get('content-encoding'), 'gzip', 'headers stay as received');
      assert.strictEqual(gz.headers.get('content-length'), String(gzip.length));
      await gz.arrayBuffer();
      const br = await fetch(`${srv.url}br`);
      assert.deepStrictEqual([...new Uint8Array(await br.arrayBuffer())], [1, 2, 3], 'unknown codings pass through');
      await assert.rejects((await fetch(`${srv.url}corrupt`)).text(), TypeError);
      await assert.rejects((await fetch(`${srv.url}truncated`)).text(), TypeError);
      // And the connection pool survives the failures.
      assert.strictEqual(await (await fetch(`${srv.url}gzip`)).text(), text);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Shape and robustness

export const shape = {
  async test() {
    assert.strictEqual(typeof fetch, 'function');
    assert.strictEqual(fetch.length, 1);
    assert.strictEqual(fetch.name, 'fetch');
    const desc = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
    assert.deepStrictEqual([desc.writable, desc.enumerable, desc.configurable], [true, false, true]);
    await assert.rejects(fetch('http://[::1'), TypeError);
    await assert.rejects(fetch('http://example.com/', { method: 'GET', body: 'x' }), /GET or HEAD method cannot have a body/);
    await assert.rejects(fetch('http://example.com/', { method: 'CONNECT' }), /unsupported/);
    const p = fetch('data:,x');
    assert.ok(p instanceof Promise);
    await p;
  },
};

export const patchedBuiltins = {
  async test() {
    const saved = {
      then: Promise.prototype.then,
      getReader: ReadableStream.prototype.getReader,
      read: ReadableStreamDefaultReader.prototype.read,
      aborted: Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted'),
      push: Array.prototype.push,
      join: Array.prototype.join,
      toLowerCase: String.prototype.toLowerCase,
    };
    let result;
    await withServer(async (request) => new Response(`got ${await request.text()}`), async (srv) => {
      try {
        ReadableStream.prototype.getReader = () => { throw new Error('patched getReader'); };
        ReadableStreamDefaultReader.prototype.read = () => { throw new Error('patched read'); };
        Object.defineProperty(AbortSignal.prototype, 'aborted', { get() { return true; }, configurable: true });
        Array.prototype.push = () => { throw new Error('patched push'); };
        Array.prototype.join = () => 'patched';
        String.prototype.toLowerCase = () => 'patched';
        const res = await fetch(`${srv.url}p`, { method: 'POST', body: patternStream(10) });
        result = [res.status, res.url];
      } finally {
        ReadableStream.prototype.getReader = saved.getReader;
        ReadableStreamDefaultReader.prototype.read = saved.read;
        Object.defineProperty(AbortSignal.prototype, 'aborted', saved.aborted);
        Array.prototype.push = saved.push;
        Array.prototype.join = saved.join;
        String.prototype.toLowerCase = saved.toLowerCase;
      }
    });
    assert.deepStrictEqual(result.slice(0, 1), [200]);
    assert.ok(result[1].endsWith('/p'));
  },
};

export const concurrent = {
  async test() {
    await withServer(async (request) => {
      const n = new URL(request.url).searchParams.get('n');
      await sleep(Number(n) % 5);
      return new Response(`r${n}`);
    }, async (srv) => {
      const texts = await Promise.all(Array.from({ length: 30 }, async (_, i) => (await fetch(`${srv.url}?n=${i}`)).text()));
      assert.deepStrictEqual(texts, Array.from({ length: 30 }, (_, i) => `r${i}`));
    });
  },
};

// A HEAD request gets a response with a null body for data: URLs too (main fetch drops the
// body of every HEAD response), while the headers still describe the resource.
export const dataUrlHead = {
  async test() {
    const res = await fetch('data:text/plain,hello%20there', { method: 'HEAD' });
    assert.strictEqual(res.status, 200);
    assert.strictEqual(res.headers.get('content-type'), 'text/plain');
    assert.strictEqual(res.body, null);
    assert.strictEqual(await res.text(), '');
    // GET still has the bytes.
    assert.strictEqual(await (await fetch('data:text/plain,hello%20there')).text(), 'hello there');
  },
};

// Reading the body of a response whose fetch was aborted gives a promise that is already
// rejected when the method returns: its handlers run before a microtask queued afterwards.
export const bodyOfAbortedResponseRejectsAtOnce = {
  async test() {
    await withServer(() => new Response(new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode('first part'));
        // never closed: the client aborts
      },
    })), async (srv) => {
      for (const method of ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text']) {
        const controller = new AbortController();
        const res = await fetch(srv.url, { signal: controller.signal });
        const reason = new Error(`stop ${method}`);
        controller.abort(reason);
        const order = [];
        const consumed = res[method]();
        await Promise.all([
          consumed.then(() => order.push('resolved'), (e) => order.push(e === reason ? 'rejected' : e)),
          Promise.resolve().then(() => order.push('later microtask')),
        ]);
        assert.deepStrictEqual(order, ['rejected', 'later microtask'], method);
        assert.strictEqual(res.bodyUsed, true);
      }
    });
  },
};
