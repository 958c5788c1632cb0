// The Worker Loader contract (docs: /work/shared/spec/loader.md sections 1 to 4): env.LOADER.get
// and load(), WorkerCode validation with its exact messages, startup failures, module types,
// entrypoints, fetch and JS RPC between isolates, request contexts, ctx.exports, and egress
// through globalOutbound (inherited network, null, a gateway Fetcher for fetch() and connect()).
//
// Each test uses its own worker ids: the LOADER binding's cache lives as long as this file.
import assert from 'node:assert';
import { WorkerEntrypoint, RpcTarget } from 'cloudflare:workers';
import { serve } from 'dynworker:test';
import { format } from 'node:util';

const DATE = '2025-01-01';

// A WorkerCode whose main module is `src` (main.js); `extra` adds or overrides fields.
function code(src, extra = {}) {
  return { compatibilityDate: DATE, mainModule: 'main.js', modules: { 'main.js': src }, ...extra };
}

// Several macrotasks: enough for an isolate to be created and its main module to run.
function settle(ms = 20) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// assert.rejects() calls a function argument: RPC promises are callable (pipelining), so they
// are handed over as plain promises.
function rejects(thenable, expected) {
  return assert.rejects(Promise.resolve(thenable), expected);
}

const kNoInternet = 'This worker is not permitted to access the internet via global functions ' +
  "like fetch(). It must use capabilities (such as bindings in 'env') to talk to the outside world.";
const kProxyFailed = 'proxy request failed, cannot connect to the specified address';
const noSuchMethod = (name) => ({
  name: 'TypeError', message: `The RPC receiver does not implement the method "${name}".`,
});
const reservedName = (name) => ({
  name: 'TypeError', message: `'${name}' is a reserved method and cannot be called over RPC.`,
});

// A counter worker: module-level state shows whether two stubs reach the same isolate.
const kCounter = `
  import { WorkerEntrypoint } from 'cloudflare:workers';
  let n = 0;
  export default class Counter extends WorkerEntrypoint {
    inc() { return ++n; }
  }
`;

// ---------------------------------------------------------------------------------------------
// Loader worker entrypoints used by the tests below (reached through ctx.exports).

let gatewaySeen = null;  // what HttpGateway.fetch saw last
export class HttpGateway extends WorkerEntrypoint {
  async fetch(request) {
    gatewaySeen = {
      url: request.url,
      method: request.method,
      header: request.headers.get('x-test'),
      body: request.body === null ? null : await request.text(),
      props: this.ctx.props,
      loaderEnvHasLoader: typeof this.env.LOADER?.get === 'function',
    };
    if (new URL(request.url).hostname === 'upstream.test') {
      // The gateway's own fetch() is the real network: forward to the loopback server.
      return fetch(this.ctx.props.upstream + new URL(request.url).pathname.slice(1));
    }
    return new Response(`gateway ${request.method} ${request.url} tenant=${this.ctx.props.tenant}`,
      { status: 203, headers: { 'x-gateway': 'yes' } });
  }

  // connect(): greets with the address asked for, then echoes one message upper-cased and ends
  // the connection by returning.
  async connect(socket) {
    const { localAddress } = await socket.opened;
    const writer = socket.writable.getWriter();
    await writer.write(new TextEncoder().encode(`hello ${localAddress} ${this.ctx.props.tenant}\n`));
    const reader = socket.readable.getReader();
    const { value } = await reader.read();
    await writer.write(new TextEncoder().encode(new TextDecoder().decode(value).toUpperCase()));
    // Returning ends the connection, though the reader and writer are still locked.
  }
}

// Echoes request bodies back (the 5 MB test).
export class EchoGateway extends WorkerEntrypoint {
  async fetch(request) {
    return new Response(request.body, {
      headers: { 'x-url': request.url, 'x-method': request.method },
    });
  }
}

// A gateway answering with redirects: /r/N redirects to /r/N-1, /r/0 is the final answer. It
// counts its calls per tag (props.tag) in `redirectGatewayCalls`.
export const redirectGatewayCalls = new Map();
export class RedirectGateway extends WorkerEntrypoint {
  fetch(request) {
    const tag = this.ctx.props.tag;
    redirectGatewayCalls.set(tag, (redirectGatewayCalls.get(tag) ?? 0) + 1);
    const url = new URL(request.url);
    const n = Number(url.pathname.slice(3));
    if (url.pathname.startsWith('/r/') && n > 0) {
      return new Response(null, { status: 302, headers: { location: `/r/${n - 1}` } });
    }
    return new Response(`final ${url.pathname} ${request.method} redirect=${request.redirect}`);
  }
}

// Tells a connecting worker which transport it asked for, as its gateway socket says.
export class TransportGateway extends WorkerEntrypoint {
  async connect(socket) {
    const writer = socket.writable.getWriter();
    await writer.write(new TextEncoder().encode(`transport=${socket.secureTransport}`));
  }
}

// Collects what tail workers receive, per props.tag.
export const tailItems = new Map();
export class TailCollector extends WorkerEntrypoint {
  tail(items) {
    const tag = this.ctx.props.tag;
    tailItems.set(tag, [...(tailItems.get(tag) ?? []), ...items]);
  }
}

// A gateway without a connect handler.
export class FetchOnlyGateway extends WorkerEntrypoint {
  fetch() { return new Response('fetch only'); }
}

export class Svc extends WorkerEntrypoint {
  fetch(request) {
    return new Response(`svc ${request.method} ${new URL(request.url).pathname} tag=${this.ctx.props.tag}`);
  }
  hello(name) { return `hello ${name} from svc tag=${this.ctx.props.tag}`; }
  props() { return this.ctx.props; }
  bump() { this.ctx.props.n = (this.ctx.props.n ?? 0) + 1; return this.ctx.props.n; }
}

// ---------------------------------------------------------------------------------------------
// get()

export const getReturnsStubSynchronously = {
  test(ctrl, env) {
    let calls = 0;
    const stub = env.LOADER.get('sync-stub', async () => { calls++; return code(kCounter); });
    assert.strictEqual(typeof stub, 'object');
    assert.strictEqual(stub instanceof Promise, false);
    assert.strictEqual(stub.then, undefined);
    assert.strictEqual(typeof stub.getEntrypoint, 'function');
    assert.strictEqual(typeof stub.getEntrypoint().fetch, 'function');
    assert.strictEqual(typeof stub.getEntrypoint().connect, 'function');
  },
};

export const getCallsGetCodeEagerlyOnce = {
  async test(ctrl, env) {
    let calls = 0;
    const stub = env.LOADER.get('eager', () => { calls++; return code(kCounter); });
    await settle();
    assert.strictEqual(calls, 1, 'getCode runs before any request');
    const ep = stub.getEntrypoint();
    assert.strictEqual(await ep.inc(), 1);
    assert.strictEqual(await ep.inc(), 2);
    assert.strictEqual(await stub.getEntrypoint().inc(), 3);
    assert.strictEqual(calls, 1);
  },
};

export const getWarmIdNeverCallsItsCallback = {
  async test(ctrl, env) {
    let first = 0;
    let second = 0;
    const a = env.LOADER.get('warm', () => { first++; return code(kCounter); });
    assert.strictEqual(await a.getEntrypoint().inc(), 1);
    const b = env.LOADER.get('warm', () => {
      second++;
      return code('export default { inc(x) { return "other code"; } }');
    });
    assert.strictEqual(await b.getEntrypoint().inc(), 2, 'the same isolate');
    // Also while the first start is still under way.
    const c = env.LOADER.get('warm-starting', async () => { first++; await settle(5); return code(kCounter); });
    const d = env.LOADER.get('warm-starting', () => { second++; return code(kCounter); });
    assert.strictEqual(await c.getEntrypoint().inc(), 1);
    assert.strictEqual(await d.getEntrypoint().inc(), 2);
    await settle();
    assert.strictEqual(first, 2);
    assert.strictEqual(second, 0);
  },
};

export const getNullOrUndefinedIdIsFreshEachCall = {
  async test(ctrl, env) {
    let calls = 0;
    const getCode = () => { calls++; return code(kCounter); };
    const a = env.LOADER.get(null, getCode);
    const b = env.LOADER.get(null, getCode);
    const c = env.LOADER.get(undefined, getCode);
    assert.strictEqual(await a.getEntrypoint().inc(), 1);
    assert.strictEqual(await a.getEntrypoint().inc(), 2);
    assert.strictEqual(await b.getEntrypoint().inc(), 1);
    assert.strictEqual(await c.getEntrypoint().inc(), 1);
    assert.strictEqual(calls, 3);
  },
};

export const getCodeThrowingSurfacesOnFirstCall = {
  async test(ctrl, env) {
    const stub = env.LOADER.get('throws', () => { throw new RangeError('no code for you'); });
    await rejects(stub.getEntrypoint().inc(), { name: 'RangeError', message: 'no code for you' });
    const stub2 = env.LOADER.get('throws-fetch', () => { throw new Error('no code for fetch'); });
    await rejects(stub2.getEntrypoint().fetch('http://x/'), { message: 'no code for fetch' });
  },
};

export const getCodeRejectingSurfacesOnFirstCall = {
  async test(ctrl, env) {
    const stub = env.LOADER.get('rejects', async () => {
      await settle(1);
      throw new TypeError('code store offline');
    });
    await rejects(stub.getEntrypoint().inc(), { name: 'TypeError', message: 'code store offline' });
  },
};

export const getRetriesAFailedStart = {
  async test(ctrl, env) {
    let calls = 0;
    const bad = env.LOADER.get('retry', () => { calls++; return code('export default {'); });
    await rejects(bad.getEntrypoint().inc(), (e) => e.message.startsWith('Failed to start Worker:\n'));
    const good = env.LOADER.get('retry', () => { calls++; return code(kCounter); });
    assert.strictEqual(await good.getEntrypoint().inc(), 1);
    assert.strictEqual(calls, 2, 'getCode called again after the failure');
    // A failing getCode is retried too.
    let attempts = 0;
    const flaky = () => {
      attempts++;
      if (attempts === 1) throw new Error('first attempt fails');
      return code(kCounter);
    };
    await rejects(env.LOADER.get('retry-flaky', flaky).getEntrypoint().inc(),
      { message: 'first attempt fails' });
    assert.strictEqual(await env.LOADER.get('retry-flaky', flaky).getEntrypoint().inc(), 1);
    assert.strictEqual(attempts, 2);
  },
};

export const getValidationErrorsSurfaceOnFirstCall = {
  async test(ctrl, env) {
    const cases = [
      [code(kCounter, { compatibilityDate: 'soon' }), 'Invalid compatibility date: soon'],
      [code(kCounter, { compatibilityFlags: ['no_such_flag'] }), 'No such compatibility flag: no_such_flag'],
      [code(kCounter, { mainModule: 'other.js' }), 'Main module name is not present in bundle.'],
      [{ compatibilityDate: DATE, mainModule: 'main.js', modules: {} },
        'Dynamic Worker code must contain at least one module.'],
      [{ compatibilityDate: DATE, mainModule: 'main.js', modules: { 'main.js': { js: '', text: '' } } },
        "Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', 'py', or " +
        "'wasm'. Module 'main.js' contained 2 properties."],
    ];
    for (let i = 0; i < cases.length; i++) {
      const [bad, message] = cases[i];
      let stub;
      assert.doesNotThrow(() => { stub = env.LOADER.get(`get-invalid-${i}`, () => bad); });
      await rejects(stub.getEntrypoint().inc(), { message });
    }
    // The same through an async getCode and through fetch().
    const stub = env.LOADER.get('get-invalid-async', async () => code(kCounter, { compatibilityDate: '2025-13-01' }));
    await rejects(stub.getEntrypoint().fetch('http://x/'), { message: 'Invalid compatibility date: 2025-13-01' });
  },
};

// ---------------------------------------------------------------------------------------------
// load()

