// The Worker Loader's warm cache with config-defined bindings (loader.md sections 2 and 5):
// shared ids, LRU by count, idle timeout, reload after eviction. Runs the real `dynworker test`
// binary on tests/js/fixtures/loader_cache.js with a generated wrangler.jsonc.
#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using testing::ExeDir;
using testing::RepoRoot;
using testing::RunResult;
using testing::ShellQuote;

TEST(LoaderCacheTest, ConfigBindingsShareEvictAndReload) {
  ASSERT_TRUE(fs::exists(ExeDir() / "dynworker")) << "build dynworker with tools/build.sh";
  std::string tmpl = (fs::path(::testing::TempDir()) / "dw_loader_cache_XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  fs::path dir = fs::canonical(tmpl);
  {
    std::ofstream(dir / "index.js") << "export default {};\n";
    std::ofstream(dir / "wrangler.jsonc") << R"({
  "main": "index.js",
  "compatibility_date": "2025-01-01",
  "worker_loaders": [
    { "binding": "SHARED_A", "id": "shared" },
    { "binding": "SHARED_B", "id": "shared" },
    { "binding": "OWN" },
    { "binding": "SMALL", "id": "small", "max_workers": 2 },
    { "binding": "IDLE", "id": "idle", "idle_timeout_ms": 150 },
    { "binding": "MEM", "id": "mem", "max_memory_mb": 5 },
    { "binding": "TIGHT", "id": "tight", "max_workers": 2, "idle_timeout_ms": 300 },
    { "binding": "PAIR", "id": "pair", "max_workers": 2 }
  ]
})";
  }
  const std::string fixture = "tests/js/fixtures/loader_cache.js";
  RunResult r = testing::RunShell("cd " + ShellQuote(RepoRoot().string()) +
                                  " && DYNWORKER_V8_FLAGS=--expose-gc timeout 120 " +
                                  ShellQuote((ExeDir() / "dynworker").string()) + " test --config " +
                                  ShellQuote((dir / "wrangler.jsonc").string()) + " " + fixture +
                                  " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  DW_EXPECT_LACKS(r.output, "[ FAIL ]");
  DW_EXPECT_CONTAINS(r.output, "18 passed, 0 failed");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// A bad worker_loaders entry is a clear config error naming the file and the fix.
TEST(LoaderCacheTest, BadWorkerLoadersEntryIsAClearError) {
  std::string tmpl = (fs::path(::testing::TempDir()) / "dw_loader_cfg_XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  fs::path dir = fs::canonical(tmpl);
  std::ofstream(dir / "index.js") << "export default {};\n";
  std::ofstream(dir / "wrangler.json") << R"({ "main": "index.js", "worker_loaders": [{ "id": "x" }] })";
  std::ofstream(dir / "t.test.js") << "export const a = { test() {} };\n";
  RunResult r = testing::RunShell(ShellQuote((ExeDir() / "dynworker").string()) + " test --config " +
                                  ShellQuote((dir / "wrangler.json").string()) + " " +
                                  ShellQuote((dir / "t.test.js").string()) + " 2>&1");
  EXPECT_NE(r.exit_code, 0);
  DW_EXPECT_CONTAINS(r.output, "\"worker_loaders\"[0] needs \"binding\"");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace dw
