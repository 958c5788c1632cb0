// Sandboxes and their egress policy (docs: /work/shared/spec/egress-policy.md): the built-in
// @cloudflare/sandbox module, namespaces and ids, workloads, the nine steps of a decision and
// every competition between them, host and pattern normalization, run-time setters, the class
// field form, connect(), the denied response, the audit lines, ctx.storage.
//
// Config: sandbox.wrangler.jsonc (one namespace per class below). Each test uses its own
// sandbox name, so run-time changes of one test never reach another.
import assert from 'node:assert';
import { Sandbox, getSandbox, ContainerProxy } from '@cloudflare/sandbox';
import * as builtin from 'dynworker:sandbox';
import { serve, captureEgressLog } from 'dynworker:test';
import { DurableObject } from 'cloudflare:workers';
import { DATE, kProbe, workload } from './fixtures/sandbox_probe.js';


// A handler that says who answered, with what it saw.
function named(name) {
  return async (request, env, ctx) => Response.json({
    by: name, url: request.url, method: request.method, ctx,
    bodyLength: request.body === null ? null : (await request.arrayBuffer()).byteLength,
  });
}
const who = (result) => {
  assert.ok(result.body !== undefined, `expected a response, got ${JSON.stringify(result)}`);
  return result.status === 520 ? 'denied' : JSON.parse(result.body).by;
};

let upstream = null;  // a real HTTP server on loopback: "the real network"
async function network() {
  if (upstream === null) {
    upstream = await serve((request) => {
      const url = new URL(request.url);
      if (url.pathname === '/redirect') {
        return new Response(null, { status: 302, headers: { location: url.searchParams.get('to') } });
      }
      return Response.json({ by: 'network', url: request.url });
    });
  }
  return upstream;
}

// ---------------------------------------------------------------------------------------------
// Classes bound in sandbox.wrangler.jsonc.

// The seed's assignment form.
export class BasicSandbox extends Sandbox {
  getStateForKey(key) { return `state of ${key} in ${this.ctx.id.toString()}`; }
  echo(request) { return request.text(); }
}
BasicSandbox.outbound = named('outbound');
BasicSandbox.outboundByHost = {
  'my.kv': named('my.kv'),
  'throws.test': () => { throw new RangeError('handler said no'); },
  'notresponse.test': () => 'nope',
  'redirect.test': () => new Response(null, { status: 302, headers: { location: 'http://after.test/next' } }),
  'redirect-denied.test': () => new Response(null, { status: 302, headers: { location: 'http://blocked.test/' } }),
};
BasicSandbox.outboundHandlers = {
  kvAccess: named('kvAccess'),
  other: named('other'),
  withParams: (request, env, ctx) => Response.json({ by: 'withParams', params: ctx.params }),
  setsPolicy: async (request, env, ctx) => {
    const me = env.Basic.get(env.Basic.idFromString(ctx.containerId));
    await me.setOutboundByHost('changed.test', 'other');
    return Response.json({ by: 'setsPolicy' });
  },
};
BasicSandbox.deniedHosts = ['blocked.test'];

// The class-field form (Cloudflare's silently ignores it).
export class FieldSandbox extends Sandbox {
  static outbound = named('static outbound');
  static outboundByHost = { 'field.test': named('static byHost') };
  static outboundHandlers = { named: named('static named') };
  static enableInternet = false;
}

// Subclass: inherits statics; an instance field wins over a static of the same name.
export class SubSandbox extends FieldSandbox {
  enableInternet = true;
  allowedHosts = ['field.test', 'other.test', '127.0.0.1'];
}

// Every step competing with the next.
export class ChainSandbox extends Sandbox {
  static deniedHosts = ['denied.test'];
  static allowedHosts = ['*.test', '127.0.0.1', 'localhost'];
  static outboundByHost = {
    'denied.test': named('static byHost denied.test'),
    'exact.test': named('static exact.test'),
    'handled.test': named('static handled.test'),
  };
  static outboundHandlers = {
    runtimeGlob: named('runtime glob'), runtimeCatchAll: named('runtime catch-all'),
  };
  static outbound = named('static catch-all');
}

export class ClosedSandbox extends Sandbox {
  static enableInternet = false;
  static allowedHosts = ['127.0.0.1'];
  static outboundHandlers = { h: named('h') };
}

export class ListSandbox extends Sandbox {
  static allowedHosts = ['a.test', '127.0.0.1'];
  static outboundHandlers = { h: named('h') };
  static outbound = named('catch-all');
}

// Patterns of every kind, in a static map (exact beats glob, first glob wins...).
export class PatternSandbox extends Sandbox {
  static enableInternet = false;
  static outboundByHost = {
    '*.example.com': named('glob first'),
    '*.b.example.com': named('glob second'),
    'a.b.example.com': named('exact'),
    'Port.Example.COM.:8080': named('exact with port'),
    'port.example.com': named('exact without port'),
    'xn--bcher-kva.example': named('idna'),
    '10.0.0.0/8': named('cidr v4'),
    '[fd00::]/8': named('cidr v6'),
    '[::1]:9': named('v6 literal'),
    '192.168.1.1': named('v4 literal'),
    '*.168.1.2.nip.test': named('glob with digits'),
    '*': named('star'),
  };
  static outboundHandlers = { h: named('runtime') };
}

