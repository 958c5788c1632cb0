// The module glue: jsg::ModuleRegistry (resolution, every module type, import(), import.meta,
// require()), runtime::Worker::Start's error reporting, and runtime::ValidateBundle's exact
// messages (loader.md section 3). Real V8 and libuv; modules come from a WorkerCode bundle.
#include <string>
#include <vector>

#include "jsg/modules.h"
#include "runtime/bundle.h"
#include "worker_fixture.h"

namespace dw {
namespace {

using runtime::RawModule;
using testing::Esm;
using testing::Typed;

// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const std::string& AddWasm() {
  static const std::string bytes = [] {
    const unsigned char b[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // magic, version 1
        0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,  // type: (i32 i32) -> i32
        0x03, 0x02, 0x01, 0x00,  // function 0 has type 0
        0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00,  // export "add" = func 0
        0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,  // body
    };
    return std::string(reinterpret_cast<const char*>(b), sizeof(b));
  }();
  return bytes;
}

class ModulesTest : public testing::WorkerTest {};

// ---------------------------------------------------------------------------------------------
// The static graph and resolution inside a bundle

TEST_F(ModulesTest, StaticImportGraphWithFolders) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js",
                            "import { a } from './lib/a.js';\n"
                            "import { c } from 'lib/c.js';\n"  // bare: relative to main's folder
                            "export const result = a + '|' + c;\n"),
                        Esm("lib/a.js",
                            "import { b } from '../util/b.js';\n"
                            "import { d } from 'd.js';\n"  // bare: relative to lib/
                            "export const a = 'a(' + b + ',' + d + ')';\n"),
                        Esm("util/b.js", "export const b = 'b';\n"),
                        Esm("lib/c.js", "export const c = 'c';\n"),
                        Esm("lib/d.js", "export const d = 'd';\n"),
                    })
                  .ok());
  EXPECT_EQ(ExportString("result"), "a(b,d)|c");
  // Each module is instantiated once, under its bundle URL.
  EXPECT_EQ(ExportJson(worker(), "file:///bundle/util/b.js", "b"), "\"b\"");
  EXPECT_EQ(ExportJson(worker(), "file:///bundle/lib/d.js", "d"), "\"d\"");
}

// internal:primordials keeps only the built-ins the runtime's JS names: whole words of the
// runtime modules' sources, never part of one, nor the tail of a number such as 0x200b.
TEST_F(ModulesTest, BuiltinsMentionMatchesWholeWordsOfRuntimeSources) {
  ASSERT_TRUE(Start("main.js", {Esm("main.js", "export const x = 1;\n")}).ok());
  const jsg::ModuleRegistry& modules = worker().realm().modules();
  EXPECT_TRUE(modules.BuiltinsMention("uncurryThis"));
  EXPECT_TRUE(modules.BuiltinsMention("ArrayPrototypePush"));
  EXPECT_FALSE(modules.BuiltinsMention("ArrayPrototypePus"));
  EXPECT_FALSE(modules.BuiltinsMention("rrayPrototypePush"));
  EXPECT_FALSE(modules.BuiltinsMention("x200b"));  // 0x200b in internal:inspect
  EXPECT_FALSE(modules.BuiltinsMention("StringPrototypeBlink"));
  EXPECT_FALSE(modules.BuiltinsMention(""));
}

TEST_F(ModulesTest, ModuleIsEvaluatedOnceWhenImportedTwiceBySpellingsThatResolveAlike) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js",
                            "import './lib/x.js';\n"
                            "import './lib/../lib/./x.js';\n"
                            "import 'lib/x.js';\n"
                            "import '/bundle/lib/x.js';\n"
                            "import 'file:///bundle/lib/x.js';\n"
                            "export const n = globalThis.count;\n"),
                        Esm("lib/x.js", "globalThis.count = (globalThis.count ?? 0) + 1;\n"),
                    })
                  .ok());
  EXPECT_EQ(ExportJson("n"), "1");
}

TEST_F(ModulesTest, BareStringNamesEndingInMjsAreEsModules) {
  ASSERT_TRUE(Start("main.mjs",
                    {
                        Esm("main.mjs", "import { v } from './dep.mjs'; export const out = v * 2;"),
                        Esm("dep.mjs", "export const v = 21;"),
                    })
                  .ok());
  EXPECT_EQ(ExportJson(worker(), "file:///bundle/main.mjs", "out"), "42");
}

TEST_F(ModulesTest, ExplicitJsModule) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js", "import x from './code.txt'; export const out = x;"),
                        // {js}: the name's extension does not matter.
                        Typed("code.txt", "js", "export default 'esm from a .txt name';"),
                    })
                  .ok());
  EXPECT_EQ(ExportString("out"), "esm from a .txt name");
}

// ---------------------------------------------------------------------------------------------
// Module types

TEST_F(ModulesTest, TextModuleDefaultIsTheString) {
  const std::string text = "line one\nline two: \xc3\xa9\xe2\x82\xac \xf0\x9f\x98\x80\n";
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import t from './data/readme.txt';\n"
                                       "export const text = t;\n"
                                       "export const type = typeof t;\n"
                                       "export const length = t.length;\n"),
                                   Typed("data/readme.txt", "text", text),
                               })
                  .ok());
  EXPECT_EQ(ExportString("text"), text);
  EXPECT_EQ(ExportString("type"), "string");
  // 19 + 'é€' (2 UTF-16 units) + ' ' + emoji (2 units) + '\n'
  EXPECT_EQ(ExportJson("length"), "25");
}

