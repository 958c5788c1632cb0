// The Request a served worker gets (dynworker serve, here through dynworker:test's serve() and
// raw requests over cloudflare:sockets): its URL, method, headers, body and signal must be
// what `new Request(url, { method, headers, body, signal })` would give for the request head.
// The server builds that Request through internal shortcuts; these tests pin the equivalence.

import assert from 'node:assert';
import { connect } from 'cloudflare:sockets';
import { serve } from 'dynworker:test';

async function readAll(readable) {
  const reader = readable.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

// Sends one raw request (a string, or bytes) on a new connection; returns { status, body }.
async function raw(port, request) {
  const socket = connect({ hostname: '127.0.0.1', port });
  const writer = socket.writable.getWriter();
  await writer.write(typeof request === 'string' ? new TextEncoder().encode(request) : request);
  const text = await readAll(socket.readable);
  await socket.close();
  const status = Number(text.slice(9, 12));
  const head = text.indexOf('\r\n\r\n');
  let body = text.slice(head + 4);
  if (/\r\ntransfer-encoding: chunked\r\n/i.test(text.slice(0, head))) {
    let out = '';
    for (;;) {
      const lineEnd = body.indexOf('\r\n');
      const size = parseInt(body.slice(0, lineEnd), 16);
      if (!size) break;
      out += body.slice(lineEnd + 2, lineEnd + 2 + size);
      body = body.slice(lineEnd + 2 + size + 2);
    }
    body = out;
  }
  return { status, body };
}

function get(target, host) {
  return `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

// What `new Request('http://' + host + target)` gives: its url, or 500 when it throws.
function expectedUrl(host, target) {
  try {
    return new Request(`http://${host}${target}`).url;
  } catch {
    return 500;
  }
}

export const requestUrlMatchesTheParser = {
  async test() {
    const server = await serve((request) => new Response(request.url));
    try {
      const hosts = ['example.com', 'EXAMPLE.com', 'example.com:80', 'example.com:8080',
        'example.com:08080', 'example.com:', 'example.com:65535', 'example.com:65536',
        '127.0.0.1', '127.0.0.1:8787', '127.1', '0x7f.0.0.1', '127.000.0.1', '256.0.0.1',
        '1.2.3.4.5', '[::1]:8080', 'xn--nxasmq6b.com', 'xn--a.com', 'a..b', 'example.com.',
        'ex_ample.com', 'a-b.c-d', '-a.b', 'a.b1', 'a.1b', 'a.123', '1a.b', 'localhost',
        'exa%41mple.com', 'user@host'];
      const targets = ['/', '/a/b?c=d', '/a/./b', '/a/../b', '/a/.', '/a/..', '/%2e/x', '/%2E%2e/x',
        '/.well-known/x', '/a.b/c..d', '/a%20b', '/a%zz', '/~user/!$&()*+,;=:@', "/a'b",
        '/a?x=%27y%27', "/a?x='y'", '/a?q=a/b?c', '/a?{}|^`', '/a{b}', '/a|b', '/a^b', '/a`b',
        '/a[b]', '//double//slash', '/a?', '/a?#', '/q?a=1&b=2', '*', 'http://other.test/p'];
      for (const host of hosts) {
        for (const target of targets) {
          const { status, body } = await raw(server.port, get(target, host));
          if (status === 400) continue;  // the HTTP parser refused the request line or Host
          const expected = expectedUrl(host, target);
          if (expected === 500) {
            assert.strictEqual(status, 500, `${host} ${target}: ${body}`);
          } else {
            assert.strictEqual(status, 200, `${host} ${target}`);
            assert.strictEqual(body, expected, `${host} ${target}`);
          }
        }
      }
      // Bytes above ASCII in the target are percent-encoded, as the parser does.
      const encode = (s) => [...new TextEncoder().encode(s)];
      const bytes = new Uint8Array([...encode('GET /caf'), 0xC3, 0xA9, ...encode('?q='), 0xC3, 0xA9,
        ...encode(' HTTP/1.1\r\nHost: x.test\r\nConnection: close\r\n\r\n')]);
      const nonAscii = await raw(server.port, bytes);
      if (nonAscii.status !== 400) {
        assert.strictEqual(nonAscii.body, new Request('http://x.test/caf\u00e9?q=\u00e9').url);
      }
    } finally {
      await server.close();
    }
  },
};

