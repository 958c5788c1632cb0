// Stored data across processes: real `dynworker serve` children (dynworker:test spawnServe)
// running fixtures/storage_app. What one process stored, a new process with the same
// --state-dir reads; two processes writing one KV namespace and one R2 bucket at once lose no
// write and leave sound databases; a process killed in the middle of an R2 put leaves the old
// object.
import assert from 'node:assert';
import { spawnServe, storageIntegrityCheck } from 'dynworker:test';
import { pattern } from './fixtures/bytes.js';

const APP = new URL('./fixtures/storage_app/wrangler.jsonc', import.meta.url);

async function ok(response) {
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
  return response;
}

export const dataSurvivesARestart = {
  async test() {
    const dir = 'restart';
    const first = await spawnServe(APP, { stateDir: dir });
    const big = pattern(1024 * 1024 + 7, 3);
    let stored;
    try {
      await ok(await fetch(`${first.url}kv/greeting`, { method: 'PUT', body: 'hello from the first process' }));
      await ok(await fetch(`${first.url}r2/small`, { method: 'PUT', body: 'small object' }));
      stored = await (await ok(await fetch(`${first.url}r2/big`, { method: 'PUT', body: big }))).json();
      assert.strictEqual(stored.size, big.length);
    } finally {
      assert.deepStrictEqual(await first.stop(), { code: 0, signal: 0 });
    }
    const second = await spawnServe(APP, { stateDir: dir });
    try {
      assert.strictEqual(await (await ok(await fetch(`${second.url}kv/greeting`))).text(), 'hello from the first process');
      assert.strictEqual(await (await ok(await fetch(`${second.url}r2/small`))).text(), 'small object');
      const response = await ok(await fetch(`${second.url}r2/big`));
      assert.strictEqual(response.headers.get('etag'), `"${stored.etag}"`);
      assert.deepStrictEqual(new Uint8Array(await response.arrayBuffer()), big);
      assert.deepStrictEqual(await (await fetch(`${second.url}kv?prefix=`)).json(), ['greeting']);
    } finally {
      await second.stop();
    }
    // Another state directory is another world.
    assert.strictEqual(storageIntegrityCheck(`${dir}/kv/shared-kv.sqlite`), 'ok');
  },
};

export const twoProcessesWriteAtOnce = {
  async test(ctrl, env) {
    // Both children use this run's state directory, the one env.KV and env.BUCKET read.
    const [a, b] = await Promise.all([spawnServe(APP), spawnServe(APP)]);
    try {
      const writes = [];
      const etags = new Map();
      for (const [name, server] of [['a', a], ['b', b]]) {
        for (let i = 0; i < 40; i++) {
          writes.push(fetch(`${server.url}kv/c/${name}/${i}`, { method: 'PUT', body: `${name}${i}` }).then(ok));
        }
        for (let i = 0; i < 8; i++) {
          const body = pattern(100 * 1024 + i, name.charCodeAt(0) * 100 + i);
          writes.push(fetch(`${server.url}r2/c/${name}/${i}`, { method: 'PUT', body }).then(ok));
          // The same keys from both processes: one of the two bodies wins, whole.
          const contested = pattern(50 * 1024, name.charCodeAt(0));
          writes.push(fetch(`${server.url}r2/c/both/${i}`, { method: 'PUT', body: contested })
            .then(ok).then((r) => r.json()).then((o) => etags.set(`${name}${i}`, o.etag)));
        }
      }
      try {
        await Promise.all(writes);
      } catch (error) {
        // What the children logged (the handler's exception) says why a write failed.
        throw new Error(`${error.message}\n--- a:\n${a.output()}\n--- b:\n${b.output()}`);
      }
      const kvNames = await (await ok(await fetch(`${a.url}kv?prefix=c/`))).json();
      assert.strictEqual(kvNames.length, 80);
      for (const name of ['a', 'b']) {
        for (let i = 0; i < 40; i++) assert.strictEqual(await env.KV.get(`c/${name}/${i}`), `${name}${i}`);
      }
      const r2Names = await (await ok(await fetch(`${b.url}r2?prefix=c/`))).json();
      assert.strictEqual(r2Names.length, 24);
      for (const name of ['a', 'b']) {
        for (let i = 0; i < 8; i++) {
          const obj = await env.BUCKET.get(`c/${name}/${i}`);
          assert.deepStrictEqual(new Uint8Array(await obj.arrayBuffer()), pattern(100 * 1024 + i, name.charCodeAt(0) * 100 + i));
        }
      }
      for (let i = 0; i < 8; i++) {
        const obj = await env.BUCKET.get(`c/both/${i}`);
        const bytes = new Uint8Array(await obj.arrayBuffer());
        const winner = obj.etag === etags.get(`a${i}`) ? 'a' : 'b';
        assert.strictEqual(obj.etag, etags.get(`${winner}${i}`));
        assert.deepStrictEqual(bytes, pattern(50 * 1024, winner.charCodeAt(0)));
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    assert.strictEqual(storageIntegrityCheck('kv/shared-kv.sqlite'), 'ok');
    assert.strictEqual(storageIntegrityCheck('r2/shared-bucket/meta.sqlite'), 'ok');
  },
};

export const aCrashMidPutLeavesTheOldObject = {
  async test() {
    const dir = 'crash';
    const first = await spawnServe(APP, { stateDir: dir });
    await ok(await fetch(`${first.url}r2/object`, { method: 'PUT', body: 'the old object' }));
    let sent = 0;
    const slow = new ReadableStream({
      async pull(controller) {
        if (sent++ < 2) controller.enqueue(new Uint8Array(64 * 1024));
        else await new Promise(() => {});  // never ends: the process dies meanwhile
      },
    });
    const put = fetch(`${first.url}r2/object`, { method: 'PUT', body: slow, duplex: 'half' })
      .then(() => 'answered', (error) => error.message);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepStrictEqual(await first.kill(), { code: 0, signal: 9 });
    assert.match(await put, /^connection closed by 127\.0\.0\.1:\d+ before a response was received$/);
    const second = await spawnServe(APP, { stateDir: dir });
    try {
      assert.strictEqual(await (await ok(await fetch(`${second.url}r2/object`))).text(), 'the old object');
      // The bucket still works.
      await ok(await fetch(`${second.url}r2/object`, { method: 'PUT', body: 'new' }));
      assert.strictEqual(await (await ok(await fetch(`${second.url}r2/object`))).text(), 'new');
    } finally {
      await second.stop();
    }
    assert.strictEqual(storageIntegrityCheck(`${dir}/r2/shared-bucket/meta.sqlite`), 'ok');
  },
};