TEST_F(ModulesTest, DataModuleDefaultIsAnArrayBufferWithTheExactBytes) {
  const std::string bytes("\x00\x01\x7f\x80\xfe\xff\x00zz", 9);
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import d from './blob.bin';\n"
                                       "export const isAB = d instanceof ArrayBuffer;\n"
                                       "export const bytes = Array.from(new Uint8Array(d));\n"),
                                   Typed("blob.bin", "data", bytes),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("isAB"), "true");
  EXPECT_EQ(ExportJson("bytes"), "[0,1,127,128,254,255,0,122,122]");

  // And from C++: the default export of the data module itself.
  jsg::Realm& realm = worker().realm();
  jsg::Realm::CallbackScope scope(realm);
  v8::Local<v8::Object> ns;
  ASSERT_TRUE(realm.modules().Namespace("file:///bundle/blob.bin").ToLocal(&ns));
  v8::Local<v8::Value> def;
  ASSERT_TRUE(ns->Get(realm.context(), jsg::Str(realm.isolate(), "default")).ToLocal(&def));
  ASSERT_TRUE(def->IsArrayBuffer());
  auto store = def.As<v8::ArrayBuffer>()->GetBackingStore();
  ASSERT_EQ(store->ByteLength(), bytes.size());
  EXPECT_EQ(std::string(static_cast<const char*>(store->Data()), store->ByteLength()), bytes);
}

TEST_F(ModulesTest, EmptyDataModuleIsAnEmptyArrayBuffer) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import d from './empty.bin';\n"
                                       "export const out = [d instanceof ArrayBuffer, d.byteLength];\n"),
                                   Typed("empty.bin", "data", ""),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("out"), "[true,0]");
}

TEST_F(ModulesTest, JsonModuleDefaultIsTheParsedValue) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import cfg from './config/settings.json';\n"
                                       "export const out = cfg;\n"
                                       "export const nested = cfg.list[2].deep;\n"),
                                   Typed("config/settings.json", "json",
                                         R"({"name":"x","n":1.5,"list":[true,null,{"deep":"\u00e9"}]})"),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("out"), R"({"name":"x","n":1.5,"list":[true,null,{"deep":"é"}]})");
  EXPECT_EQ(ExportString("nested"), "\xc3\xa9");
}

TEST_F(ModulesTest, InvalidJsonModuleFailsStartWithTheModuleName) {
  absl::Status s = Start("main.js", {
                                        Esm("main.js", "import cfg from './bad.json';"),
                                        Typed("bad.json", "json", "{\"a\": }"),
                                    });
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "SyntaxError");
  DW_EXPECT_CONTAINS(s.message(), "Invalid JSON in module \"bad.json\"");
}

TEST_F(ModulesTest, WasmModuleDefaultIsACompiledModule) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import mod from './math/add.wasm';\n"
                                       "export const isModule = mod instanceof WebAssembly.Module;\n"
                                       "export const exports = WebAssembly.Module.exports(mod);\n"
                                       "const inst = new WebAssembly.Instance(mod, {});\n"
                                       "export const sum = inst.exports.add(40, 2);\n"
                                       "export const wrapped = inst.exports.add(0x7fffffff, 1);\n"),
                                   Typed("math/add.wasm", "wasm", AddWasm()),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("isModule"), "true");
  EXPECT_EQ(ExportJson("exports"), R"([{"name":"add","kind":"function"}])");
  EXPECT_EQ(ExportJson("sum"), "42");
  EXPECT_EQ(ExportJson("wrapped"), "-2147483648");  // i32 wraps
}

TEST_F(ModulesTest, InvalidWasmFailsStart) {
  absl::Status s = Start("main.js", {
                                        Esm("main.js", "import mod from './bad.wasm';"),
                                        Typed("bad.wasm", "wasm", std::string("\0asm\x02\0\0\0", 8)),
                                    });
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "CompileError");
}

TEST_F(ModulesTest, CommonJsModuleExportsAndRequire) {
  ASSERT_TRUE(
      Start("main.js",
            {
                Esm("main.js",
                    "import lib from './cjs/lib.js';\n"
                    "export const out = lib;\n"),
                Typed("cjs/lib.js", "cjs",
                      "const helper = require('./helper.js');\n"
                      "const data = require('../assets/data.json');\n"
                      "const text = require('../assets/hello.txt');\n"
                      "const again = require('./helper.js');\n"
                      "module.exports = {\n"
                      "  twice: helper.twice(21),\n"
                      "  data, text,\n"
                      "  sameObject: again === helper,\n"
                      "  filename: __filename, dirname: __dirname,\n"
                      "  thisIsExports: typeof this === 'object',\n"
                      "};\n"),
                Typed("cjs/helper.js", "cjs", "exports.twice = (x) => x * 2;\n"),
                Typed("assets/data.json", "json", "{\"k\":[1,2]}"),
                Typed("assets/hello.txt", "text", "hello text"),
            })
          .ok());
  EXPECT_EQ(ExportJson("out"),
            R"({"twice":42,"data":{"k":[1,2]},"text":"hello text","sameObject":true,)"
            R"("filename":"/bundle/cjs/lib.js","dirname":"/bundle/cjs","thisIsExports":true})");
}