export class DeniedSandbox extends Sandbox {
  static enableInternet = false;
  static deniedResponse = { status: 403, body: 'nope', headers: { 'x-why': 'policy' } };
}

export class DeniedFnSandbox extends Sandbox {
  static enableInternet = false;
  static deniedResponse = (request) => new Response(`refused ${new URL(request.url).hostname}`, { status: 451 });
}

export class BadStaticSandbox extends Sandbox {
  static outboundByHost = { 'http://bad.test/': named('never') };
}

export class BadInstanceSandbox extends Sandbox {
  deniedHosts = ['10.0.0.0/40'];
}

// connect(): handlers with and without connect().
export class ConnectSandbox extends Sandbox {
  static deniedHosts = ['denied.test'];
  static outboundByHost = {
    'echo.test': {
      async connect(socket, env, ctx) {
        const writer = socket.writable.getWriter();
        await writer.write(new TextEncoder().encode(`hello from ${ctx.className}\n`));
        const reader = socket.readable.getReader();
        const { value } = await reader.read();
        await writer.write(new TextEncoder().encode(new TextDecoder().decode(value).toUpperCase()));
        await writer.close();
      },
    },
    'httponly.test': named('http only'),
  };
}

export class StoreSandbox extends Sandbox {
  static outboundHandlers = { h: named('h') };
}
export class OtherStoreSandbox extends Sandbox {}

// ---------------------------------------------------------------------------------------------
// The module, namespaces and ids.

export const moduleExports = {
  test() {
    assert.strictEqual(builtin.Sandbox, Sandbox);
    assert.strictEqual(builtin.getSandbox, getSandbox);
    assert.strictEqual(typeof ContainerProxy, 'function');
  },
};

export const ids = {
  test(ctrl, env) {
    const a = env.Basic.idFromName('x');
    assert.match(a.toString(), /^[0-9a-f]{64}$/);
    assert.strictEqual(env.Basic.idFromName('x').toString(), a.toString());
    assert.notStrictEqual(env.Basic.idFromName('y').toString(), a.toString());
    assert.notStrictEqual(env.Fields.idFromName('x').toString(), a.toString(), 'namespaces differ');
    assert.strictEqual(a.name, 'x');
    assert.ok(env.Basic.idFromString(a.toString().toUpperCase()).equals(a));
    assert.strictEqual(env.Basic.idFromString(a.toString().toUpperCase()).toString(), a.toString());
    for (const bad of ['', 'abc', 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 42]) {
      assert.throws(() => env.Basic.idFromString(bad), { name: 'TypeError' });
    }
    assert.notStrictEqual(env.Basic.newUniqueId().toString(), env.Basic.newUniqueId().toString());
    assert.match(env.Basic.newUniqueId().toString(), /^[0-9a-f]{64}$/);
  },
};

export const oneInstancePerId = {
  async test(ctrl, env) {
    const a = getSandbox(env.Basic, 'one');
    const b = env.Basic.get(env.Basic.idFromName('one'));
    assert.strictEqual(await a.getStateForKey('k'), await b.getStateForKey('k'));
    assert.strictEqual(await a.getStateForKey('k'), `state of k in ${env.Basic.idFromName('one')}`);
    assert.strictEqual(a.id.toString(), env.Basic.idFromName('one').toString());
    // RPC may carry Requests, Responses and streams.
    assert.strictEqual(await a.echo(new Request('http://x/', { method: 'POST', body: 'carried' })), 'carried');
    await assert.rejects(a.noSuchMethod(), {
      name: 'TypeError', message: 'The RPC receiver does not implement the method "noSuchMethod".',
    });
    assert.strictEqual(a.then, undefined, 'a stub is not a promise');
  },
};

// A namespace is its class (as for Durable Objects): two bindings of one class reach the same
// instances, ids and policies.
export const bindingsOfOneClassShareInstances = {
  async test(ctrl, env) {
    assert.strictEqual(env.BasicAgain.idFromName('shared').toString(), env.Basic.idFromName('shared').toString());
    const a = getSandbox(env.Basic, 'shared');
    const b = getSandbox(env.BasicAgain, 'shared');
    await b.setOutboundByHost('shared.test', 'kvAccess');
    assert.strictEqual(who(await workload(a).probe('http://shared.test/')), 'kvAccess');
  },
};

