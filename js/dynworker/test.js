// dynworker:test: fixtures for tests run by `dynworker test`.
//
//   import { serve } from 'dynworker:test';
//   const upstream = await serve(async (request) => new Response('hi'));
//   await fetch(upstream.url);     // "http://127.0.0.1:PORT/"
//   await upstream.close();
//
//   const server = await spawnServe(new URL('./app.wrangler.jsonc', import.meta.url));
//   await fetch(server.url);       // a real `dynworker serve` process, sharing the state dir
//   await server.stop();
import primordials from 'internal:primordials';
import { listen, close } from 'internal:serve';
import { openDatabase } from 'internal:sqlite';
import { advanceClockForTesting } from 'internal:kv';
import ops from 'internal:ops';

const {
  ObjectFreeze, Error, TypeError, String, StringPrototypeStartsWith, StringPrototypeSlice,
  decodeURIComponent, NumberIsFinite, PromisePrototypeThen,
} = primordials;

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

function requireTestMode(name) {
  if (!ops.testOpsEnabled()) throw new Error(`${name}() is only available under dynworker test.`);
}

// A file path from a string (relative to the working directory) or a file: URL.
function configPath(config) {
  if (typeof config === 'object' && config !== null && typeof config.href === 'string') config = config.href;
  if (typeof config !== 'string') {
    throw new TypeError('spawnServe() needs the config: a path or a file: URL (e.g. ' +
      "new URL('./app.wrangler.jsonc', import.meta.url)).");
  }
  if (StringPrototypeStartsWith(config, 'file://')) return decodeURIComponent(StringPrototypeSlice(config, 7));
  return config;
}

// Starts `dynworker serve CONFIG --port 0 --state-dir DIR --no-request-log` as a child process
// (under dynworker test only) and resolves once it is ready. DIR is `options.stateDir` inside
// this run's state directory, or the run's state directory itself, so the child sees what this
// test's own bindings stored. Returns {url, stop(), output()}: stop() ends it gracefully
// (SIGTERM) and resolves with {code, signal}; output() is what it printed so far. A server
// still running when the test file ends is killed.
export async function spawnServe(config, options = {}) {
  requireTestMode('spawnServe');
  const path = configPath(config);
  const stateDir = options?.stateDir;
  const directory = ops.stateDirPath(stateDir === undefined ? '' : String(stateDir));
  const started = await ops.testServeStart([path, '--port', '0', '--state-dir', directory,
    '--no-request-log']);
  const id = started[0];
  let stopped = null;
  const end = (kill) => {
    if (stopped === null) {
      stopped = PromisePrototypeThen(ops.testServeStop(id, kill),
        (status) => ({ code: status[0], signal: status[1] }));
    }
    return stopped;
  };
  return ObjectFreeze({
    url: started[1],
    stop() { return end(false); },
    kill() { return end(true); },
    output() {
      return ops.testServeOutput(id) ?? '';
    },
  });
}

// PRAGMA integrity_check of the SQLite database at `relativePath` in this run's state
// directory (e.g. 'kv/NAMESPACE_ID.sqlite'): 'ok' when it is sound.
export function storageIntegrityCheck(relativePath) {
  requireTestMode('storageIntegrityCheck');
  const rows = openDatabase(String(relativePath)).exec('PRAGMA integrity_check');
  let out = '';
  for (let i = 0; i < rows.length; i++) out += (i > 0 ? '\n' : '') + rows[i].integrity_check;
  return out;
}

// Moves the clock that KV expiration uses in this test file forward by `seconds` (KV refuses
// expirations less than 60 s ahead, so tests cannot simply wait for one).
export function advanceStorageClock(seconds) {
  requireTestMode('advanceStorageClock');
  if (typeof seconds !== 'number' || !NumberIsFinite(seconds) || seconds < 0) {
    throw new TypeError('advanceStorageClock() needs a number of seconds >= 0.');
  }
  advanceClockForTesting(seconds * 1000);
}