TEST_F(ModulesTest, CommonJsExportsObjectIsTheDefaultWhenModuleExportsIsNotReplaced) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import lib from './lib.cjs';\n"
                                       "export const out = [lib.a, lib.b, Object.keys(lib)];\n"),
                                   Typed("lib.cjs", "cjs", "exports.a = 1; module.exports.b = 2;"),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("out"), R"([1,2,["a","b"]])");
}

TEST_F(ModulesTest, CommonJsRunsOnceWhenImportedAndRequired) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import a from './a.cjs';\n"
                                       "import b from './b.cjs';\n"
                                       "export const out = [a === b.shared, globalThis.runs];\n"),
                                   Typed("a.cjs", "cjs", "globalThis.runs = (globalThis.runs ?? 0) + 1; module.exports = {};"),
                                   Typed("b.cjs", "cjs", "exports.shared = require('./a.cjs');"),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("out"), "[true,1]");
}

TEST_F(ModulesTest, CommonJsRequireCycleSeesPartialExports) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js",
                            "import a from './a.cjs';\n"
                            "import b from './b.cjs';\n"
                            "export const out = { a, b };\n"),
                        Typed("a.cjs", "cjs",
                              "exports.early = 'early';\n"
                              "const b = require('./b.cjs');\n"
                              "exports.bSawEarly = b.sawEarly;\n"
                              "exports.bSawLate = b.sawLate;\n"
                              "exports.late = 'late';\n"),
                        Typed("b.cjs", "cjs",
                              "const a = require('./a.cjs');\n"
                              "exports.sawEarly = a.early;\n"
                              "exports.sawLate = a.late === undefined ? 'not yet' : a.late;\n"),
                    })
                  .ok());
  EXPECT_EQ(ExportJson("out"),
            R"({"a":{"early":"early","bSawEarly":"early","bSawLate":"not yet","late":"late"},)"
            R"("b":{"sawEarly":"early","sawLate":"not yet"}})");
}

TEST_F(ModulesTest, CommonJsRequireOfMissingModuleThrows) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js", "import lib from './lib.cjs'; export const out = lib;"),
                                   Typed("lib.cjs", "cjs",
                                         "try { require('./nope.js'); module.exports = 'no throw'; }\n"
                                         "catch (e) { module.exports = e.message; }\n"),
                               })
                  .ok());
  std::string message = ExportString("out");
  DW_EXPECT_CONTAINS(message, "No such module \"nope.js\"");
  DW_EXPECT_CONTAINS(message, "imported from \"lib.cjs\"");
}

TEST_F(ModulesTest, CommonJsThrowFailsStart) {
  absl::Status s = Start("main.js", {
                                        Esm("main.js", "import lib from './lib.cjs';"),
                                        Typed("lib.cjs", "cjs", "throw new RangeError('cjs blew up');"),
                                    });
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "RangeError: cjs blew up");
}

TEST_F(ModulesTest, CommonJsSyntaxErrorFailsStartNamingTheModule) {
  absl::Status s = Start("main.js", {
                                        Esm("main.js", "import lib from './lib/broken.cjs';"),
                                        Typed("lib/broken.cjs", "cjs", "exports.a = 1;\nexports.b = ;\n"),
                                    });
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "SyntaxError: Unexpected token ';'");
  DW_EXPECT_CONTAINS(s.message(), "lib/broken.cjs:2:");
}

TEST_F(ModulesTest, CommonJsRequireOfEsmWasmAndData) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js", "import lib from './lib.cjs'; export const out = lib;"),
                        Typed("lib.cjs", "cjs",
                              "const esm = require('./esm.js');\n"
                              "const wasm = require('./add.wasm');\n"
                              "const data = require('./d.bin');\n"
                              "const inst = new WebAssembly.Instance(wasm);\n"
                              "module.exports = [esm.named, esm.default, inst.exports.add(5, 6),\n"
                              "  data instanceof ArrayBuffer, data.byteLength,\n"
                              "  Object.prototype.toString.call(esm)];\n"),
                        Esm("esm.js", "export const named = 'n'; export default 'd';\n"),
                        Typed("add.wasm", "wasm", AddWasm()),
                        Typed("d.bin", "data", "abc"),
                    })
                  .ok());
  EXPECT_EQ(ExportJson("out"), R"(["n","d",11,true,3,"[object Module]"])");
}

TEST_F(ModulesTest, CommonJsRequireOfEsmStillAwaitingIsAnError) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js", "import lib from './lib.cjs'; export const out = lib;"),
                        Typed("lib.cjs", "cjs",
                              "try { require('./tla.js'); module.exports = 'no throw'; }\n"
                              "catch (e) { module.exports = e.message; }\n"),
                        Esm("tla.js", "await new Promise((r) => setTimeout(r, 1));\n"),
                    })
                  .ok());
  EXPECT_EQ(ExportString("out"),
            "require() of ES module \"tla.js\" cannot wait for its top-level await; use import() "
            "instead.");
}

TEST_F(ModulesTest, RequireNeedsAString) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js", "import lib from './lib.cjs'; export const out = lib;"),
                        Typed("lib.cjs", "cjs",
                              "try { require(42); module.exports = 'no throw'; }\n"
                              "catch (e) { module.exports = e.name + ': ' + e.message; }\n"),
                    })
                  .ok());
  EXPECT_EQ(ExportString("out"),
            "TypeError: require() expects a module specifier string, e.g. require('./lib.js')");
}

