// The startup snapshot (jsg/snapshot.h): a worker made from it must be indistinguishable from
// one that ran the bootstrap itself, except for what must differ per isolate.
#include <algorithm>
#include <cstdlib>

#include "jsg/platform.h"
#include "jsg/snapshot.h"
#include "runtime/builtins.h"
#include "runtime/loader.h"
#include "worker_fixture.h"

namespace dw::testing {
namespace {

class SnapshotTest : public WorkerTest {
 protected:
  void SetUp() override {
    const char* off = getenv("DYNWORKER_NO_SNAPSHOT");
    snapshot_off_ = off && *off && std::string(off) != "0";
    // The process's first worker never uses the snapshot (worker.cc, RuntimeSnapshot).
    Make(true);
  }

  TestWorker Make(bool use_snapshot, std::string main_source = "export default 1;") {
    return MakeWorker("main.js", {Esm("main.js", std::move(main_source))}, use_snapshot);
  }

  // JSON of `fn()`, `fn` an export of the evaluated built-in module `url`.
  static std::string CallBuiltin(runtime::Worker& w, const std::string& url, const std::string& fn) {
    jsg::Realm& realm = w.realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Context> ctx = realm.context();
    v8::Local<v8::Object> ns;
    if (!realm.modules().Namespace(url).ToLocal(&ns)) return "NO NAMESPACE for " + url;
    v8::Local<v8::Value> f, result;
    if (!ns->Get(ctx, jsg::Str(isolate, fn)).ToLocal(&f) || !f->IsFunction() ||
        !f.As<v8::Function>()->Call(ctx, v8::Undefined(isolate), 0, nullptr).ToLocal(&result)) {
      return "FAILED";
    }
    return Stringify(isolate, ctx, result);
  }

  // The sorted keys of internal:primordials' default export, and whether it is frozen.
  static std::string PrimordialsKeys(runtime::Worker& w) {
    jsg::Realm& realm = w.realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Context> ctx = realm.context();
    v8::Local<v8::Object> ns;
    if (!realm.modules().Namespace("internal:primordials").ToLocal(&ns)) return "NO NAMESPACE";
    v8::Local<v8::Object> prim = ns->Get(ctx, jsg::Str(isolate, "default")).ToLocalChecked().As<v8::Object>();
    v8::Local<v8::Array> keys = prim->GetOwnPropertyNames(ctx).ToLocalChecked();
    std::vector<std::string> names;
    for (uint32_t i = 0; i < keys->Length(); ++i) {
      v8::Local<v8::Value> key = keys->Get(ctx, i).ToLocalChecked();
      v8::Local<v8::Value> value = prim->Get(ctx, key).ToLocalChecked();
      // A forwarder of primordials.js left in place is named after its key ("!").
      std::string fn_name = value->IsFunction()
                                ? jsg::ToUtf8(isolate, value.As<v8::Function>()->GetName())
                                : "";
      std::string k = jsg::ToUtf8(isolate, key);
      bool forwarder = fn_name == k && (k == "ObjectHasOwn" || k == "ArrayPrototypeAt" ||
                                        k == "SharedArrayBufferPrototypeGetByteLength");
      names.push_back(k + (forwarder ? "!" : ""));
    }
    std::sort(names.begin(), names.end());
    v8::Local<v8::Object> object_ctor =
        ctx->Global()->Get(ctx, jsg::Str(isolate, "Object")).ToLocalChecked().As<v8::Object>();
    v8::Local<v8::Value> is_frozen =
        object_ctor->Get(ctx, jsg::Str(isolate, "isFrozen")).ToLocalChecked();
    v8::Local<v8::Value> arg = prim;
    bool frozen = is_frozen.As<v8::Function>()->Call(ctx, object_ctor, 1, &arg).ToLocalChecked()->IsTrue();
    std::string out = frozen ? "frozen:" : "NOT FROZEN:";
    for (const auto& n : names) out += n + ",";
    return out;
  }

