// jsg/lookup_caches.cc: V8's stub caches and inner-pointer cache are cleared by releasing their
// pages. Property accesses that go through them (megamorphic sites) and stack walks must still
// give the right answers, before and after mark-compacts, which clear them again.
#include "jsg/lookup_caches.h"
#include "worker_fixture.h"

namespace dw::testing {
namespace {

class LookupCachesTest : public WorkerTest {
 protected:
  // JSON of run(round), `run` an export of the worker's main module.
  static std::string Run(TestWorker& tw, int round) {
    jsg::Realm& realm = tw.worker->realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Context> ctx = realm.context();
    v8::Local<v8::Object> ns;
    v8::Local<v8::Value> fn, result;
    v8::Local<v8::Value> arg = v8::Integer::New(isolate, round);
    if (!realm.modules().Namespace(tw.main_url()).ToLocal(&ns) ||
        !ns->Get(ctx, jsg::Str(isolate, "run")).ToLocal(&fn) || !fn->IsFunction() ||
        !fn.As<v8::Function>()->Call(ctx, v8::Undefined(isolate), 1, &arg).ToLocal(&result)) {
      return "FAILED";
    }
    return Stringify(isolate, ctx, result);
  }
};

constexpr char kMegamorphic[] = R"(
  // One load site and one store site that see 64 shapes: megamorphic, so V8 answers them from
  // the stub caches.
  const objects = [];
  for (let i = 0; i < 64; i++) {
    const o = { ['k' + i]: i };
    o.value = i;
    objects.push(o);
  }
  const read = (o) => o.value;
  const write = (o, v) => { o.value = v; };
  export function run(round) {
    let sum = 0;
    for (let n = 0; n < 50; n++) {
      for (const o of objects) write(o, o['k' + objects.indexOf(o)] * round);
      for (const o of objects) sum += read(o);
    }
    // A stack walk (the inner-pointer cache) on the way.
    const stack = new Error('here').stack.split('\n').length;
    return [sum, stack > 1];
  }
)";

TEST_F(LookupCachesTest, MegamorphicAccessesAndStackWalksStayRightAcrossFullGcs) {
  uint64_t before = jsg::LookupCacheReleases();
  TestWorker tw = MakeWorker("main.js", {Esm("main.js", kMegamorphic)});
  ASSERT_TRUE(tw.worker->Start(tw.main_url()).ok());
  // The new isolate's two stub caches were released, not filled.
  EXPECT_GE(jsg::LookupCacheReleases(), before + 2);
  // sum over n of sum_i (i * round) = 50 * round * (0 + ... + 63) = 100800 * round
  for (int round = 1; round <= 3; ++round) {
    EXPECT_EQ(Run(tw, round), "[" + std::to_string(100800 * round) + ",true]");
    uint64_t gcs_before = jsg::LookupCacheReleases();
    tw.worker->isolate()->LowMemoryNotification();
    EXPECT_GT(jsg::LookupCacheReleases(), gcs_before);
  }
}

}  // namespace
}  // namespace dw::testing