export const loadIsFreshEachCall = {
  async test(ctrl, env) {
    const c = code(kCounter);
    const a = env.LOADER.load(c);
    const b = env.LOADER.load(c);
    assert.strictEqual(await a.getEntrypoint().inc(), 1);
    assert.strictEqual(await a.getEntrypoint().inc(), 2);
    assert.strictEqual(await b.getEntrypoint().inc(), 1);
  },
};

function tomorrow() {
  return new Date(Date.now() + 24 * 3600 * 1000).toISOString().slice(0, 10);
}

export const loadRejectsBadCompatibilityDate = {
  test(ctrl, env) {
    for (const date of ['soon', '2025-13-01', '2025-02-30', '2025-1-1', '', '1999-12-31']) {
      assert.throws(() => env.LOADER.load(code(kCounter, { compatibilityDate: date })),
        { name: 'Error', message: `Invalid compatibility date: ${date}` });
    }
    const future = tomorrow();
    assert.throws(() => env.LOADER.load(code(kCounter, { compatibilityDate: future })),
      { name: 'Error', message: `Can't set compatibility date in the future: ${future}` });
    // Today and leap days are fine.
    env.LOADER.load(code(kCounter, { compatibilityDate: new Date().toISOString().slice(0, 10) }));
    env.LOADER.load(code(kCounter, { compatibilityDate: '2024-02-29' }));
  },
};

export const loadRejectsUnknownCompatibilityFlag = {
  test(ctrl, env) {
    assert.throws(() => env.LOADER.load(code(kCounter, { compatibilityFlags: ['nodejs_compat', 'bogus_flag'] })),
      { name: 'Error', message: 'No such compatibility flag: bogus_flag' });
    env.LOADER.load(code(kCounter, { compatibilityFlags: ['nodejs_compat'] }));
  },
};

export const loadRejectsMissingMainModule = {
  test(ctrl, env) {
    assert.throws(() => env.LOADER.load(code(kCounter, { mainModule: 'index.js' })),
      { name: 'TypeError', message: 'Main module name is not present in bundle.' });
  },
};

export const loadRejectsEmptyModules = {
  test(ctrl, env) {
    assert.throws(() => env.LOADER.load({ compatibilityDate: DATE, mainModule: 'main.js', modules: {} }),
      { name: 'TypeError', message: 'Dynamic Worker code must contain at least one module.' });
  },
};

export const loadRejectsModuleWithoutExactlyOneType = {
  test(ctrl, env) {
    const message = (name, n) => "Each module must contain exactly one of 'js', 'cjs', 'text', " +
      `'data', 'json', 'py', or 'wasm'. Module '${name}' contained ${n} properties.`;
    assert.throws(() => env.LOADER.load(code(kCounter, {
      modules: { 'main.js': kCounter, 'x.txt': { text: 'a', data: new Uint8Array(1) } },
    })), { name: 'TypeError', message: message('x.txt', 2) });
    assert.throws(() => env.LOADER.load(code(kCounter, {
      modules: { 'main.js': { js: kCounter, cjs: '', json: 1 } },
    })), { name: 'TypeError', message: message('main.js', 3) });
    assert.throws(() => env.LOADER.load(code(kCounter, { modules: { 'main.js': {} } })),
      { name: 'TypeError', message: message('main.js', 0) });
  },
};

export const loadRejectsTypeScriptWithBundlingHint = {
  test(ctrl, env) {
    for (const name of ['main.ts', 'app.tsx', 'view.jsx']) {
      assert.throws(() => env.LOADER.load(code('', { mainModule: name, modules: { [name]: 'export {}' } })), {
        name: 'TypeError',
        message: "Module name must end with '.js' or '.py' (or the content must be an object " +
          `indicating the type explicitly). Got: ${name}. If you're trying to load TypeScript, ` +
          "bundle it first with '@cloudflare/worker-bundler' and pass the generated JavaScript modules.",
      });
    }
    assert.throws(() => env.LOADER.load(code('', { modules: { 'main.js': '', 'notes.md': 'x' } })), {
      name: 'TypeError',
      message: "Module name must end with '.js' or '.py' (or the content must be an object " +
        'indicating the type explicitly). Got: notes.md',
    });
  },
};

export const loadRejectsPython = {
  test(ctrl, env) {
    const message = (name) => `Module '${name}' is a Python module; dynworker runs JavaScript and ` +
      'WebAssembly only. Give JavaScript modules instead.';
    assert.throws(() => env.LOADER.load(code('', { mainModule: 'worker.py', modules: { 'worker.py': 'print(1)' } })),
      { name: 'TypeError', message: message('worker.py') });
    assert.throws(() => env.LOADER.load(code('', { modules: { 'main.js': '', 'helper': { py: 'x = 1' } } })),
      { name: 'TypeError', message: message('helper') });
  },
};

export const loadRejectsEnvOverOneMiB = {
  test(ctrl, env) {
    const big = 'x'.repeat(1024 * 1024);
    let error;
    try {
      env.LOADER.load(code(kCounter, { env: { big } }));
    } catch (e) {
      error = e;
    }
    assert.ok(error, 'load() threw');
    assert.strictEqual(error.name, 'Error');
    const m = /^Dynamic Worker env size \((\d+) bytes\) exceeds the maximum allowed size of 1048576 bytes\.$/.exec(error.message);
    assert.ok(m, error.message);
    assert.ok(Number(m[1]) > 1048576);
    // Just under the limit is fine.
    env.LOADER.load(code(kCounter, { env: { big: 'x'.repeat(1000 * 1024) } }));
  },
};

export const loadRejectsCodeOver64MiB = {
  test(ctrl, env) {
    const big = 'x'.repeat(64 * 1024 * 1024);
    let error;
    try {
      env.LOADER.load(code(kCounter, { modules: { 'main.js': kCounter, 'big.txt': { text: big } } }));
    } catch (e) {
      error = e;
    }
    assert.ok(error, 'load() threw');
    assert.strictEqual(error.name, 'Error');
    const m = /^Dynamic Worker code size \((\d+) bytes\) exceeds the maximum allowed size of 67108864 bytes\.$/.exec(error.message);
    assert.ok(m, error.message);
    assert.ok(Number(m[1]) >= big.length + kCounter.length);
  },
};

export const loadDoesNotThrowForStartupFailures = {
  async test(ctrl, env) {
    // Startup runs on a later turn: load() returns, the first call fails.
    const stub = env.LOADER.load(code('throw new Error("later")'));
    await rejects(stub.getEntrypoint().inc(), { message: 'Failed to start Worker:\nUncaught Error: later\n    at main.js:1:7' });
  },
};

// ---------------------------------------------------------------------------------------------
// Startup failures

export const startupSyntaxError = {
  async test(ctrl, env) {
    const stub = env.LOADER.load(code('export default { inc() { return 1 }; }'));
    await rejects(stub.getEntrypoint().inc(), (e) => {
      assert.strictEqual(e.name, 'Error');
      assert.ok(e.message.startsWith("Failed to start Worker:\nUncaught SyntaxError: Unexpected token ';'"), e.message);
      return true;
    });
    // In another module than the main one.
    const stub2 = env.LOADER.get('syntax-lib', () => code('import "./lib.js"; export default {}', {
      modules: { 'main.js': 'import "./lib.js"; export default {}', 'lib.js': 'export const x = ;' },
    }));
    await rejects(stub2.getEntrypoint().fetch('http://x/'), (e) => {
      assert.ok(e.message.startsWith('Failed to start Worker:\nUncaught SyntaxError: '), e.message);
      assert.ok(e.message.startsWith("Failed to start Worker:\nUncaught SyntaxError: Unexpected token ';'"), e.message);
      assert.ok(e.message.includes('lib.js:1:'), e.message);
      return true;
    });
  },
};

export const startupMissingImport = {
  async test(ctrl, env) {
    const stub = env.LOADER.load(code('import { x } from "./nope.js"; export default {}'));
    await rejects(stub.getEntrypoint().inc(), (e) => {
      assert.ok(e.message.startsWith('Failed to start Worker:\nUncaught '), e.message);
      assert.ok(e.message.includes('nope.js'), e.message);
      return true;
    });
    const stub2 = env.LOADER.load(code('import { missing } from "./lib.js"; export default {}', {
      modules: { 'main.js': 'import { missing } from "./lib.js"; export default {}', 'lib.js': 'export const present = 1;' },
    }));
    await rejects(stub2.getEntrypoint().inc(), (e) => {
      assert.ok(e.message.startsWith('Failed to start Worker:\nUncaught SyntaxError: '), e.message);
      assert.ok(e.message.includes("does not provide an export named 'missing'"), e.message);
      return true;
    });
  },
};