export const argumentErrors = {
  async test(ctrl, env) {
    assert.throws(() => getSandbox(env.NoSuchBinding, 'x'), {
      name: 'TypeError',
      message: 'getSandbox(ns, name): ns must be a sandboxes binding such as env.Sandbox, got undefined ' +
        '(is the binding in the config\'s "sandboxes"?).',
    });
    const sandbox = getSandbox(env.Basic, 'arguments');
    await assert.rejects(sandbox.setOutboundHandler(), { name: 'TypeError', message: /name must be the name of one of BasicSandbox\.outboundHandlers, or null/ });
    await assert.rejects(sandbox.setOutboundByHost('a.test'), { name: 'TypeError', message: /name must be the name of one of BasicSandbox\.outboundHandlers\./ });
    await assert.rejects(sandbox.setOutboundByHosts(['a.test']), { name: 'TypeError', message: /map must be an object/ });
    await assert.rejects(sandbox.setOutboundByHosts({ 'a.test': {} }), { name: 'TypeError', message: /must be a handler name or \{ method, params \}/ });
    await assert.rejects(sandbox.setOutboundByHost('a.test', 'kvAccess', { big: 10n }), { name: 'TypeError', message: /^params must be JSON/ });
  },
};

export const missingClass = {
  test(ctrl, env) {
    assert.throws(() => env.Missing.get(env.Missing.idFromName('x')), {
      name: 'TypeError', message: /names the class "NotExported", but the main module does not export/,
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Workloads.

export const workloadsFollowThePolicy = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Basic, 'workloads');
    const w = workload(sandbox);
    const r = await w.probe('http://my.kv/some/key');
    assert.strictEqual(r.status, 200);
    const body = JSON.parse(r.body);
    assert.strictEqual(body.by, 'my.kv');
    assert.strictEqual(body.url, 'http://my.kv/some/key');
    assert.deepStrictEqual(body.ctx, { containerId: sandbox.id.toString(), className: 'BasicSandbox' });
    // get(id, getCode): the same policy, a cache of the sandbox's own.
    const byId = sandbox.get('w1', () => ({ compatibilityDate: DATE, mainModule: 'main.js',
      modules: { 'main.js': kProbe } })).getEntrypoint();
    assert.strictEqual(who(await byId.probe('http://anything.test/')), 'outbound');
  },
};

// Worker ids of sandbox.get belong to their sandbox: the same id in two sandboxes is two
// workers, each with its sandbox's policy; in one sandbox, a warm id is reused.
export const workerIdsBelongToTheirSandbox = {
  async test(ctrl, env) {
    const counter = `
      import { WorkerEntrypoint } from 'cloudflare:workers';
      let n = 0;
      export default class extends WorkerEntrypoint {
        async inc() { return ++n; }
        async who() { return (await (await fetch('http://who.test/')).text()); }
      }`;
    const code = () => ({ compatibilityDate: DATE, mainModule: 'm.js', modules: { 'm.js': counter } });
    const a = getSandbox(env.Basic, 'ids-a');
    const b = getSandbox(env.Basic, 'ids-b');
    await a.setOutboundByHost('who.test', 'kvAccess');
    await b.setOutboundByHost('who.test', 'other');
    assert.strictEqual(await a.get('same', code).getEntrypoint().inc(), 1);
    assert.strictEqual(await a.get('same', code).getEntrypoint().inc(), 2);
    assert.strictEqual(await b.get('same', code).getEntrypoint().inc(), 1);
    assert.strictEqual(JSON.parse(await a.get('same', code).getEntrypoint().who()).by, 'kvAccess');
    assert.strictEqual(JSON.parse(await b.get('same', code).getEntrypoint().who()).by, 'other');
    assert.strictEqual(JSON.parse(await a.get(null, code).getEntrypoint().who()).by, 'kvAccess');
  },
};

export const globalOutboundIsRefused = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Basic, 'global-outbound');
    const message = 'A sandbox workload cannot set globalOutbound; its egress is the sandbox policy.';
    for (const globalOutbound of [null, undefined, ctrl]) {
      assert.throws(() => sandbox.load({ compatibilityDate: DATE, mainModule: 'main.js',
        modules: { 'main.js': kProbe }, globalOutbound }), { name: 'TypeError', message });
    }
    const stub = sandbox.get('go', () => ({ compatibilityDate: DATE, mainModule: 'main.js',
      modules: { 'main.js': kProbe }, globalOutbound: null }));
    await assert.rejects(Promise.resolve(stub.getEntrypoint().probe('http://x/')), { name: 'TypeError', message });
  },
};

// Only the loader may make sandboxes: a workload cannot import the module.
export const workloadsCannotImportTheModule = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Basic, 'imports');
    for (const specifier of ['@cloudflare/sandbox', 'dynworker:sandbox']) {
      const w = sandbox.load({ compatibilityDate: DATE, mainModule: 'main.js', modules: {
        'main.js': `import { Sandbox } from '${specifier}'; export default { fetch() { return new Response('x'); } };`,
      } });
      await assert.rejects(Promise.resolve(w.getEntrypoint().fetch('http://x/')),
        { message: /^Failed to start Worker:\n.*No such module "dynworker:sandbox"/s });
    }
  },
};

export const httpsIsDecidedLikeHttp = {
  async test(ctrl, env) {
    const w = workload(getSandbox(env.Basic, 'https'));
    const r = await w.probe('https://my.kv/secure');
    assert.strictEqual(who(r), 'my.kv');
    assert.strictEqual(JSON.parse(r.body).url, 'https://my.kv/secure');
    assert.strictEqual(who(await w.probe('https://blocked.test/')), 'denied');
  },
};

