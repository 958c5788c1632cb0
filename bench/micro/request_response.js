// Micro benchmark of the per-request objects `dynworker serve` builds: run with
//   out/Release/dynworker test bench/micro/request_response.js
// Prints ns per operation (best of 5 batches). Not part of CI. Results are kept in a ring of
// 1024 slots, so that V8 cannot drop the work as unused (as a served request's objects, they
// live a little while).

const N = 50000;
const sink = new Array(1024).fill(null);

function bench(name, fn) {
  for (let i = 0; i < 2000; i++) sink[i & 1023] = fn(i);  // warm up
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < N; i++) sink[i & 1023] = fn(i);
    const ns = ((performance.now() - start) * 1e6) / N;
    if (ns < best) best = ns;
  }
  console.log(`${name.padEnd(58)} ${best.toFixed(0).padStart(6)} ns/op`);
}

const url = 'http://localhost:8787/';
const wrkHeaders = [['host', 'localhost:8787']];
const curlHeaders = [['host', 'localhost:8787'], ['user-agent', 'curl/8.5.0'], ['accept', '*/*']];

export const micro = {
  test() {
    bench("new Request(url)", () => new Request(url));
    bench("new Request(url, {method, headers: [1 pair]})", () => new Request(url, { method: 'GET', headers: wrkHeaders }));
    bench("new Request(url, {method, headers: [3 pairs]})", () => new Request(url, { method: 'GET', headers: curlHeaders }));
    bench("new Request(url).signal", () => new Request(url).signal);
    bench("new Request(url, {signal})", () => new Request(url, { signal: new AbortController().signal }));
    bench("new Response(text)", () => new Response('Hello World\n'));
    bench("new Response(text, {headers: {1 entry}})", () => new Response('Hello World\n', { headers: { 'content-type': 'text/plain' } }));
    bench("new Response(text, {headers: {3 entries}})", () => new Response('Hello World\n', {
      headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store', 'X-Test': '1' },
    }));
    bench("new Response(text, {status, headers: [[k, v]]})", () => new Response('Hello', { status: 201, headers: [['content-type', 'text/plain']] }));
    bench("new Headers({1 entry})", () => new Headers({ 'content-type': 'text/plain' }));
    bench("new Headers(headers)", (i) => new Headers(new Headers({ a: 'b' })));
    bench("new AbortController()", () => new AbortController());
    bench("new URL(url)", () => new URL(url));
    const h = new Headers({ 'content-type': 'text/plain', 'x-a': 'b' });
    bench("headers.get('Content-Type')", () => h.get('Content-Type'));
  },
};
