// bench/sandbox: what a sandbox's egress decision costs, side by side in one process: the same
// workload makes N sequential fetch() calls answered in the loader's isolate by
//   gateway   a globalOutbound Fetcher (ctx.exports.Gateway), no policy (the baseline)
//   sandbox   a static outboundByHost handler (steps 1-4 walked, exact match)
//   patterns  the same after 200 run-time per-host globs that do not match and 200 deny entries
//   audited   the sandbox with every decision written as an audit line (captureEgressLog)
// and prints µs per request and the ratio to the gateway. Run by bench/sandbox/run.sh.
import { WorkerEntrypoint } from 'cloudflare:workers';
import { Sandbox, getSandbox } from '@cloudflare/sandbox';
import { captureEgressLog } from 'dynworker:test';

const N = Number(globalThis.BENCH_N ?? 2000);
const CHILD = `
  import { WorkerEntrypoint } from 'cloudflare:workers';
  export default class extends WorkerEntrypoint {
    async run(n) {
      const t0 = Date.now();
      for (let i = 0; i < n; i++) await (await fetch('http://api.test/x')).text();
      return n;
    }
  }
`;

export class Gateway extends WorkerEntrypoint {
  fetch() { return new Response('ok'); }
}

export class BenchSandbox extends Sandbox {
  static outboundByHost = { 'api.test': () => new Response('ok') };
  static outboundHandlers = { other: () => new Response('other') };
}

const code = (extra) => ({ compatibilityDate: '2025-01-01', mainModule: 'm.js', modules: { 'm.js': CHILD },
  limits: { cpuMs: 600000, subRequests: 1e9, wallMs: 600000 }, ...extra });

async function time(entry, n) {
  await entry.run(50);  // warm
  const t0 = performance.now();
  await entry.run(n);
  return ((performance.now() - t0) * 1000) / n;
}

export const egressDecisionCost = {
  async test(ctrl, env, ctx) {
    const gateway = env.LOADER.load(code({ globalOutbound: ctx.exports.Gateway })).getEntrypoint();
    const plain = getSandbox(env.Sandbox, 'plain');
    const crowded = getSandbox(env.Sandbox, 'crowded');
    const hosts = {};
    for (let i = 0; i < 200; i++) hosts[`*.tenant${i}.example`] = 'other';
    await crowded.setOutboundByHosts(hosts);
    const denied = [];
    for (let i = 0; i < 200; i++) denied.push(`blocked${i}.example`);
    await crowded.setDeniedHosts(denied);
    const results = [];
    const rounds = 3;
    const sums = { gateway: 0, sandbox: 0, patterns: 0, audited: 0 };
    const workers = {
      gateway,
      sandbox: plain.load(code()).getEntrypoint(),
      patterns: crowded.load(code()).getEntrypoint(),
    };
    for (let r = 0; r < rounds; r++) {
      for (const name of ['gateway', 'sandbox', 'patterns']) sums[name] += await time(workers[name], N);
    }
    captureEgressLog();  // from here on every decision is also an audit line
    const audited = getSandbox(env.Sandbox, 'audited').load(code()).getEntrypoint();
    for (let r = 0; r < rounds; r++) sums.audited += await time(audited, N);
    const base = sums.gateway / rounds;
    for (const name of ['gateway', 'sandbox', 'patterns', 'audited']) {
      const us = sums[name] / rounds;
      results.push(`${name.padEnd(9)} ${us.toFixed(1).padStart(7)} µs/request   ratio to gateway ${(us / base).toFixed(2)}`);
    }
    console.log(`\n${N} sequential fetch() calls per round, ${rounds} rounds, interleaved:\n${results.join('\n')}`);
  },
};