export const handlerErrors = {
  async test(ctrl, env) {
    const w = workload(getSandbox(env.Basic, 'errors'));
    assert.deepStrictEqual(await w.probe('http://throws.test/'), { error: 'RangeError: handler said no' });
    assert.match((await w.probe('http://notresponse.test/')).error, /^TypeError: .*must return a Response/);
  },
};

export const redirectHopsAreDecidedAgain = {
  async test(ctrl, env) {
    const w = workload(getSandbox(env.Basic, 'redirects'));
    const r = await w.probe('http://redirect.test/');
    assert.strictEqual(who(r), 'outbound', 'the hop to after.test went to the catch-all');
    assert.strictEqual(JSON.parse(r.body).url, 'http://after.test/next');
    assert.strictEqual(r.url, 'http://after.test/next');
    const denied = await w.probe('http://redirect-denied.test/');
    assert.strictEqual(denied.status, 520);
    assert.strictEqual(denied.body, 'Origin is disallowed');
    const manual = await w.probe('http://redirect.test/', { redirect: 'manual' });
    assert.strictEqual(manual.status, 302);
  },
};

// The network path does not follow redirects past the policy: each hop comes back to be decided.
export const networkRedirectsAreDecidedAgain = {
  async test(ctrl, env) {
    const srv = await network();
    const sandbox = getSandbox(env.Store, 'network-redirects');
    await sandbox.denyHost('blocked.test');
    const w = workload(sandbox);
    const denied = await w.probe(`${srv.url}redirect?to=${encodeURIComponent('http://blocked.test/x')}`);
    assert.deepStrictEqual([denied.status, denied.body, denied.url], [520, 'Origin is disallowed', 'http://blocked.test/x']);
    const ok = await w.probe(`${srv.url}redirect?to=${encodeURIComponent(`${srv.url}final`)}`);
    assert.strictEqual(who(ok), 'network');
    assert.strictEqual(ok.url, `${srv.url}final`);
  },
};

// ---------------------------------------------------------------------------------------------
// The steps and their competitions.

export const stepOneDenyBeatsEverything = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Chain, 'step1');
    await sandbox.setOutboundByHost('denied.test', 'runtimeGlob');
    await sandbox.setOutboundHandler('runtimeCatchAll');
    const r = await workload(sandbox).probe('http://denied.test/');
    assert.strictEqual(r.status, 520);
    assert.strictEqual(r.body, 'Origin is disallowed');
  },
};

export const stepTwoAllowListGates = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Chain, 'step2');
    const w = workload(sandbox);
    // not.allowed.example has handlers everywhere (catch-all) but is outside the allow list.
    assert.strictEqual(who(await w.probe('http://not-allowed.example/')), 'denied');
    await sandbox.setAllowedHosts([]);
    assert.strictEqual(who(await w.probe('http://exact.test/')), 'denied', '[] denies all');
    await sandbox.setAllowedHosts(null);
    assert.strictEqual(who(await w.probe('http://not-allowed.example/')), 'static catch-all',
      'null: no allow list (not the class list)');
  },
};

export const stepThreeRuntimeGlobBeatsStaticExact = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Chain, 'step3');
    const w = workload(sandbox);
    assert.strictEqual(who(await w.probe('http://exact.test/')), 'static exact.test');
    await sandbox.setOutboundByHost('*.test', 'runtimeGlob');
    assert.strictEqual(who(await w.probe('http://exact.test/')), 'runtime glob');
  },
};

export const stepFourStaticByHostBeatsRuntimeCatchAll = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Chain, 'step4');
    await sandbox.setOutboundHandler('runtimeCatchAll');
    const w = workload(sandbox);
    assert.strictEqual(who(await w.probe('http://handled.test/')), 'static handled.test');
    assert.strictEqual(who(await w.probe('http://other.test/')), 'runtime catch-all');
  },
};

export const stepFiveRuntimeCatchAllBeatsStatic = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Chain, 'step5');
    const w = workload(sandbox);
    assert.strictEqual(who(await w.probe('http://other.test/')), 'static catch-all');
    await sandbox.setOutboundHandler('runtimeCatchAll');
    assert.strictEqual(who(await w.probe('http://other.test/')), 'runtime catch-all');
    await sandbox.setOutboundHandler(null);
    assert.strictEqual(who(await w.probe('http://other.test/')), 'static catch-all');
  },
};

export const stepSixCatchAllBeatsTheAllowList = {
  async test(ctrl, env) {
    const srv = await network();
    // 127.0.0.1 is allow-listed, but a catch-all answers before the network (step 6 < 7).
    assert.strictEqual(who(await workload(getSandbox(env.Chain, 'step6')).probe(srv.url)), 'static catch-all');
  },
};

export const stepSevenAllowListReachesTheNetwork = {
  async test(ctrl, env) {
    const srv = await network();
    const w = workload(getSandbox(env.Closed, 'step7'));
    assert.strictEqual(who(await w.probe(srv.url)), 'network', 'allow-listed with enableInternet false');
    assert.strictEqual(who(await w.probe(`http://localhost:${srv.port}/`)), 'denied', 'not in the list');
  },
};

