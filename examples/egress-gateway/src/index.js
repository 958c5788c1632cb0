// A loader that runs each tenant's code in its own dynamic worker, with every outbound request
// going through HttpGateway, which adds credentials the tenant code never sees.
//
//   GET /tenant/<name>   runs tenants/<name>.js (acme and globex ship with the example)
//   ANY /echo/...        echoes the request it received (the default upstream)
import { WorkerEntrypoint } from 'cloudflare:workers';
import acme from '../tenants/acme.js.txt';
import globex from '../tenants/globex.js.txt';

const TENANTS = { acme, globex };
const API_HOST = 'api.example.com';

export class HttpGateway extends WorkerEntrypoint {
  async fetch(request) {
    const url = new URL(request.url);
    const { tenantId, origin } = this.ctx.props;
    if (url.hostname !== API_HOST) {
      console.log(`[gateway] ${tenantId}: blocked ${request.method} ${url.href}`);
      return new Response(`Blocked by the gateway: ${url.hostname} is not an allowed destination.\n`,
        { status: 403 });
    }
    // Forward to the upstream, keeping path, query, method, headers and (streamed) body.
    const upstream = new URL(this.env.UPSTREAM_URL || `${origin}/echo`);
    const target = new URL(upstream.pathname.replace(/\/$/, '') + url.pathname + url.search, upstream);
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Bearer ${this.env.API_TOKEN}`);
    headers.set('X-Tenant-Id', tenantId);
    console.log(`[gateway] ${tenantId}: ${request.method} ${url.href} -> ${target.href}`);
    return fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
    });
  }
}

function echo(request) {
  return request.text().then((body) => Response.json({
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    body,
  }));
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/echo' || url.pathname.startsWith('/echo/')) return echo(request);
    const match = /^\/tenant\/([a-z0-9-]+)/.exec(url.pathname);
    if (!match) {
      return new Response('Try /tenant/acme or /tenant/globex\n', { status: 404 });
    }
    const tenantId = match[1];
    const code = TENANTS[tenantId];
    if (code === undefined) return new Response(`No tenant named ${tenantId}\n`, { status: 404 });
    const worker = env.LOADER.get(`tenant:${tenantId}`, () => ({
      compatibilityDate: '2026-11-01',
      mainModule: 'main.js',
      modules: { 'main.js': code },
      env: { TENANT: tenantId },
      globalOutbound: ctx.exports.HttpGateway({ props: { tenantId, origin: url.origin } }),
    }));
    return worker.getEntrypoint().fetch(request);
  },
};