// ---------------------------------------------------------------------------------------------
// import() and import.meta

TEST_F(ModulesTest, DynamicImportOfModuleWithTopLevelAwaitOnATimer) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js",
                            "globalThis.order = [];\n"
                            "globalThis.done = import('./lazy/slow.js').then((ns) => {\n"
                            "  order.push('imported ' + ns.value);\n"
                            "  return ns.value;\n"
                            "});\n"
                            "order.push('main done');\n"),
                        Esm("lazy/slow.js",
                            "order.push('slow start');\n"
                            "await new Promise((resolve) => setTimeout(resolve, 5));\n"
                            "order.push('slow resumed');\n"
                            "export const value = 'slow value';\n"),
                    })
                  .ok());
  // Start returned once main's own evaluation finished; the import is still waiting.
  EXPECT_EQ(EvalJson("order.includes('main done') && order.includes('slow start')"), "true");
  EXPECT_EQ(EvalJson("order.includes('slow resumed')"), "false");
  {
    jsg::Realm& realm = worker().realm();
    v8::Isolate::Scope iscope(realm.isolate());
    v8::HandleScope hs(realm.isolate());
    v8::Context::Scope cs(realm.context());
    v8::Local<v8::Value> done;
    ASSERT_TRUE(realm.context()->Global()->Get(realm.context(), jsg::Str(realm.isolate(), "done")).ToLocal(&done));
    ASSERT_TRUE(done->IsPromise());
    EXPECT_EQ(worker().RunUntilSettled(done.As<v8::Promise>()), runtime::Worker::Outcome::kFulfilled);
  }
  EXPECT_EQ(EvalJson("order.length"), "4");
  EXPECT_EQ(EvalJson("order.slice(2)"), R"(["slow resumed","imported slow value"])");
}

TEST_F(ModulesTest, DynamicImportAwaitedByMainDrivesTheLoopFromStart) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "const ns = await import('./slow.js');\n"
                                       "export const value = ns.value;\n"),
                                   Esm("slow.js",
                                       "await new Promise((r) => setTimeout(r, 2));\n"
                                       "export const value = 7;\n"),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("value"), "7");
}

TEST_F(ModulesTest, DynamicImportResolvesRelativeToTheImportingModule) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import { load } from './lib/loader.js';\n"
                                       "export const value = (await load()).value;\n"),
                                   Esm("lib/loader.js",
                                       "export const load = () => import('./target.js');\n"),
                                   Esm("lib/target.js", "export const value = 'lib/target';\n"),
                                   Esm("target.js", "export const value = 'root target';\n"),
                               })
                  .ok());
  EXPECT_EQ(ExportString("value"), "lib/target");
}

TEST_F(ModulesTest, DynamicImportOfEveryNonEsmTypeGivesADefault) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "const t = await import('./a.txt');\n"
                                       "const j = await import('./b.json');\n"
                                       "const c = await import('./c.cjs');\n"
                                       "const d = await import('./d.bin');\n"
                                       "export const out = [t.default, j.default.x, c.default.y,\n"
                                       "  d.default.byteLength, Object.keys(t)];\n"),
                                   Typed("a.txt", "text", "T"),
                                   Typed("b.json", "json", "{\"x\":2}"),
                                   Typed("c.cjs", "cjs", "exports.y = 3;"),
                                   Typed("d.bin", "data", "1234"),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("out"), R"(["T",2,3,4,["default"]])");
}

TEST_F(ModulesTest, DynamicImportOfMissingModuleRejects) {
  ASSERT_TRUE(StartMain("export const message = await import('./nope.js').then(\n"
                        "  () => 'resolved', (e) => e.constructor.name + ': ' + e.message);\n")
                  .ok());
  std::string message = ExportString("message");
  DW_EXPECT_CONTAINS(message, "Error: No such module \"nope.js\"");
  DW_EXPECT_CONTAINS(message, "imported from \"main.js\"");
}

TEST_F(ModulesTest, DynamicImportOfModuleThatThrowsRejectsWithItsError) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "export const message = await import('./bad.js').then(\n"
                                       "  () => 'resolved', (e) => e.message);\n"),
                                   Esm("bad.js", "throw new Error('bad module');"),
                               })
                  .ok());
  EXPECT_EQ(ExportString("message"), "bad module");
}

TEST_F(ModulesTest, DynamicImportOfSyntaxErrorRejectsWithSyntaxError) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "export const name = await import('./bad.js').then(\n"
                                       "  () => 'resolved', (e) => e.name);\n"),
                                   Esm("bad.js", "export const = ;"),
                               })
                  .ok());
  EXPECT_EQ(ExportString("name"), "SyntaxError");
  EXPECT_EQ(LogText(), "");  // handled: nothing reported
}

TEST_F(ModulesTest, DynamicImportTwiceGivesTheSameNamespace) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "const a = await import('./x.js');\n"
                                       "const b = await import('./lib/../x.js');\n"
                                       "import * as c from './x.js';\n"
                                       "export const out = [a === b, a === c, globalThis.xRuns];\n"),
                                   Esm("x.js", "globalThis.xRuns = (globalThis.xRuns ?? 0) + 1;\n"),
                               })
                  .ok());
  EXPECT_EQ(ExportJson("out"), "[true,true,1]");
}