export const methodsAndTheirErrors = {
  async test() {
    const server = await serve((request) => new Response(request.method));
    try {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND',
        'TRACE', 'CONNECT', 'get', 'Patch']) {
        const request = `${method} / HTTP/1.1\r\nHost: x.test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
        const { status, body } = await raw(server.port, request);
        if (status === 400) continue;  // not a method the HTTP parser accepts
        let expected;
        try {
          expected = new Request('http://x.test/', { method }).method;
        } catch {
          expected = 500;
        }
        if (expected === 500) {
          assert.strictEqual(status, 500, method);
        } else {
          assert.strictEqual(status, 200, method);
          if (method !== 'HEAD') assert.strictEqual(body, expected, method);
        }
      }
    } finally {
      await server.close();
    }
  },
};

export const bodiesAndTheGetOrHeadRule = {
  async test() {
    const server = await serve(async (request) => new Response(
      `${request.body === null ? 'null' : await request.text()}|${request.bodyUsed}`));
    try {
      const post = await raw(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n' +
        'Connection: close\r\n\r\nhello');
      assert.deepStrictEqual(post, { status: 200, body: 'hello|true' });
      const empty = await raw(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n' +
        'Connection: close\r\n\r\n');
      assert.strictEqual(empty.status, 200);
      assert.match(empty.body, /^(null|)\|(true|false)$/);
      const getWithBody = await raw(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n' +
        'Connection: close\r\n\r\nhello');
      assert.strictEqual(getWithBody.status, 500, 'new Request() throws for a GET with a body');
      const plainGet = await raw(server.port, get('/', 'x'));
      assert.deepStrictEqual(plainGet, { status: 200, body: 'null|false' });
    } finally {
      await server.close();
    }
  },
};

export const headersAsNewRequestMakesThem = {
  async test() {
    const server = await serve((request) => {
      const h = request.headers;
      let guardOk = true;
      try {
        h.set('x-added', '1');  // request headers are mutable ("request" guard)
      } catch {
        guardOk = false;
      }
      return new Response(JSON.stringify({ entries: [...h], guardOk, mode: request.mode,
        credentials: request.credentials, cache: request.cache, redirect: request.redirect,
        referrer: request.referrer, integrity: request.integrity, keepalive: request.keepalive,
        duplex: request.duplex }));
    });
    try {
      const { status, body } = await raw(server.port, 'GET /h HTTP/1.1\r\nHost: x.test\r\n' +
        'X-B: 2\r\nx-a:  padded  \r\nX-A: again\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n' +
        'Connection: close\r\n\r\n');
      assert.strictEqual(status, 200);
      const got = JSON.parse(body);
      assert.deepStrictEqual(got.entries, [['connection', 'close'], ['host', 'x.test'],
        ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-a', 'padded, again'], ['x-added', '1'],
        ['x-b', '2']]);
      assert.strictEqual(got.guardOk, true);
      const plain = new Request('http://x.test/', { method: 'GET', headers: [], signal: null });
      for (const key of ['mode', 'credentials', 'cache', 'redirect', 'referrer', 'integrity',
        'keepalive', 'duplex']) {
        assert.strictEqual(got[key], plain[key], key);
      }
    } finally {
      await server.close();
    }
  },
};

export const signalFollowsTheClientAndClones = {
  async test() {
    let seen;
    const done = new Promise((resolve) => { seen = resolve; });
    const server = await serve(async (request) => {
      const clone = request.clone();
      const derived = new Request(request);
      const any = AbortSignal.any([request.signal]);
      const state = [request.signal.aborted, clone.signal.aborted, derived.signal.aborted, any.aborted];
      const order = [];
      clone.signal.addEventListener('abort', () => order.push('clone'));
      request.signal.onabort = () => order.push('request');
      await new Promise((resolve) => derived.signal.addEventListener('abort', resolve));
      seen({ state, order, reasons: [request.signal.reason, clone.signal.reason, derived.signal.reason,
        any.reason], anyAborted: any.aborted });
      return new Response('never sent');
    });
    try {
      const socket = connect({ hostname: '127.0.0.1', port: server.port });
      const writer = socket.writable.getWriter();
      await writer.write(new TextEncoder().encode(get('/', 'x')));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await socket.close();
      const result = await done;
      assert.deepStrictEqual(result.state, [false, false, false, false]);
      // Abort events fire in the order the signals were made.
      assert.deepStrictEqual(result.order, ['request', 'clone']);
      assert.ok(result.reasons[0] instanceof TypeError);
      assert.strictEqual(result.reasons[0].message, 'The client disconnected.');
      for (const reason of result.reasons) assert.strictEqual(reason, result.reasons[0]);
      assert.strictEqual(result.anyAborted, true);
    } finally {
      await server.close();
    }
  },
};

export const signalReadAfterTheClientLeft = {
  async test() {
    let clientGone;
    const gone = new Promise((resolve) => { clientGone = resolve; });
    let seen;
    const done = new Promise((resolve) => { seen = resolve; });
    const server = await serve(async (request) => {
      const clone = request.clone();  // before anybody asked for a signal
      await gone;
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The clone's signal first: abort events and reasons must not depend on reading order.
      seen({ clone: [clone.signal.aborted, clone.signal.reason],
        request: [request.signal.aborted, request.signal.reason],
        any: AbortSignal.any([request.signal]).reason });
      return new Response('never sent');
    });
    try {
      const socket = connect({ hostname: '127.0.0.1', port: server.port });
      const writer = socket.writable.getWriter();
      await writer.write(new TextEncoder().encode(get('/', 'x')));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await socket.close();
      clientGone();
      const result = await done;
      assert.strictEqual(result.request[0], true);
      assert.ok(result.request[1] instanceof TypeError);
      assert.strictEqual(result.request[1].message, 'The client disconnected.');
      assert.deepStrictEqual(result.clone, result.request);
      assert.strictEqual(result.clone[1], result.request[1]);
      assert.strictEqual(result.any, result.request[1]);
    } finally {
      await server.close();
    }
  },
};

export const abortEventsFireInCreationOrder = {
  async test() {
    let seen;
    const done = new Promise((resolve) => { seen = resolve; });
    const server = await serve(async (request) => {
      const order = [];
      const clone = request.clone();
      const derived = new Request(request, { headers: { 'x-derived': '1' } });
      // Listeners added in the reverse order of the signals' creation.
      derived.signal.addEventListener('abort', () => order.push('derived'));
      clone.signal.addEventListener('abort', () => order.push('clone'));
      request.signal.addEventListener('abort', () => order.push('request'));
      await new Promise((resolve) => derived.signal.addEventListener('abort', resolve));
      seen(order);
      return new Response('never sent');
    });
    try {
      const socket = connect({ hostname: '127.0.0.1', port: server.port });
      const writer = socket.writable.getWriter();
      await writer.write(new TextEncoder().encode(get('/', 'x')));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await socket.close();
      assert.deepStrictEqual(await done, ['request', 'clone', 'derived']);
    } finally {
      await server.close();
    }
  },
};
