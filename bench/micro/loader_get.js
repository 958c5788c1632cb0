// Micro benchmark: the cost of env.LOADER.get() of a warm worker, with few and with many other
// workers in the cache. Run with
//   out/Release/dynworker test bench/micro/loader_get.js
// Prints µs per get() (best of 5 batches) with 10 and with 5,000 other entries, and their
// ratio, which should be near 1: a cached worker's lookup and LRU update must not depend on how
// many others are cached. It was 34 (0.52 against 17.6 µs) when the LRU order was a Map whose
// key was deleted and set again at every use: V8 10.2 keeps deleted entries on their bucket's
// chain until a rehash. The other entries never start (their getCode never answers), so no
// isolate is made for them. Not part of CI.

const N = 20000;
const CHILD = { compatibilityDate: '2025-06-01', mainModule: 'main.js',
  modules: { 'main.js': 'export default { fetch() { return new Response("x"); } };' } };

async function perGet(env, others, prefix) {
  const never = () => new Promise(() => {});
  for (let i = 0; i < others; i++) env.LOADER.get(`${prefix}${i}`, never);
  const code = () => CHILD;
  await env.LOADER.get(`${prefix}warm`, code).getEntrypoint().fetch('http://x/');
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < N; i++) env.LOADER.get(`${prefix}warm`, code);
    best = Math.min(best, ((performance.now() - start) * 1000) / N);
    await new Promise((resolve) => setTimeout(resolve, 1));  // the clock moves between turns
  }
  return best;
}

export const loaderGet = {
  async test(ctrl, env) {
    const few = await perGet(env, 10, 'a');
    const many = await perGet(env, 5000, 'b');
    console.log(`get() of a warm worker, 10 others cached:    ${few.toFixed(2)} µs`);
    console.log(`get() of a warm worker, 5,000 others cached: ${many.toFixed(2)} µs`);
    console.log(`ratio: ${(many / few).toFixed(2)} (should be near 1)`);
  },
};
