// Escape attempts against the sandbox egress policy (egress-policy.md section 4): a workload
// must not reach what the policy denies. Each test names the trick it tries.
import assert from 'node:assert';
import { Sandbox, getSandbox } from '@cloudflare/sandbox';
import { serve, captureEgressLog } from 'dynworker:test';
import { workload } from './fixtures/sandbox_probe.js';

let upstream = null;
async function network() {
  if (upstream === null) upstream = await serve((request) => new Response('SECRET from loopback'));
  return upstream;
}
const port = async () => new URL((await network()).url).port;

const reached = (r) => (r.body !== undefined && r.body.includes('SECRET')) || (r.data !== undefined && r.data.includes('SECRET'));

export class LoopSandbox extends Sandbox {
  static deniedHosts = ['127.0.0.0/8', '[::1]/128'];
}
export class ExactIpSandbox extends Sandbox {
  static deniedHosts = ['127.0.0.1', 'localhost'];
}
export class NameSandbox extends Sandbox {
  static deniedHosts = ['localhost'];
}
export class AllowSandbox extends Sandbox {
  static allowedHosts = ['allowed.test'];
}
export class MiscSandbox extends Sandbox {}
// A handler registered for 127.0.0.1; a catch-all that forwards what it gets.
export class LoopHandlerSandbox extends Sandbox {
  static outboundByHost = { '127.0.0.1': () => new Response('intercepted') };
}
export class ForwardSandbox extends Sandbox {
  static deniedHosts = ['127.0.0.0/8', '[::1]/128'];
  static outbound = (request) => fetch(request);
}
export class RewrapSandbox extends Sandbox {
  static deniedHosts = ['127.0.0.0/8', '[::1]/128'];
  static outbound = (request) => fetch(new Request(request, { headers: { 'x-added': '1' } }));
}

// The unspecified address reaches this host: 0.0.0.0 and [::] are loopback in disguise, for the
// deny list (here) and for handlers (below).
export const unspecifiedAddressIsLoopback = {
  async test(ctrl, env) {
    await network();
    const p = await port();
    const w = workload(getSandbox(env.Loop, 'unspecified'));
    const leaks = [];
    for (const host of ['0.0.0.0', '0', '[::]', '[::ffff:0.0.0.0]', '0x0']) {
      const r = await w.probe(`http://${host}:${p}/`);
      if (reached(r)) leaks.push(`fetch ${host}`);
      const t = await w.tcp(`${host}:${p}`, 'GET / HTTP/1.0\r\n\r\n');
      if (reached(t)) leaks.push(`connect ${host}`);
    }
    assert.deepStrictEqual(leaks, []);
  },
};

// Loopback in every spelling, against a CIDR deny list.
export const loopbackSpellings = {
  async test(ctrl, env) {
    const p = await port();
    const w = workload(getSandbox(env.Loop, 'spellings'));
    const leaks = [];
    for (const host of ['127.0.0.1', '127.1', '0x7f.1', '2130706433', '017700000001', '127.0.0.1.',
      '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', 'localhost', 'LOCALHOST', 'localhost.', '127.0.0.%31',
      'user@127.0.0.1', '[::1]', 'ⓛocalhost', 'ｌｏｃａｌｈｏｓｔ']) {
      const r = await w.probe(`http://${host}:${p}/`);
      if (reached(r)) leaks.push(`fetch ${host}`);
    }
    for (const addr of [`127.0.0.1:${p}`, `0x7f.1:${p}`, `localhost:${p}`, `[::ffff:127.0.0.1]:${p}`,
      `::ffff:127.0.0.1:${p}`, `LOCALHOST:${p}`, `127.1:${p}`]) {
      const t = await w.tcp(addr, 'GET / HTTP/1.0\r\n\r\n');
      if (reached(t)) leaks.push(`connect ${addr}`);
    }
    for (const hostname of ['127.0.0.1', '::ffff:127.0.0.1', 'localhost', '0x7f000001']) {
      const t = await w.tcp({ hostname, port: +p }, 'GET / HTTP/1.0\r\n\r\n');
      if (reached(t)) leaks.push(`connect {hostname: ${hostname}}`);
    }
    assert.deepStrictEqual(leaks, []);
  },
};

