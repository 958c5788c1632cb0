// The RPC transport between realms (api/rpc_ops.h): who hears that a realm is gone.
#include <chrono>
#include <utility>
#include <vector>

#include "api/rpc_ops.h"
#include "net_fixture.h"
#include "worker_fixture.h"

namespace dw::testing {
namespace {

// (receiver, gone) for each rpcRealmGone hook call, recorded by the hook installed below.
std::vector<std::pair<int, int>>* gone_calls = nullptr;

void RecordGone(const v8::FunctionCallbackInfo<v8::Value>& info) {
  jsg::Realm* realm = jsg::Realm::FromId(info.Data().As<v8::Int32>()->Value());
  gone_calls->emplace_back(realm ? realm->id() : -1,
                           info[0]->Int32Value(info.GetIsolate()->GetCurrentContext()).FromJust());
}

class RpcTest : public WorkerTest {
 protected:
  void SetUp() override { gone_calls = &calls_; }
  void TearDown() override { gone_calls = nullptr; }

  // A worker whose rpcRealmGone hook records into calls_ instead of running internal:rpc's.
  TestWorker Make() {
    TestWorker tw = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
    jsg::Realm& realm = tw.worker->realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Function> fn =
        v8::Function::New(realm.context(), RecordGone, v8::Int32::New(isolate, realm.id()))
            .ToLocalChecked();
    realm.SetHook("rpcRealmGone", fn);
    return tw;
  }

  // Posts an (ignored) message from `from` to `to` and lets the loop deliver it.
  void Post(TestWorker& from, TestWorker& to) {
    jsg::Realm& realm = from.worker->realm();
    api::RpcBytes bytes;
    {
      jsg::Realm::CallbackScope scope(realm);
      v8::Local<v8::Object> message = v8::Object::New(realm.isolate());
      bytes = api::SerializeRpcMessage(realm, message);  // {}: no `t`, so the receiver ignores it
    }
    ASSERT_TRUE(bytes);
    api::PostRpcMessage(loop_, realm.id(), to.worker->realm().id(), std::move(bytes));
    loop_.Run();
  }

  void Gone(TestWorker& w) {
    api::NotifyRealmGone(loop_, w.worker->realm().id());
    loop_.Run();
  }