export const startupTopLevelThrow = {
  async test(ctrl, env) {
    const stub = env.LOADER.load(code('export default {};\nthrow new TypeError("bad config: " + 42);'));
    await rejects(stub.getEntrypoint().inc(), (e) => {
      assert.ok(e.message.startsWith('Failed to start Worker:\nUncaught TypeError: bad config: 42'), e.message);
      return true;
    });
    // A rejected top-level await, from get().
    const stub2 = env.LOADER.get('tla-reject', () => code('await Promise.reject(new RangeError("async boom")); export default {};'));
    await rejects(stub2.getEntrypoint().inc(), (e) => {
      assert.ok(e.message.startsWith('Failed to start Worker:\nUncaught RangeError: async boom'), e.message);
      return true;
    });
    // A thrown non-Error value.
    const stub3 = env.LOADER.load(code('throw "plain string"; export default {};'));
    await rejects(stub3.getEntrypoint().inc(), (e) => {
      assert.ok(e.message.startsWith('Failed to start Worker:\nUncaught plain string'), e.message);
      return true;
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Module types

// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const kWasmAdd = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01,
  0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09,
  0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
]);

// No code generation from strings once a dynamic worker's top level has run (loader.md section
// 5, as Workers): eval, every function constructor and WebAssembly from bytes fail; what was
// made at startup keeps working, and so do the wasm and JS modules of the worker's own bundle,
// even when first imported later. The loader itself is not restricted.
export const noCodeGenerationFromStringsAfterStartup = {
  async test(ctrl, env) {
    const disallowed = 'EvalError: Code generation from strings disallowed for this context';
    const w = env.LOADER.load({
      compatibilityDate: DATE,
      mainModule: 'main.js',
      modules: {
        'main.js': `
          import bundled from './w.wasm';
          const bytes = new Uint8Array(${JSON.stringify([...kWasmAdd])});
          const atStartup = eval('6 * 7');
          const double = new Function('a', 'return a * 2');
          const moduleAtStartup = new WebAssembly.Module(bytes);
          async function attempt(fn) {
            try {
              const v = await fn();
              return 'ok ' + typeof v;
            } catch (e) {
              return e.name + ': ' + e.message;
            }
          }
          export default {
            async fetch() {
              return Response.json({
                atStartup,
                double: double(21),
                eval: await attempt(() => eval('1')),
                indirectEval: await attempt(() => (0, eval)('1')),
                newFunction: await attempt(() => new Function('return 1')),
                asyncFunction: await attempt(() => (async function () {}).constructor('return 1')),
                generatorFunction: await attempt(() => (function* () {}).constructor('yield 1')),
                wasmModule: await attempt(() => new WebAssembly.Module(bytes)),
                wasmCompile: await attempt(() => WebAssembly.compile(bytes)),
                wasmInstantiate: await attempt(() => WebAssembly.instantiate(bytes)),
                bundled: new WebAssembly.Instance(bundled).exports.add(2, 3),
                fromStartup: new WebAssembly.Instance(moduleAtStartup).exports.add(4, 5),
                lateWasm: new WebAssembly.Instance((await import('./late.wasm')).default).exports.add(1, 1),
                lateJs: (await import('./late.js')).value,
              });
            },
          };
        `,
        'w.wasm': { wasm: kWasmAdd },
        'late.wasm': { wasm: kWasmAdd },
        'late.js': 'export const value = "late";',
      },
    });
    const got = await (await w.getEntrypoint().fetch('http://x/')).json();
    const wasmRefused = 'CompileError: WebAssembly.Module(): Wasm code generation disallowed by embedder';
    assert.deepStrictEqual(got, {
      atStartup: 42,
      double: 42,
      eval: disallowed,
      indirectEval: disallowed,
      newFunction: disallowed,
      asyncFunction: disallowed,
      generatorFunction: disallowed,
      wasmModule: wasmRefused,
      wasmCompile: wasmRefused.replace('WebAssembly.Module()', 'WebAssembly.compile()'),
      wasmInstantiate: wasmRefused.replace('WebAssembly.Module()', 'WebAssembly.instantiate()'),
      bundled: 5,
      fromStartup: 9,
      lateWasm: 2,
      lateJs: 'late',
    });
    // The loader (trusted) may still do all of it.
    assert.strictEqual(eval('1 + 1'), 2);
    assert.strictEqual(new Function('return 3')(), 3);
    assert.ok((await WebAssembly.compile(kWasmAdd)) instanceof WebAssembly.Module);
  },
};

// Date.now(), new Date() and performance.now() in a dynamic worker stand still while its JS runs
// (microtasks included) and move on when the event loop enters it again (loader.md section 5,
// as Workers): code cannot time itself. The loader's clock runs.
export const dynamicWorkerClockStandsStillWhileRunning = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(`
      const atStartup = Date.now();
      export default {
        async fetch() {
          const d0 = Date.now(), n0 = new Date().getTime(), p0 = performance.now();
          let x = 0;
          for (let i = 0; i < 2e7; i++) x = (x + i) % 1000003;  // tens of ms of CPU
          const d1 = Date.now(), n1 = +new Date(), p1 = performance.now();
          await Promise.resolve();
          const d2 = Date.now(), p2 = performance.now();
          await new Promise((resolve) => setTimeout(resolve, 30));
          const d3 = Date.now(), p3 = performance.now();
          // Resumed by a V8 platform task (not a timer of ours): still frozen while running.
          const keepAlive = setTimeout(() => {}, 1000);
          await Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5).value;
          clearTimeout(keepAlive);
          const d4 = Date.now();
          for (let i = 0; i < 2e7; i++) x = (x + i) % 1000003;
          const d5 = Date.now();
          return Response.json({
            stillDuringRun: d0 === d1 && n0 === n1 && d0 === n0 && p0 === p1,
            stillAcrossMicrotask: d1 === d2 && p1 === p2,
            stillAfterPlatformTask: d4 === d5,
            dateMovedAfterTimer: d3 - d0,
            perfMovedAfterTimer: p3 - p0,
            nearRealTime: Math.abs(d0 - ${Date.now()}) < 60000 && d0 >= atStartup,
            x,
          });
        },
      };
    `, { limits: { cpuMs: 10000 } }));  // it burns tens of ms of CPU on purpose
    const before = Date.now();
    const got = await (await w.getEntrypoint().fetch('http://x/')).json();
    assert.strictEqual(got.stillDuringRun, true);
    assert.strictEqual(got.stillAcrossMicrotask, true);
    assert.strictEqual(got.stillAfterPlatformTask, true);
    assert.ok(got.dateMovedAfterTimer >= 25, `Date.now() moved ${got.dateMovedAfterTimer} ms over a 30 ms timer`);
    assert.ok(got.perfMovedAfterTimer >= 25, `performance.now() moved ${got.perfMovedAfterTimer} ms`);
    assert.strictEqual(got.nearRealTime, true);
    // The loader's own clock runs while it computes.
    const t0 = performance.now();
    let spins = 0;
    while (performance.now() === t0) spins++;
    assert.ok(Date.now() >= before);
  },
};

// A worker started from an isolate prepared ahead of demand (runtime/worker_pool.h: made while
// the loader idles) has clocks that start with the worker, not with the isolate: its top level
// sees performance.now() near 0 and timeOrigin near the load() call, however long before the
// isolate was made.
export const preparedIsolatesClocksStartWithTheWorker = {
  async test(ctrl, env) {
    const src = `
      const startedAt = performance.now(), origin = performance.timeOrigin;
      export default { fetch() { return Response.json({ startedAt, origin }); } };`;
    // The first load() starts the pool; an idle while later it holds prepared isolates, which
    // then wait a while more before the second load() takes one.
    await (await env.LOADER.load(code(src)).getEntrypoint().fetch('http://x/')).text();
    await settle(400);
    await settle(300);
    const before = Date.now();
    const got = await (await env.LOADER.load(code(src)).getEntrypoint().fetch('http://x/')).json();
    assert.ok(got.startedAt < 100, `performance.now() at the top level was ${got.startedAt} ms`);
    assert.ok(Math.abs(got.origin - before) < 100, `timeOrigin ${got.origin}, load() at ${before}`);
  },
};

// Deep recursion in a dynamic worker is a RangeError it can catch; uncaught, it fails only that
// call (loader.md section 5), and the worker and the loader go on.
export const stackOverflowIsACatchableRangeError = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(`
      function deep(n) { return deep(n + 1) + 1; }
      export default {
        fetch(request) {
          if (new URL(request.url).pathname === '/uncaught') return new Response(String(deep(0)));
          try {
            deep(0);
            return new Response('no overflow');
          } catch (e) {
            return new Response(e.constructor.name + ': ' + e.message);
          }
        },
      };
    `)).getEntrypoint();
    assert.strictEqual(await (await w.fetch('http://x/caught')).text(),
      'RangeError: Maximum call stack size exceeded');
    await rejects(w.fetch('http://x/uncaught'), { name: 'RangeError', message: 'Maximum call stack size exceeded' });
    assert.strictEqual(await (await w.fetch('http://x/caught')).text(),
      'RangeError: Maximum call stack size exceeded');
  },
};

export const moduleTypes = {
  async test(ctrl, env) {
    const stub = env.LOADER.load({
      compatibilityDate: DATE,
      mainModule: 'main.js',
      modules: {
        'main.js': `
          import esm from './esm.mjs';
          import { named } from './named.js';
          import cjs from './c.cjs';
          import text from './t.txt';
          import data from './d.bin';
          import json from './j.json';
          import wasm from './w.wasm';
          export default {
            async all() {
              const instance = await WebAssembly.instantiate(wasm);
              return {
                esm, named, cjs, text,
                dataIsArrayBuffer: data instanceof ArrayBuffer,
                data: [...new Uint8Array(data)],
                json,
                wasmIsModule: wasm instanceof WebAssembly.Module,
                wasm: instance.exports.add(40, 2),
              };
            },
          };
        `,
        'esm.mjs': 'export default "from mjs";',
        'named.js': { js: 'export const named = "from js";' },
        'c.cjs': { cjs: 'module.exports = { fromCjs: true, twice: require("./c2.cjs").x * 2 };' },
        'c2.cjs': { cjs: 'exports.x = 21;' },
        't.txt': { text: 'hello text' },
        'd.bin': { data: new Uint8Array([0, 1, 254, 255]) },
        'j.json': { json: { a: [1, 'two', null], b: { c: true } } },
        'w.wasm': { wasm: kWasmAdd },
      },
    });
    assert.deepStrictEqual(await stub.getEntrypoint().all(null), {
      esm: 'from mjs',
      named: 'from js',
      cjs: { fromCjs: true, twice: 42 },
      text: 'hello text',
      dataIsArrayBuffer: true,
      data: [0, 1, 254, 255],
      json: { a: [1, 'two', null], b: { c: true } },
      wasmIsModule: true,
      wasm: 42,
    });
  },
};

export const moduleNamesWithFolders = {
  async test(ctrl, env) {
    const stub = env.LOADER.load({
      compatibilityDate: DATE,
      mainModule: 'src/index.js',
      modules: {
        'src/index.js': `
          import { a } from './lib/a.js';
          import meta from './lib/meta.json';
          export default { run() { return a() + ' ' + meta.v; } };
        `,
        'src/lib/a.js': `import { b } from '../util/b.js'; export function a() { return 'a+' + b; }`,
        'src/util/b.js': 'export const b = "b";',
        'src/lib/meta.json': { json: { v: 7 } },
      },
    });
    assert.strictEqual(await stub.getEntrypoint().run(null), 'a+b 7');
    // The spec's example: lib/a.js imported as ./lib/a.js from a top-level main module.
    const stub2 = env.LOADER.load(code('', {
      modules: {
        'main.js': 'import { x } from "./lib/a.js"; export default { x() { return x; } };',
        'lib/a.js': 'export const x = "lib a";',
      },
    }));
    assert.strictEqual(await stub2.getEntrypoint().x(null), 'lib a');
  },
};

export const dataAndWasmBytesAreCopiedAtLoad = {
  async test(ctrl, env) {
    const bytes = new Uint8Array([1, 2, 3]);
    const buffer = new ArrayBuffer(2);
    new Uint8Array(buffer).set([7, 8]);
    const wasm = kWasmAdd.slice();
    const stub = env.LOADER.load(code(`
      import d from './d.bin';
      import b from './b.bin';
      import w from './w.wasm';
      export default {
        async read() {
          const i = await WebAssembly.instantiate(w);
          return [[...new Uint8Array(d)], [...new Uint8Array(b)], i.exports.add(1, 2)];
        },
      };
    `, {
      modules: {
        'main.js': `
          import d from './d.bin';
          import b from './b.bin';
          import w from './w.wasm';
          export default {
            async read() {
              const i = await WebAssembly.instantiate(w);
              return [[...new Uint8Array(d)], [...new Uint8Array(b)], i.exports.add(1, 2)];
            },
          };
        `,
        'd.bin': { data: bytes },
        'b.bin': { data: buffer },
        'w.wasm': { wasm },
      },
    }));
    bytes[0] = 99;
    new Uint8Array(buffer)[0] = 99;
    wasm.fill(0);
    assert.deepStrictEqual(await stub.getEntrypoint().read(null), [[1, 2, 3], [7, 8], 3]);
  },
};

// ---------------------------------------------------------------------------------------------
// getEntrypoint

const kEntrypoints = `
  import { WorkerEntrypoint } from 'cloudflare:workers';
  export default {
    fetch(request) { return new Response('default fetch'); },
    who() { return 'default'; },
  };
  export class Named extends WorkerEntrypoint {
    fetch() { return new Response('named fetch'); }
    who() { return 'Named'; }
  };
  export const plain = { who() { return 'plain'; } };
  export const notAnEntrypoint = 42;
`;

export const getEntrypointDefaultNames = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(kEntrypoints));
    assert.strictEqual(await w.getEntrypoint().who(null), 'default');
    assert.strictEqual(await w.getEntrypoint(undefined).who(null), 'default');
    assert.strictEqual(await w.getEntrypoint(null).who(null), 'default');
    assert.strictEqual(await w.getEntrypoint('default').who(null), 'default');
    assert.strictEqual(await (await w.getEntrypoint(null).fetch('http://x/')).text(), 'default fetch');
    assert.strictEqual(await w.getEntrypoint('Named').who(null), 'Named');
    assert.strictEqual(await (await w.getEntrypoint('Named').fetch('http://x/')).text(), 'named fetch');
    assert.strictEqual(await w.getEntrypoint('plain').who(null), 'plain');
  },
};

export const getEntrypointUnknownName = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(kEntrypoints));
    const ep = w.getEntrypoint('Nope');  // no error until the first call
    await rejects(ep.who(null), { message: 'Worker has no such entrypoint: Nope' });
    await rejects(ep.fetch('http://x/'), { message: 'Worker has no such entrypoint: Nope' });
    await rejects(w.getEntrypoint('notAnEntrypoint').who(null),
      { message: 'Worker has no such entrypoint: notAnEntrypoint' });
  },
};

