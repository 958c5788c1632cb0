// bench/gc: how much of what a dynamic worker allocates outlives its minor GCs, by what its
// requests do. The loader sends every request to one dynamic worker; the path picks what the
// worker's fetch handler does:
//   /n   respond at once            /m   await two microtasks, then respond
//   /t   await a timer, respond     /p   respond from a timer callback
//   /g   fetch() through the loader's Gateway entrypoint (its globalOutbound)
//   /s   call an RPC method on an env binding      /f   fetch() through an env binding
// /lp answers from the loader itself after a timer (the loader's own heap, for comparison).
import { WorkerEntrypoint } from 'cloudflare:workers';

const WORKER = `export default {
  async fetch(request, env) {
    const mode = new URL(request.url).pathname;
    if (mode === '/g') { const r = await fetch('http://gateway.example/data'); return new Response('via ' + await r.text()); }
    if (mode === '/s') { const v = await env.SVC.ping(1); return new Response('v' + v); }
    if (mode === '/f') { const r = await env.SVC.fetch('http://svc.example/data'); return new Response('via ' + await r.text()); }
    if (mode === '/m') { await Promise.resolve(); await null; return new Response('micro'); }
    if (mode === '/p') { return new Promise((r) => setTimeout(() => r(new Response('p')), 0)); }
    if (mode === '/t') { await new Promise((r) => setTimeout(r, 0)); return new Response('timer'); }
    return new Response('plain');
  },
};`;

export class Gateway extends WorkerEntrypoint {
  fetch(request) { return new Response(`${this.ctx.props.tenant} ${new URL(request.url).pathname}`); }
  ping(x) { return x + 1; }
}

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '/lp') return new Promise((r) => setTimeout(() => r(new Response('lp')), 0));
    return env.LOADER.get('gc', () => ({
      compatibilityDate: '2025-06-01', mainModule: 'main.js', modules: { 'main.js': WORKER },
      env: { SVC: ctx.exports.Gateway({ props: { tenant: 's' } }) },
      globalOutbound: ctx.exports.Gateway({ props: { tenant: 't1' } }),
    })).getEntrypoint().fetch(request);
  },
};
