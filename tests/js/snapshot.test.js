// Dynamic workers are made from the startup snapshot (docs/architecture.md, "Startup
// snapshot"): each must behave as a fresh bootstrap would, with its own per-isolate state.
// DYNWORKER_NO_SNAPSHOT=1 runs the same tests with the bootstrap run in every isolate.
import assert from 'node:assert';

const kProbe = `
import { WorkerEntrypoint } from 'cloudflare:workers';
import { inspect } from 'node:util';
const started = performance.now();
export default class extends WorkerEntrypoint {
  probe() {
    let heard = 0;
    addEventListener('ping', () => heard++);
    dispatchEvent(new Event('ping'));
    return {
      random: Math.random(),
      uuid: crypto.randomUUID(),
      timeOrigin: performance.timeOrigin,
      started,
      heard,
      meta: import.meta.url,
      hasOwn: Object.hasOwn({ a: 1 }, 'a'),
      sab: inspect(new SharedArrayBuffer(2)),
      wasm: typeof WebAssembly.Module,
      at: [1, 2, 3].at(-1),
      globals: Object.getOwnPropertyNames(globalThis).sort().join(','),
    };
  }
  async dynamic() { return (await import('node:util')).inspect(new Headers({ a: 'b' })); }
  // A stub of a function in this isolate, called back from another: RPC carries realm ids.
  adder() { return (x) => x + 1; }
}
`;

function code() {
  return { compatibilityDate: '2025-01-01', mainModule: 'main.js', modules: { 'main.js': kProbe } };
}

export const twoWorkersHaveTheirOwnPerIsolateState = {
  async test(ctrl, env) {
    const a = await env.LOADER.load(code()).getEntrypoint().probe();
    const b = await env.LOADER.load(code()).getEntrypoint().probe();
    assert.notStrictEqual(a.random, b.random);
    assert.notStrictEqual(a.uuid, b.uuid);
    for (const p of [a, b]) {
      assert.ok(Math.abs(p.timeOrigin - Date.now()) < 10000, `timeOrigin ${p.timeOrigin}`);
      assert.ok(p.started < 10000, `performance.now() at start ${p.started}`);
      assert.strictEqual(p.heard, 1);
      assert.strictEqual(p.meta, 'file:///bundle/main.js');
      assert.strictEqual(p.hasOwn, true);
      assert.strictEqual(p.sab, 'SharedArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 }');
      assert.strictEqual(p.wasm, 'function');
      assert.strictEqual(p.at, 3);
    }
    assert.strictEqual(a.globals, b.globals);
    // The loader (made the same way) sees the same globals as its workers.
    assert.strictEqual(a.globals, Object.getOwnPropertyNames(globalThis).sort().join(','));
  },
};

export const dynamicImportAndRpcStubsAcrossSnapshotIsolates = {
  async test(ctrl, env) {
    const w1 = env.LOADER.load(code()).getEntrypoint();
    const w2 = env.LOADER.load(code()).getEntrypoint();
    assert.strictEqual(await w1.dynamic(), "Headers { 'a' => 'b' }");
    const add1 = await w1.adder();
    const add2 = await w2.adder();
    assert.strictEqual(await add1(1), 2);
    assert.strictEqual(await add2(41), 42);
  },
};
