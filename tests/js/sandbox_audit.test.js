// Audit (egress-policy.md section 5): "Every decision can be logged as one JSON line". A
// workload that does not read response bodies must not be able to keep its denied requests out
// of the log. (An unread body of an answered request is logged only when its stream is dropped,
// i.e. collected: see docs/sandbox.md.)
import assert from 'node:assert';
import { Sandbox, getSandbox } from '@cloudflare/sandbox';
import { captureEgressLog } from 'dynworker:test';

const DATE = '2025-01-01';
const kProbe = `
  export default {
    async fetch(request) {
      // Three requests whose responses are never read nor canceled.
      await fetch('http://denied.test/one');
      await fetch('http://handled.test/two');
      await fetch('http://denied.test/three', { method: 'POST', body: 'x' });
      return new Response('done');
    },
  };
`;

export class AuditedSandbox extends Sandbox {
  static deniedHosts = ['denied.test'];
  static outboundByHost = { 'handled.test': () => new Response('handled body') };
}

async function linesOf(env, name) {
  const lines = captureEgressLog();
  const before = lines.length;
  const w = getSandbox(env.Audited, name).load({ compatibilityDate: DATE, mainModule: 'main.js',
    modules: { 'main.js': kProbe } });
  const r = await w.getEntrypoint().fetch('http://x/');
  assert.strictEqual(await r.text(), 'done');
  await new Promise((resolve) => setTimeout(resolve, 500));
  return lines.slice(before).map((l) => JSON.parse(l)).map((l) => `${l.method} ${l.host} ${l.step}`).sort();
}

// Fixed: denials are logged when decided.
export const unreadDenialsAreLogged = {
  async test(ctrl, env) {
    const got = await linesOf(env, 'evasion-denied');
    assert.deepStrictEqual(got.filter((l) => l.includes('denied.test')), ['GET denied.test 1', 'POST denied.test 1']);
  },
};