export const getEntrypointNoDefault = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code('export const other = { x() { return 1; } };'));
    await rejects(w.getEntrypoint().x(), { message: 'Worker has no default entrypoint.' });
    await rejects(w.getEntrypoint('default').fetch('http://x/'), { message: 'Worker has no default entrypoint.' });
    assert.strictEqual(await w.getEntrypoint('other').x(1), 1);
  },
};

// ---------------------------------------------------------------------------------------------
// fetch() to an entrypoint

export const fetchPreservesMethodHeadersStatus = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(`
      export default {
        async fetch(request) {
          return new Response(JSON.stringify({
            method: request.method,
            url: request.url,
            header: request.headers.get('x-in'),
            body: await request.text(),
          }), { status: 418, statusText: 'Teapot', headers: { 'x-out': 'out', 'set-cookie': 'a=1' } });
        },
      };
    `));
    const res = await w.getEntrypoint().fetch('https://example.com/p?q=1', {
      method: 'PATCH', headers: { 'x-in': 'in' }, body: 'hi',
    });
    assert.strictEqual(res.status, 418);
    assert.strictEqual(res.statusText, 'Teapot');
    assert.strictEqual(res.headers.get('x-out'), 'out');
    assert.strictEqual(res.headers.get('set-cookie'), 'a=1');
    assert.deepStrictEqual(await res.json(), {
      method: 'PATCH', url: 'https://example.com/p?q=1', header: 'in', body: 'hi',
    });
    // A Request object as input.
    const res2 = await w.getEntrypoint().fetch(new Request('http://h/r', { method: 'DELETE', headers: { 'x-in': 'r' } }));
    assert.deepStrictEqual(await res2.json(), { method: 'DELETE', url: 'http://h/r', header: 'r', body: '' });
  },
};

export const fetchHandlerMustReturnResponse = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code('export default { fetch() { return "nope"; } };'));
    await rejects(w.getEntrypoint().fetch('http://x/'), { name: 'TypeError' });
    const w2 = env.LOADER.load(code('export default { async fetch() { throw new RangeError("fetch failed inside"); } };'));
    await rejects(w2.getEntrypoint().fetch('http://x/'),
      { name: 'RangeError', message: 'fetch failed inside', remote: true });
  },
};

function pattern(size) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

function chunkedStream(bytes, chunk) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function readAll(stream) {
  const chunks = [];
  let total = 0;
  for await (const c of stream) {
    chunks.push(c);
    total += c.byteLength;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i}: ${a[i]} != ${b[i]}`;
  return 'same';
}

export const fetchFiveMegabytesThroughGateway = {
  async test(ctrl, env, ctx) {
    // loader -> child (streamed request body) -> child's fetch() -> EchoGateway in the loader
    // -> back to the child -> back to the loader, byte for byte.
    const w = env.LOADER.load(code(`
      export default {
        async fetch(request) {
          const upstream = await fetch('https://echo.test/five', { method: 'POST', body: request.body, duplex: 'half' });
          return new Response(upstream.body, { headers: { 'x-seen-url': upstream.headers.get('x-url'), 'x-seen-method': upstream.headers.get('x-method') } });
        },
      };
    `, {
      globalOutbound: ctx.exports.EchoGateway({ props: {} }),
      // Not what this test is about: a sanitizer build spends far more CPU moving the bytes.
      limits: { cpuMs: 10000 },
    }));
    const bytes = pattern(5 * 1024 * 1024 + 17);
    const res = await w.getEntrypoint().fetch('http://x/', {
      method: 'POST', body: chunkedStream(bytes, 64 * 1024 + 3), duplex: 'half',
    });
    assert.strictEqual(res.headers.get('x-seen-url'), 'https://echo.test/five');
    assert.strictEqual(res.headers.get('x-seen-method'), 'POST');
    assert.strictEqual(sameBytes(await readAll(res.body), bytes), 'same');
    // And a known-length body.
    const res2 = await w.getEntrypoint().fetch('http://x/', { method: 'POST', body: bytes });
    assert.strictEqual(sameBytes(new Uint8Array(await res2.arrayBuffer()), bytes), 'same');
  },
};

export const fetchStreamsBodiesIncrementally = {
  async test(ctrl, env) {
    // The child answers before the request body has ended, and echoes each chunk as it comes:
    // neither direction is buffered to the end.
    const w = env.LOADER.load(code(`
      export default {
        async fetch(request) {
          const reader = request.body.getReader();
          const first = await reader.read();
          const dec = new TextDecoder();
          const enc = new TextEncoder();
          const body = new ReadableStream({
            start(controller) { controller.enqueue(enc.encode('first=' + dec.decode(first.value) + ';')); },
            async pull(controller) {
              const { done, value } = await reader.read();
              if (done) { controller.enqueue(enc.encode('end')); controller.close(); return; }
              controller.enqueue(enc.encode(dec.decode(value).toUpperCase() + ';'));
            },
          });
          return new Response(body);
        },
      };
    `));
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    writer.write(enc.encode('one'));
    const res = await w.getEntrypoint().fetch('http://x/', { method: 'POST', body: readable, duplex: 'half' });
    const reader = res.body.getReader();
    assert.strictEqual(dec.decode((await reader.read()).value), 'first=one;');
    await writer.write(enc.encode('two'));
    assert.strictEqual(dec.decode((await reader.read()).value), 'TWO;');
    await writer.write(enc.encode('three'));
    assert.strictEqual(dec.decode((await reader.read()).value), 'THREE;');
    await writer.close();
    assert.strictEqual(dec.decode((await reader.read()).value), 'end');
    assert.strictEqual((await reader.read()).done, true);
  },
};

// ---------------------------------------------------------------------------------------------
// JS RPC

const kApi = `
  import { WorkerEntrypoint, RpcTarget } from 'cloudflare:workers';
  class Counter extends RpcTarget {
    constructor(start) { super(); this.n = start; }
    inc(by = 1) { this.n += by; return this.n; }
    get value() { return this.n; }
    fetch(x) { return 'rpc target fetch ' + x; }
    connect(x) { return 'rpc target connect ' + x; }
  }
  class Plain { constructor() { this.x = 1; } }
  class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } }
  export let constructed = 0;
  export class Api extends WorkerEntrypoint {
    constructor(ctx, env) { super(ctx, env); constructed++; this.calls = 0; }
    echo(x) { return x; }
    add(a, b) { return a + b; }
    argCount(...args) { return args.length; }
    describe(v) {
      return {
        date: v.date instanceof Date && v.date.getTime(),
        map: v.map instanceof Map && [...v.map.keys()],
        set: v.set instanceof Set && v.set.size,
        regexp: v.regexp instanceof RegExp && v.regexp.flags,
        u8: v.u8 instanceof Uint8Array && v.u8.length,
        f64: v.f64 instanceof Float64Array && v.f64[1],
        ab: v.ab instanceof ArrayBuffer && v.ab.byteLength,
        big: typeof v.big,
        cycle: v.self === v,
        undef: 'undef' in v && v.undef === undefined,
        nul: v.nul === null,
      };
    }
    counter(start = 0) { return new Counter(start); }
    obj() { return { name: 'obj', nested: { deep: 'value', fn: (x) => 'nested fn ' + x } }; }
    makeAdder(n) { return (x) => x + n; }
    async callBack(fn, v) { return (await fn(v)) + (await fn(v + 1)); }
    async useTarget(target) { return (await target.hi('child')) + ' / ' + (await target.count()); }
    throwRange() { throw new RangeError('out of range'); }
    async throwCustom() { throw new MyError('custom'); }
    throwType() { null.x; }
    returnPlain() { return new Plain(); }
    returnFn() { return function named() { return 'fn result'; }; }
    props() { return this.ctx.props; }
    envValue() { return [this.env.K1, this.env.K2]; }
    mutateProps() { this.ctx.props.n = (this.ctx.props.n ?? 0) + 1; this.ctx.props.deep.list.push('x'); return this.ctx.props; }
    count() { return ++this.calls; }
    constructedCount() { return constructed; }
    alarm() { return 'alarm'; }
    webSocketMessage() { return 'ws'; }
  }
  export default {
    one(arg, env, ctx) {
      return { arg, env: Object.keys(env), ctxType: typeof ctx.waitUntil, props: ctx.props };
    },
    wide(a, b, env, ctx) { return 'never'; },
    version: 3,
    nested: { hello(x) { return 'nested ' + x; } },
  };
