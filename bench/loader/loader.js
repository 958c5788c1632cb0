// bench/loader: the same loader script runs on dynworker and on workerd.
//   /new        load() a fresh dynamic worker per request and call it
//   /new-typical the same with a worker that uses URL, console and TextEncoder
//   /warm       call one warm dynamic worker (get with a fixed id)
//   /gateway    a warm dynamic worker whose fetch() goes through the loader's Gateway entrypoint
//   /retain?n=N start N distinct warm workers (get), calling each once
import { WorkerEntrypoint } from 'cloudflare:workers';

const CHILD = `export default { fetch(request) { return new Response('hello from a dynamic worker'); } };`;
// What a typical small worker touches on its first request: URL routing, console, encoding.
const TYPICAL = `export default {
  async fetch(request) {
    const url = new URL(request.url);
    console.log('serving', url.pathname);
    const body = new TextEncoder().encode(JSON.stringify({ path: url.pathname, query: url.search }));
    return new Response(body, { headers: { 'content-type': 'application/json' } });
  },
};`;
const CALLER = `export default {
  async fetch(request) {
    const r = await fetch('https://api.example.com/data');
    return new Response('via gateway: ' + await r.text());
  },
};`;

function code(source, extra) {
  return { compatibilityDate: '2025-06-01', mainModule: 'main.js', modules: { 'main.js': source }, ...extra };
}

export class Gateway extends WorkerEntrypoint {
  fetch(request) {
    return new Response(`${this.ctx.props.tenant} ${new URL(request.url).pathname}`);
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/new':
        return env.LOADER.load(code(CHILD)).getEntrypoint().fetch(request);
      case '/new-typical':
        return env.LOADER.load(code(TYPICAL)).getEntrypoint().fetch(request);
      case '/warm':
        return env.LOADER.get('warm', () => code(CHILD)).getEntrypoint().fetch(request);
      case '/gateway':
        return env.LOADER.get('gateway', () => code(CALLER, {
          globalOutbound: ctx.exports.Gateway({ props: { tenant: 't1' } }),
        })).getEntrypoint().fetch(request);
      case '/retain': {
        const n = Number(url.searchParams.get('n') ?? '100');
        const prefix = url.searchParams.get('prefix') ?? 'r';
        for (let i = 0; i < n; i++) {
          const res = await env.LOADER.get(`${prefix}${i}`, () => code(CHILD + `\n// ${prefix}${i}`))
            .getEntrypoint().fetch('http://x/');
          await res.text();
        }
        return new Response(`retained ${n}\n`);
      }
      default:
        return new Response('not found\n', { status: 404 });
    }
  },
};
