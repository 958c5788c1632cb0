// Sandboxes across processes (egress-policy.md section 3): run-time changes and ctx.storage are
// persisted per sandbox id in the state directory, so a new `dynworker serve` process (a real
// child, dynworker:test spawnServe) with the same --state-dir decides as the old one did.
import assert from 'node:assert';
import { spawnServe } from 'dynworker:test';

const APP = new URL('./fixtures/sandbox_app/wrangler.jsonc', import.meta.url);
const CHANGED = new URL('./fixtures/sandbox_app_changed/wrangler.jsonc', import.meta.url);

async function text(base, path) {
  const response = await fetch(`${base}${path}`);
  const body = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body}`);
  return body;
}
const probe = (base, target, sandbox = 'one') =>
  text(base, `probe?sandbox=${sandbox}&url=${encodeURIComponent(target)}`);

export const runTimeChangesAndStorageSurviveARestart = {
  async test() {
    const dir = 'sandbox-restart';
    const first = await spawnServe(APP, { stateDir: dir });
    try {
      assert.strictEqual(await probe(first.url, 'http://a.test/'), '200 catch-all');
      await text(first.url, `set?host=${encodeURIComponent('*.test')}&name=alpha&params=${encodeURIComponent('{"n":1}')}`);
      await text(first.url, 'set?host=b.test&name=beta');
      await text(first.url, 'deny?host=c.test');
      await text(first.url, 'put?key=k&value=v1');
      assert.strictEqual(await probe(first.url, 'http://a.test/'), '200 alpha {"n":1}');
    } finally {
      assert.deepStrictEqual(await first.stop(), { code: 0, signal: 0 });
    }
    const second = await spawnServe(APP, { stateDir: dir });
    try {
      assert.strictEqual(await probe(second.url, 'http://a.test/'), '200 alpha {"n":1}');
      assert.strictEqual(await probe(second.url, 'http://b.test/'), '200 beta', 'exact beats glob, still');
      assert.strictEqual(await probe(second.url, 'http://c.test/'), '520 Origin is disallowed');
      assert.strictEqual(await probe(second.url, 'http://x.example/'), '200 catch-all');
      assert.strictEqual(await text(second.url, 'get?key=k'), '{"value":"v1"}');
      // Per sandbox id: another sandbox has none of it.
      assert.strictEqual(await probe(second.url, 'http://a.test/', 'two'), '200 catch-all');
      assert.strictEqual(await text(second.url, 'get?key=k&sandbox=two'), 'null');
      await text(second.url, 'allow?list=b.test');
    } finally {
      await second.stop();
    }
    const third = await spawnServe(APP, { stateDir: dir });
    try {
      assert.strictEqual(await probe(third.url, 'http://a.test/'), '520 Origin is disallowed', 'the allow list persisted');
      assert.strictEqual(await probe(third.url, 'http://b.test/'), '200 beta');
    } finally {
      await third.stop();
    }
  },
};

// A saved change the code can no longer honour (its handler is gone) must not widen the policy:
// the sandbox denies all egress, says why, and a setter puts it right.
export const unusableSavedChangesFailClosed = {
  async test() {
    const dir = 'sandbox-fail-closed';
    const first = await spawnServe(APP, { stateDir: dir });
    try {
      await text(first.url, 'set?host=a.test&name=alpha');
      assert.strictEqual(await probe(first.url, 'http://a.test/'), '200 alpha null');
    } finally {
      await first.stop();
    }
    const second = await spawnServe(CHANGED, { stateDir: dir });
    try {
      assert.strictEqual(await probe(second.url, 'http://a.test/'), '520 Origin is disallowed');
      assert.strictEqual(await probe(second.url, 'http://x.example/'), '520 Origin is disallowed',
        'not even the catch-all: everything is denied');
      assert.match(second.output(), /its saved run-time policy cannot be used \("a\.test" names a handler AppSandbox no longer has\); it denies all egress/);
      await text(second.url, 'set?host=a.test&name=beta');  // a setter replaces the changes...
      await text(second.url, `allow?list=${encodeURIComponent('*.test,*.example')}`);
      assert.strictEqual(await probe(second.url, 'http://a.test/'), '200 beta');
      assert.strictEqual(await probe(second.url, 'http://x.example/'), '200 catch-all');
    } finally {
      await second.stop();
    }
  },
};