`;

function api(env, props) {
  const w = env.LOADER.load(code(kApi, { env: { K1: 'v1', K2: 2 } }));
  return [w, w.getEntrypoint('Api', props === undefined ? undefined : { props })];
}

export const rpcStructuredCloneRoundTrip = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    const value = {
      date: new Date(1700000000000),
      map: new Map([['a', 1], [2, { b: [3] }]]),
      set: new Set([1, 'two', 3n]),
      regexp: /ab+c/gi,
      u8: new Uint8Array([1, 2, 3]),
      f64: new Float64Array([0.5, -1.25]),
      ab: new Uint8Array([9, 8, 7, 6]).buffer,
      big: 12345678901234567890n,
      nested: { a: [1, [2, [3, { four: 4 }]]], s: 'str', b: false, n: -0, nan: NaN },
      undef: undefined,
      nul: null,
      arr: [undefined, null, , 4],
    };
    value.self = value;
    value.nested.back = value.nested;
    const back = await stub.echo(value);
    assert.ok(back.date instanceof Date);
    assert.strictEqual(back.date.getTime(), 1700000000000);
    assert.ok(back.map instanceof Map);
    assert.deepStrictEqual([...back.map], [['a', 1], [2, { b: [3] }]]);
    assert.ok(back.set instanceof Set);
    assert.deepStrictEqual([...back.set], [1, 'two', 3n]);
    assert.ok(back.regexp instanceof RegExp);
    assert.strictEqual(back.regexp.source, 'ab+c');
    assert.strictEqual(back.regexp.flags, 'gi');
    assert.ok(back.u8 instanceof Uint8Array);
    assert.deepStrictEqual([...back.u8], [1, 2, 3]);
    assert.ok(back.f64 instanceof Float64Array);
    assert.deepStrictEqual([...back.f64], [0.5, -1.25]);
    assert.ok(back.ab instanceof ArrayBuffer);
    assert.deepStrictEqual([...new Uint8Array(back.ab)], [9, 8, 7, 6]);
    assert.strictEqual(back.big, 12345678901234567890n);
    assert.strictEqual(back.self, back, 'cycle kept');
    assert.strictEqual(back.nested.back, back.nested, 'inner cycle kept');
    assert.strictEqual(Object.is(back.nested.n, -0), true);
    assert.ok(Number.isNaN(back.nested.nan));
    assert.deepStrictEqual(back.nested.a, [1, [2, [3, { four: 4 }]]]);
    assert.ok('undef' in back);
    assert.strictEqual(back.undef, undefined);
    assert.strictEqual(back.nul, null);
    assert.strictEqual(back.arr.length, 4);
    assert.strictEqual(1 in back.arr, true);
    assert.strictEqual(2 in back.arr, false, 'hole kept');
    // What the other isolate saw.
    assert.deepStrictEqual(await stub.describe(value), {
      date: 1700000000000, map: ['a', 2], set: 3, regexp: 'gi', u8: 3, f64: -1.25, ab: 4,
      big: 'bigint', cycle: true, undef: true, nul: true,
    });
    // Primitives and top-level undefined/null.
    assert.strictEqual(await stub.echo(undefined), undefined);
    assert.strictEqual(await stub.echo(null), null);
    assert.strictEqual(await stub.echo('s'), 's');
    assert.strictEqual(await stub.echo(5n), 5n);
    assert.strictEqual(await stub.add(2, 3), 5);
    assert.strictEqual(await stub.argCount(1, undefined, 3), 3);
    // A WorkerEntrypoint's this.env is the WorkerCode's env.
    assert.deepStrictEqual(await stub.envValue(), ['v1', 2]);
    // Errors as values keep name and message.
    const err = await stub.echo(new RangeError('as value'));
    assert.ok(err instanceof RangeError);
    assert.strictEqual(err.message, 'as value');
  },
};

export const rpcFunctionsTravelAsStubs = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    // Loader -> child: the child calls back into the loader.
    const seen = [];
    assert.strictEqual(await stub.callBack((x) => { seen.push(x); return x * 10; }, 2), 50);
    assert.deepStrictEqual(seen, [2, 3]);
    // Async callbacks too.
    assert.strictEqual(await stub.callBack(async (x) => x + 1, 1), 5);
    // Child -> loader: a function result is a callable stub.
    const add10 = await stub.makeAdder(10);
    assert.strictEqual(typeof add10, 'function');
    assert.strictEqual(await add10(5), 15);
    assert.strictEqual(await add10(-10), 0);
    assert.strictEqual(await (await stub.returnFn())(), 'fn result');
    // Functions nested in results.
    const obj = await stub.obj();
    assert.strictEqual(obj.name, 'obj');
    assert.strictEqual(await obj.nested.fn('a'), 'nested fn a');
    // A callback that throws rejects the child's call with that error.
    await rejects(stub.callBack(() => { throw new TypeError('callback failed'); }, 1),
      { name: 'TypeError', message: 'callback failed' });
  },
};

export const rpcTargetsTravelAsStubs = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    // Child -> loader.
    const counter = await stub.counter(5);
    assert.strictEqual(await counter.inc(), 6);
    assert.strictEqual(await counter.inc(4), 10);
    assert.strictEqual(await counter.value, 10, 'getters are readable');
    // Loader -> child.
    let count = 0;
    class Greeter extends RpcTarget {
      hi(who) { return `hi ${who}`; }
      count() { return ++count; }
    }
    assert.strictEqual(await stub.useTarget(new Greeter()), 'hi child / 1');
    assert.strictEqual(count, 1);
    // An RpcTarget's own properties are not callable, its methods are.
    await rejects(counter.n, noSuchMethod('n'));
    // An RpcTarget may have methods named fetch and connect (only entrypoints reserve them).
    assert.strictEqual(await counter.fetch('x'), 'rpc target fetch x');
    assert.strictEqual(await counter.connect('y'), 'rpc target connect y');
    // dup() gives another stub to the same object.
    const copy = counter.dup();
    assert.strictEqual(await copy.inc(), 11);
    assert.strictEqual(await counter.inc(), 12);
  },
};

export const rpcPromisePipelining = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    assert.strictEqual(await stub.counter().inc(), 1);
    assert.strictEqual(await stub.counter(41).inc(), 42);
    assert.strictEqual(await stub.obj().name, 'obj');
    assert.strictEqual(await stub.obj().nested.deep, 'value');
    assert.strictEqual(await stub.obj().nested.fn('p'), 'nested fn p');
    assert.strictEqual(await stub.makeAdder(1)(2), 3);
    // Errors of the first call reach the pipelined one.
    await rejects(stub.throwRange().x(), { name: 'RangeError', message: 'out of range' });
  },
};

export const rpcRemoteErrorsKeepNameAndMessage = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    await rejects(stub.throwRange(), (e) => {
      assert.ok(e instanceof RangeError);
      assert.strictEqual(e.name, 'RangeError');
      assert.strictEqual(e.message, 'out of range');
      assert.strictEqual(e.remote, true);
      return true;
    });
    await rejects(stub.throwCustom(), (e) => {
      assert.ok(e instanceof Error);
      assert.strictEqual(e.name, 'MyError');
      assert.strictEqual(e.message, 'custom');
      assert.strictEqual(e.remote, true);
      return true;
    });
    await rejects(stub.throwType(), (e) => {
      assert.ok(e instanceof TypeError);
      assert.strictEqual(e.message, "Cannot read properties of null (reading 'x')");
      assert.strictEqual(e.remote, true);
      return true;
    });
  },
};

export const rpcClassInstancesAreDataCloneErrors = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    class Point { constructor() { this.x = 1; } }
    await rejects(stub.echo(new Point()), {
      name: 'DataCloneError',
      message: 'Could not serialize object of type "Point". This type does not support serialization.',
    });
    await rejects(stub.echo({ nested: [new Point()] }), { name: 'DataCloneError' });
    // A result the child cannot send.
    await rejects(stub.returnPlain(), {
      name: 'DataCloneError',
      message: 'Could not serialize object of type "Plain". This type does not support serialization.',
    });
    // The stub still works afterwards.
    assert.strictEqual(await stub.add(1, 1), 2);
  },
};

export const rpcReservedNames = {
  async test(ctrl, env) {
    const [w, stub] = api(env);
    await rejects(stub.constructor(), reservedName('constructor'));
    await rejects(stub.alarm(), reservedName('alarm'));
    await rejects(stub.webSocketMessage(), reservedName('webSocketMessage'));
    // Reserved whether or not the entrypoint defines them (as workerd: checked first).
    await rejects(stub.webSocketClose(), reservedName('webSocketClose'));
    await rejects(stub.webSocketError(), reservedName('webSocketError'));
    // On plain-object entrypoints too.
    await rejects(w.getEntrypoint().constructor(), reservedName('constructor'));
    await rejects(w.getEntrypoint().alarm(), reservedName('alarm'));
    // On RpcTargets, constructor is reserved.
    const counter = await stub.counter();
    await rejects(counter.constructor(), reservedName('constructor'));
    // Pipelined: fetch/connect of an entrypoint reached through a path are reserved as well.
    await rejects(stub.obj().constructor(), reservedName('constructor'));
  },
};

export const rpcObjectPrototypeAndOwnPropertiesAreNotMethods = {
  async test(ctrl, env) {
    const [w, stub] = api(env);
    for (const name of ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString', 'propertyIsEnumerable']) {
      await rejects(stub[name](), noSuchMethod(name));
      await rejects(w.getEntrypoint()[name](), noSuchMethod(name));
    }
    // The entrypoint instance's own properties (env, ctx, fields) are not reachable.
    await rejects(stub.env(), noSuchMethod('env'));
    await rejects(stub.ctx(), noSuchMethod('ctx'));
    await rejects(stub.calls(), noSuchMethod('calls'));
    await rejects(stub.env, noSuchMethod('env'));
    await rejects(stub.ctx, noSuchMethod('ctx'));
    await rejects(stub.nothingHere(), noSuchMethod('nothingHere'));
    // A plain-object entrypoint's own properties are.
    assert.strictEqual(await w.getEntrypoint().version, 3);
    await rejects(w.getEntrypoint().version(1), { name: 'TypeError', message: '"version" is not a function.' });
    // Nested members of plain objects, called with (arg, env, ctx).
    assert.strictEqual(await w.getEntrypoint().nested.hello('n'), 'nested n');
    await rejects(w.getEntrypoint().nested.toString(), noSuchMethod('toString'));
    // A getter is readable, not callable.
    const counter = await stub.counter(3);
    assert.strictEqual(await counter.value, 3);
    await rejects(counter.value(), { name: 'TypeError', message: '"value" is not a function.' });
    await rejects(w.getEntrypoint().missing(1), noSuchMethod('missing'));
  },
};

export const rpcPlainObjectEntrypointTakesOneArgumentPlusEnvCtx = {
  async test(ctrl, env) {
    const [w] = api(env, undefined);
    const ep = w.getEntrypoint(null, { props: { p: 1 } });
    assert.deepStrictEqual(await ep.one({ a: 1 }), {
      arg: { a: 1 }, env: ['K1', 'K2'], ctxType: 'function', props: { p: 1 },
    });
    await rejects(ep.one(1, 2), {
      name: 'TypeError',
      message: 'Attempted to call RPC function "one" with the wrong number of arguments. When ' +
        'calling a top-level handler function that is not declared as part of a class, you must ' +
        'always send exactly one argument. In order to support variable numbers of arguments, the ' +
        'server must use class-based syntax (extending WorkerEntrypoint) instead.',
    });
    await rejects(ep.one(), { name: 'TypeError' });
    await rejects(ep.wide(1), {
      name: 'TypeError',
      message: 'Cannot call handler function "wide" over RPC because it has the wrong number of ' +
        'arguments. A simple function handler can only be called over RPC if it has exactly the ' +
        'arguments (arg, env, ctx), where only the first argument comes from the client. To ' +
        'support multi-argument RPC functions, use class-based syntax (extending WorkerEntrypoint) ' +
        'instead.',
    });
  },
};

// ---------------------------------------------------------------------------------------------
// A new request context per call

export const requestContextConstructsClassEachCall = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    const before = await stub.constructedCount();
    assert.strictEqual(await stub.count(), 1);
    assert.strictEqual(await stub.count(), 1, 'a fresh instance: its field starts over');
    assert.strictEqual(await stub.constructedCount(), before + 3);
  },
};

export const requestContextPropsAreAFreshCopy = {
  async test(ctrl, env, ctx) {
    const props = { n: 0, deep: { list: [] } };
    const [, stub] = api(env, props);
    assert.deepStrictEqual(await stub.mutateProps(), { n: 1, deep: { list: ['x'] } });
    assert.deepStrictEqual(await stub.mutateProps(), { n: 1, deep: { list: ['x'] } });
    assert.deepStrictEqual(await stub.props(), { n: 0, deep: { list: [] } });
    // The caller's object is not touched, and changing it later does not change the Fetcher's props.
    assert.deepStrictEqual(props, { n: 0, deep: { list: [] } });
    props.n = 100;
    assert.deepStrictEqual(await stub.props(), { n: 0, deep: { list: [] } });
    // Props of ctx.exports Fetchers: the same rules.
    const svcProps = { tag: 't' };
    const svc = ctx.exports.Svc({ props: svcProps });
    svcProps.tag = 'changed';
    assert.strictEqual(await svc.bump(), 1);
    assert.strictEqual(await svc.bump(), 1);
    assert.deepStrictEqual(await svc.props(), { tag: 't' });
  },
};

// ---------------------------------------------------------------------------------------------
// ctx.exports

export const ctxExportsInTheLoader = {
  async test(ctrl, env, ctx) {
    assert.strictEqual(await ctx.exports.Svc.hello('a'), 'hello a from svc tag=undefined');
    assert.deepStrictEqual(await ctx.exports.Svc.props(), {});
    const res = await ctx.exports.Svc.fetch('http://x/path', { method: 'POST' });
    assert.strictEqual(await res.text(), 'svc POST /path tag=undefined');
    const tagged = ctx.exports.Svc({ props: { tag: 'T' } });
    assert.strictEqual(await tagged.hello('b'), 'hello b from svc tag=T');
    assert.strictEqual(await (await tagged.fetch('http://x/q')).text(), 'svc GET /q tag=T');
    assert.strictEqual(ctx.exports.Nope, undefined);
    assert.ok('Svc' in ctx.exports);
  },
};

export const ctxExportsInADynamicWorker = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(`
      import { WorkerEntrypoint } from 'cloudflare:workers';
      export class Inner extends WorkerEntrypoint {
        who() { return 'inner props=' + JSON.stringify(this.ctx.props); }
        fetch(request) { return new Response('inner fetch ' + this.ctx.props.k); }
      }
      export default {
        async run(arg, env, ctx) {
          return [
            await ctx.exports.Inner.who(null),
            await ctx.exports.Inner({ props: { k: arg } }).who(null),
            await (await ctx.exports.Inner({ props: { k: 'f' } }).fetch('http://x/')).text(),
          ];
        },
      };
    `));
    assert.deepStrictEqual(await w.getEntrypoint().run('v'), [
      'inner props={}', 'inner props={"k":"v"}', 'inner fetch f',
    ]);
  },
};

export const ctxExportsUnspecializedAllowedAsGlobalOutbound = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(`
      export default { async fetch() { return fetch('https://outbound.test/u'); } };
    `, { globalOutbound: ctx.exports.HttpGateway }));
    const res = await w.getEntrypoint().fetch('http://x/');
    assert.strictEqual(await res.text(), 'gateway GET https://outbound.test/u tenant=undefined');
    assert.deepStrictEqual(gatewaySeen.props, {});
  },
};

export const ctxExportsUnspecializedRejectedInEnvAndProps = {
  async test(ctrl, env, ctx) {
    const dataClone = { name: 'DataCloneError' };
    assert.throws(() => env.LOADER.load(code(kCounter, { env: { GW: ctx.exports.Svc } })), dataClone);
    assert.throws(() => env.LOADER.load(code(kCounter, { env: { deep: [{ GW: ctx.exports.Svc }] } })), dataClone);
    // With get(), on the first call.
    const g = env.LOADER.get('unspecialized-env', () => code(kCounter, { env: { GW: ctx.exports.Svc } }));
    await rejects(g.getEntrypoint().inc(), dataClone);
    // In props.
    const w = env.LOADER.load(code(kApi));
    assert.throws(() => w.getEntrypoint('Api', { props: { gw: ctx.exports.Svc } }), dataClone);
    assert.throws(() => ctx.exports.Svc({ props: { inner: ctx.exports.Svc } }), dataClone);
    // Specialized ones are fine in env and props.
    env.LOADER.load(code(kCounter, { env: { GW: ctx.exports.Svc({ props: {} }) } }));
    const p = await w.getEntrypoint('Api', { props: { gw: ctx.exports.Svc({ props: { tag: 'in props' } }) } }).props();
    assert.strictEqual(await p.gw.hello('x'), 'hello x from svc tag=in props');
  },
};

export const dynamicEntrypointsCannotBePassedOn = {
  async test(ctrl, env) {
    const first = env.LOADER.load(code(kApi));
    const ep = first.getEntrypoint('Api');
    const dataClone = { name: 'DataCloneError' };
    assert.throws(() => env.LOADER.load(code(kCounter, { env: { OTHER: ep } })), dataClone);
    assert.throws(() => env.LOADER.load(code(kCounter, { env: { OTHER: first.getEntrypoint() } })), dataClone);
    const second = env.LOADER.load(code(kApi)).getEntrypoint('Api');
    await rejects(second.echo(ep), dataClone);
    await rejects(second.echo({ list: [ep] }), dataClone);
    assert.throws(() => env.LOADER.load(code(kApi)).getEntrypoint('Api', { props: { ep } }), dataClone);
    // Not as a globalOutbound either.
    assert.throws(() => env.LOADER.load(code(kCounter, { globalOutbound: ep })), dataClone);
    // The entrypoint itself still works.
    assert.strictEqual(await ep.add(1, 2), 3);
  },
};

export const fetchersInEnvAreWorkingBindings = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(`
      export default {
        async fetch(request, env) {
          const res = await env.SVC.fetch('http://svc/from-child', { method: 'PUT' });
          return new Response((await res.text()) + ' | ' + (await env.SVC.hello('child')) + ' | ' + env.NAME);
        },
      };
    `, { env: { SVC: ctx.exports.Svc({ props: { tag: 'bound' } }), NAME: 'plain value' } }));
    const res = await w.getEntrypoint().fetch('http://x/');
    assert.strictEqual(await res.text(),
      'svc PUT /from-child tag=bound | hello child from svc tag=bound | plain value');
  },
};

// ---------------------------------------------------------------------------------------------
// globalOutbound

export const globalOutboundOmittedInheritsNetwork = {
  async test(ctrl, env) {
    const upstream = await serve(async (request) => new Response(`upstream saw ${request.method} ${new URL(request.url).pathname}`));
    try {
      const w = env.LOADER.load(code(`
        export default { async fetch(request) { return fetch(await request.text(), { method: 'POST', body: 'b' }); } };
      `));
      const res = await w.getEntrypoint().fetch('http://x/', { method: 'POST', body: `${upstream.url}direct` });
      assert.strictEqual(await res.text(), 'upstream saw POST /direct');
    } finally {
      await upstream.close();
    }
  },
};

export const globalOutboundNullBlocksFetchAndConnect = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(`
      import { connect } from 'cloudflare:sockets';
      export default {
        async check(upstreamUrl) {
          const out = {};
          const p = fetch(upstreamUrl);
          out.isPromise = p instanceof Promise;
          try { await p; out.fetch = 'resolved'; } catch (e) { out.fetch = [e.constructor === Error, e.name, e.message]; }
          try { await fetch(new Request('https://example.com/')); } catch (e) { out.fetchRequest = e.message; }
          try { connect('example.com:80'); out.connect = 'returned'; } catch (e) { out.connect = [e.constructor === Error, e.name, e.message]; }
          out.data = await (await fetch('data:text/plain,still%20local')).text();
          return out;
        },
      };
    `, { globalOutbound: null }));
    let hits = 0;
    const upstream = await serve(() => { hits++; return new Response('leaked'); });
    try {
      assert.deepStrictEqual(await w.getEntrypoint().check(upstream.url), {
        isPromise: true,
        fetch: [true, 'Error', kNoInternet],
        fetchRequest: kNoInternet,
        connect: [true, 'Error', kNoInternet],
        data: 'still local',
      });
      assert.strictEqual(hits, 0, 'nothing left the process');
    } finally {
      await upstream.close();
    }
  },
};

export const globalOutboundGatewaySeesTheRequest = {
  async test(ctrl, env, ctx) {
    gatewaySeen = null;
    const w = env.LOADER.load(code(`
      export default {
        async fetch(request, env) {
          const res = await fetch('https://api.example.com/v1/items?x=1', {
            method: 'PUT', headers: { 'x-test': 'from child' }, body: 'child body',
          });
          return new Response(res.status + ' ' + res.headers.get('x-gateway') + ' ' + await res.text());
        },
      };
    `, { globalOutbound: ctx.exports.HttpGateway({ props: { tenant: 'acme', secret: 's3cr3t' } }) }));
    const res = await w.getEntrypoint().fetch('http://x/');
    assert.strictEqual(await res.text(), '203 yes gateway PUT https://api.example.com/v1/items?x=1 tenant=acme');
    assert.deepStrictEqual(gatewaySeen, {
      url: 'https://api.example.com/v1/items?x=1',
      method: 'PUT',
      header: 'from child',
      body: 'child body',
      props: { tenant: 'acme', secret: 's3cr3t' },
      loaderEnvHasLoader: true,
    });
  },
};

export const globalOutboundPropsAreHiddenFromTheChild = {
  async test(ctrl, env, ctx) {
    const gw = ctx.exports.HttpGateway({ props: { tenant: 'hidden', secret: 's3cr3t' } });
    const w = env.LOADER.load(code(`
      export default {
        async probe(arg, env) {
          const out = {};
          for (const name of ['ctx', 'props', 'env']) {
            try { out[name] = await env.GW[name]; } catch (e) { out[name] = e.message; }
          }
          out.keys = Object.keys(env.GW);
          out.globals = Object.keys(globalThis).filter((k) => JSON.stringify(globalThis[k] ?? null)?.includes('s3cr3t'));
          return out;
        },
      };
    `, { globalOutbound: gw, env: { GW: ctx.exports.HttpGateway({ props: { tenant: 'hidden', secret: 's3cr3t' } }) } }));
    const seen = await w.getEntrypoint().probe(0);
    assert.deepStrictEqual(seen, {
      ctx: 'The RPC receiver does not implement the method "ctx".',
      props: 'The RPC receiver does not implement the method "props".',
      env: 'The RPC receiver does not implement the method "env".',
      keys: [],
      globals: [],
    });
  },
};

export const gatewayOwnFetchReachesTheNetwork = {
  async test(ctrl, env, ctx) {
    const upstream = await serve((request) => new Response(`real upstream ${new URL(request.url).pathname}`));
    try {
      const w = env.LOADER.load(code(`
        export default { async fetch() { return fetch('https://upstream.test/via-gateway'); } };
      `, { globalOutbound: ctx.exports.HttpGateway({ props: { upstream: upstream.url } }) }));
      const res = await w.getEntrypoint().fetch('http://x/');
      assert.strictEqual(await res.text(), 'real upstream /via-gateway');
    } finally {
      await upstream.close();
    }
  },
};

const kSocketChild = `
  import { connect } from 'cloudflare:sockets';
  export default {
    async talk(address) {
      const socket = connect(address);
      const info = await socket.opened;
      const writer = socket.writable.getWriter();
      const reader = socket.readable.getReader();
      const dec = new TextDecoder();
      let text = '';
      await writer.write(new TextEncoder().encode('ping from child'));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += dec.decode(value, { stream: true });
      }
      await socket.closed;
      return { text, localAddress: info.localAddress };
    },
    async closeWhileLocked(address) {
      const socket = connect(address);
      await socket.opened;
      const reader = socket.readable.getReader();
      const writer = socket.writable.getWriter();
      const greeting = new TextDecoder().decode((await reader.read()).value);
      await socket.close();
      const after = await reader.read();
      let writeError = null;
      try { await writer.write(new Uint8Array([1])); } catch (e) { writeError = e.constructor.name; }
      return { greeting, done: after.done, writeError };
    },
    async refused(address) {
      const socket = connect(address);
      try { await socket.opened; return 'opened'; } catch (e) { return [e.constructor === Error, e.message]; }
    },
  };
