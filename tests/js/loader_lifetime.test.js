// An anonymous dynamic worker (LOADER.load, get(null)) lives as long as something can call it;
// a call in flight or a response body still being read counts, even when no reference to its
// WorkerStub or Fetcher is left (`env.LOADER.load(code).getEntrypoint().fetch(request)`): the
// garbage collector running meanwhile must not unload it.
import assert from 'node:assert';
import { liveWorkerCount } from 'dynworker:test';

const SLOW = `export default {
  async fetch() {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const body = new ReadableStream({
      start(controller) { this.n = 0; },
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (this.n++ === 40) controller.close();
        else controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
      },
    });
    return new Response(body);
  },
};`;

// Enough allocation for several full collections, and turns for their finalizers to run.
async function churn() {
  for (let i = 0; i < 25; i++) {
    let junk = [];
    for (let j = 0; j < 1500; j++) junk.push(new Array(1000).fill(j));
    junk = null;
    await new Promise((resolve) => setTimeout(resolve, 4));
  }
}

export const unreferencedWorkerSurvivesCollectionDuringItsCall = {
  async test(ctrl, env) {
    const code = { compatibilityDate: '2025-01-01', mainModule: 'm.js', modules: { 'm.js': SLOW },
      limits: { cpuMs: 1000 } };
    const pending = [];
    for (let i = 0; i < 3; i++) pending.push(env.LOADER.load(code).getEntrypoint().fetch('http://x/'));
    await churn();
    const responses = await Promise.all(pending);
    await churn();  // the bodies are still to be read
    for (const response of responses) assert.strictEqual((await response.text()).length, 40000);
    // Once nothing is expected of them any more, they do go.
    responses.length = 0;
    for (let i = 0; i < 20 && liveWorkerCount() > 0; i++) await churn();
    assert.strictEqual(liveWorkerCount(), 0);
  },
};