TEST_F(ModulesTest, ImportFromEvaluatedCodeCannotReachInternalModules) {
  ASSERT_TRUE(StartMain("const indirect = (0, eval);\n"
                        "export const out = await indirect(\"import('internal:ops')\").then(\n"
                        "  () => 'loaded', (e) => e.message);\n"
                        "export const fromFunction = await new Function(\"return import('internal:timers')\")()\n"
                        "  .then(() => 'loaded', (e) => e.message);\n")
                  .ok());
  DW_EXPECT_CONTAINS(ExportString("out"), "No such module \"internal:ops\"");
  DW_EXPECT_CONTAINS(ExportString("fromFunction"), "No such module \"internal:timers\"");
}

TEST_F(ModulesTest, ImportMetaUrl) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import { url as nested } from './lib/deep/n.js';\n"
                                       "export const url = import.meta.url;\n"
                                       "export const nestedUrl = nested;\n"),
                                   Esm("lib/deep/n.js", "export const url = import.meta.url;\n"),
                               })
                  .ok());
  EXPECT_EQ(ExportString("url"), "file:///bundle/main.js");
  EXPECT_EQ(ExportString("nestedUrl"), "file:///bundle/lib/deep/n.js");
}

// ---------------------------------------------------------------------------------------------
// Start(): top-level await and startup failures

TEST_F(ModulesTest, TopLevelAwaitInMainIsDrivenByTheLoop) {
  absl::Status s = StartMain("const a = await new Promise((r) => setTimeout(() => r(1), 5));\n"
                             "const b = await new Promise((r) => setTimeout(() => r(2), 1));\n"
                             "export const sum = a + b;\n");
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(ExportJson("sum"), "3");
}

TEST_F(ModulesTest, TopLevelAwaitInAStaticDependencyDelaysMain) {
  ASSERT_TRUE(Start("main.js", {
                                   Esm("main.js",
                                       "import { value } from './dep.js';\n"
                                       "export const out = 'main saw ' + value;\n"),
                                   Esm("dep.js",
                                       "export let value = 'before';\n"
                                       "await new Promise((r) => setTimeout(r, 3));\n"
                                       "value = 'after';\n"),
                               })
                  .ok());
  EXPECT_EQ(ExportString("out"), "main saw after");
}

TEST_F(ModulesTest, SyntaxErrorInMainReportsLocationAndMessage) {
  absl::Status s = StartMain("const ok = 1;\nlet x = ;\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  DW_EXPECT_CONTAINS(s.message(), "main.js:2:9");
  DW_EXPECT_CONTAINS(s.message(), "let x = ;");
  DW_EXPECT_CONTAINS(s.message(), "SyntaxError: Unexpected token ';'");
}

TEST_F(ModulesTest, SyntaxErrorInNestedModuleNamesThatModule) {
  absl::Status s = Start("main.js", {
                                        Esm("main.js", "import './lib/broken.js';\n"),
                                        Esm("lib/broken.js", "\n\n  function (\n"),
                                    });
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "lib/broken.js:3:");
  DW_EXPECT_CONTAINS(s.message(), "SyntaxError");
}

TEST_F(ModulesTest, MissingStaticImportNamesBothModules) {
  absl::Status s = Start("main.js", {
                                        Esm("main.js", "import './lib/a.js';\n"),
                                        Esm("lib/a.js", "import { x } from './missing.js';\n"),
                                    });
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "No such module \"lib/missing.js\"");
  DW_EXPECT_CONTAINS(s.message(), "imported from \"lib/a.js\"");
}

TEST_F(ModulesTest, MissingExportIsALinkError) {
  absl::Status s = Start("main.js", {
                                        Esm("main.js", "import { nope } from './a.js';\n"),
                                        Esm("a.js", "export const yes = 1;\n"),
                                    });
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "SyntaxError");
  DW_EXPECT_CONTAINS(s.message(), "nope");
}

TEST_F(ModulesTest, TopLevelThrowFailsStart) {
  absl::Status s = StartMain("const x = 1;\nthrow new TypeError('top-level boom');\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  DW_EXPECT_CONTAINS(s.message(), "TypeError: top-level boom");
  DW_EXPECT_CONTAINS(s.message(), "main.js:2");
  // Reported once, by Start, not also as an unhandled rejection.
  DW_EXPECT_LACKS(LogText(), "top-level boom");
}

TEST_F(ModulesTest, RejectedTopLevelAwaitFailsStart) {
  absl::Status s = StartMain(
      "await new Promise((resolve, reject) =>\n"
      "  setTimeout(() => reject(new RangeError('late rejection')), 2));\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  DW_EXPECT_CONTAINS(s.message(), "RangeError: late rejection");
  DW_EXPECT_LACKS(LogText(), "late rejection");
}

TEST_F(ModulesTest, TopLevelAwaitThatCanNeverSettleIsDeadlineExceeded) {
  absl::Status s = StartMain("await new Promise(() => {});\nexport const never = 1;\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  DW_EXPECT_CONTAINS(s.message(), "top-level await never finished");
}

TEST_F(ModulesTest, MissingMainModuleFailsStart) {
  main_ = MakeWorker("main.js", {Esm("main.js", "")});
  absl::Status s = worker().Start("file:///bundle/other.js");
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "No such module \"other.js\"");
}

// ---------------------------------------------------------------------------------------------
// Built-in modules

TEST_F(ModulesTest, InternalOpsIsNotImportableFromUserCode) {
  absl::Status s = StartMain("import ops from 'internal:ops';\nexport const o = ops;\n");
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "No such module \"internal:ops\"");
}

TEST_F(ModulesTest, InternalTimersIsNotImportableFromUserCode) {
  absl::Status s = StartMain("import { setTimeout } from 'internal:timers';\n");
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "No such module \"internal:timers\"");
}