`;

export const connectThroughGateway = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(kSocketChild, {
      globalOutbound: ctx.exports.HttpGateway({ props: { tenant: 'sock' } }),
    }));
    // The reads end (done) because the gateway's connect handler returned.
    assert.deepStrictEqual(await w.getEntrypoint().talk('db.internal:5432'), {
      text: 'hello db.internal:5432 sock\nPING FROM CHILD',
      localAddress: 'db.internal:5432',
    });
    assert.deepStrictEqual(await w.getEntrypoint().talk({ hostname: '10.0.0.1', port: 25 }), {
      text: 'hello 10.0.0.1:25 sock\nPING FROM CHILD',
      localAddress: '10.0.0.1:25',
    });
    // close() ends the socket even while the worker holds its reader and writer.
    assert.deepStrictEqual(await w.getEntrypoint().closeWhileLocked('x.test:1'), {
      greeting: 'hello x.test:1 sock\n', done: true, writeError: 'TypeError',
    });
  },
};

export const connectThroughGatewayWithoutConnectHandler = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(kSocketChild, {
      globalOutbound: ctx.exports.FetchOnlyGateway({ props: {} }),
    }));
    assert.deepStrictEqual(await w.getEntrypoint().refused('example.com:443'), [true, kProxyFailed]);
  },
};

export const fetcherConnectReachesEntrypointConnectHandler = {
  async test(ctrl, env) {
    // Fetcher.connect() from the loader is delivered to the dynamic worker's connect handler.
    const w = env.LOADER.load(code(`
      import { WorkerEntrypoint } from 'cloudflare:workers';
      async function serveSocket(socket, tag) {
        const { localAddress } = await socket.opened;
        const reader = socket.readable.getReader();
        const writer = socket.writable.getWriter();
        const { value } = await reader.read();
        await writer.write(new TextEncoder().encode(tag + ' ' + localAddress + ' got ' + new TextDecoder().decode(value)));
      }
      export default { connect(socket, env, ctx) { return serveSocket(socket, 'default'); } };
      export class Db extends WorkerEntrypoint {
        connect(socket) { return serveSocket(socket, 'db ' + this.ctx.props.name); }
      }
    `));
    async function talk(fetcher, address) {
      const socket = fetcher.connect(address);
      await socket.opened;
      const writer = socket.writable.getWriter();
      await writer.write(new TextEncoder().encode('hi'));
      let text = '';
      for await (const chunk of socket.readable) text += new TextDecoder().decode(chunk);
      await socket.closed;
      return text;
    }
    assert.strictEqual(await talk(w.getEntrypoint(), 'svc.local:99'), 'default svc.local:99 got hi');
    assert.strictEqual(await talk(w.getEntrypoint('Db', { props: { name: 'main' } }), 'db:5432'),
      'db main db:5432 got hi');
  },
};

// ---------------------------------------------------------------------------------------------
// Containment details.

// dynworker:test's serve() would open a listening socket: not importable by dynamic workers.
export const dynamicWorkerCannotImportTestFixtures = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(`export default { async fetch() {
      try { await import('dynworker:test'); return new Response('imported'); }
      catch (e) { return new Response(e.message); }
    } };`));
    const text = await (await w.getEntrypoint().fetch('http://x/')).text();
    assert.match(text, /^No such module "dynworker:test"/);
  },
};

// A Fetcher is an object, as in workerd: JSON.stringify(env) in a child whose env holds one
// stays local and gives {} for it (no remote toJSON call).
export const fetchersAreObjectsAndSerializeAsEmptyJson = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(`export default { fetch(r, env) {
      return new Response(typeof env.API + ' ' + JSON.stringify(env));
    } };`, { env: { API: ctx.exports.Svc({ props: {} }), N: 1 } }));
    assert.strictEqual(await (await w.getEntrypoint().fetch('http://x/')).text(), 'object {"API":{},"N":1}');
    assert.strictEqual(typeof w.getEntrypoint(), 'object');
    assert.strictEqual(typeof ctx.exports.Svc, 'function');
    assert.strictEqual(typeof ctx.exports.Svc({ props: {} }), 'object');
  },
};

// connect() through a gateway checks the address as the network path does, before the gateway
// sees anything.
export const connectThroughGatewayChecksTheAddress = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(`
      import { connect } from 'cloudflare:sockets';
      export default { fetch() {
        const out = [];
        for (const address of ['no-port', 'host:0', '', { hostname: 'h' }]) {
          try { connect(address); out.push('connected'); } catch (e) { out.push(e.name + ': ' + e.message); }
        }
        return Response.json(out);
      } };`, { globalOutbound: ctx.exports.EchoGateway({ props: {} }) }));
    const out = await (await w.getEntrypoint().fetch('http://x/')).json();
    assert.strictEqual(out.length, 4);
    for (const line of out) assert.match(line, /^TypeError: /);
    assert.match(out[0], /^TypeError: Specified address/);
  },
};

// Array holes survive a message that also carries capabilities (decoding walks such messages
// to put stubs in; it once filled every hole with undefined).
export const rpcArrayHolesSurviveBesideStubs = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    // eslint-disable-next-line no-sparse-arrays
    const back = await stub.echo([1, , () => 2]);
    assert.strictEqual(back.length, 3);
    assert.strictEqual(1 in back, false);
    assert.strictEqual(await back[2](), 2);
  },
};

// A dynamic worker's own entrypoints (ctx.exports there) are entrypoints of a dynamic worker
// too: they cannot leave it, neither returned to the loader nor relayed into another worker.
export const dynamicWorkersOwnExportsCannotBePassedOn = {
  async test(ctrl, env) {
    const a = env.LOADER.load(code(`
      import { WorkerEntrypoint } from 'cloudflare:workers';
      export class Inner extends WorkerEntrypoint { hello() { return 'inner of A'; } }
      export class Api extends WorkerEntrypoint {
        own() { return this.ctx.exports.Inner({ props: {} }); }
        ownPlain() { return this.ctx.exports.Inner; }
        inside() { return this.ctx.exports.Inner({ props: {} }).hello(); }
      }
      export default { fetch() { return new Response('a'); } };
    `)).getEntrypoint('Api');
    const dataClone = { name: 'DataCloneError' };
    await rejects(a.own(), dataClone);
    await rejects(a.ownPlain(), dataClone);
    // Inside the worker itself they work.
    assert.strictEqual(await a.inside(), 'inner of A');
  },
};

// load() checks the code when it is called and keeps what it checked: a restart after a failed
// start uses the same modules and bytes even if the caller changed its objects since.
export const loadKeepsTheCodeItChecked = {
  async test(ctrl, env) {
    const bytes = new Uint8Array([1, 2, 3]);
    const c = code(`
      import data from './data.bin';
      export default { fetch() { return new Response(String([...new Uint8Array(data)])); } };
      throw new Error('boom at start');
    `);
    c.modules['data.bin'] = { data: bytes };
    const w = env.LOADER.load(c).getEntrypoint();
    await rejects(w.fetch('http://x/'), /boom at start/);
    c.modules['main.js'] = `export default { fetch() { return new Response('changed'); } };`;
    bytes[0] = 99;
    await rejects(w.fetch('http://x/'), /boom at start/);  // restarted from the checked code
    // The bytes of a worker that starts are those given to load().
    const b2 = new Uint8Array([4, 5, 6]);
    const c2 = code(`
      import data from './data.bin';
      export default { fetch() { return new Response(String([...new Uint8Array(data)])); } };
    `);
    c2.modules['data.bin'] = { data: b2 };
    const w2 = env.LOADER.load(c2).getEntrypoint();
    b2[0] = 99;
    assert.strictEqual(await (await w2.fetch('http://x/')).text(), '4,5,6');
  },
};

// The same for get(): bytes are copied when getCode's code is taken.
export const getCopiesBytesWhenTakingTheCode = {
  async test(ctrl, env) {
    const bytes = new Uint8Array([7, 8, 9]);
    const w = env.LOADER.get('copies-bytes', async () => {
      const c = code(`
        import data from './data.bin';
        export default { fetch() { return new Response(String([...new Uint8Array(data)])); } };
      `);
      c.modules['data.bin'] = { data: bytes.buffer };
      return c;
    }).getEntrypoint();
    await settle();
    bytes[0] = 99;
    assert.strictEqual(await (await w.fetch('http://x/')).text(), '7,8,9');
  },
};

// "contained N properties" is about the count, whatever the fields hold.
export const moduleObjectKeyCountIsCheckedFirst = {
  test(ctrl, env) {
    assert.throws(() => env.LOADER.load(code('export default {};', {
      modules: { 'main.js': 'export default {};', 'x.js': { js: 'export {}', data: 'not bytes' } },
    })), {
      name: 'TypeError',
      message: "Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', 'py', " +
        "or 'wasm'. Module 'x.js' contained 2 properties.",
    });
  },
};

// The 1 MiB limit is on the env: a globalOutbound and tails beside an env just under it are fine.
export const envLimitCountsTheEnvAlone = {
  test(ctrl, env, ctx) {
    const big = 'x'.repeat(1048576 - 64);
    env.LOADER.load(code(kCounter, {
      env: { big }, globalOutbound: ctx.exports.Svc({ props: { tag: 'a'.repeat(200) } }),
    }));
  },
};

// A default export that is neither an object nor a class is no entrypoint.
export const defaultExportThatIsNotAnEntrypoint = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code('export default 5;'));
    await rejects(w.getEntrypoint().fetch('http://x/'), { message: 'Worker has no default entrypoint.' });
    await rejects(w.getEntrypoint('default').fetch('http://x/'), { message: 'Worker has no default entrypoint.' });
  },
};

// fetch() through a gateway is fetch(): redirects the gateway answers with are followed as the
// request's redirect mode says (response.url is the final URL), and an aborted signal rejects
// before anything reaches the gateway.
export const gatewayFetchFollowsRedirectsAndSignals = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(`
      export default {
        async fetch(request) {
          const mode = new URL(request.url).searchParams.get('mode');
          if (mode === 'follow') {
            const r = await fetch('https://api.example.com/r/2');
            return new Response(r.status + ' ' + r.url + ' ' + r.redirected + ' ' + await r.text());
          }
          if (mode === 'manual') {
            const r = await fetch('https://api.example.com/r/1', { redirect: 'manual' });
            return new Response(r.status + ' ' + r.headers.get('location'));
          }
          if (mode === 'error') {
            try { await fetch('https://api.example.com/r/1', { redirect: 'error' }); return new Response('resolved'); }
            catch (e) { return new Response(e.name + ': ' + e.message); }
          }
          if (mode === 'aborted') {
            try { await fetch('https://api.example.com/r/0', { signal: AbortSignal.abort() }); return new Response('resolved'); }
            catch (e) { return new Response(e.name); }
          }
          if (mode === 'post') {
            const r = await fetch('https://api.example.com/r/1', { method: 'POST', body: 'x' });
            return new Response(await r.text());
          }
          return new Response('?');
        },
      };
    `, { globalOutbound: ctx.exports.RedirectGateway({ props: { tag: 'redirects' } }) })).getEntrypoint();
    const get = async (mode) => (await w.fetch(`http://x/?mode=${mode}`)).text();
    assert.strictEqual(await get('follow'),
      '200 https://api.example.com/r/0 true final /r/0 GET redirect=follow');
    assert.strictEqual(redirectGatewayCalls.get('redirects'), 3);
    assert.strictEqual(await get('manual'), '302 /r/0');
    assert.strictEqual(await get('error'), "TypeError: Fetch to https://api.example.com/r/1 was " +
      "redirected (302 to /r/0), and the request's redirect mode is 'error'.");
    const before = redirectGatewayCalls.get('redirects');
    assert.strictEqual(await get('aborted'), 'AbortError');
    assert.strictEqual(redirectGatewayCalls.get('redirects'), before);
    // A 302 after a POST is followed with GET, as for the network.
    assert.strictEqual(await get('post'), 'final /r/0 GET redirect=follow');
  },
};