  bool snapshot_off_ = false;
};

constexpr char kGlobals[] = R"(
  (() => {
    const describe = (o) => Object.getOwnPropertyNames(o).sort().map((k) => {
      const d = Object.getOwnPropertyDescriptor(o, k);
      return `${k}:${typeof d.value}:${d.writable}${d.enumerable}${d.configurable}`;
    });
    return [describe(globalThis), describe(Object), describe(Array.prototype),
      describe(String.prototype), describe(Error), typeof WebAssembly, typeof Atomics,
      typeof SharedArrayBuffer, Error.stackTraceLimit, Object.isFrozen(globalThis),
      Object.getPrototypeOf(globalThis) === EventTarget.prototype ||
        globalThis instanceof EventTarget];
  })()
)";

TEST_F(SnapshotTest, GlobalsAndPrimordialsMatchABootstrapFromScratch) {
  TestWorker snap = Make(true);
  TestWorker scratch = Make(false);
  EXPECT_EQ(snap.worker->realm().restored(), !snapshot_off_);
  EXPECT_FALSE(scratch.worker->realm().restored());
  EXPECT_EQ(EvalJson(*snap.worker, kGlobals), EvalJson(*scratch.worker, kGlobals));
  std::string keys = PrimordialsKeys(*snap.worker);
  EXPECT_EQ(keys, PrimordialsKeys(*scratch.worker));
  EXPECT_EQ(keys.rfind("frozen:", 0), 0u) << keys;
  // Installed by V8 only after deserialization; captured by completePrimordials().
  for (const char* late : {"ObjectHasOwn,", "ArrayPrototypeAt,", "SharedArrayBufferPrototype,",
                           "SharedArrayBufferPrototypeGetByteLength,",
                           "TypedArrayPrototypeFindLast,", "StringPrototypeAt,"}) {
    EXPECT_NE(keys.find(late), std::string::npos) << late;
  }
  EXPECT_EQ(keys.find('!'), std::string::npos) << keys;
  // Only what the runtime's JS names is kept (ops.builtinsMention), and every prototype.
  EXPECT_NE(keys.find(",ArrayPrototypePush,"), std::string::npos);
  EXPECT_NE(keys.find(",WeakRefPrototype,"), std::string::npos);
  EXPECT_EQ(keys.find(",StringPrototypeBlink,"), std::string::npos);
  EXPECT_EQ(keys.find(",ErrorStackTraceLimit,"), std::string::npos);
}

TEST_F(SnapshotTest, HooksMatchABootstrapFromScratch) {
  TestWorker snap = Make(true);
  TestWorker scratch = Make(false);
  for (const char* hook : {"reportError", "DOMException", "timerHandler", "rpcMessage", "rpcInit",
                           "rpcRealmGone", "rpcSetMain", "realmInit", "lazyGlobal"}) {
    for (TestWorker* tw : {&snap, &scratch}) {
      jsg::Realm& realm = tw->worker->realm();
      jsg::Realm::CallbackScope scope(realm);
      EXPECT_TRUE(realm.GetHook(hook)->IsFunction()) << hook;
    }
  }
}

TEST_F(SnapshotTest, UserModulesImportBuiltinsAndUseImportMetaAndDynamicImport) {
  for (bool use_snapshot : {true, false}) {
    TestWorker tw = Make(use_snapshot, R"(
      import { inspect } from 'node:util';
      import { strictEqual } from 'node:assert';
      import { WorkerEntrypoint } from 'cloudflare:workers';
      strictEqual(typeof WorkerEntrypoint, 'function');
      export const url = import.meta.url;
      export const shown = inspect(new Map([[1, { a: [new Headers({ x: 'y' })] }]]));
      const util = await import('node:util');
      export const same = util.inspect === inspect;
      export const text = await new Response(new Blob(['hé'])).text();
      export const clone = structuredClone(new File(['x'], 'f.txt')).name;
    )");
    ASSERT_TRUE(tw.worker->Start(tw.main_url()).ok()) << tw.LogText();
    EXPECT_EQ(ExportJson(*tw.worker, tw.main_url(), "url"), "\"file:///bundle/main.js\"");
    EXPECT_EQ(ExportJson(*tw.worker, tw.main_url(), "shown"),
              "\"Map(1) { 1 => { a: [ Headers { 'x' => 'y' } ] } }\"");
    EXPECT_EQ(ExportJson(*tw.worker, tw.main_url(), "same"), "true");
    EXPECT_EQ(ExportJson(*tw.worker, tw.main_url(), "text"), "\"hé\"");
    EXPECT_EQ(ExportJson(*tw.worker, tw.main_url(), "clone"), "\"f.txt\"");
  }
}

TEST_F(SnapshotTest, UserCodeCannotImportInternalModulesOfTheSnapshot) {
  TestWorker bad = Make(true, "import ops from 'internal:ops'; export default ops;");
  EXPECT_FALSE(bad.worker->Start(bad.main_url()).ok());
}

TEST_F(SnapshotTest, PerIsolateStateDiffers) {
  TestWorker a = Make(true);
  TestWorker b = Make(true);
  EXPECT_NE(a.worker->realm().id(), b.worker->realm().id());
  EXPECT_EQ(CallBuiltin(*a.worker, "internal:rpc", "realmId"), std::to_string(a.worker->realm().id()));
  EXPECT_EQ(CallBuiltin(*b.worker, "internal:rpc", "realmId"), std::to_string(b.worker->realm().id()));
  EXPECT_NE(EvalJson(*a.worker, "Math.random()"), EvalJson(*b.worker, "Math.random()"));
  EXPECT_NE(EvalJson(*a.worker, "crypto.randomUUID()"), EvalJson(*b.worker, "crypto.randomUUID()"));
  // The clock starts with the realm, not when the snapshot was made.
  EXPECT_EQ(EvalJson(*a.worker, "Math.abs(performance.timeOrigin - Date.now()) < 5000"), "true");
  EXPECT_EQ(EvalJson(*a.worker, "performance.now() < 5000"), "true");
  // The global scope is an EventTarget in the new global object too.
  EXPECT_EQ(EvalJson(*a.worker, R"(
    (() => { let n = 0; addEventListener('x', () => n++); dispatchEvent(new Event('x')); return n; })()
  )"), "1");
}

// internal:streams, the largest runtime module, is evaluated on first use: neither the bootstrap
// nor the snapshot's warm-up may load it, or every new isolate would deserialize it.
TEST_F(SnapshotTest, StreamsAreLoadedOnFirstUse) {
  auto loaded = [](runtime::Worker& w) {
    jsg::Realm::CallbackScope scope(w.realm());
    return !w.realm().modules().Namespace("internal:streams").IsEmpty();
  };
  for (bool use_snapshot : {true, false}) {
    TestWorker tw = Make(use_snapshot);
    EXPECT_FALSE(loaded(*tw.worker)) << use_snapshot;
    EXPECT_EQ(EvalJson(*tw.worker, "'ReadableStream' in globalThis"), "true");
    EXPECT_FALSE(loaded(*tw.worker)) << use_snapshot;
    EXPECT_EQ(EvalJson(*tw.worker, "new Response('x').body instanceof ReadableStream"), "true");
    EXPECT_TRUE(loaded(*tw.worker)) << use_snapshot;
  }
}

// The other modules a worker answering a request need not touch are evaluated on first use too:
// the first read of one of their globals (or the first fetch() of a data: URL, the first
// blob() or formData() of a body) loads them.
// console.log of strings and numbers is written without internal:inspect, the largest runtime
// module; an object argument loads it.
TEST_F(SnapshotTest, ConsoleLogOfPrimitivesDoesNotLoadInspect) {
  for (bool use_snapshot : {true, false}) {
    TestWorker tw = Make(use_snapshot);
    auto loaded = [&](const char* url) {
      jsg::Realm::CallbackScope scope(tw.worker->realm());
      return !tw.worker->realm().modules().Namespace(url).IsEmpty();
    };
    EXPECT_EQ(EvalJson(*tw.worker, "console.log('serving', '/a', 200, true); 0"), "0");
    EXPECT_TRUE(loaded("internal:console")) << use_snapshot;
    EXPECT_FALSE(loaded("internal:inspect")) << use_snapshot;
    EXPECT_FALSE(loaded("internal:types")) << use_snapshot;
    EXPECT_EQ(EvalJson(*tw.worker, "console.log('object', { a: 1 }); 0"), "0");
    EXPECT_TRUE(loaded("internal:inspect")) << use_snapshot;
  }
}

TEST_F(SnapshotTest, ModulesOfLazyGlobalsAreLoadedOnFirstUse) {
  struct Use {
    const char* url;
    const char* script;  // loads `url`
    const char* json;    // what `script` gives
  };
  const Use uses[] = {
      {"internal:fetch", "typeof fetch", R"("function")"},
      {"internal:console", "typeof console.log", R"("function")"},
      {"internal:mime_type",
       "new Response('x', { headers: { 'content-type': 'text/plain' } }).formData()"
       ".catch(() => {}); 0",
       "0"},
      {"internal:encoding", "new TextDecoder().decode(new TextEncoder().encode('x'))", R"("x")"},
      {"internal:base64", "atob(btoa('ab'))", R"("ab")"},
      {"internal:blob", "new Blob(['ab']).size", "2"},
      {"internal:form_data",
       "new Response(new FormData()).headers.get('content-type').startsWith('multipart/')",
       "true"},
      {"internal:fetch_event", "new FetchEvent('fetch', { request: new Request('http://a/') }).type",
       R"("fetch")"},
      {"internal:data_url", "fetch('data:,x').catch(() => {}); 0", "0"},
  };
  auto loaded = [](runtime::Worker& w, const char* url) {
    jsg::Realm::CallbackScope scope(w.realm());
    return !w.realm().modules().Namespace(url).IsEmpty();
  };
  for (bool use_snapshot : {true, false}) {
    TestWorker tw = Make(use_snapshot);
    // What a worker that answers with new Response('hi') runs does not load them.
    EXPECT_EQ(EvalJson(*tw.worker, R"((() => {
      const request = new Request('https://a/', { method: 'POST', body: 'x' });
      void request.text();
      const response = new Response('hi');
      void response.arrayBuffer();
      return ['TextEncoder', 'atob', 'Blob', 'File', 'FormData', 'FetchEvent', 'fetch', 'console']
          .every((name) => name in globalThis);
    })())"),
              "true");
    for (const Use& use : uses) EXPECT_FALSE(loaded(*tw.worker, use.url)) << use.url << use_snapshot;
    for (const Use& use : uses) {
      EXPECT_EQ(EvalJson(*tw.worker, use.script), use.json) << use.url;
      EXPECT_TRUE(loaded(*tw.worker, use.url)) << use.url << use_snapshot;
    }
  }
}

