// Per-request objects that the runtime tracks for cleanup (RPC stubs, response bodies, streams
// from another realm) die in the next minor GC once nothing holds them. V8 10.2's minor GCs keep
// the keys of a WeakMap and the targets of a FinalizationRegistry alive until a full GC, so
// tracking each request's objects that way made most of what a busy isolate allocated survive
// its minor GCs: V8 then grows the young generation (1 MB to 16 MB here) and every minor GC
// copies all of it. That growth is what these tests look at.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "net_fixture.h"
#include "worker_fixture.h"

namespace dw::testing {
namespace {

size_t NewSpaceSize(v8::Isolate* isolate) {
  v8::HeapSpaceStatistics space;
  for (size_t i = 0; i < isolate->NumberOfHeapSpaces(); i++) {
    isolate->GetHeapSpaceStatistics(&space, i);
    if (std::string(space.space_name()) == "new_space") return space.space_size();
  }
  return 0;
}

constexpr size_t kGrownYoungGeneration = 8 * 1024 * 1024;

class MinorGcTest : public WorkerTest {
 protected:
  // Runs `step(i)` (a global of `w` returning a promise) for i in [0, n), one after another,
  // letting the loop run in between, and checks the young generation's size before and after.
  //
  // With nothing kept, V8 sizes the young generation by allocation rate alone: at most
  // kGrownYoungGeneration in these tests (4 MB); with every step's objects kept, 16 MB.
  void ExpectYoungGenerationNotGrown(TestWorker& w, int n) {
    v8::Isolate* isolate = w.worker->realm().isolate();
    const size_t before = NewSpaceSize(isolate);
    ASSERT_EQ(EvalJson(*w.worker, "globalThis.done = 0; globalThis.failed = null; (async () => {"
                                  "  for (let i = 0; i < " + std::to_string(n) + "; i++) await step(i);"
                                  "})().then(() => { done = 1; }, (e) => { failed = String(e); done = 1; }); 1"),
              "1");
    ASSERT_TRUE(net::RunUntil(loop_, [&] { return EvalJson(*w.worker, "done") == "1"; }, 60000));
    ASSERT_EQ(EvalJson(*w.worker, "failed"), "null");
    const size_t after = NewSpaceSize(isolate);
    EXPECT_LE(after, std::max(before, kGrownYoungGeneration))
        << "the young generation grew from " << before << " to " << after << " bytes";
  }
};

// An RPC stub per request (what getEntrypoint() makes): its state was in a WeakMap keyed by the
// stub. bench/compare /warm went from ~13.6k to ~16.8k req/s when that changed.
TEST_F(MinorGcTest, DroppedStubsDieInTheNextMinorGc) {
  TestWorker w = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  ASSERT_TRUE(w.worker->Start(w.main_url()).ok());
  Expose(w, "internal:rpc", "rpc");
  // 32,000 stubs, 16 a turn, each turn's dropped at its end, and short-lived garbage for 100 or
  // so minor GCs.
  ASSERT_EQ(EvalJson(*w.worker, "globalThis.junk = []; globalThis.step = async (i) => {"
                     "  for (let j = 0; j < 16; j++) rpc.entrypointFetcher('default', { i }, () => 1, false);"
                     "  for (let j = 0; j < 500; j++) { junk.push([i, j]); if (junk.length === 100) junk = []; }"
                     "}; 1"), "1");
  ExpectYoungGenerationNotGrown(w, 2000);
}

// fetch() over HTTP registers each response's body stream, so that a body nobody reads gives
// its connection back when collected; a body read to its end must not stay registered.
TEST_F(MinorGcTest, ResponsesReadToTheEndDieInTheNextMinorGc) {
  net::TestServer server([](net::ServerConn& conn) {
    net::TestRequest req;
    const std::string body(2000, 'x');
    while (conn.ReadRequest(&req)) {
      if (!conn.SendAll("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + body)) return;
    }
  });
  TestWorker w = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  ASSERT_TRUE(w.worker->Start(w.main_url()).ok());
  ASSERT_EQ(EvalJson(*w.worker, "globalThis.step = async () => {"
                     "  const r = await fetch('http://127.0.0.1:" + std::to_string(server.port()) + "/');"
                     "  if ((await r.text()).length !== 2000) throw new Error('short body');"
                     "}; 1"), "1");
  ExpectYoungGenerationNotGrown(w, 3000);
}

// A body streamed from another realm counts as a use of that realm until it ends or is
// collected unread (a FinalizationRegistry); one read to its end must not stay registered. The
// worker calls its own default entrypoint (as ctx.exports does): the body still crosses as an
// RPC stream.
TEST_F(MinorGcTest, RpcStreamsReadToTheEndDieInTheNextMinorGc) {
  TestWorker w = MakeRpcWorker(
      "const chunk = new Uint8Array(2000);"
      "export default { fetch() {"
      "  return new Response(new ReadableStream({ pull(c) { c.enqueue(chunk); c.close(); } }));"
      "} };");
  ASSERT_EQ(EvalJson(*w.worker, "globalThis.step = async () => {"
                     "  const r = await " + DefaultFetcherOf(w.worker->realm().id()) + ".fetch('http://x/');"
                     "  if (!(r.body instanceof ReadableStream)) throw new Error('no body');"
                     "  if ((await r.arrayBuffer()).byteLength !== 2000) throw new Error('short body');"
                     "}; 1"), "1");
  ExpectYoungGenerationNotGrown(w, 3000);
}

// A stub for another realm's RpcTarget is registered so that collecting it releases the export.
// V8 10.2 keeps a registration's target through minor GCs until a full GC, even once
// unregistered (its WeakCell lives in the old generation), so the registry watches a small
// object the stub's closures hold, not the stub. The worker asks its own entrypoint for targets
// and disposes of each stub it gets (one collected instead is released only after a full GC).
TEST_F(MinorGcTest, ReceivedStubsDieInTheNextMinorGc) {
  TestWorker w = MakeRpcWorker(
      "import { WorkerEntrypoint, RpcTarget } from 'cloudflare:workers';"
      "class Counter extends RpcTarget { constructor(n) { super(); this.n = n; } get value() { return this.n; } }"
      "export default class extends WorkerEntrypoint { target(n) { return new Counter(n); } }");
  ASSERT_EQ(EvalJson(*w.worker, "globalThis.junk = [];"
                     "globalThis.self = " + DefaultFetcherOf(w.worker->realm().id()) + ";"
                     "globalThis.step = async (i) => {"
                     "  const stubs = [];"
                     "  for (let j = 0; j < 8; j++) stubs.push(self.target(i));"
                     "  for (let j = 0; j < 8; j++) { const stub = await stubs[j]; stub[Symbol.dispose](); }"
                     "  for (let j = 0; j < 500; j++) { junk.push([i, j]); if (junk.length === 100) junk = []; }"
                     "}; 1"), "1");
  ExpectYoungGenerationNotGrown(w, 3000);
}

// Work that waits on timers, as a request awaiting setTimeout does: the timers were a Map, and a
// Map that gains and loses a key per timer left each of its tables, still holding its former
// entries, to keep them alive through every minor GC until a full one (see internal:id_map). A
// dynamic worker serving 16 such requests at once promoted 800 KB per minor GC. It takes an
// isolate made from the startup snapshot, as every dynamic worker is: the Map's first table
// was then in the old generation from the start, so V8 made every later one there too.
TEST_F(MinorGcTest, TimerChurnDiesInTheNextMinorGc) {
  const char* off = getenv("DYNWORKER_NO_SNAPSHOT");
  if (off && *off && std::string(off) != "0") GTEST_SKIP() << "DYNWORKER_NO_SNAPSHOT is set";
  TestWorker w = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  // The process's first worker builds no snapshot (runtime/worker.cc); the second is made from it.
  if (!w.worker->realm().restored()) w = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  ASSERT_TRUE(w.worker->realm().restored());
  ASSERT_TRUE(w.worker->Start(w.main_url()).ok());
  ASSERT_EQ(EvalJson(*w.worker, "globalThis.junk = []; globalThis.step = async (i) => {"
                     "  const waits = [];"
                     "  for (let j = 0; j < 16; j++) {"
                     "    const held = new Array(256).fill(i);"
                     "    waits.push(new Promise((resolve) => setTimeout(() => resolve(held.length), 0)));"
                     "  }"
                     "  await Promise.all(waits);"
                     "  for (let j = 0; j < 500; j++) { junk.push([i, j]); if (junk.length === 100) junk = []; }"
                     "}; 1"), "1");
  ExpectYoungGenerationNotGrown(w, 3000);
}

}  // namespace
}  // namespace dw::testing