TEST_F(ModulesTest, InternalModulesAreNotReachableByImportOrRequire) {
  ASSERT_TRUE(Start("main.js",
                    {
                        Esm("main.js",
                            "const tryImport = (s) => import(s).then(() => 'loaded', (e) => e.message);\n"
                            "import viaRequire from './r.cjs';\n"
                            "export const out = [await tryImport('internal:ops'),\n"
                            "  await tryImport('internal:timers'), await tryImport('internal:bootstrap'),\n"
                            "  viaRequire];\n"),
                        Typed("r.cjs", "cjs",
                              "try { require('internal:ops'); module.exports = 'loaded'; }\n"
                              "catch (e) { module.exports = e.message; }\n"),
                    })
                  .ok());
  std::string out = ExportJson("out");
  DW_EXPECT_LACKS(out, "loaded");
  DW_EXPECT_CONTAINS(out, R"(No such module \"internal:ops\".\n  imported from \"main.js\")");
  DW_EXPECT_CONTAINS(out, R"(No such module \"internal:timers\")");
  DW_EXPECT_CONTAINS(out, R"(No such module \"internal:bootstrap\")");
  DW_EXPECT_CONTAINS(out, R"(No such module \"internal:ops\".\n  imported from \"r.cjs\")");
}

TEST_F(ModulesTest, NodeAssertIsImportable) {
  ASSERT_TRUE(StartMain("import assert from 'node:assert';\n"
                        "import { strictEqual } from 'node:assert';\n"
                        "assert.strictEqual(1 + 1, 2);\n"
                        "strictEqual('a', 'a');\n"
                        "let threw = false;\n"
                        "try { assert.strictEqual(1, 2); } catch (e) { threw = e.code; }\n"
                        "export const out = threw;\n")
                  .ok());
  EXPECT_EQ(ExportString("out"), "ERR_ASSERTION");
}

TEST_F(ModulesTest, UnknownBuiltinIsNotFound) {
  absl::Status s = StartMain("import x from 'node:does-not-exist';\n");
  ASSERT_FALSE(s.ok());
  DW_EXPECT_CONTAINS(s.message(), "No such module \"node:does-not-exist\"");
}

// ---------------------------------------------------------------------------------------------
// jsg::ResolveSpecifier

TEST(ResolveSpecifierTest, RelativeToTheReferrersDirectory) {
  EXPECT_EQ(jsg::ResolveSpecifier("./a.js", "file:///bundle/main.js"), "file:///bundle/a.js");
  EXPECT_EQ(jsg::ResolveSpecifier("a.js", "file:///bundle/main.js"), "file:///bundle/a.js");
  EXPECT_EQ(jsg::ResolveSpecifier("lib/c.js", "file:///bundle/main.js"), "file:///bundle/lib/c.js");
  EXPECT_EQ(jsg::ResolveSpecifier("c.js", "file:///bundle/lib/a.js"), "file:///bundle/lib/c.js");
  EXPECT_EQ(jsg::ResolveSpecifier("./x/y.js", "file:///bundle/lib/a.js"),
            "file:///bundle/lib/x/y.js");
}

TEST(ResolveSpecifierTest, DotDotAndDot) {
  EXPECT_EQ(jsg::ResolveSpecifier("../util/b.js", "file:///bundle/lib/a.js"),
            "file:///bundle/util/b.js");
  EXPECT_EQ(jsg::ResolveSpecifier("./../util/./b.js", "file:///bundle/lib/a.js"),
            "file:///bundle/util/b.js");
  EXPECT_EQ(jsg::ResolveSpecifier("../../b.js", "file:///bundle/lib/deep/a.js"),
            "file:///bundle/b.js");
  EXPECT_EQ(jsg::ResolveSpecifier("x/../y/./z.js", "file:///bundle/main.js"),
            "file:///bundle/y/z.js");
  EXPECT_EQ(jsg::ResolveSpecifier(".//a.js", "file:///bundle/main.js"), "file:///bundle/a.js");
}

TEST(ResolveSpecifierTest, DotDotAboveTheRootStaysAtTheRoot) {
  EXPECT_EQ(jsg::ResolveSpecifier("../../../../etc/passwd", "file:///bundle/main.js"),
            "file:///etc/passwd");
  EXPECT_EQ(jsg::ResolveSpecifier("../a.js", "file:///main.js"), "file:///a.js");
  EXPECT_EQ(jsg::ResolveSpecifier("/../../a.js", "file:///bundle/main.js"), "file:///a.js");
}

TEST(ResolveSpecifierTest, AbsolutePathIsFromTheRoot) {
  EXPECT_EQ(jsg::ResolveSpecifier("/bundle/x.js", "file:///bundle/lib/a.js"), "file:///bundle/x.js");
  EXPECT_EQ(jsg::ResolveSpecifier("/x.js", "file:///bundle/lib/a.js"), "file:///x.js");
}

