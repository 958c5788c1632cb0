// internal:id_map, the runtime's table of ids (why it exists: minor_gc_test.cc and the module's
// own comment). Checked against a Map doing the same operations.
#include "worker_fixture.h"

namespace dw::testing {
namespace {

class IdMapTest : public WorkerTest {
 protected:
  void SetUp() override {
    w_ = MakeWorker("main.js", {Esm("main.js", "export default 1;")});
    ASSERT_TRUE(w_.worker->Start(w_.main_url()).ok());
    Expose(w_, "internal:id_map", "idm");
  }
  std::string Eval(const std::string& script) { return EvalJson(*w_.worker, script); }
  TestWorker w_;
};

// Random gets, sets and deletes over clustered, sequential and 53-bit keys, through growth and
// shrinking, compared after every step with a Map (deletion shifts entries back: a wrong shift
// loses or hides an entry here).
TEST_F(IdMapTest, AgreesWithAMapUnderRandomOperations) {
  EXPECT_EQ(Eval(R"((() => {
    let seed = 12345;
    const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    const m = new idm.IdMap();
    const ref = new Map();
    const pools = [
      () => rand(64),                                  // few keys: long runs of collisions
      () => 1000 + rand(5000),                         // sequential-ish ids
      () => rand(2 ** 21) * 2 ** 32 + rand(2 ** 32),   // export numbers up to 2^53
    ];
    for (let step = 0; step < 60000; step++) {
      const key = pools[rand(3)]();
      const op = rand(10);
      if (op < 5) { m.set(key, step); ref.set(key, step); }
      else if (op < 9) { if (m.delete(key) !== ref.delete(key)) return `delete ${key} at ${step}`; }
      if (m.get(key) !== ref.get(key) || m.has(key) !== ref.has(key)) return `get ${key} at ${step}`;
      if (m.size !== ref.size) return `size ${m.size} != ${ref.size} at ${step}`;
      // Empty it now and then, so the table shrinks as well as grows.
      if (step % 20000 === 19999) for (const k of [...ref.keys()]) { m.delete(k); ref.delete(k); }
    }
    for (const [k, v] of ref) if (m.get(k) !== v) return `final ${k}`;
    let seen = 0;
    m.forEach((v, k) => { if (ref.get(k) !== v) seen = -1e9; seen++; });
    return seen === ref.size ? 'ok' : `forEach saw ${seen} of ${ref.size}`;
  })())"),
            "\"ok\"");
}

TEST_F(IdMapTest, ForEachVisitsInKeyOrderAndSkipsWhatItDeletes) {
  EXPECT_EQ(Eval(R"((() => {
    const m = new idm.IdMap();
    for (const k of [30, 2, 2 ** 40, 17, 5]) m.set(k, 'v' + k);
    const seen = [];
    m.forEach((v, k) => { seen.push(`${k}=${v}`); if (k === 5) m.delete(17); });
    return seen.join(' ');
  })())"),
            "\"2=v2 5=v5 30=v30 1099511627776=v1099511627776\"");
}

// -0 is the key 0 (a Float64Array would keep the sign, and keys() would give -0 back); 1.5 is
// not a key.
TEST_F(IdMapTest, MinusZeroIsZeroAndFractionsAreNoKeys) {
  EXPECT_EQ(Eval(R"((() => {
    const m = new idm.IdMap();
    m.set(-0, 'z');
    let fraction = 'accepted';
    try { m.set(1.5, 'f'); } catch (e) { fraction = e.name; }
    return [m.get(0), m.has(-0), Object.is(m.keys()[0], 0), fraction, m.size];
  })())"),
            "[\"z\",true,true,\"RangeError\",1]");
}

// get/has/delete take keys from messages: what is not a key finds nothing, and is never
// converted (an object's valueOf would be user code).
TEST_F(IdMapTest, WhatIsNotAKeyFindsNothingAndRunsNoCode) {
  EXPECT_EQ(Eval(R"((() => {
    const m = new idm.IdMap();
    m.set(0, 'zero'); m.set(1, 'one');
    let ran = false;
    const sneaky = { valueOf() { ran = true; return 1; } };
    const probes = ['1', 1.5, -1, NaN, Infinity, null, undefined, sneaky, 1n, [1]];
    const found = probes.filter((k) => m.has(k) || m.get(k) !== undefined || m.delete(k));
    let threw = 0;
    for (const k of [-1, 1.5 - 2, NaN, '1', sneaky, 2 ** 53]) { try { m.set(k, 'x'); } catch (e) { if (e instanceof RangeError) threw++; } }
    return [found.length, ran, threw, m.size, m.get(0), m.get(1)];
  })())"),
            "[0,false,6,2,\"zero\",\"one\"]");
}

// User code may put getters and setters for indices on Array.prototype: a store into a hole
// (or a push) would hand them what the table holds (pending calls' resolve functions), and a
// read of a hole would take their value.
TEST_F(IdMapTest, IndexAccessorsOnArrayPrototypeSeeNothing) {
  EXPECT_EQ(Eval(R"((() => {
    const seen = new Set();
    for (let i = 0; i < 300; i++) {
      Object.defineProperty(Array.prototype, i, { configurable: true,
        get() { seen.add('get'); return 'evil'; }, set(v) { seen.add(typeof v); } });
    }
    let result;
    try {
      const m = new idm.IdMap();
      for (let k = 0; k < 100; k++) m.set(k * 7, { k });
      for (let k = 0; k < 100; k += 2) m.delete(k * 7);
      const visited = new Set();
      m.forEach((v, k) => { if (v.k * 7 === k) visited.add(k); });
      result = [m.get(7).k, m.get(14), m.has(3), visited.size, m.size];
    } finally {
      for (let i = 0; i < 300; i++) delete Array.prototype[i];
    }
    return [...result, [...seen].join()];
  })())"),
            "[1,null,false,50,50,\"\"]");
}

}  // namespace
}  // namespace dw::testing