  std::vector<std::pair<int, int>> calls_;
};

// JS (for a realm given `rpc` by Expose) that calls realm `to`'s default entrypoint and leaves
// in globalThis.outcome what came of it: the response's text or "error: <message>", and
// "pending" until then.
std::string FetchDefault(int to) {
  return "globalThis.outcome = 'pending';"
         "rpc.entrypointFetcher('default', {}, () => " + std::to_string(to) +
         ", false).fetch('http://x/').then((r) => r.text()).then("
         "(v) => { outcome = v; }, (e) => { outcome = 'error: ' + e.message; }); 1";
}

// Only realms that sent to a realm can have calls pending on it or exports it holds: they, and
// no other realm, hear that it is gone, once. (Telling every realm made each worker's teardown
// a call into every live isolate.)
TEST_F(RpcTest, OnlyRealmsThatSentToARealmHearItIsGone) {
  TestWorker a = Make(), b = Make(), c = Make(), d = Make();
  const int ia = a.worker->realm().id(), ib = b.worker->realm().id();
  Post(a, b);
  Post(a, b);
  Post(b, c);  // b's own messages do not make c hear of b
  Gone(b);
  EXPECT_EQ(calls_, (std::vector<std::pair<int, int>>{{ia, ib}}));
  calls_.clear();
  Gone(b);  // forgotten after the first notice
  EXPECT_TRUE(calls_.empty());
  // b's listings are gone too: c no longer lists b as a listener.
  Gone(c);
  EXPECT_TRUE(calls_.empty());
  (void)d;
}

// A reply settles a call only when it comes from the realm the call went to. Call ids are
// sequential, so a realm that guessed one (here C, posting replies for the first 50 ids) must not
// settle a call A made to B: before the check, A's fetch resolved with C's string.
TEST_F(RpcTest, OnlyTheCalledRealmCanAnswerACall) {
  TestWorker a = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  TestWorker b = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  TestWorker c = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  Expose(a, "internal:rpc", "rpc");
  Expose(c, "internal:rpc", "rpc");
  const int ia = a.worker->realm().id(), ib = b.worker->realm().id();
  EXPECT_EQ(EvalJson(*a.worker, "globalThis.outcome = 'pending';"
                                "rpc.entrypointFetcher('default', {}, () => " + std::to_string(ib) +
                                ", false).fetch('http://x/').then("
                                "(v) => { outcome = typeof v === 'string' ? v : 'a response'; },"
                                "(e) => { outcome = 'error: ' + e.message; }); 1"),
            "1");
  EXPECT_EQ(EvalJson(*c.worker, "for (let id = 1; id <= 50; id++) ops.rpcPost(" + std::to_string(ia) +
                                ", { t: 2, id, ok: true, value: 'forged by c', caps: [] }); 1"),
            "1");
  loop_.Run();
  std::string outcome = EvalJson(*a.worker, "outcome");
  EXPECT_NE(outcome, "\"forged by c\"");
  // B answered (it has no entrypoint to serve the call): the call settled with B's answer.
  EXPECT_NE(outcome, "\"pending\"");
}

// A flat fetch call is checked before anything walks it: a sparse header list of length 4e6 (a
// few bytes on the wire) took seconds of the loop every worker shares (2^32-2 ran the process
// out of memory), and a URL sent as an Array passed the normalized-URL check with a length that
// is not its text's. Both are refused at once now.
TEST_F(RpcTest, MalformedFlatFetchCallsAreRefusedAtOnce) {
  TestWorker a = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  TestWorker c = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  for (TestWorker* w : {&a, &c}) Expose(*w, "internal:url", "url");
  const int ia = a.worker->realm().id();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(EvalJson(*c.worker, "const h = []; h.length = 4e6;"
                                "ops.rpcPost(" + std::to_string(ia) + ", [4, 1, 0, 'default', null, "
                                "'http://a/', 'GET', h, 'manual', null]); 1"),
            "1");
  loop_.Run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  // Not a string: not a normalized URL, whatever its length and characters say.
  EXPECT_EQ(EvalJson(*a.worker, "url.isNormalizedHttpURL(['http://127.0.0.1:18765/admin/', '/../x', ...new Array(28).fill('')])"), "false");
  EXPECT_EQ(EvalJson(*a.worker, "url.isNormalizedHttpURL('http://127.0.0.1:1/admin/')"), "true");
}

// A dynamic worker's init message (env, outbound, limits) comes only from C++, from its
// creator (api::DeliverRpcInit). Before, `rpcMessage` took one from any realm, any number of
// times: a realm that could post raw messages could give another worker a new outbound (here
// C makes B's fetch() fail with the no-internet error; with an outbound stub of its own it
// would see B's requests). And a realm waiting for its init (a prepared isolate, a worker not
// yet started) takes no message at all: its id is a guess away for any realm.
TEST_F(RpcTest, InitMessagesComeOnlyFromTheCreator) {
  TestWorker a = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  TestWorker b = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  TestWorker c = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  for (TestWorker* w : {&a, &b, &c}) Expose(*w, "internal:rpc", "rpc");
  const int ia = a.worker->realm().id(), ib = b.worker->realm().id();
  EXPECT_EQ(EvalJson(*c.worker, "ops.rpcPost(" + std::to_string(ib) + ", rpc.initMessage(" +
                                std::to_string(ib) + ", {}, null, [])); 1"),
            "1");
  loop_.Run();
  EXPECT_EQ(EvalJson(*b.worker, "globalThis.outcome = 'pending';"
                                "fetch('http://127.0.0.1:1/').then(() => { outcome = 'ok'; },"
                                "(e) => { outcome = e.message; }); 1"),
            "1");
  loop_.Run();
  std::string outcome = EvalJson(*b.worker, "outcome");
  EXPECT_EQ(outcome.find("not permitted to access the internet"), std::string::npos) << outcome;
  EXPECT_NE(outcome, "\"pending\"");

  // B waits for its init: A's call to it is dropped, not answered.
  b.worker->realm().set_awaiting_init(true);
  EXPECT_EQ(EvalJson(*a.worker, FetchDefault(ib)), "1");
  loop_.Run();
  EXPECT_EQ(EvalJson(*a.worker, "outcome"), "\"pending\"");
  b.worker->realm().set_awaiting_init(false);
  (void)ia;
}

// A call that names an entrypoint comes only from the worker's creator or from the realm
// itself: another realm posting one (here C, a flat fetch call naming A's default export) is
// refused without running it. Before, C could call any realm's entrypoint with props of its
// choosing (the loader's Gateway with another tenant's id).
TEST_F(RpcTest, EntrypointCallsComeOnlyFromTheCreatorOrTheRealmItself) {
  TestWorker a = MakeWorker("main.js", {Esm("main.js",
      "export default { fetch() { globalThis.hit = (globalThis.hit ?? 0) + 1; return new Response('secret'); } };")});
  TestWorker c = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  SetMain(a);
  Expose(c, "internal:rpc", "rpc");
  const int ia = a.worker->realm().id();
  EXPECT_EQ(EvalJson(*c.worker, "ops.rpcPost(" + std::to_string(ia) + ", [4, 1, 0, 'default', null, "
                                "'http://x/', 'GET', [], 'manual', null]); 1"),
            "1");
  loop_.Run();
  EXPECT_EQ(EvalJson(*a.worker, "globalThis.hit ?? 0"), "0");
  // The realm itself may (ctx.exports).
  Expose(a, "internal:rpc", "rpc");
  EXPECT_EQ(EvalJson(*a.worker, FetchDefault(ia)), "1");
  loop_.Run();
  EXPECT_EQ(EvalJson(*a.worker, "outcome"), "\"secret\"");
  EXPECT_EQ(EvalJson(*a.worker, "globalThis.hit ?? 0"), "1");
}

// Export numbers are unguessable: C, counting from 1 as it could when they were sequential,
// reaches no capability A handed to B (here A's default entrypoint specialized with B's props,
// as a loader hands a tenant its Gateway). Before, export 1 was that one, and A's handler ran
// for C with ctx.props.tenant 'B'.
TEST_F(RpcTest, ExportNumbersCannotBeGuessed) {
  TestWorker a = MakeWorker("main.js", {Esm("main.js",
      "export default { fetch(req, env, ctx) { globalThis.hit = String(ctx.props.tenant); return new Response('secret'); } };")});
  TestWorker b = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  TestWorker c = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  SetMain(a);
  Expose(a, "internal:rpc", "rpc");
  Expose(c, "internal:rpc", "rpc");
  const int ia = a.worker->realm().id(), ib = b.worker->realm().id();
  std::string cap = EvalJson(*a.worker, "globalThis.keep = rpc.initMessage(" + std::to_string(ib) +
      ", { gw: rpc.ctxExports.default({ props: { tenant: 'B' } }) }, null, []); keep.caps[0].cap");
  ASSERT_EQ(cap.find("THREW"), std::string::npos) << cap;
  EXPECT_EQ(EvalJson(*c.worker, "for (let cap = 1; cap <= 2000; cap++) ops.rpcPost(" + std::to_string(ia) +
                                ", [4, cap, cap, null, null, 'http://x/', 'GET', [], 'manual', null]); 1"),
            "1");
  loop_.Run();
  EXPECT_EQ(EvalJson(*a.worker, "globalThis.hit ?? 'none'"), "\"none\"") << "export " << cap;
}

// A body stream from another realm that sends something other than bytes errors, and the
// reading realm's use of the sender ends with it (a worker sending a string chunk kept itself
// counted as in use, unevictable, until the stream was garbage collected).
TEST_F(RpcTest, AStreamThatSendsNonBytesEndsItsUse) {
  TestWorker w = MakeRpcWorker(
      "export default { fetch() {"
      "  return new Response(new ReadableStream({ pull(c) { c.enqueue('not bytes'); } }));"
      "} };");
  EXPECT_EQ(EvalJson(*w.worker, "globalThis.outcome = 'pending';"
                     + DefaultFetcherOf(w.worker->realm().id()) + ".fetch('http://x/')"
                     "  .then((r) => r.text()).then((t) => { outcome = 'read ' + t; },"
                     "    (e) => { outcome = e.message; }); 1"),
            "1");
  ASSERT_TRUE(net::RunUntil(loop_, [&] { return EvalJson(*w.worker, "outcome") != "\"pending\""; }));
  EXPECT_EQ(EvalJson(*w.worker, "outcome"), "\"A body chunk sent over RPC was not a Uint8Array.\"");
  loop_.Run();
  EXPECT_EQ(EvalJson(*w.worker, "rpc.realmInUse(" + std::to_string(w.worker->realm().id()) + ")"), "false");
}

// Telling a stub from anything else runs no user code: a Proxy whose every trap throws, a
// primitive and a frozen object are not stubs, and a stub is one.
TEST_F(RpcTest, RecognizingStubsRunsNoUserCode) {
  TestWorker w = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
  Expose(w, "internal:rpc", "rpc");
  EXPECT_EQ(EvalJson(*w.worker,
                     "const trap = () => { throw new Error('trap ran'); };"
                     "const hostile = new Proxy({}, { get: trap, has: trap, getPrototypeOf: trap,"
                     "  getOwnPropertyDescriptor: trap, ownKeys: trap, defineProperty: trap });"
                     "[rpc.isStub(hostile), rpc.isStub(1), rpc.isStub(null), rpc.isStub(Object.freeze({})),"
                     " rpc.isStub(rpc.entrypointFetcher('default', {}, () => 1, false))]"),
            "[false,false,false,false,true]");
}

// A realm that posts raw messages may name any realm and export number in a capability. What is
// not a non-negative integer fails the call it answers with "Invalid RPC message" (it reached
// internal:id_map as a key before, which threw its own internal error), and a realm that is a
// fraction no longer lands in one slot of the table of realm uses (30,000 of them took seconds).
TEST_F(RpcTest, CapabilitiesNamingNoIntegerRealmAreInvalidMessages) {
  for (const char* realm : {"'x'", "-5", "NaN", "1.5", "2 ** 60", "{ n: 1 }", "null"}) {
    TestWorker a = MakeRpcWorker("export default 1;");
    TestWorker c = MakeRpcWorker("export default { fetch() { return new Promise(() => {}); } };");
    const int ia = a.worker->realm().id(), ic = c.worker->realm().id();
    EvalJson(*a.worker, "globalThis.outcome = 'pending';"
             + DefaultFetcherOf(ic) + ".fetch('http://x/')"
             ".then((r) => { outcome = 'resolved'; }, (e) => { outcome = e.message; }); 1");
    // Replies for the first call numbers (the call's is one of them), queued before c's own
    // answer (a's call is not one c accepts: a did not create it).
    EvalJson(*c.worker, "for (let id = 1; id <= 50; id++) ops.rpcPost(" + std::to_string(ia) +
             ", { t: 2, id, ok: true, value: ops.rpcPlaceholder(0),"
             " caps: [{ k: 'stub', realm: " + realm + ", cap: 5, fn: false }] }); 1");
    ASSERT_TRUE(net::RunUntil(loop_, [&] { return EvalJson(*a.worker, "outcome") != "\"pending\""; }, 10000));
    EXPECT_EQ(EvalJson(*a.worker, "outcome"),
              "\"Invalid RPC message: a capability names its realm and number with non-negative integers.\"")
        << "realm " << realm;
  }
}

// What keeps a received stub's export alive. The `released` registry releases an import once
// nothing can call through it any more: not only the stub, but method and property references
// to it, pipelines from them, and a Fetcher's fetch function. Each test keeps one of those,
// drops the stub, collects garbage fully, and calls through what it kept (a method reference
// alone lost its export at the first full GC, before and after the registry watched a sentinel).
class StubLifetimeTest : public WorkerTest {
 protected:
  static constexpr const char* kMain =
      "import { WorkerEntrypoint, RpcTarget } from 'cloudflare:workers';"
      "class Counter extends RpcTarget { constructor(n) { super(); this.n = n; }"
      "  get() { return this.n; } get value() { return this.n; } child() { return new Counter(this.n + 1); } }"
      "export default class extends WorkerEntrypoint {"
      "  target(n) { return new Counter(n); }"
      "  fetcher() { return this.ctx.exports.default({ props: {} }); }"
      "  fetch() { return new Response('ok'); } }";

