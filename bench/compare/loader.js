// bench/compare: the one loader script both runtimes serve (dynworker from wrangler.jsonc,
// workerd from workerd.capnp). Paths:
//   /new            load() a fresh dynamic worker per request and call it
//   /new-typical    the same with a worker that uses URL, console and TextEncoder
//   /new-id?n=K     get() a worker under a new id per request (K unique per request) and call it
//   /warm           call one warm dynamic worker (get with a fixed id)
//   /gateway        a warm worker whose fetch() goes through the loader's Gateway entrypoint
//   /direct?up=URL  a warm worker whose fetch() goes to URL itself (the loader's own outbound)
//   /retain?from=A&to=B&prefix=P   get() and call once the workers P<A> .. P<B-1>, in order
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
  async fetch(request, env) {
    const r = await fetch(env.UPSTREAM);
    return new Response('via ' + env.PATH + ': ' + await r.text());
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
      case '/new-id':
        return env.LOADER.get(`n${url.searchParams.get('n')}`, () => code(CHILD)).getEntrypoint().fetch(request);
      case '/warm':
        return env.LOADER.get('warm', () => code(CHILD)).getEntrypoint().fetch(request);
      case '/gateway':
        return env.LOADER.get('gateway', () => code(CALLER, {
          env: { UPSTREAM: 'http://gateway.example/data', PATH: 'gateway' },
          globalOutbound: ctx.exports.Gateway({ props: { tenant: 't1' } }),
        })).getEntrypoint().fetch(request);
      case '/direct': {
        const up = url.searchParams.get('up');
        return env.LOADER.get(`direct ${up}`, () => code(CALLER, { env: { UPSTREAM: up, PATH: 'direct' } }))
          .getEntrypoint().fetch(request);
      }
      case '/retain': {
        const from = Number(url.searchParams.get('from') ?? '0');
        const to = Number(url.searchParams.get('to') ?? '100');
        const prefix = url.searchParams.get('prefix') ?? 'r';
        let errors = 0;
        for (let i = from; i < to; i++) {
          // Distinct source per id, as distinct tenants would have.
          try {
            const res = await env.LOADER.get(`${prefix}${i}`, () => code(CHILD + `\n// ${prefix}${i}`))
              .getEntrypoint().fetch('http://x/');
            if ((await res.text()) !== 'hello from a dynamic worker') errors++;
          } catch (e) {
            errors++;
            // The first failure's message, for the operator (run.sh reads the count only).
            if (errors === 1) console.error(`retain ${prefix}${i}: ${e}`);
          }
        }
        return new Response(`${errors}\n`);
      }
      default:
        return new Response('not found\n', { status: 404 });
    }
  },
};