TEST(ResolveSpecifierTest, FileUrlsAreNormalised) {
  EXPECT_EQ(jsg::ResolveSpecifier("file:///bundle/lib/../a.js", "file:///bundle/main.js"),
            "file:///bundle/a.js");
  EXPECT_EQ(jsg::ResolveSpecifier("file:///bundle/./x//y.js", "file:///other/z.js"),
            "file:///bundle/x/y.js");
  EXPECT_EQ(jsg::ResolveSpecifier("file:///../../a.js", ""), "file:///a.js");
  EXPECT_EQ(jsg::ResolveSpecifier("file:///bundle/main.js", ""), "file:///bundle/main.js");
}

TEST(ResolveSpecifierTest, QueryAndFragmentAreDropped) {
  EXPECT_EQ(jsg::ResolveSpecifier("./a.js?v=2", "file:///bundle/main.js"), "file:///bundle/a.js");
  EXPECT_EQ(jsg::ResolveSpecifier("./a.js#frag", "file:///bundle/main.js"), "file:///bundle/a.js");
}

TEST(ResolveSpecifierTest, NoFileReferrerResolvesFromTheRoot) {
  EXPECT_EQ(jsg::ResolveSpecifier("a.js", ""), "file:///a.js");
  EXPECT_EQ(jsg::ResolveSpecifier("./lib/a.js", "internal:bootstrap"), "file:///lib/a.js");
}

TEST(ResolveSpecifierTest, BuiltinsPassThrough) {
  for (const char* s : {"node:assert", "internal:ops", "internal:timers", "cloudflare:workers",
                        "dynworker:test", "node:../../etc"}) {
    EXPECT_EQ(jsg::ResolveSpecifier(s, "file:///bundle/lib/a.js"), s);
    EXPECT_EQ(jsg::ResolveSpecifier(s, ""), s);
    EXPECT_TRUE(jsg::IsBuiltinSpecifier(s)) << s;
  }
  EXPECT_FALSE(jsg::IsBuiltinSpecifier("file:///bundle/a.js"));
  EXPECT_FALSE(jsg::IsBuiltinSpecifier("./node:assert"));
  EXPECT_FALSE(jsg::IsBuiltinSpecifier("assert"));
  // Not a builtin scheme: an ordinary relative path.
  EXPECT_EQ(jsg::ResolveSpecifier("assert", "file:///bundle/main.js"), "file:///bundle/assert");
}

// ---------------------------------------------------------------------------------------------
// runtime::ValidateBundle (loader.md section 3)

constexpr char kExactlyOne[] =
    "Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', 'py', or "
    "'wasm'. ";

// Malformed bundles are kInvalidArgument (a TypeError in JS); the size limit is
// kResourceExhausted (a plain Error, as workerd).
std::string BundleError(std::string main, std::vector<RawModule> modules,
                        absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  auto b = runtime::ValidateBundle(std::move(main), std::move(modules));
  if (b.ok()) {
    ADD_FAILURE() << "expected ValidateBundle to fail";
    return "";
  }
  EXPECT_EQ(b.status().code(), code) << b.status();
  return std::string(b.status().message());
}

TEST(ValidateBundleTest, AcceptsEveryTypeAndMapsIt) {
  auto b = runtime::ValidateBundle(
      "main.js", {Esm("main.js", "m"), Esm("x.mjs", "x"), Typed("a", "js", "A"),
                  Typed("b", "cjs", "B"), Typed("c", "text", "C"), Typed("d", "data", "D"),
                  Typed("e", "json", "E"), Typed("f", "wasm", "F")});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->main_module, "main.js");
  EXPECT_EQ(b->main_url(), "file:///bundle/main.js");
  ASSERT_EQ(b->modules.size(), 8u);
  struct Want {
    const char* name;
    jsg::ModuleType type;
    const char* source;
  };
  for (const Want& w : {Want{"main.js", jsg::ModuleType::kEsm, "m"},
                        Want{"x.mjs", jsg::ModuleType::kEsm, "x"},
                        Want{"a", jsg::ModuleType::kEsm, "A"},
                        Want{"b", jsg::ModuleType::kCommonJs, "B"},
                        Want{"c", jsg::ModuleType::kText, "C"},
                        Want{"d", jsg::ModuleType::kData, "D"},
                        Want{"e", jsg::ModuleType::kJson, "E"},
                        Want{"f", jsg::ModuleType::kWasm, "F"}}) {
    auto it = b->modules.find(w.name);
    ASSERT_NE(it, b->modules.end()) << w.name;
    EXPECT_EQ(it->second.type, w.type) << w.name;
    EXPECT_EQ(it->second.source, w.source) << w.name;
  }
}

TEST(ValidateBundleTest, NamesWithFoldersAreKeptAsGiven) {
  auto b = runtime::ValidateBundle("src/index.js", {Esm("src/index.js", ""), Esm("src/lib/a.js", "")});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->main_url(), "file:///bundle/src/index.js");
  EXPECT_EQ(b->modules.count("src/lib/a.js"), 1u);
}

TEST(ValidateBundleTest, EmptyModules) {
  EXPECT_EQ(BundleError("main.js", {}), "Dynamic Worker code must contain at least one module.");
}