  // Evaluates `setup` (an async function body that leaves holders in globalThis.h and must not
  // keep the stub), then collects garbage fully, lets finalizers run, then runs `use` (an async
  // function body returning a value) and gives its outcome.
  std::string Run(const std::string& setup, const std::string& use) {
    TestWorker w = MakeRpcWorker(kMain);
    EXPECT_EQ(EvalJson(*w.worker,
        "globalThis.self = " + DefaultFetcherOf(w.worker->realm().id()) + ";"
        "globalThis.h = {}; globalThis.done = 0; globalThis.out = null;"
        "globalThis.fr = new FinalizationRegistry(() => { globalThis.frRan = 1; });"
        "(async () => {" + setup + "})().then(() => { done = 1; }, (e) => { out = 'setup: ' + e; done = 1; }); 1"),
        "1");
    EXPECT_TRUE(net::RunUntil(loop_, [&] { return EvalJson(*w.worker, "done") == "1"; }, 5000));
    v8::Isolate* isolate = w.worker->realm().isolate();
    for (int i = 0; i < 4; i++) {
      {
        jsg::Realm::CallbackScope scope(w.worker->realm());
        isolate->LowMemoryNotification();
      }
      net::RunFor(loop_, 30);
    }
    EXPECT_EQ(EvalJson(*w.worker, "done = 0;"
        "(async () => {" + use + "})().then((v) => { out = out ?? 'ok: ' + v; done = 1; },"
        " (e) => { out = out ?? 'error: ' + e.message; done = 1; }); 1"), "1");
    EXPECT_TRUE(net::RunUntil(loop_, [&] { return EvalJson(*w.worker, "done") == "1"; }, 5000));
    return EvalJson(*w.worker, "out");
  }
};

// Control: the stub itself kept.
TEST_F(StubLifetimeTest, StubKept) {
  EXPECT_EQ(Run("h.s = await self.target(5);", "return await h.s.get();"), "\"ok: 5\"");
}
// A method reference (pathRef) only.
TEST_F(StubLifetimeTest, MethodRefOnly) {
  EXPECT_EQ(Run("const s = await self.target(5); h.m = s.get;", "return await h.m();"), "\"ok: 5\"");
}
// A property reference awaited later.
TEST_F(StubLifetimeTest, PropertyRefOnly) {
  EXPECT_EQ(Run("const s = await self.target(5); h.p = s.value;", "return await h.p;"), "\"ok: 5\"");
}
// A pipelined path from a method reference.
TEST_F(StubLifetimeTest, PipelineOnly) {
  EXPECT_EQ(Run("const s = await self.target(5); h.c = s.child;", "return await h.c().get();"), "\"ok: 6\"");
}
// A received Fetcher's fetch function only.
TEST_F(StubLifetimeTest, FetchFnOnly) {
  EXPECT_EQ(Run("const s = await self.fetcher(); if (!rpc.stubDetails(s) || rpc.stubDetails(s).cap === 0) throw new Error('cap 0');"
                " h.f = s.fetch;",
                "return await (await h.f('http://x/')).text();"), "\"ok: ok\"");
}
// A received Fetcher's method reference only.
TEST_F(StubLifetimeTest, FetcherMethodRefOnly) {
  EXPECT_EQ(Run("const s = await self.fetcher(); h.m = s.target;", "return await h.m(7).get();"), "\"ok: 7\"");
}
// dispose function only (keeps the import: fine either way).
TEST_F(StubLifetimeTest, DisposeFnOnly) {
  EXPECT_EQ(Run("const s = await self.target(5); h.d = s[Symbol.dispose]; h.info = rpc.stubDetails(s);",
                "return await self.target(1).then(() => h.info.disposed);"), "\"ok: false\"");
}
// A dup kept, the original dropped.
TEST_F(StubLifetimeTest, DupOnly) {
  EXPECT_EQ(Run("const s = await self.target(5); h.d = s.dup();", "return await h.d.get();"), "\"ok: 5\"");
}


// Once the exporting realm is gone, disposing of its stubs posts no releases to it, one by one,
// and a stub for it received again does not count as a use of the gone realm (the counts of
// its imports were dropped with it, and each release then found none).
TEST_F(StubLifetimeTest, ReleasesAfterRealmGone) {
  TestWorker a = MakeRpcWorker("export default { fetch() { return new Response('a'); } };");
  TestWorker b = MakeRpcWorker(
      "import { WorkerEntrypoint } from 'cloudflare:workers';"
      "export default class extends WorkerEntrypoint { echo(x) { return x; } };");
  const int ia = a.worker->realm().id(), ib = b.worker->realm().id();
  api::RpcBytes bytes;
  {
    jsg::Realm& realm = a.worker->realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::TryCatch tc(realm.isolate());
    v8::Local<v8::Value> msg = v8::Script::Compile(realm.context(), jsg::Str(realm.isolate(),
        "globalThis.keep = rpc.initMessage(" + std::to_string(ib) + ", { gw: rpc.ctxExports.default({ props: {} }) }, null, []); keep"))
        .ToLocalChecked()->Run(realm.context()).ToLocalChecked();
    bytes = api::SerializeRpcMessage(realm, msg);
  }
  ASSERT_TRUE(bytes);
  api::DeliverRpcInit(ia, ib, bytes);
  loop_.Run();
  ASSERT_EQ(EvalJson(*b.worker, "globalThis.gw = rpc.currentEnv().gw; globalThis.d1 = gw.dup(); globalThis.d2 = gw.dup();"
      "globalThis.out = 'pending'; gw.fetch('http://x/').then((r) => r.text()).then((t) => { out = t; }, (e) => { out = 'E ' + e.message; });"
      "globalThis.posts = []; const orig = ops.rpcPost;"
      "ops.rpcPost = (to, m) => { posts.push(to + ':' + (Array.isArray(m) ? 'arr' : m.t)); return orig(to, m); };"
      "[rpc.stubDetails(gw).cap !== 0, rpc.realmInUse(" + std::to_string(ia) + ")]"), "[true,true]");
  loop_.Run();
  EXPECT_EQ(EvalJson(*b.worker, "out"), "\"a\"");
  {
    jsg::Realm& realm = b.worker->realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Local<v8::Value> orig = realm.GetHook("rpcRealmGone");
    v8::Local<v8::Function> make = v8::Script::Compile(realm.context(), jsg::Str(realm.isolate(),
        "globalThis.goneCount = 0; (orig) => (r, why) => { goneCount++; return orig(r, why); }"))
        .ToLocalChecked()->Run(realm.context()).ToLocalChecked().As<v8::Function>();
    v8::Local<v8::Value> args[] = {orig};
    realm.SetHook("rpcRealmGone", make->Call(realm.context(), v8::Undefined(realm.isolate()), 1, args).ToLocalChecked());
  }
  EXPECT_EQ(EvalJson(*b.worker, "posts.length = 0; posts.length"), "0");
  a.worker.reset();
  api::NotifyRealmGone(loop_, ia);
  loop_.Run();
  EXPECT_EQ(EvalJson(*b.worker, "rpc.realmInUse(" + std::to_string(ia) + ")"), "false");
  // Disposing the two dups (the env's gw stays).
  EXPECT_EQ(EvalJson(*b.worker, "d1[Symbol.dispose](); d2[Symbol.dispose](); goneCount"), "1");
  loop_.Run();
  EXPECT_EQ(EvalJson(*b.worker, "goneCount"), "1");
  // A stub for (A, cap) received again (B echoes gw to itself).
  EXPECT_EQ(EvalJson(*b.worker, "globalThis.out2 = 'pending';"
      "globalThis.me = " + DefaultFetcherOf(ib) + "; me.echo(gw).then((s) => { globalThis.echoed = s; out2 = rpc.isStub(s); }, (e) => { out2 = 'E ' + e.message; }); 1"), "1");
  loop_.Run();
  EXPECT_EQ(EvalJson(*b.worker, "[out2, rpc.realmInUse(" + std::to_string(ia) + ")]"), "[true,false]");
  EXPECT_EQ(EvalJson(*b.worker, "posts.length = 0; echoed[Symbol.dispose](); gw[Symbol.dispose](); [posts.slice(), rpc.realmInUse(" + std::to_string(ia) + ")]"), "[[],false]");
  loop_.Run();
}

}  // namespace
}  // namespace dw::testing
