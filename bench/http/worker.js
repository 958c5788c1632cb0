// The same hello-world worker for both runtimes.
export default {
  async fetch(request) {
    return new Response('Hello World\n', { headers: { 'content-type': 'text/plain' } });
  },
};
