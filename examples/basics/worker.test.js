// Run with: tools/dynworker test --config examples/basics/wrangler.jsonc examples/basics/worker.test.js
import assert from 'node:assert';
import { slugify, later } from './worker.js';

export const slugs = {
  test() {
    assert.strictEqual(slugify('  Hello, Workers World! '), 'hello-workers-world');
  },
};

export const timersAndEnv = {
  async test(ctrl, env) {
    assert.strictEqual(await later('done', 5), 'done');
    assert.strictEqual(env.GREETING, 'examples');
  },
};

export const webApis = {
  test() {
    const bytes = new TextEncoder().encode('héllo');
    assert.strictEqual(new TextDecoder().decode(bytes), 'héllo');
    assert.strictEqual(atob(btoa('hi')), 'hi');
    assert.match(crypto.randomUUID(), /^[0-9a-f-]{36}$/);
    const copy = structuredClone(new Map([[1, { deep: true }]]));
    assert.deepStrictEqual(copy.get(1), { deep: true });
  },
};