export const stepEightAndNine = {
  async test(ctrl, env) {
    const srv = await network();
    // No handler, no lists: enableInternet (default true) reaches the network.
    assert.strictEqual(who(await workload(getSandbox(env.Store, 'step8')).probe(srv.url)), 'network');
    // enableInternet false and nothing else: denied.
    const r = await workload(getSandbox(env.Denied, 'step9')).probe(srv.url);
    assert.strictEqual(r.status, 403);
  },
};

export const deniedResponses = {
  async test(ctrl, env) {
    const r = await workload(getSandbox(env.Denied, 'denied')).probe('http://x.test/');
    assert.deepStrictEqual(r, { status: 403, body: 'nope', url: 'http://x.test/' });
    const f = await workload(getSandbox(env.DeniedFn, 'denied')).probe('http://Y.Test./');
    assert.strictEqual(f.status, 451);
    assert.strictEqual(f.body, 'refused y.test.', 'the function gets the request as it was made');
  },
};

// ---------------------------------------------------------------------------------------------
// Patterns and normalization.

export const patternKinds = {
  async test(ctrl, env) {
    const w = workload(getSandbox(env.Patterns, 'kinds'));
    const cases = [
      ['http://a.b.example.com/', 'exact', 'an exact host beats globs registered before it'],
      ['http://c.b.example.com/', 'glob first', 'the first registered glob wins'],
      ['http://x.y.example.com/', 'glob first', '* spans dots'],
      ['http://example.com/', 'star', '*.example.com does not match example.com'],
      ['http://port.example.com:8080/', 'exact with port', 'a port beats no port'],
      ['http://port.example.com/', 'exact without port', 'a pattern without port matches every port'],
      ['http://port.example.com:9000/', 'exact without port', ''],
      ['http://bücher.example/', 'idna', 'IDNA'],
      ['http://BÜCHER.example./', 'idna', 'case and trailing dot'],
      ['http://10.1.2.3/', 'cidr v4', 'CIDR'],
      ['http://0x0a.1.2.3/', 'cidr v4', 'IPv4 in another notation'],
      ['http://167772161/', 'cidr v4', 'IPv4 as one number'],
      ['http://[fd12:3456::1]/', 'cidr v6', 'IPv6 CIDR'],
      ['http://[0:0:0:0:0:0:0:1]:9/', 'v6 literal', 'IPv6 normalized'],
      ['http://[::1]:10/', 'denied', 'the port of an IPv6 literal pattern'],
      ['http://192.168.1.1/', 'v4 literal', 'IPv4 literal'],
      ['http://192.168.1.2/', 'denied', 'globs never match IP literals'],
      ['http://[::ffff:10.0.0.1]/', 'cidr v4', 'IPv4-mapped IPv6 is in the IPv4 block'],
      ['http://UPPER.Example.COM/', 'glob first', 'case'],
      ['http://anything.else/', 'star', ''],
    ];
    for (const [url, expected, why] of cases) {
      assert.strictEqual(who(await w.probe(url)), expected, `${url}: ${why}`);
    }
  },
};

export const invalidPatternsAreRejected = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Patterns, 'invalid');
    const bad = [
      ['', /the pattern is empty/],
      ['http://a.test/', /not a URL/],
      ['a.test/path', /not a URL path/],
      ['a.test:0', /port 0 is not from 1 to 65535/],
      ['a.test:99999', /port 99999/],
      ['a.test:http', /port "http"/],
      ['10.0.0.0/33', /prefix length 33 is more than 32 bits/],
      ['[fd00::]/129', /prefix length 129 is more than 128 bits/],
      ['example.com/8', /needs an IP address/],
      ['10.*.0.1', /a glob never matches an IP address/],
      ['a b.test', /a pattern is a host/],
      ['exa%mple.test', /not a valid host/],
      ['[::1', /needs its "]"/],
    ];
    for (const [pattern, reason] of bad) {
      await assert.rejects(sandbox.setOutboundByHost(pattern, 'h'), (error) => {
        assert.strictEqual(error.name, 'TypeError');
        assert.ok(error.message.startsWith(`Invalid egress pattern "${pattern}": `), error.message);
        assert.match(error.message, reason);
        return true;
      }, pattern);
      await assert.rejects(sandbox.allowHost(pattern), { name: 'TypeError' });
    }
    // Nothing changed: the static map still answers.
    assert.strictEqual(who(await workload(sandbox).probe('http://a.b.example.com/')), 'exact');
  },
};