TEST_F(SnapshotTest, FinalizationRegistryWorksAfterRestore) {
  TestWorker tw = Make(true, R"(
    export let collected = 0;
    const registry = new FinalizationRegistry(() => { collected++; });
    (() => { for (let i = 0; i < 10; i++) registry.register({}, i); })();
  )");
  ASSERT_TRUE(tw.worker->Start(tw.main_url()).ok());
  tw.worker->isolate()->LowMemoryNotification();
  for (int i = 0; i < 20 && ExportJson(*tw.worker, tw.main_url(), "collected") == "0"; ++i) {
    io::Timer t(loop_, [] {});
    t.Start(5);
    loop_.RunOnce();
  }
  EXPECT_NE(ExportJson(*tw.worker, tw.main_url(), "collected"), "0");
}

// Whatever an op returns while the snapshot is built is frozen into every isolate made from
// it. A new op called at boot must be checked for per-isolate state (a realm id, a clock, a
// random value: read those in the realmInit hook of internal:bootstrap instead) and added here.
// setHook registers the runtime's hooks; the others are pure conversions and RPC placeholders
// the snapshot warm-up (bootstrap.js, snapshotWarmup) runs through, whose results it throws
// away, and requestBegin, which is 0 (no request) in a realm without limits such as the
// snapshot's.
TEST_F(SnapshotTest, OpsCalledByTheBootstrapHoldNoPerIsolateState) {
  if (snapshot_off_) GTEST_SKIP() << "DYNWORKER_NO_SNAPSHOT is set";
  TestWorker tw = Make(true);
  std::vector<std::string> called = jsg::OpsCalledBuildingSnapshot();
  std::sort(called.begin(), called.end());
  called.erase(std::unique(called.begin(), called.end()), called.end());
  std::string list;
  for (const auto& n : called) list += n + " ";
  EXPECT_EQ(list, "builtinsMention defineLazyGlobal getProxyDetails isSharedArrayBuffer requestBegin "
                  "rpcPlaceholder rpcPlaceholderIndex setHook utf8Decode utf8Encode ");
}

// A boot that fails (a runtime bug) gives no snapshot and no crash: workers then bootstrap
// themselves. (This path once called CreateBlob inside a HandleScope, a fatal V8 check.)
TEST(SnapshotBuildTest, FailedBootGivesNoBlobAndNoCrash) {
  jsg::InitializeV8();
  v8::StartupData data = jsg::BuildRuntimeSnapshot(runtime::RuntimeOps(), runtime::BuiltinModules(),
                                                   [](jsg::Realm&) { return false; });
  EXPECT_EQ(data.data, nullptr);
  EXPECT_EQ(data.raw_size, 0);
}

}  // namespace
}  // namespace dw::testing
