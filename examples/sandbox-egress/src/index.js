// A loader worker that runs untrusted code in sandboxes (see ../README.md for a walk-through).
//
// Routes:
//   POST /SANDBOX/setup   grants the setup step write access to KV (the named handler kvAccess
//                         for my.kv), runs the setup code, revokes the grant
//   GET  /SANDBOX/run     runs the workload code and returns what each of its requests got
//   POST /SANDBOX/files/NAME  (body) stores a file in this sandbox's part of R2
import { Sandbox, getSandbox } from '@cloudflare/sandbox';

export class MySandbox extends Sandbox {}

// Catch-all: anything without a more specific rule. Only GET may leave; every decision is
// logged (console.log goes to the server's output).
MySandbox.outbound = async (request, env, ctx) => {
  console.log(`[egress] ${ctx.containerId.slice(0, 8)} ${request.method} ${request.url}`);
  if (request.method !== 'GET') {
    return new Response(`${request.method} is not allowed from a sandbox\n`, { status: 405 });
  }
  return fetch(request);
};

MySandbox.outboundByHost = {
  // Read-only KV: http://my.kv/KEY
  'my.kv': async (request, env) => {
    if (request.method !== 'GET') return new Response('my.kv is read-only here\n', { status: 405 });
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    const value = await env.KV.get(key);
    return new Response(value ?? '', { status: value === null ? 404 : 200 });
  },
  // R2, scoped by the sandbox's id: a sandbox sees only its own files. http://my.r2/NAME
  'my.r2': async (request, env, ctx) => {
    const path = `${ctx.containerId}${new URL(request.url).pathname}`;
    const object = await env.R2.get(path);
    if (object === null) return new Response('no such file\n', { status: 404 });
    return new Response(object.body, { headers: { etag: object.httpEtag } });
  },
};

MySandbox.outboundHandlers = {
  // Write access to KV, granted at run time for the setup step only.
  kvAccess: async (request, env, ctx) => {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (request.method === 'PUT') {
      await env.KV.put(key, await request.text(), { metadata: { by: ctx.containerId } });
      return new Response('stored\n', { status: 201 });
    }
    const value = await env.KV.get(key);
    return new Response(value ?? '', { status: value === null ? 404 : 200 });
  },
};

// Untrusted code (in a real service it would come from users).
const kSetup = `
  export default {
    async fetch() {
      const r = await fetch('http://my.kv/greeting', { method: 'PUT', body: 'hello from KV' });
      return new Response('setup: ' + r.status + ' ' + (await r.text()));
    },
  };
`;

const kWorkload = `
  export default {
    async fetch(request) {
      const self = new URL(request.url).origin;
      const tries = [
        ['GET', 'http://my.kv/greeting'],
        ['PUT', 'http://my.kv/greeting'],
        ['GET', 'http://my.r2/notes.txt'],
        ['GET', self + '/public'],
        ['POST', self + '/public'],
      ];
      const out = {};
      for (const [method, url] of tries) {
        try {
          const r = await fetch(url, { method, body: method === 'GET' ? undefined : 'x' });
          out[method + ' ' + url] = r.status + ' ' + (await r.text()).trim();
        } catch (e) {
          out[method + ' ' + url] = 'error: ' + e.message;
        }
      }
      return Response.json(out, { headers: { 'cache-control': 'no-store' } });
    },
  };
`;

const code = (src) => ({
  compatibilityDate: '2026-11-01',
  mainModule: 'main.js',
  modules: { 'main.js': src },
});

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/public') return new Response('a public page, reached over the network\n');
    const [, name, action, ...rest] = url.pathname.split('/');
    if (!name || !action) {
      return new Response('try: curl -X POST http://HOST/demo/setup, then curl http://HOST/demo/run\n', { status: 404 });
    }
    const sandbox = getSandbox(env.Sandbox, name);
    if (action === 'setup' && request.method === 'POST') {
      await sandbox.setOutboundByHost('my.kv', 'kvAccess');
      try {
        const worker = sandbox.load(code(kSetup));
        return await worker.getEntrypoint().fetch(request.url);
      } finally {
        await sandbox.removeOutboundByHost('my.kv');
      }
    }
    if (action === 'run') {
      const worker = sandbox.get('workload', () => code(kWorkload));
      return worker.getEntrypoint().fetch(request.url);
    }
    if (action === 'files' && request.method === 'POST' && rest.join('/') !== '') {
      const key = `${sandbox.id}/${rest.join('/')}`;
      let object;
      try {
        object = await env.R2.put(key, request.body, { httpMetadata: { contentType: 'text/plain' } });
      } catch (error) {
        return new Response(`cannot store ${rest.join('/')}: ${error.message}\n`, { status: 400 });
      }
      return new Response(`stored ${rest.join('/')} (${object.size} bytes, etag ${object.etag})\n`, { status: 201 });
    }
    return new Response('unknown route\n', { status: 404 });
  },
};