// An exact IP pattern must cover the same address written as IPv4-mapped IPv6 (the URL
// serializer gives [::ffff:7f00:1], which a dual-stack socket connects to 127.0.0.1).
export const exactIpCoversMappedForm = {
  async test(ctrl, env) {
    const p = await port();
    const w = workload(getSandbox(env.ExactIp, 'mapped'));
    const leaks = [];
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '0.0.0.0', '127.1', 'localhost.']) {
      const r = await w.probe(`http://${host}:${p}/`);
      if (reached(r)) leaks.push(`fetch ${host}`);
    }
    for (const addr of [`[::ffff:127.0.0.1]:${p}`, `0.0.0.0:${p}`]) {
      const t = await w.tcp(addr, 'GET / HTTP/1.0\r\n\r\n');
      if (reached(t)) leaks.push(`connect ${addr}`);
    }
    assert.deepStrictEqual(leaks, []);
  },
};

// A workload picks the host; a glob with several "*" compiled to a backtracking RegExp
// (^.+\..+\..+...$) takes polynomial time in the host's length, and the loader's isolate,
// which decides for every sandbox, is stuck meanwhile. 100 labels took ~1 s, 150 ~5 s.
export class GlobSandbox extends Sandbox {
  static enableInternet = false;
  static outboundByHost = { '*.*.*.*.*.example.com': () => new Response('glob') };
}
export const globMatchingIsLinear = {
  async test(ctrl, env) {
    const w = workload(getSandbox(env.Glob, 'glob'));
    assert.strictEqual((await w.probe('http://a.b.c.d.e.example.com/')).body, 'glob');
    assert.strictEqual((await w.probe('http://a.b.c.d.example.com/')).status, 520);
    const host = 'a.'.repeat(150) + 'example.co';
    const start = Date.now();
    const r = await w.probe(`http://${host}/`);
    const ms = Date.now() - start;
    assert.strictEqual(r.status, 520);
    assert.ok(ms < 500, `deciding one request took ${ms} ms`);
    const long = 'a'.repeat(20000) + '.b.c.d.e.example.com';
    assert.strictEqual((await w.probe(`http://${long}/`)).body, 'glob');
  },
};

// A handler's error reaches the workload with the same name and message (section 1), but not
// with the loader's stack: that names the loader's files, lines and functions.
export class LeakSandbox extends Sandbox {
  static outbound = async function secretHandlerName() { throw new RangeError('handler said no'); };
}
export const handlerErrorsCarryNoLoaderStack = {
  async test(ctrl, env) {
    const w = workload(getSandbox(env.Leak, 'leak'));
    const e = await w.errorOf('http://x.test/');
    assert.strictEqual(e.name, 'RangeError');
    assert.strictEqual(e.message, 'handler said no');
    assert.ok(!/secretHandlerName|sandbox_escape\.test\.js|internal:sandbox/.test(e.stack), e.stack);
  },
};

// A handler for 127.0.0.1 also answers for 0.0.0.0 (the same destination).
export const unspecifiedAddressMeetsLoopbackHandlers = {
  async test(ctrl, env) {
    const p = await port();
    const w = workload(getSandbox(env.LoopHandler, 'handlers'));
    for (const host of ['127.0.0.1', '0.0.0.0', '[::ffff:127.0.0.1]', '[::ffff:0.0.0.0]']) {
      const r = await w.probe(`http://${host}:${p}/`);
      assert.strictEqual(r.body, 'intercepted', host);
    }
  },
};

// A catch-all that forwards the workload's request (as the Sandbox SDK's examples do) keeps the
// deny list's address check: localhost resolves into 127.0.0.0/8. So does a Request made from it.
export const forwardingHandlersKeepTheAddressCheck = {
  async test(ctrl, env) {
    const p = await port();
    for (const binding of ['Forward', 'Rewrap']) {
      const w = workload(getSandbox(env[binding], 'forwarding'));
      const r = await w.probe(`http://localhost:${p}/`);
      assert.ok(!reached(r), `${binding}: ${JSON.stringify(r)}`);
      assert.deepStrictEqual(r, { error: `Error: Egress to localhost:${p} is not permitted by the sandbox policy.` });
    }
    // The handler's own fetch of another URL is its business (the real network).
    const own = await fetch(`http://localhost:${p}/`);
    assert.ok((await own.text()).includes('SECRET'));
  },
};
