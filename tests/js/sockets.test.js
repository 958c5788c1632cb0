// cloudflare:sockets: the module's shape, argument checks with workerd's messages, and
// connections to a real HTTP server from dynworker:test. Echo, TLS, STARTTLS and backpressure
// against dedicated loopback servers are in fixtures/sockets_net.js (run by
// tests/cc/sockets_test.cc).
import assert from 'node:assert';
import * as sockets from 'cloudflare:sockets';
import { connect } from 'cloudflare:sockets';
import { serve } from 'dynworker:test';

// A port nothing listens on: a server's, once closed.
async function closedPort() {
  const server = await serve(() => new Response('unused'));
  const port = server.port;
  await server.close();
  return port;
}

async function readAllText(readable) {
  const dec = new TextDecoder();
  let text = '';
  for await (const chunk of readable) text += dec.decode(chunk, { stream: true });
  return text + dec.decode();
}

export const moduleShape = {
  test() {
    assert.deepStrictEqual(Object.keys(sockets), ['connect']);
    assert.strictEqual(typeof connect, 'function');
    assert.strictEqual(connect.name, 'connect');
    assert.strictEqual(connect.length, 2);
    assert.strictEqual(typeof globalThis.connect, 'undefined');
  },
};

export const socketShape = {
  async test() {
    const socket = connect(`127.0.0.1:${await closedPort()}`);
    socket.opened.catch(() => {});
    const proto = Object.getPrototypeOf(socket);
    assert.strictEqual(Object.prototype.toString.call(socket), '[object Socket]');
    assert.deepStrictEqual(Object.keys(proto),
      ['readable', 'writable', 'opened', 'closed', 'upgraded', 'secureTransport', 'close',
        'startTls']);
    assert.deepStrictEqual(Object.keys(socket), []);
    assert.ok(socket.readable instanceof ReadableStream);
    assert.ok(socket.writable instanceof WritableStream);
    assert.strictEqual(socket.readable, socket.readable);
    assert.ok(socket.opened instanceof Promise);
    assert.strictEqual(socket.opened, socket.opened);
    assert.strictEqual(socket.closed, socket.closed);
    assert.strictEqual(socket.upgraded, false);
    assert.strictEqual(socket.secureTransport, 'off');
    // A byte stream: BYOB readers work.
    socket.readable.getReader({ mode: 'byob' }).releaseLock();
    const illegal = (message) => ({ name: 'TypeError', message });
    assert.throws(() => new proto.constructor(), illegal('Illegal constructor'));
    const getter = Object.getOwnPropertyDescriptor(proto, 'readable').get;
    assert.throws(() => getter.call({}), illegal('Illegal invocation'));
    assert.throws(() => proto.startTls.call({}), illegal('Illegal invocation'));
    await assert.rejects(proto.close.call({}), illegal('Illegal invocation'));
    await socket.close();
  },
};

export const invalidAddresses = {
  test() {
    const cases = [
      ['', 'Specified address is missing hostname.'],
      ['localhost', 'Specified address is missing port.'],
      ['example.com:', 'Specified address is missing port.'],
      [':8080', 'Specified address could not be parsed.'],
      ['exa mple.com:80', 'Specified address could not be parsed.'],
      ['localhost:65536', 'Specified address could not be parsed.'],
      ['localhost:80/path', 'Specified address is empty string, contains unsupported characters ' +
        'or is too long.'],
      [`${'a'.repeat(260)}:80`, 'Specified address is empty string, contains unsupported ' +
        'characters or is too long.'],
      ['localhost:0', 'Specified address has port 0 (localhost:0): a port must be between 1 and ' +
        '65535.'],
      [{ port: 80 }, "Incorrect type for the 'hostname' field on 'SocketAddress': the provided " +
        "value is not of type 'string'."],
      [{ hostname: '', port: 80 }, 'Specified address is missing hostname.'],
      [{ hostname: 'localhost' }, 'The value cannot be converted because it is not an integer.'],
      [{ hostname: 'localhost', port: -1 }, 'The value cannot be converted because it is ' +
        'negative and this API expects a positive number.'],
      [{ hostname: 'localhost', port: 65536 }, 'Value out of range. Must be less than or equal ' +
        'to 65535.'],
      [{ hostname: 'localhost', port: 0 }, 'Specified address has port 0 (localhost:0): a port ' +
        'must be between 1 and 65535.'],
      [{ hostname: 'bad host', port: 80 }, 'Specified address is empty string, contains ' +
        'unsupported characters or is too long.'],
    ];
    for (const [address, message] of cases) {
      assert.throws(() => connect(address), { name: 'TypeError', message },
        `connect(${JSON.stringify(address)})`);
    }
    assert.throws(() => connect(), {
      name: 'TypeError',
      message: "Failed to execute 'connect' on 'SocketsModule': parameter 1 is not of type " +
        "'string or SocketAddress'.",
    });
  },
};