export const invalidStaticPatternFailsEveryGet = {
  test(ctrl, env) {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => env.BadStatic.get(env.BadStatic.idFromName('x')), {
        name: 'TypeError', message: 'Invalid egress pattern "http://bad.test/": give a host, such as "api.example.com", not a URL',
      });
    }
    for (let i = 0; i < 2; i++) {
      assert.throws(() => getSandbox(env.BadInstance, 'y'), {
        name: 'TypeError', message: 'Invalid egress pattern "10.0.0.0/40": the prefix length 40 is more than 32 bits',
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Run-time setters.

export const unknownHandlerNamesChangeNothing = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Basic, 'unknown-name');
    const w = workload(sandbox);
    const noSuch = (name) => ({ name: 'TypeError', message: `No outbound handler named ${name} on BasicSandbox.` });
    await assert.rejects(sandbox.setOutboundHandler('nope'), noSuch('nope'));
    await assert.rejects(sandbox.setOutboundByHost('a.test', 'nope'), noSuch('nope'));
    await assert.rejects(sandbox.setOutboundByHosts({ 'a.test': 'kvAccess', 'b.test': 'nope' }), noSuch('nope'));
    await assert.rejects(sandbox.setOutboundByHosts({ 'a.test': 'kvAccess', 'b.test/x': 'other' }), { name: 'TypeError' });
    assert.strictEqual(who(await w.probe('http://a.test/')), 'outbound', 'all or nothing');
  },
};

export const everySetter = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Basic, 'setters');
    const w = workload(sandbox);
    const at = async (host) => who(await w.probe(`http://${host}/`));

    await sandbox.setOutboundByHost('grant.test', 'kvAccess');
    assert.strictEqual(await at('grant.test'), 'kvAccess');
    await sandbox.setOutboundByHost('GRANT.test.', 'other');  // the same pattern: replaced in place
    assert.strictEqual(await at('grant.test'), 'other');
    await sandbox.removeOutboundByHost('grant.test');
    assert.strictEqual(await at('grant.test'), 'outbound');

    await sandbox.setOutboundByHost('p.test', 'withParams', { tenant: 7 });
    assert.deepStrictEqual(JSON.parse((await w.probe('http://p.test/')).body).params, { tenant: 7 });

    await sandbox.setOutboundByHosts({ 'one.test': 'kvAccess', 'two.test': { method: 'withParams', params: [1] } });
    assert.strictEqual(await at('one.test'), 'kvAccess');
    assert.deepStrictEqual(JSON.parse((await w.probe('http://two.test/')).body).params, [1]);
    assert.strictEqual(await at('p.test'), 'outbound', 'setOutboundByHosts replaces the whole map');

    await sandbox.setOutboundHandler('other');
    assert.strictEqual(await at('x.test'), 'other');
    await sandbox.setOutboundHandler(null);
    assert.strictEqual(await at('x.test'), 'outbound');

    await sandbox.denyHost('x.test');
    assert.strictEqual(await at('x.test'), 'denied');
    assert.strictEqual(await at('blocked.test'), 'denied', 'denyHost adds to the class list');
    await sandbox.removeDeniedHost('x.test');
    assert.strictEqual(await at('x.test'), 'outbound');
    await sandbox.setDeniedHosts(null);
    assert.strictEqual(await at('blocked.test'), 'outbound', 'null: no deny list at all');
    await sandbox.setDeniedHosts(['*.test']);
    assert.strictEqual(await at('y.test'), 'denied');
    await sandbox.setDeniedHosts([]);

    await sandbox.allowHost('only.test');
    assert.strictEqual(await at('only.test'), 'outbound');
    assert.strictEqual(await at('y.test'), 'denied', 'allowHost created the list');
    await sandbox.removeAllowedHost('only.test');
    assert.strictEqual(await at('only.test'), 'denied', 'removing the last entry leaves [], which denies all');
    await sandbox.setAllowedHosts(null);
    assert.strictEqual(await at('only.test'), 'outbound');
    await assert.rejects(sandbox.setAllowedHosts('a.test'), { name: 'TypeError' });
  },
};

export const changesApplyToTheNextRequest = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Basic, 'next-request');
    await sandbox.setOutboundByHost('setter.test', 'setsPolicy');
    // One call of the workload: its first fetch makes the handler change the policy of its own
    // sandbox; the second fetch, in the same request, is decided by the new policy.
    const [first, second] = await workload(sandbox).probeAll(['http://changed.test/', 'http://setter.test/']);
    assert.strictEqual(who(first), 'outbound');
    assert.strictEqual(who(second), 'setsPolicy');
    const [third] = await workload(sandbox).probeAll(['http://changed.test/']);
    assert.strictEqual(who(third), 'other');
  },
};

// The network path keeps connections alive between requests (the loader's pool): a change still
// applies to the next request, whatever connection it would have used.
export const changesApplyOnConnectionsAlreadyOpen = {
  async test(ctrl, env) {
    const srv = await network();
    const sandbox = getSandbox(env.Store, 'keep-alive');
    const w = workload(sandbox);
    assert.strictEqual(who(await w.probe(srv.url)), 'network');
    assert.strictEqual(who(await w.probe(srv.url)), 'network');
    await sandbox.denyHost('127.0.0.1');
    assert.strictEqual(who(await w.probe(srv.url)), 'denied');
    await sandbox.removeDeniedHost('127.0.0.1');
    assert.strictEqual(who(await w.probe(srv.url)), 'network');
  },
};

