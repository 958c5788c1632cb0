// The smallest Workers program: `tools/dynworker serve examples/hello`, then
// `curl http://127.0.0.1:8787/`.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/echo' && request.method === 'POST') {
      return new Response(request.body, { headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream' } });
    }
    return new Response(`Hello from ${env.GREETING}! You asked for ${url.pathname}\n`, {
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
  },
};