export const invalidOptions = {
  test() {
    assert.throws(() => connect('localhost:80', { secureTransport: 'yes' }), {
      name: 'TypeError', message: 'Unsupported value in secureTransport socket option: yes',
    });
    assert.throws(() => connect('localhost:80', 'on'), {
      name: 'TypeError',
      message: "Failed to execute 'connect' on 'SocketsModule': parameter 2 is not of type " +
        "'SocketOptions'.",
    });
    // Address errors come first, as in workerd.
    assert.throws(() => connect('localhost', { secureTransport: 'yes' }), {
      name: 'TypeError', message: 'Specified address is missing port.',
    });
  },
};

export const httpOverASocket = {
  async test() {
    const server = await serve(
      (request) => new Response(`${request.method} ${new URL(request.url).pathname}`));
    try {
      const socket = connect({ hostname: '127.0.0.1', port: server.port });
      const info = await socket.opened;
      assert.strictEqual(info.remoteAddress, `127.0.0.1:${server.port}`);
      assert.match(info.localAddress, /^127\.0\.0\.1:\d+$/);
      const writer = socket.writable.getWriter();
      await writer.write('GET /over/tcp HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
      const response = await readAllText(socket.readable);
      assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(response.endsWith('\r\n\r\nGET /over/tcp'), response);
      // The server closed: the write side was closed for us and `closed` resolves.
      await socket.closed;
      await writer.closed;
    } finally {
      await server.close();
    }
  },
};

export const connectionRefused = {
  async test() {
    const port = await closedPort();
    const socket = connect(`127.0.0.1:${port}`);
    const expected = { name: 'Error', message: `connection refused: 127.0.0.1:${port}` };
    await assert.rejects(socket.opened, expected);
    await assert.rejects(socket.closed, expected);
    assert.strictEqual((await socket.readable.getReader().read()).done, true);
    await assert.rejects(socket.writable.getWriter().write('x'), expected);
    // close() settles anyway; `closed` keeps the failure.
    assert.strictEqual(await socket.close(), undefined);
    await assert.rejects(socket.closed, expected);
    assert.throws(() => socket.startTls(), {
      name: 'TypeError', message: 'The connection was closed before startTls could be started.',
    });
  },
};

export const startTlsChecks = {
  async test() {
    const server = await serve(() => new Response('x'));
    try {
      const plain = connect(`127.0.0.1:${server.port}`);
      assert.throws(() => plain.startTls(), {
        name: 'TypeError',
        message: "The `secureTransport` socket option must be set to 'starttls' for startTls " +
          'to be used.',
      });
      await plain.close();
      const secure = connect(`127.0.0.1:${server.port}`, { secureTransport: 'on' });
      assert.strictEqual(secure.secureTransport, 'on');
      assert.throws(() => secure.startTls(), {
        name: 'TypeError', message: 'Cannot startTls on a TLS socket.',
      });
      secure.opened.catch(() => {});
      await secure.close();
      const starttls = connect(`127.0.0.1:${server.port}`, { secureTransport: 'starttls' });
      assert.throws(() => starttls.startTls('other.test'), {
        name: 'TypeError',
        message: "Failed to execute 'startTls' on 'Socket': parameter 1 is not of type " +
          "'TlsOptions'.",
      });
      await starttls.close();
    } finally {
      await server.close();
    }
  },
};

// The runtime's own code does not go through prototypes user code can replace.
export const patchedPrototypes = {
  async test() {
    const server = await serve(() => new Response('patched'));
    const unused = await closedPort();
    const saved = [
      [WritableStream.prototype, 'abort'], [WritableStream.prototype, 'getWriter'],
      [ReadableStream.prototype, 'cancel'], [WritableStreamDefaultController.prototype, 'error'],
      [Array.prototype, Symbol.iterator], [Object.getPrototypeOf(Uint8Array.prototype), 'slice'],
      [FinalizationRegistry.prototype, 'register'],
    ].map(([obj, key]) => [obj, key, Object.getOwnPropertyDescriptor(obj, key)]);
    try {
      for (let i = 0; i < saved.length; i++) {
        const key = saved[i][1];
        Object.defineProperty(saved[i][0], key, {
          value() { throw new Error(`patched ${String(key)} was called`); },
          configurable: true, writable: true,
        });
      }
      const socket = connect(`127.0.0.1:${server.port}`);
      await socket.opened;
      await socket.close();
      await socket.closed;
      const refused = connect(`127.0.0.1:${unused}`);
      await refused.opened.then(() => assert.fail('connected'), () => {});
    } finally {
      // Indexed: the patched iterator is still installed here.
      for (let i = 0; i < saved.length; i++) {
        Object.defineProperty(saved[i][0], saved[i][1], saved[i][2]);
      }
      await server.close();
    }
  },
};