// limits: checked when given (enforcement is the containment work, loader.md section 5).
export const limitsAreChecked = {
  test(ctrl, env) {
    env.LOADER.load(code(kCounter, { limits: { cpuMs: 10, memoryMb: 64, subRequests: 5, wallMs: 1000 } }));
    assert.throws(() => env.LOADER.load(code(kCounter, { limits: 'bogus' })), {
      name: 'TypeError', message: 'WorkerCode.limits must be an object such as { cpuMs: 50, memoryMb: 128 }.',
    });
    assert.throws(() => env.LOADER.load(code(kCounter, { limits: { cpuMs: -5 } })), {
      name: 'TypeError', message: 'WorkerCode.limits.cpuMs must be a positive number, not -5.',
    });
    assert.throws(() => env.LOADER.load(code(kCounter, { limits: { cpu: 5 } })), {
      name: 'TypeError',
      message: "WorkerCode.limits: unknown limit 'cpu'; the limits are cpuMs, memoryMb, subRequests and wallMs.",
    });
    const w = env.LOADER.load(code(kCounter));
    w.getEntrypoint(undefined, { limits: { cpuMs: 5 } });
    assert.throws(() => w.getEntrypoint(undefined, { limits: { subRequests: NaN } }), {
      name: 'TypeError',
      message: 'getEntrypoint(name, options): options.limits.subRequests must be a positive number, not NaN.',
    });
  },
};

// connect() options reach the gateway: the secureTransport asked for is on the gateway's socket
// (the gateway speaks TLS to the destination) and the worker's socket reports it too.
export const connectThroughGatewayKeepsTheTransportAsked = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(`
      import { connect } from 'cloudflare:sockets';
      export default {
        async fetch(request) {
          const mode = new URL(request.url).searchParams.get('mode');
          const socket = mode === 'none' ? connect('h.test:443') : connect('h.test:443', { secureTransport: mode });
          const reader = socket.readable.getReader();
          let text = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            text += new TextDecoder().decode(value);
          }
          return new Response(socket.secureTransport + ' ' + text);
        },
      };
    `, { globalOutbound: ctx.exports.TransportGateway({ props: {} }) })).getEntrypoint();
    const get = async (mode) => (await w.fetch(`http://x/?mode=${mode}`)).text();
    assert.strictEqual(await get('on'), 'on transport=on');
    assert.strictEqual(await get('starttls'), 'starttls transport=starttls');
    assert.strictEqual(await get('off'), 'off transport=off');
    assert.strictEqual(await get('none'), 'off transport=off');
  },
};

