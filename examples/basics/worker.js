// A Workers module: the same file runs on Cloudflare Workers.
export default {
  async fetch(request, env, ctx) {
    return new Response(`Hello from ${env.GREETING ?? 'dynworker'}!`);
  },
};

// Plain helpers, imported by the tests next to this file.
export function slugify(text) {
  return text.toLowerCase().trim().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export async function later(value, ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}
