// `dynworker test` end to end: runs the real binary (built next to this test binary) from the
// repository root and checks its output and exit status.
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "worker_fixture.h"

namespace dw {
namespace {

namespace fs = std::filesystem;

using testing::ExeDir;
using testing::RepoRoot;
using testing::RunResult;
using testing::ShellQuote;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ExeDir() / "dynworker";
    ASSERT_TRUE(fs::exists(binary_)) << binary_ << " is missing; build it with tools/build.sh";
    root_ = RepoRoot();
    std::string tmpl = (fs::path(::testing::TempDir()) / "dw_cli_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = fs::canonical(tmpl);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs `dynworker ARGS...` from the repository root.
  RunResult Run(const std::vector<std::string>& args) {
    std::string cmd = "cd " + ShellQuote(root_.string()) + " && " + ShellQuote(binary_.string());
    for (const auto& a : args) cmd += " " + ShellQuote(a);
    cmd += " 2>&1";
    return testing::RunShell(cmd);
  }

  fs::path Write(const std::string& relative, const std::string& contents) {
    fs::path p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << contents;
    out.close();
    EXPECT_TRUE(out.good()) << p;
    return p;
  }

  static std::string LastLine(const std::string& output) {
    std::string s = output;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    size_t nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
  }

  fs::path binary_;
  fs::path root_;
  fs::path dir_;
};

TEST_F(CliTest, FailingFixture) {
  const std::string rel = "tests/js/fixtures/failing.js";
  std::string file = rel;
  int line = 0, column = 0;
  std::ifstream in(root_ / rel);
  if (in) {
    // Find the failing assertion's position, so the test follows edits of the fixture.
    std::string text;
    for (int n = 1; std::getline(in, text); ++n) {
      size_t at = text.find("assert.strictEqual(1 + 1, 3)");
      if (at != std::string::npos) {
        line = n;
        column = static_cast<int>(at + std::string("assert.").size()) + 1;  // V8 points at the callee
        break;
      }
    }
    ASSERT_GT(line, 0) << "the fixture no longer contains assert.strictEqual(1 + 1, 3)";
  } else {
    // Not written yet: use our own with the same shape.
    file = Write("failing.js",
                 "import assert from 'node:assert';\n"
                 "export const passes = { async test() { assert.strictEqual(1 + 1, 2); } };\n"
                 "export const fails = {\n"
                 "  async test() {\n"
                 "    assert.strictEqual(1 + 1, 3);\n"
                 "  },\n"
                 "};\n")
               .string();
    line = 5;
    column = 12;
  }
  RunResult r = Run({"test", file});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ PASS ] " + file + ":passes");
  DW_EXPECT_CONTAINS(r.output, "[ FAIL ] " + file + ":fails");
  DW_EXPECT_CONTAINS(r.output, "AssertionError");
  DW_EXPECT_CONTAINS(r.output, "Expected values to be strictly equal");
  DW_EXPECT_CONTAINS(r.output, "2 !== 3");
  DW_EXPECT_CONTAINS(r.output, "    at " + file + ":" + std::to_string(line) + ":" +
                                   std::to_string(column) + "\n");
  // PASS before FAIL (file order), and the summary last.
  EXPECT_LT(r.output.find("[ PASS ]"), r.output.find("[ FAIL ]")) << r.output;
  EXPECT_EQ(LastLine(r.output), "1 passed, 1 failed") << r.output;
}

TEST_F(CliTest, AllPassingExitsZero) {
  fs::path f = Write("ok.test.js",
                     "import assert from 'node:assert';\n"
                     "export const one = { test() { assert.ok(true); } };\n"
                     "export const two = { async test(ctrl, env, ctx) {\n"
                     "  assert.strictEqual(typeof ctx.waitUntil, 'function');\n"
                     "  await new Promise((r) => setTimeout(r, 1));\n"
                     "} };\n"
                     "export const notATest = 42;\n"
                     "export function alsoNotATest() {}\n");
  RunResult r = Run({"test", f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ PASS ] " + f.string() + ":one");
  DW_EXPECT_CONTAINS(r.output, "[ PASS ] " + f.string() + ":two");
  DW_EXPECT_LACKS(r.output, "notATest");
  DW_EXPECT_LACKS(r.output, "alsoNotATest");
  EXPECT_EQ(LastLine(r.output), "2 passed, 0 failed") << r.output;
}

TEST_F(CliTest, TestsRunInSourceOrder) {
  fs::path f = Write("order.test.js",
                     "export const zebra = { test() {} };\n"
                     "export const apple = { test() {} };\n"
                     "export const mango = { test() {} };\n");
  RunResult r = Run({"test", f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  size_t z = r.output.find(":zebra"), a = r.output.find(":apple"), m = r.output.find(":mango");
  ASSERT_NE(z, std::string::npos) << r.output;
  ASSERT_NE(a, std::string::npos) << r.output;
  ASSERT_NE(m, std::string::npos) << r.output;
  EXPECT_LT(z, a);
  EXPECT_LT(a, m);
}

TEST_F(CliTest, SyntaxErrorReportsFileLineAndColumn) {
  fs::path f = Write("broken.test.js",
                     "export const a = { test() {} };\n"
                     "const x = 1;\n"
                     "let y = );\n");
  RunResult r = Run({"test", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ FAIL ] " + f.string());
  DW_EXPECT_CONTAINS(r.output, "broken.test.js:3:9");
  DW_EXPECT_CONTAINS(r.output, "SyntaxError: Unexpected token ')'");
  DW_EXPECT_LACKS(r.output, "[ PASS ]");
  EXPECT_EQ(LastLine(r.output), "0 passed, 1 failed") << r.output;
}

TEST_F(CliTest, FileExportingNoTests) {
  fs::path f = Write("empty.test.js", "export const value = 1;\nexport default { fetch() {} };\n");
  RunResult r = Run({"test", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "no test ran");
  EXPECT_EQ(LastLine(r.output), "0 passed, 0 failed") << r.output;
}

TEST_F(CliTest, FilterSelectingNothing) {
  fs::path f = Write("some.test.js", "export const alpha = { test() {} };\n");
  RunResult r = Run({"test", "--filter", "no-such-test-name", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "--filter");
  DW_EXPECT_LACKS(r.output, "[ PASS ]");
  EXPECT_EQ(LastLine(r.output), "0 passed, 0 failed") << r.output;
}

TEST_F(CliTest, FilterSelectsByNameSubstringAndRegex) {
  fs::path f = Write("filter.test.js",
                     "export const alpha = { test() {} };\n"
                     "export const beta = { test() { throw new Error('beta ran'); } };\n"
                     "export const alphabet = { test() {} };\n");
  RunResult r = Run({"test", "--filter=alpha", f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  DW_EXPECT_LACKS(r.output, "beta ran");
  EXPECT_EQ(LastLine(r.output), "2 passed, 0 failed") << r.output;

  RunResult re = Run({"test", "--filter", "/^alpha$/", f.string()});
  EXPECT_EQ(re.exit_code, 0) << re.output;
  DW_EXPECT_CONTAINS(re.output, ":alpha\n");
  DW_EXPECT_LACKS(re.output, ":alphabet");
  EXPECT_EQ(LastLine(re.output), "1 passed, 0 failed") << re.output;
}

TEST_F(CliTest, MissingFile) {
  const std::string missing = (dir_ / "does-not-exist.test.js").string();
  RunResult r = Run({"test", missing});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ FAIL ] " + missing);
  DW_EXPECT_CONTAINS(r.output, "cannot read test file");
  EXPECT_EQ(LastLine(r.output), "0 passed, 1 failed") << r.output;
}

TEST_F(CliTest, MissingFileDoesNotStopTheOthers) {
  fs::path ok = Write("ok.test.js", "export const fine = { test() {} };\n");
  RunResult r = Run({"test", (dir_ / "nope.test.js").string(), ok.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ PASS ] " + ok.string() + ":fine");
  EXPECT_EQ(LastLine(r.output), "1 passed, 1 failed") << r.output;
}

TEST_F(CliTest, TestThatNeverSettlesFailsAndTheNextTestStillRuns) {
  fs::path f = Write("hang.test.js",
                     "import assert from 'node:assert';\n"
                     "export const hangs = { async test() {\n"
                     "  await new Promise(() => {});\n"
                     "} };\n"
                     "export const after = { async test() {\n"
                     "  await new Promise((r) => setTimeout(r, 1));\n"
                     "  assert.ok(true);\n"
                     "} };\n");
  RunResult r = Run({"test", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ FAIL ] " + f.string() + ":hangs");
  DW_EXPECT_CONTAINS(r.output, "event loop");
  DW_EXPECT_CONTAINS(r.output, "[ PASS ] " + f.string() + ":after");
  EXPECT_LT(r.output.find(":hangs"), r.output.find(":after")) << r.output;
  EXPECT_EQ(LastLine(r.output), "1 passed, 1 failed") << r.output;
}

TEST_F(CliTest, TopLevelAwaitThatNeverSettlesFailsTheFile) {
  fs::path f = Write("tla.test.js",
                     "await new Promise(() => {});\n"
                     "export const never = { test() {} };\n");
  RunResult r = Run({"test", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ FAIL ] " + f.string());
  DW_EXPECT_CONTAINS(r.output, "top-level await never finished");
  EXPECT_EQ(LastLine(r.output), "0 passed, 1 failed") << r.output;
}

TEST_F(CliTest, ConfigVarsAndDevVarsReachEnv) {
  Write("worker/src/index.js", "export default {};\n");
  fs::path config = Write("worker/wrangler.jsonc",
                          "// a wrangler config\n"
                          "{\n"
                          "  \"name\": \"cli-test\",\n"
                          "  \"main\": \"src/index.js\",\n"
                          "  /* vars */\n"
                          "  \"vars\": {\n"
                          "    \"GREETING\": \"hello\",\n"
                          "    \"COUNT\": 3,\n"
                          "    \"NESTED\": { \"list\": [1, \"two\", null] },\n"
                          "    \"OVERRIDDEN\": \"from vars\"\n"
                          "  }\n"
                          "}\n");
  Write("worker/.dev.vars", "SECRET=s3cr3t\nOVERRIDDEN=\"from dev vars\"\n");
  fs::path f = Write("env.test.js",
                     "import assert from 'node:assert';\n"
                     "export const sees_env = { test(ctrl, env) {\n"
                     "  assert.strictEqual(env.GREETING, 'hello');\n"
                     "  assert.strictEqual(env.COUNT, 3);\n"
                     "  assert.deepStrictEqual(env.NESTED, { list: [1, 'two', null] });\n"
                     "  assert.strictEqual(env.SECRET, 's3cr3t');\n"
                     "  assert.strictEqual(env.OVERRIDDEN, 'from dev vars');\n"
                     "} };\n");
  RunResult r = Run({"test", "--config", config.string(), f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ PASS ] " + f.string() + ":sees_env");
  EXPECT_EQ(LastLine(r.output), "1 passed, 0 failed") << r.output;
}

// Without --config a test file still gets a Worker Loader binding, so loader tests need no
// config file; nothing else.
TEST_F(CliTest, WithoutConfigEnvHasOnlyTheLoader) {
  fs::path f = Write("noenv.test.js",
                     "import assert from 'node:assert';\n"
                     "export const empty = { test(ctrl, env) {\n"
                     "  assert.deepStrictEqual(Object.keys(env), ['LOADER']);\n"
                     "  assert.strictEqual(typeof env.LOADER.get, 'function');\n"
                     "} };\n");
  RunResult r = Run({"test", f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(LastLine(r.output), "1 passed, 0 failed") << r.output;
}

// Without --config, DIR/NAME.test.js takes its env from DIR/NAME.wrangler.{json,jsonc,toml}
// when one exists (workerd has a config per test); "main" is not needed there. Other test files
// of the same run are not affected, and --config wins over the file's own config.
TEST_F(CliTest, EachTestFileMayHaveItsOwnConfig) {
  fs::path own = Write("own.test.js",
                       "import assert from 'node:assert';\n"
                       "export const env_from_beside = { test(ctrl, env) {\n"
                       "  assert.deepStrictEqual(Object.keys(env).sort(), ['COLOR', 'L2']);\n"
                       "  assert.strictEqual(env.COLOR, 'blue');\n"
                       "} };\n");
  Write("own.wrangler.jsonc", "// no main\n{ \"vars\": { \"COLOR\": \"blue\" },\n"
                              "  \"worker_loaders\": [{ \"binding\": \"L2\" }] }\n");
  Write("own.wrangler.toml", "[vars]\nCOLOR = \"red\"\n");  // .jsonc comes first
  fs::path other = Write("other.test.js",
                         "import assert from 'node:assert';\n"
                         "export const default_env = { test(ctrl, env) {\n"
                         "  assert.deepStrictEqual(Object.keys(env), ['LOADER']);\n"
                         "} };\n");
  fs::path toml = Write("t2.test.js",
                        "import assert from 'node:assert';\n"
                        "export const toml_env = { test(ctrl, env) {\n"
                        "  assert.strictEqual(env.COLOR, 'green');\n"
                        "} };\n");
  Write("t2.wrangler.toml", "[vars]\nCOLOR = \"green\"\n");
  RunResult r = Run({"test", own.string(), other.string(), toml.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(LastLine(r.output), "3 passed, 0 failed") << r.output;

  fs::path config = Write("cfg/wrangler.json", "{ \"vars\": { \"COLOR\": \"black\" } }\n");
  fs::path sees = Write("sees.test.js",
                        "import assert from 'node:assert';\n"
                        "export const config_wins = { test(ctrl, env) {\n"
                        "  assert.strictEqual(env.COLOR, 'black');\n"
                        "} };\n");
  Write("sees.wrangler.json", "{ \"vars\": { \"COLOR\": \"white\" } }\n");
  r = Run({"test", "--config", config.string(), sees.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(LastLine(r.output), "1 passed, 0 failed") << r.output;

  // A broken config fails that file only, naming the config.
  fs::path broken = Write("broken.test.js", "export const a = { test() {} };\n");
  fs::path broken_config = Write("broken.wrangler.json", "{ \"vars\": [] }\n");
  r = Run({"test", broken.string(), other.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "[ FAIL ] " + broken.string() + "\n  cannot load the test file's config: " +
                                   broken_config.string() + ": \"vars\" must be an object");
  EXPECT_EQ(LastLine(r.output), "1 passed, 1 failed") << r.output;
}

// `dynworker test` stores into a fresh temporary directory per run, removed at exit, so a run
// never sees what an earlier one stored; --state-dir keeps the data in a directory of one's own.
TEST_F(CliTest, TestRunsStartWithAnEmptyStateDirUnlessGivenOne) {
  fs::path f = Write("state.test.js",
                     "import assert from 'node:assert';\n"
                     "export const counts = { async test(ctrl, env) {\n"
                     "  const n = Number(await env.KV.get('runs') ?? 0) + 1;\n"
                     "  await env.KV.put('runs', String(n));\n"
                     "  console.log(`run ${n}`);\n"
                     "} };\n");
  Write("state.wrangler.jsonc", "{ \"kv_namespaces\": [{ \"binding\": \"KV\" }] }\n");
  fs::path tmp = dir_ / "tmp";
  fs::create_directories(tmp);
  auto run = [&](std::vector<std::string> args) {
    std::string cmd = "cd " + ShellQuote(root_.string()) + " && TMPDIR=" + ShellQuote(tmp.string()) +
                      " " + ShellQuote(binary_.string()) + " test";
    for (const auto& a : args) cmd += " " + ShellQuote(a);
    return testing::RunShell(cmd + " " + ShellQuote(f.string()) + " 2>&1");
  };
  for (int i = 0; i < 2; ++i) {
    RunResult r = run({});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    DW_EXPECT_CONTAINS(r.output, "run 1\n");
    EXPECT_TRUE(fs::is_empty(tmp)) << "the temporary state directory was left behind";
  }
  fs::path state = dir_ / "kept-state";
  for (const char* expected : {"run 1\n", "run 2\n"}) {
    RunResult r = run({"--state-dir", state.string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    DW_EXPECT_CONTAINS(r.output, expected);
  }
  EXPECT_TRUE(fs::is_regular_file(state / "kv/KV.sqlite"));
  RunResult r = Run({"test", "--state-dir=", f.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  DW_EXPECT_CONTAINS(r.output, "dynworker test: --state-dir needs a directory");
}

TEST_F(CliTest, BadConfigIsAClearError) {
  fs::path f = Write("t.test.js", "export const a = { test() {} };\n");

  fs::path syntax = Write("bad/wrangler.jsonc", "{ \"main\": }\n");
  RunResult r = Run({"test", "--config", syntax.string(), f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "dynworker test: " + syntax.string());
  DW_EXPECT_LACKS(r.output, "[ PASS ]");
  EXPECT_EQ(LastLine(r.output), "0 passed, 1 failed") << r.output;

  fs::path no_main = Write("nomain/wrangler.json", "{ \"main\": \"src/missing.js\" }\n");
  r = Run({"test", "--config", no_main.string(), f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, no_main.string());
  DW_EXPECT_CONTAINS(r.output, "src/missing.js");
  DW_EXPECT_LACKS(r.output, "[ PASS ]");

  const std::string absent = (dir_ / "absent/wrangler.jsonc").string();
  r = Run({"test", "--config", absent, f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, absent);
  DW_EXPECT_LACKS(r.output, "[ PASS ]");

  Write("badvars/src/index.js", "");
  fs::path bad_vars = Write("badvars/wrangler.jsonc", "{ \"main\": \"src/index.js\", \"vars\": [1] }\n");
  r = Run({"test", "--config", bad_vars.string(), f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  DW_EXPECT_CONTAINS(r.output, "\"vars\" must be an object");
}

// The soft limit on open files is raised to the hard one at start (a soft 1024 let a busy
// server run out of descriptors with the hard limit far away).
TEST_F(CliTest, TheOpenFilesLimitIsRaisedToTheHardLimit) {
  fs::path f = Write("slow.test.js",
                     "export const waits = { async test() { await new Promise((r) => setTimeout(r, 3000)); } };\n");
  RunResult r = testing::RunShell(
      "prlimit --nofile=100:4000 " + ShellQuote(binary_.string()) + " test " + ShellQuote(f.string()) +
      " >/dev/null 2>&1 & pid=$!; for i in $(seq 50); do sleep 0.1; "
      "grep -q 'Max open files *4000 *4000' /proc/$pid/limits 2>/dev/null && break; done; "
      "grep 'Max open files' /proc/$pid/limits; wait $pid");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  DW_EXPECT_CONTAINS(r.output, "4000                 4000");
}

TEST_F(CliTest, UsageErrors) {
  RunResult r = Run({"test"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  DW_EXPECT_CONTAINS(r.output, "no test files given");
  DW_EXPECT_CONTAINS(r.output, "usage:");

  r = Run({"test", "--bogus", "x.js"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  DW_EXPECT_CONTAINS(r.output, "unknown option --bogus");

  r = Run({"test", "x.js", "--config"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  DW_EXPECT_CONTAINS(r.output, "--config needs a value");

  r = Run({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  DW_EXPECT_CONTAINS(r.output, "unknown command 'frobnicate'");

  r = Run({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  DW_EXPECT_CONTAINS(r.output, "dynworker ");
  DW_EXPECT_CONTAINS(r.output, "V8 10.2");
}

}  // namespace
}  // namespace dw