// console.log of strings and simple primitives is formatted without internal:inspect (a fast
// path in internal:console); its text must be exactly what format() gives, and every other
// call still goes through format().
export const consoleLogFastPathMatchesFormat = {
  async test(ctrl, env, ctx) {
    const calls = `[
      ['a', 'b'], ['n', 1, 2.5, NaN, -Infinity, 1e21], ['b', true, false, null, undefined], ['zero', -0, 0],
      ['%s!', 'x'], ['100%', 'done'], ['only % sign'], [5, 'x'], [], ['obj', { a: 1 }], ['big', 10n],
      [undefined], ['%d', '42'], ['', ''],
    ]`;
    const w = env.LOADER.load(code(`
      export default { fetch() { for (const args of ${calls}) console.log(...args); return new Response('ok'); } };
    `, { tails: [ctx.exports.TailCollector({ props: { tag: 'fmt' } })] }));
    assert.strictEqual(await (await w.getEntrypoint().fetch('http://x/')).text(), 'ok');
    for (let i = 0; i < 50 && (tailItems.get('fmt') ?? []).length < 1; i++) await settle(10);
    const logged = tailItems.get('fmt')[0].logs.map((l) => l.message[0]);
    // eslint-disable-next-line no-eval
    const expected = (0, eval)(calls).map((args) => format(...args));
    assert.deepStrictEqual(logged, expected);
  },
};

// tails: after each call into an entrypoint, every tail gets tail([item]) with the event, the
// call's console output and exceptions, and its outcome.
export const tailsGetEachCallsLogsExceptionsAndOutcome = {
  async test(ctrl, env, ctx) {
    const w = env.LOADER.load(code(`
      import { WorkerEntrypoint } from 'cloudflare:workers';
      export class Api extends WorkerEntrypoint {
        add(a, b) { console.log('adding', a, b); return a + b; }
        fail() { console.warn('about to fail'); throw new RangeError('nope'); }
      }
      export default {
        fetch(request) { console.log('saw', new URL(request.url).pathname); return new Response('ok', { status: 201 }); },
      };
    `, { tails: [ctx.exports.TailCollector({ props: { tag: 'a' } }), ctx.exports.TailCollector({ props: { tag: 'b' } })] }));
    // A header named __proto__ is reported like any other (it was lost: assigned as a prototype).
    const res = await w.getEntrypoint().fetch('http://x/path', { headers: { 'x-h': 'v', ['__proto__']: 'p' } });
    assert.strictEqual(res.status, 201);
    assert.strictEqual(await w.getEntrypoint('Api').add(2, 3), 5);
    await rejects(w.getEntrypoint('Api').fail(), { name: 'RangeError', message: 'nope' });
    for (let i = 0; i < 50 && (tailItems.get('b') ?? []).length < 3; i++) await settle(10);
    for (const tag of ['a', 'b']) {
      const items = tailItems.get(tag);
      assert.strictEqual(items.length, 3, tag);
      const [fetchItem, addItem, failItem] = items;
      assert.strictEqual(fetchItem.entrypoint, 'default');
      assert.strictEqual(fetchItem.outcome, 'ok');
      assert.strictEqual(fetchItem.event.request.url, 'http://x/path');
      assert.strictEqual(fetchItem.event.request.method, 'GET');
      assert.strictEqual(fetchItem.event.request.headers['x-h'], 'v');
      assert.strictEqual(Object.getOwnPropertyDescriptor(fetchItem.event.request.headers, '__proto__')?.value, 'p');
      assert.strictEqual(fetchItem.event.response.status, 201);
      assert.deepStrictEqual(fetchItem.logs.map((l) => [l.level, l.message]), [['log', ['saw /path']]]);
      assert.strictEqual(typeof fetchItem.eventTimestamp, 'number');
      assert.strictEqual(addItem.entrypoint, 'Api');
      assert.strictEqual(addItem.event.rpcMethod, 'add');
      assert.deepStrictEqual(addItem.logs.map((l) => l.message), [['adding 2 3']]);
      assert.strictEqual(addItem.outcome, 'ok');
      assert.strictEqual(failItem.outcome, 'exception');
      assert.strictEqual(failItem.exceptions.length, 1);
      assert.strictEqual(failItem.exceptions[0].name, 'RangeError');
      assert.strictEqual(failItem.exceptions[0].message, 'nope');
      assert.deepStrictEqual(failItem.logs.map((l) => l.level), ['warn']);
    }
    assert.throws(() => env.LOADER.load(code(kCounter, { tails: 'x' })), {
      name: 'TypeError', message: 'WorkerCode.tails must be an array of Fetchers.',
    });
  },
};

// fetch, connect and dup are reserved too, wherever they are on a path.
export const rpcReservedFetchConnectDup = {
  async test(ctrl, env) {
    const ep = env.LOADER.load(code(`
      export default { nested: { hello(x) { return 'nested ' + x; }, fetch() { return 'f'; } } };
    `)).getEntrypoint();
    await rejects(ep.nested.fetch(), reservedName('fetch'));
    await rejects(ep.nested.connect(), reservedName('connect'));
    await rejects(ep.nested.dup(), reservedName('dup'));
    assert.strictEqual(await ep.nested.hello('a'), 'nested a');
  },
};

// compatibilityDate and mainModule are required.
export const requiredWorkerCodeFields = {
  test(ctrl, env) {
    assert.throws(() => env.LOADER.load({ mainModule: 'main.js', modules: { 'main.js': '' } }), {
      name: 'TypeError', message: 'WorkerCode.compatibilityDate is required: give the date as "YYYY-MM-DD".',
    });
    assert.throws(() => env.LOADER.load({ compatibilityDate: DATE, modules: { 'main.js': '' } }), {
      name: 'TypeError', message: 'WorkerCode.mainModule is required: the name of the main module in modules.',
    });
    assert.throws(() => env.LOADER.load({ compatibilityDate: DATE, mainModule: 'main.js' }), {
      name: 'TypeError', message: 'WorkerCode.modules is required: an object mapping module names to their code.',
    });
  },
};

// A stub can be disposed ([Symbol.dispose]): later calls fail with the disposed message.
export const stubsCanBeDisposed = {
  async test(ctrl, env) {
    const [, stub] = api(env);
    const counter = await stub.counter(5);
    assert.strictEqual(await counter.inc(), 6);
    counter[Symbol.dispose]();
    await rejects(counter.inc(), { message: 'RPC stub used after being disposed.' });
    assert.strictEqual(await stub.add(1, 1), 2);
  },
};

// Streams, Request, Response and Headers cross isolates both ways over RPC.
export const rpcCarriesPlatformObjects = {
  async test(ctrl, env) {
    const ep = env.LOADER.load(code(`
      import { WorkerEntrypoint } from 'cloudflare:workers';
      export class Api extends WorkerEntrypoint {
        async readAll(stream) { return new Response(stream).text(); }
        makeStream() { return new Response('streamed back').body; }
        async describeRequest(r) { return r.method + ' ' + r.url + ' ' + r.headers.get('x-a') + ' ' + await r.text(); }
        makeResponse() { return new Response('made', { status: 202, headers: { 'x-b': 'c' } }); }
        headers(h) { return [...h].map(([k, v]) => k + '=' + v).join('&'); }
        makeHeaders() { return new Headers({ 'x-c': 'd' }); }
        async writeTo(writable) { const w = writable.getWriter(); await w.write(new TextEncoder().encode('written')); await w.close(); return 'done'; }
      }
      export default {};
    `)).getEntrypoint('Api');
    assert.strictEqual(await ep.readAll(new Response('to the worker').body), 'to the worker');
    assert.strictEqual(await new Response(await ep.makeStream()).text(), 'streamed back');
    assert.strictEqual(await ep.describeRequest(new Request('https://r.test/p', { method: 'PUT', headers: { 'x-a': 'b' }, body: 'body' })),
      'PUT https://r.test/p b body');
    const res = await ep.makeResponse();
    assert.ok(res instanceof Response);
    assert.strictEqual(res.status, 202);
    assert.strictEqual(res.headers.get('x-b'), 'c');
    assert.strictEqual(await res.text(), 'made');
    assert.strictEqual(await ep.headers(new Headers([['x-a', '1'], ['x-b', '2']])), 'x-a=1&x-b=2');
    const h = await ep.makeHeaders();
    assert.ok(h instanceof Headers);
    assert.strictEqual(h.get('x-c'), 'd');
    const { readable, writable } = new TransformStream();
    const [result, text] = await Promise.all([ep.writeTo(writable), new Response(readable).text()]);
    assert.strictEqual(result, 'done');
    assert.strictEqual(text, 'written');
  },
};

// ctx.exports lists the exports that can be entrypoints (objects and classes), not values or
// plain functions (as workerd).
export const ctxExportsHoldsOnlyEntrypoints = {
  async test(ctrl, env) {
    const w = env.LOADER.load(code(`
      import { WorkerEntrypoint } from 'cloudflare:workers';
      export class Inner extends WorkerEntrypoint { hi() { return 'hi'; } }
      export const handlers = { hi() { return 'handlers'; } };
      export const n = 42;
      export function helper() { return 1; }
      export default {
        keys(arg, env, ctx) {
          return [Object.keys(ctx.exports).sort(), 'n' in ctx.exports, ctx.exports.helper === undefined];
        },
      };
    `));
    assert.deepStrictEqual(await w.getEntrypoint().keys(null), [['Inner', 'default', 'handlers'], false, true]);
  },
};

// The loader's RPC machinery registers what it receives (stubs, streamed bodies) for cleanup
// with the registry's original methods: a FinalizationRegistry.prototype.register replaced by
// user code is never what runs.
export const receivingStubsIgnoresAPatchedFinalizationRegistry = {
  async test(ctrl, env) {
    const stub = env.LOADER.load(code(kApi)).getEntrypoint('Api');
    const saved = Object.getOwnPropertyDescriptor(FinalizationRegistry.prototype, 'register');
    let called = 0;
    FinalizationRegistry.prototype.register = function () {
      called++;
      throw new Error('patched FinalizationRegistry.prototype.register');
    };
    try {
      const counter = await stub.counter(5);
      assert.strictEqual(await counter.inc(), 6);
    } finally {
      Object.defineProperty(FinalizationRegistry.prototype, 'register', saved);
    }
    assert.strictEqual(called, 0);
  },
};

// The cache's bookkeeping runs none of user code's replacements of built-ins it uses
// (FinalizationRegistry.prototype.register for load()'s workers, WeakRef.prototype.deref when a
// worker goes idle) and no setter user code puts on Object.prototype sees its records' fields:
// either could hand user code an internal entry (and through it the cache).
export const cacheBookkeepingRunsNoUserCode = {
  async test(ctrl, env) {
    const calls = [];
    const saved = [
      [FinalizationRegistry.prototype, 'register'], [WeakRef.prototype, 'deref'],
    ].map(([obj, key]) => [obj, key, Object.getOwnPropertyDescriptor(obj, key)]);
    const fields = ['cache', 'key', 'older', 'newer', 'box', 'entries', 'oldest', 'newest', 'map'];
    for (const [obj, key] of saved) {
      obj[key] = function () { calls.push(key); throw new Error(`patched ${key} was called`); };
    }
    for (const name of fields) {
      Object.defineProperty(Object.prototype, name, {
        set(v) { calls.push(`set ${name}`); }, configurable: true,
      });
    }
    try {
      const child = code('export default { fetch() { return new Response("ok"); } };');
      for (let i = 0; i < 3; i++) {
        assert.strictEqual(await (await env.LOADER.load(child).getEntrypoint().fetch('http://x/')).text(), 'ok');
        assert.strictEqual(await (await env.LOADER.get(`bookkeeping${i}`, () => child).getEntrypoint()
          .fetch('http://x/')).text(), 'ok');
      }
      await settle();  // the workers' idle listeners
    } finally {
      for (const name of fields) delete Object.prototype[name];
      for (const [obj, key, desc] of saved) Object.defineProperty(obj, key, desc);
    }
    assert.deepStrictEqual(calls, []);
  },
};
