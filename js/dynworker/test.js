// dynworker:test: fixtures for tests run by `dynworker test`.
//
//   import { serve } from 'dynworker:test';
//   const upstream = await serve(async (request) => new Response('hi'));
//   await fetch(upstream.url);     // "http://127.0.0.1:PORT/"
//   await upstream.close();
import primordials from 'internal:primordials';
import { listen, close } from 'internal:serve';
import ops from 'internal:ops';

const { ObjectFreeze } = primordials;

// A real HTTP/1.1 server on 127.0.0.1 and an ephemeral port, running `handler` in this test's
// isolate: a function (request) => Response, or an object with fetch(request, env, ctx).
export async function serve(handler, options = {}) {
  const { serverId, port } = await listen(handler, options);
  let closed = false;
  return ObjectFreeze({
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      if (closed) return;
      closed = true;
      await close(serverId);
    },
  });
}

// How many dynamic worker isolates this test file's loader has running now (each isolate
// counts from its creation until it is destroyed: evicted, collected or failed to start).
export function liveWorkerCount() {
  return ops.workerCount();
}

// The sandboxes' egress audit lines (egress-policy.md section 5) from now on, as they are
// written to --egress-log: an array of JSON texts that grows as decisions are made.
export function captureEgressLog() {
  return ops.loadBuiltin('internal:sandbox').captureEgressLog();
}