export const classFieldForm = {
  async test(ctrl, env) {
    const w = workload(getSandbox(env.Fields, 'fields'));
    assert.strictEqual(who(await w.probe('http://field.test/')), 'static byHost');
    assert.strictEqual(who(await w.probe('http://else.test/')), 'static outbound');
    await getSandbox(env.Fields, 'fields').setOutboundHandler('named');
    assert.strictEqual(who(await w.probe('http://else.test/')), 'static named');
  },
};

export const subclassesAndInstanceFields = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Sub, 'sub');
    const w = workload(sandbox);
    const r = await w.probe('http://field.test/');
    assert.strictEqual(who(r), 'static byHost', 'inherited');
    assert.strictEqual(JSON.parse(r.body).ctx.className, 'SubSandbox', 'the bound class');
    assert.strictEqual(who(await w.probe('http://else.test/')), 'denied', 'the instance allow list');
    await sandbox.setOutboundHandler('named');  // inherited outboundHandlers
    assert.strictEqual(who(await w.probe('http://other.test/')), 'static named');
  },
};

// ---------------------------------------------------------------------------------------------
// connect().

export const connectIsDecidedToo = {
  async test(ctrl, env) {
    const srv = await network();
    const sandbox = getSandbox(env.Connect, 'connect');
    const w = workload(sandbox);
    assert.deepStrictEqual(await w.tcp('denied.test:443', 'x'),
      { error: 'Error: Egress to denied.test:443 is not permitted by the sandbox policy.' });
    assert.deepStrictEqual(await w.tcp('httponly.test:80', 'x'),
      { error: 'Error: proxy request failed, cannot connect to the specified address' });
    assert.deepStrictEqual(await w.tcp('echo.test:7', 'quiet\n'), { data: 'hello from ConnectSandbox\nQUIET\n' });
    const http = await w.tcp(`127.0.0.1:${srv.port}`, 'GET /tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(http.data, /^HTTP\/1\.1 200 /);
    assert.match(http.data, /"by":"network"/);
    await sandbox.denyHost('127.0.0.1');
    assert.deepStrictEqual(await w.tcp(`127.0.0.1:${srv.port}`, 'x'),
      { error: `Error: Egress to 127.0.0.1:${srv.port} is not permitted by the sandbox policy.` });
    await sandbox.setDeniedHosts(['[::1]', 'denied.test']);
    assert.deepStrictEqual(await w.tcp('[::1]:80', 'x'),
      { error: 'Error: Egress to [::1]:80 is not permitted by the sandbox policy.' });
  },
};

// The deny list's CIDR blocks also hold for the addresses a host name resolves to (localhost is
// 127.0.0.1 and possibly ::1), for fetch() and connect(); names outside them still connect.
export const deniedBlocksHoldForResolvedAddresses = {
  async test(ctrl, env) {
    const srv = await network();
    const lines = captureEgressLog();
    const sandbox = getSandbox(env.Store, 'resolved');
    const w = workload(sandbox);
    assert.strictEqual(who(await w.probe(`http://localhost:${srv.port}/`)), 'network');
    await sandbox.setDeniedHosts(['10.0.0.0/8', '127.0.0.0/8', '[::1]/128']);
    const before = lines.length;
    const r = await w.probe(`http://localhost:${srv.port}/`);
    assert.deepStrictEqual([r.status, r.body], [520, 'Origin is disallowed']);
    assert.deepStrictEqual(await w.tcp(`localhost:${srv.port}`, 'x'),
      { error: `Error: Egress to localhost:${srv.port} is not permitted by the sandbox policy.` });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [fetchLine, connectLine] = lines.slice(before).map((line) => JSON.parse(line));
    assert.strictEqual(fetchLine.step, 1, 'a denial from a resolved address logs step 1');
    assert.match(fetchLine.pattern, /^(127\.0\.0\.0\/8|\[::1\]\/128)$/);
    assert.strictEqual(connectLine.step, 1);
    // A block with a port only holds for that port.
    await sandbox.setDeniedHosts([`127.0.0.0/8:${srv.port + 1}`, `[::1]/128:${srv.port + 1}`]);
    assert.strictEqual(who(await w.probe(`http://localhost:${srv.port}/`)), 'network');
  },
};

// ---------------------------------------------------------------------------------------------
// The audit log.

export const auditLines = {
  async test(ctrl, env) {
    const srv = await network();
    const lines = captureEgressLog();
    const sandbox = getSandbox(env.Basic, 'audit');
    const w = workload(sandbox);
    const before = lines.length;
    await w.probe('http://my.kv/k', { method: 'POST', body: 'twelve bytes' });
    await w.probe('http://blocked.test/');
    await sandbox.setOutboundByHost('g.test', 'kvAccess');
    await w.probe('http://g.test/');
    const net = getSandbox(env.Store, 'audit');
    await workload(net).probe(srv.url);
    await workload(getSandbox(env.Connect, 'audit')).tcp('denied.test:25', 'x');
    // Lines are written when a response body ends: give the last ones a moment.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const got = lines.slice(before).map((line) => JSON.parse(line));
    assert.strictEqual(got.length, 5, JSON.stringify(got));
    const keys = ['time', 'sandbox', 'worker', 'method', 'scheme', 'host', 'port', 'step', 'pattern',
      'handler', 'status', 'bytesIn', 'bytesOut', 'ms'];
    for (const line of got) assert.deepStrictEqual(Object.keys(line), keys);
    const [kv, blocked, granted, toNetwork, tcp] = got;
    assert.strictEqual(kv.sandbox, sandbox.id.toString());
    assert.strictEqual(kv.method, 'POST');
    assert.strictEqual(kv.scheme, 'http');
    assert.strictEqual(kv.host, 'my.kv');
    assert.strictEqual(kv.port, 80);
    assert.strictEqual(kv.step, 4);
    assert.strictEqual(kv.pattern, 'my.kv');
    assert.strictEqual(kv.handler, 'outboundByHost');
    assert.strictEqual(kv.status, 200);
    assert.strictEqual(kv.bytesOut, 12);
    assert.ok(kv.bytesIn > 20, `bytesIn ${kv.bytesIn}`);
    assert.ok(!Number.isNaN(Date.parse(kv.time)));
    assert.ok(kv.ms >= 0);
    assert.deepStrictEqual([blocked.step, blocked.pattern, blocked.status, blocked.handler], [1, 'blocked.test', 520, null]);
    assert.deepStrictEqual([granted.step, granted.pattern, granted.handler], [3, 'g.test', 'kvAccess']);
    assert.deepStrictEqual([toNetwork.step, toNetwork.host, toNetwork.port, toNetwork.status], [8, '127.0.0.1', srv.port, 200]);
    assert.deepStrictEqual([tcp.method, tcp.scheme, tcp.step, tcp.port], ['CONNECT', 'tcp', 1, 25]);
    assert.ok(!JSON.stringify(got).includes('twelve bytes'), 'no bodies in the log');
  },
};

// ---------------------------------------------------------------------------------------------
// ctx.storage.

export class StoreProbe extends Sandbox {
  static enableInternet = false;
  static outboundByHost = { 'probe.test': named('probe') };
}

export class Counter extends DurableObject {
  async increment() {
    const n = ((await this.ctx.storage.get('n')) ?? 0) + 1;
    await this.ctx.storage.put('n', n);
    return n;
  }
  fetch(request) { return new Response(`counter at ${new URL(request.url).pathname}`); }
}

export const durableObjectsBindings = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.ViaDurableObjects, 'do');
    const w = workload(sandbox);
    assert.strictEqual(who(await w.probe('http://probe.test/')), 'probe');
    assert.strictEqual(who(await w.probe('http://else.test/')), 'denied');
    const counter = env.Counter.get(env.Counter.idFromName('c'));
    assert.strictEqual(await counter.increment(), 1);
    assert.strictEqual(await env.Counter.getByName('c').increment(), 2);
    assert.strictEqual(await env.Counter.getByName('d').increment(), 1);
    const r = await counter.fetch('http://do/path');
    assert.strictEqual(await r.text(), 'counter at /path');
  },
};