TEST(ValidateBundleTest, MainModuleNotPresent) {
  EXPECT_EQ(BundleError("index.js", {Esm("main.js", "")}),
            "Main module name is not present in bundle.");
  EXPECT_EQ(BundleError("", {Esm("main.js", "")}), "Main module name is not present in bundle.");
  // Names are exact: no resolution of "./".
  EXPECT_EQ(BundleError("./main.js", {Esm("main.js", "")}),
            "Main module name is not present in bundle.");
}

TEST(ValidateBundleTest, ObjectWithZeroProperties) {
  RawModule empty;
  empty.name = "lib/a.js";
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), empty}),
            std::string(kExactlyOne) + "Module 'lib/a.js' contained 0 properties.");
}

TEST(ValidateBundleTest, ObjectWithTwoProperties) {
  RawModule two = Typed("a.js", "js", "1");
  two.fields.emplace_back("text", "2");
  EXPECT_EQ(BundleError("a.js", {two}),
            std::string(kExactlyOne) + "Module 'a.js' contained 2 properties.");
}

TEST(ValidateBundleTest, UnknownKey) {
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), Typed("x.ts", "ts", "")}),
            std::string(kExactlyOne) + "Module 'x.ts' has the unknown property 'ts'.");
  // Keys are case-sensitive.
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), Typed("y.js", "JS", "")}),
            std::string(kExactlyOne) + "Module 'y.js' has the unknown property 'JS'.");
}

TEST(ValidateBundleTest, BareStringForTypeScriptOrJsxHintsAtBundling) {
  const std::string prefix =
      "Module name must end with '.js' or '.py' (or the content must be an object indicating "
      "the type explicitly). Got: ";
  const std::string hint =
      ". If you're trying to load TypeScript, bundle it first with "
      "'@cloudflare/worker-bundler' and pass the generated JavaScript modules.";
  for (const char* name : {"worker.ts", "src/app.tsx", "component.jsx"}) {
    EXPECT_EQ(BundleError(name, {Esm(name, "export default {}")}), prefix + name + hint) << name;
  }
}

TEST(ValidateBundleTest, BareStringForOtherExtensionsHasNoHint) {
  const std::string prefix =
      "Module name must end with '.js' or '.py' (or the content must be an object indicating "
      "the type explicitly). Got: ";
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), Esm("notes.txt", "hello")}),
            prefix + "notes.txt");
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), Esm("noext", "x")}), prefix + "noext");
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), Esm("data.json", "{}")}),
            prefix + "data.json");
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), Esm("a.cjs", "")}), prefix + "a.cjs");
}

TEST(ValidateBundleTest, PythonIsRejected) {
  const std::string message =
      "Module 'worker.py' is a Python module; dynworker runs JavaScript and WebAssembly only. "
      "Give JavaScript modules instead.";
  EXPECT_EQ(BundleError("worker.py", {Esm("worker.py", "print(1)")}), message);
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", ""), Typed("worker.py", "py", "print(1)")}),
            message);
}

TEST(ValidateBundleTest, CodeSizeLimit) {
  const std::string name = "big.js";
  // Names count toward the total, as the module map is what crosses the boundary.
  std::string content(runtime::kMaxCodeSize - name.size(), 'x');
  {
    auto b = runtime::ValidateBundle(name, {Esm(name, content)});
    EXPECT_TRUE(b.ok()) << b.status();  // exactly at the limit
  }
  content.push_back('y');
  EXPECT_EQ(BundleError(name, {Esm(name, std::move(content))}, absl::StatusCode::kResourceExhausted),
            "Dynamic Worker code size (67108865 bytes) exceeds the maximum allowed size of "
            "67108864 bytes.");
  // Summed over modules of every type.
  std::string half(runtime::kMaxCodeSize / 2, 'z');
  EXPECT_EQ(BundleError("a.js", {Esm("a.js", half), Typed("b.bin", "data", half)},
                        absl::StatusCode::kResourceExhausted),
            "Dynamic Worker code size (67108873 bytes) exceeds the maximum allowed size of "
            "67108864 bytes.");
}

TEST(ValidateBundleTest, DuplicateNames) {
  EXPECT_EQ(BundleError("main.js", {Esm("main.js", "a"), Typed("main.js", "text", "b")}),
            "Module 'main.js' is listed twice.");
}

// ---------------------------------------------------------------------------------------------
// BundleModuleProvider

TEST(BundleModuleProviderTest, ServesOnlyBundleUrls) {
  auto b = runtime::ValidateBundle("main.js", {Esm("main.js", "M"), Typed("lib/t.txt", "text", "T")});
  ASSERT_TRUE(b.ok());
  runtime::BundleModuleProvider provider(std::make_shared<const runtime::Bundle>(std::move(*b)));
  auto main = provider.Load("file:///bundle/main.js");
  ASSERT_TRUE(main.has_value());
  ASSERT_TRUE(main->ok());
  EXPECT_EQ((*main)->type, jsg::ModuleType::kEsm);
  EXPECT_EQ((*main)->source, "M");
  auto t = provider.Load("file:///bundle/lib/t.txt");
  ASSERT_TRUE(t.has_value() && t->ok());
  EXPECT_EQ((*t)->type, jsg::ModuleType::kText);
  EXPECT_FALSE(provider.Load("file:///bundle/nope.js").has_value());
  EXPECT_FALSE(provider.Load("file:///main.js").has_value());
  EXPECT_FALSE(provider.Load("file:///bundlemain.js").has_value());
  EXPECT_FALSE(provider.Load("node:assert").has_value());
}

}  // namespace
}  // namespace dw