export const storage = {
  async test(ctrl, env) {
    const sandbox = getSandbox(env.Store2, 'storage');
    // The instance's storage, reached through a method of the class.
    OtherStoreSandbox.prototype.run = async function run(fn) { return fn(this.ctx.storage); };
    const result = await sandbox.run(async (s) => {
      await s.put('b', { n: 1, when: new Date(0), bytes: new Uint8Array([1, 2]) });
      await s.put({ a: 'first', c: [3] });
      const one = await s.get('b');
      const many = await s.get(['a', 'zzz', 'c']);
      const all = await s.list();
      const prefixed = await s.list({ prefix: 'a' });
      const deleted = await s.delete('a');
      const deletedAgain = await s.delete('a');
      return { one, many: [...many], all: [...all.keys()], prefixed: [...prefixed.keys()], deleted, deletedAgain };
    });
    assert.deepStrictEqual(result.one, { n: 1, when: new Date(0), bytes: new Uint8Array([1, 2]) });
    assert.deepStrictEqual(result.many, [['a', 'first'], ['c', [3]]]);
    assert.deepStrictEqual(result.all, ['a', 'b', 'c']);
    assert.deepStrictEqual(result.prefixed, ['a']);
    assert.strictEqual(result.deleted, true);
    assert.strictEqual(result.deletedAgain, false);
    // The persisted policy never appears in the storage.
    const policy = getSandbox(env.Store, 'storage');
    await policy.allowHost('a.test');
    Object.defineProperty(StoreSandbox.prototype, 'keys', { value: async function keys() {
      return [...(await this.ctx.storage.list()).keys()];
    }, configurable: true });
    assert.deepStrictEqual(await policy.keys(), []);
    await sandbox.run((s) => s.deleteAll());
    assert.strictEqual((await sandbox.run((s) => s.list())).size, 0);
    await assert.rejects(sandbox.run((s) => s.put('f', () => 1)), { name: 'DataCloneError' });
  },
};
