#include "server/config.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "test_util.h"
#include "util/json.h"

namespace dw {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "dw_config_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    // Canonical so expectations match even when TMPDIR contains a symlink.
    dir_ = fs::canonical(tmpl);
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Writes `contents` to dir_/relative, creating parent directories.
  fs::path Write(const std::string& relative, const std::string& contents) {
    const fs::path p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << contents;
    out.close();
    EXPECT_TRUE(out.good()) << p;
    return p;
  }

  // A config whose main exists, plus `extra` members appended verbatim.
  fs::path WriteConfig(const std::string& extra, const std::string& file = "wrangler.jsonc") {
    Write("src/index.js", "export default {};\n");
    return Write(
        file, "{\n  \"main\": \"src/index.js\"" + (extra.empty() ? "" : ",\n  " + extra) + "\n}\n");
  }

  // Loads dir_ and returns the error message, failing if loading succeeded.
  std::string LoadError(const fs::path& p,
                        absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
    auto c = LoadWorkerConfig(p.string());
    if (c.ok()) {
      ADD_FAILURE() << "expected an error loading " << p;
      return "";
    }
    EXPECT_EQ(c.status().code(), code) << c.status();
    return std::string(c.status().message());
  }

  std::string ConfigError(const std::string& extra) { return LoadError(WriteConfig(extra)); }

  // Path strings as LoadWorkerConfig reports them.
  std::string P(const std::string& relative) const { return (dir_ / relative).string(); }

  fs::path dir_;
};

// ---------------------------------------------------------------------------
// Finding and reading the file

TEST_F(ConfigTest, LoadsFullConfigFromDirectory) {
  Write("src/index.js", "export default {};\n");
  Write("wrangler.jsonc", R"(// My worker
{
  "$schema": "node_modules/wrangler/config-schema.json",
  "name": "my-worker",
  "main": "src/index.js",
  /* dates are YYYY-MM-DD */
  "compatibility_date": "2024-09-23",
  "compatibility_flags": ["nodejs_compat", "global_fetch_strictly_public",],
  "vars": {
    "API_HOST": "example.com",
    "COUNT": 3,
    "ENABLED": true,
    "NOTHING": null,
    "LIST": [1, "two"],
    "NESTED": { "b": 1, "a": { "deep": "x" } },
  },
  "kv_namespaces": [{ "binding": "KV", "id": "abc" }],
  "env": { "staging": { "vars": [] } },
  "observability": true,
}
)");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config_path, P("wrangler.jsonc"));
  EXPECT_EQ(c->base_dir, dir_.string());
  EXPECT_EQ(c->name, "my-worker");
  EXPECT_EQ(c->main, P("src/index.js"));
  EXPECT_EQ(c->compatibility_date, "2024-09-23");
  EXPECT_EQ(c->compatibility_flags,
            (std::vector<std::string>{"nodejs_compat", "global_fetch_strictly_public"}));
  ASSERT_EQ(c->vars.size(), 6u);
  EXPECT_EQ(c->vars[0].first, "API_HOST");
  EXPECT_EQ(c->vars[0].second, json::Value("example.com"));
  EXPECT_EQ(c->vars[1].first, "COUNT");
  EXPECT_EQ(c->vars[1].second, json::Value(3));
  EXPECT_EQ(c->vars[2].second, json::Value(true));
  EXPECT_EQ(c->vars[3].second, json::Value());
  EXPECT_EQ(json::Serialize(c->vars[4].second), R"([1,"two"])");
  EXPECT_EQ(c->vars[5].first, "NESTED");
  EXPECT_EQ(json::Serialize(c->vars[5].second), R"({"b":1,"a":{"deep":"x"}})");
  EXPECT_TRUE(c->secrets.empty());
}

TEST_F(ConfigTest, MinimalConfig) {
  WriteConfig("");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "");
  EXPECT_EQ(c->compatibility_date, "");
  EXPECT_TRUE(c->compatibility_flags.empty());
  EXPECT_TRUE(c->vars.empty());
  EXPECT_TRUE(c->secrets.empty());
}

TEST_F(ConfigTest, LoadsExplicitFile) {
  const fs::path p = WriteConfig("\"name\": \"x\"", "configs/custom.jsonc");
  Write("configs/src/index.js", "");
  auto c = LoadWorkerConfig(p.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config_path, P("configs/custom.jsonc"));
  EXPECT_EQ(c->base_dir, P("configs"));
  // main resolves from the config file's directory, not the working directory.
  EXPECT_EQ(c->main, P("configs/src/index.js"));
}

TEST_F(ConfigTest, NormalizesDirectoryPath) {
  WriteConfig("");
  fs::create_directories(dir_ / "sub");
  for (const std::string& spelling : {dir_.string() + "/", dir_.string() + "/.",
                                      dir_.string() + "/sub/..", dir_.string() + "//"}) {
    auto c = LoadWorkerConfig(spelling);
    ASSERT_TRUE(c.ok()) << spelling << ": " << c.status();
    EXPECT_EQ(c->config_path, P("wrangler.jsonc")) << spelling;
    EXPECT_EQ(c->base_dir, dir_.string()) << spelling;
    EXPECT_EQ(c->main, P("src/index.js")) << spelling;
  }
}

TEST_F(ConfigTest, RelativePathsResolveFromWorkingDirectory) {
  WriteConfig("");
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir_ / "src");
  auto from_dir = LoadWorkerConfig("..");
  auto from_file = LoadWorkerConfig("../wrangler.jsonc");
  auto from_empty = LoadWorkerConfig("");
  fs::current_path(old_cwd);
  ASSERT_TRUE(from_dir.ok()) << from_dir.status();
  EXPECT_EQ(from_dir->config_path, P("wrangler.jsonc"));
  EXPECT_EQ(from_dir->main, P("src/index.js"));
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->config_path, P("wrangler.jsonc"));
  // "" means the working directory, which (dir_/src) has no config.
  EXPECT_FALSE(from_empty.ok());
  DW_EXPECT_CONTAINS(std::string(from_empty.status().message()), P("src"));
}

TEST_F(ConfigTest, WranglerJsonIsParsedAsJsonc) {
  WriteConfig("// comment\n\"name\": \"from-json\",", "wrangler.json");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config_path, P("wrangler.json"));
  EXPECT_EQ(c->name, "from-json");
}

TEST_F(ConfigTest, PrecedenceFollowsWrangler) {
  WriteConfig("\"name\": \"jsonc\"", "wrangler.jsonc");
  Write("wrangler.toml", "name = \"toml\"\n");
  {
    auto c = LoadWorkerConfig(dir_.string());
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->name, "jsonc");  // jsonc beats toml
  }
  WriteConfig("\"name\": \"json\"", "wrangler.json");
  {
    auto c = LoadWorkerConfig(dir_.string());
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->name, "json");  // json beats jsonc
  }
}

TEST_F(ConfigTest, LowerPrecedenceFilesAreNotRead) {
  WriteConfig("\"name\": \"jsonc\"", "wrangler.jsonc");
  Write("wrangler.toml", "this is not [valid TOML\n");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "jsonc");
}

// ---------------------------------------------------------------------------
// wrangler.toml

TEST_F(ConfigTest, LoadsWranglerTomlFromDirectory) {
  Write("src/index.js", "export default {};\n");
  Write(".dev.vars", "TOKEN=s3cret\n");
  Write("wrangler.toml", R"(# My worker
name = "my-worker"
main = "src/index.js"
compatibility_date = 2024-09-23  # unquoted: a TOML local date
compatibility_flags = [
  "nodejs_compat",
  "global_fetch_strictly_public",
]

[vars]
API_HOST = "example.com"
COUNT = 3
ENABLED = true
TOKEN = "placeholder"
LIST = [1, "two"]

[vars.NESTED]
b = 1
a = { deep = "x" }

[[kv_namespaces]]
binding = "KV"
id = "abc"

[[worker_loaders]]
binding = "LOADER"

[env.staging]
vars = { API_HOST = "staging.example.com" }
)");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config_path, P("wrangler.toml"));
  EXPECT_EQ(c->base_dir, dir_.string());
  EXPECT_EQ(c->name, "my-worker");
  EXPECT_EQ(c->main, P("src/index.js"));
  EXPECT_EQ(c->compatibility_date, "2024-09-23");
  EXPECT_EQ(c->compatibility_flags,
            (std::vector<std::string>{"nodejs_compat", "global_fetch_strictly_public"}));
  // TOKEN is replaced by the .dev.vars secret, as with JSON configs.
  ASSERT_EQ(c->vars.size(), 5u);
  EXPECT_EQ(c->vars[0].first, "API_HOST");
  EXPECT_EQ(c->vars[0].second, json::Value("example.com"));
  EXPECT_EQ(c->vars[1].first, "COUNT");
  EXPECT_EQ(c->vars[1].second, json::Value(3));
  EXPECT_EQ(c->vars[2].second, json::Value(true));
  EXPECT_EQ(json::Serialize(c->vars[3].second), R"([1,"two"])");
  EXPECT_EQ(c->vars[4].first, "NESTED");
  EXPECT_EQ(json::Serialize(c->vars[4].second), R"({"b":1,"a":{"deep":"x"}})");
  EXPECT_EQ(c->secrets, (std::vector<std::pair<std::string, std::string>>{{"TOKEN", "s3cret"}}));
}

TEST_F(ConfigTest, LoadsExplicitTomlFileWithQuotedDate) {
  Write("app/src/worker.js", "");
  const fs::path p = Write("app/worker.toml",
                           "name = 'quoted'\r\nmain = \"src/worker.js\"\r\n"
                           "compatibility_date = \"2024-01-01\"\r\n");
  auto c = LoadWorkerConfig(p.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config_path, P("app/worker.toml"));
  EXPECT_EQ(c->name, "quoted");
  EXPECT_EQ(c->main, P("app/src/worker.js"));
  EXPECT_EQ(c->compatibility_date, "2024-01-01");
}

TEST_F(ConfigTest, TomlSyntaxErrorNamesFileLineAndColumn) {
  Write("wrangler.toml", "name = \"w\"\nmain = src/index.js\n");
  EXPECT_EQ(LoadError(dir_), P("wrangler.toml") +
                                 ": line 2, column 8: expected a value, got 'src'; strings must be "
                                 "quoted, e.g. \"src\"");
  Write("wrangler.toml", "[vars]\nA = 1\n[vars]\n");
  EXPECT_EQ(LoadError(dir_ / "wrangler.toml"),
            P("wrangler.toml") +
                ": line 3, column 1: table [vars] is defined more than once (first at line 1); "
                "merge the two sections into one");
}

TEST_F(ConfigTest, TomlValuesGoThroughTheSameValidation) {
  Write("src/index.js", "");
  Write("wrangler.toml", "main = \"src/index.js\"\ncompatibility_date = 2024-09-23T00:00:00Z\n");
  DW_EXPECT_STARTS_WITH(LoadError(dir_), P("wrangler.toml") +
                                          ": \"compatibility_date\" must be a real date written "
                                          "YYYY-MM-DD, got \"2024-09-23T00:00:00Z\"");
  Write("wrangler.toml", "main = \"src/index.js\"\ncompatibility_date = 20240923\n");
  DW_EXPECT_STARTS_WITH(LoadError(dir_),
                     P("wrangler.toml") + ": \"compatibility_date\" must be a string, got number");
  Write("wrangler.toml", "name = \"w\"\n");
  DW_EXPECT_STARTS_WITH(LoadError(dir_), P("wrangler.toml") + ": \"main\" is required");
  Write("wrangler.toml", "main = \"src/index.js\"\nvars = [\"A\"]\n");
  DW_EXPECT_STARTS_WITH(LoadError(dir_),
                     P("wrangler.toml") + ": \"vars\" must be an object, got array");
}

TEST_F(ConfigTest, EmptyTomlFile) {
  // An empty TOML document is an empty table, so the error is about "main".
  Write("wrangler.toml", "");
  DW_EXPECT_STARTS_WITH(LoadError(dir_), P("wrangler.toml") + ": \"main\" is required");
}

TEST_F(ConfigTest, EmptyDirectory) {
  EXPECT_EQ(LoadError(dir_, absl::StatusCode::kNotFound),
            dir_.string() +
                ": no wrangler.json, wrangler.jsonc or wrangler.toml in this directory; "
                "create wrangler.jsonc, e.g. { \"name\": \"my-worker\", "
                "\"main\": \"src/index.js\", \"compatibility_date\": "
                "\"2024-09-23\" }");
}

TEST_F(ConfigTest, ConfigNameThatIsADirectoryIsSkipped) {
  fs::create_directories(dir_ / "wrangler.json");
  WriteConfig("\"name\": \"real\"");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "real");
}

TEST_F(ConfigTest, MissingPath) {
  EXPECT_EQ(LoadError(dir_ / "nope", absl::StatusCode::kNotFound),
            P("nope") +
                ": no such file or directory; pass a wrangler.jsonc file or "
                "the directory that contains it");
}

TEST_F(ConfigTest, SyntaxErrorNamesFileLineAndColumn) {
  Write("wrangler.jsonc", "{\n  \"name\": \"w\",\n  \"main\" \"x\"\n}\n");
  EXPECT_EQ(LoadError(dir_), P("wrangler.jsonc") +
                                 ": line 3, column 10: expected ':' after "
                                 "object key \"main\", got '\"'");
}

TEST_F(ConfigTest, EmptyFile) {
  Write("wrangler.jsonc", "");
  EXPECT_EQ(LoadError(dir_), P("wrangler.jsonc") +
                                 ": line 1, column 1: expected a JSON value, "
                                 "got end of input");
}

TEST_F(ConfigTest, TopLevelMustBeAnObject) {
  Write("wrangler.jsonc", "[1, 2]");
  DW_EXPECT_STARTS_WITH(LoadError(dir_), P("wrangler.jsonc") +
                                          ": the top level must be an object, got array; e.g. "
                                          "{ \"name\"");
}

// ---------------------------------------------------------------------------
// Field validation

TEST_F(ConfigTest, NameMustBeAString) {
  EXPECT_EQ(ConfigError("\"name\": 5"),
            P("wrangler.jsonc") +
                ": \"name\" must be a string, got number; e.g. \"name\": "
                "\"my-worker\"");
  DW_EXPECT_CONTAINS(ConfigError("\"name\": null"), "\"name\" must be a string, got null");
}

TEST_F(ConfigTest, MainIsRequired) {
  Write("wrangler.jsonc", "{ \"name\": \"w\" }");
  EXPECT_EQ(LoadError(dir_), P("wrangler.jsonc") +
                                 ": \"main\" is required; set it to the "
                                 "worker's entry module, e.g. \"main\": "
                                 "\"src/index.js\"");
}

TEST_F(ConfigTest, MainMustBeANonEmptyString) {
  Write("wrangler.jsonc", "{ \"main\": [\"src/index.js\"] }");
  EXPECT_EQ(LoadError(dir_), P("wrangler.jsonc") +
                                 ": \"main\" must be a string, got array; e.g. \"main\": "
                                 "\"src/index.js\"");
  Write("wrangler.jsonc", "{ \"main\": \"\" }");
  DW_EXPECT_CONTAINS(LoadError(dir_), ": \"main\" is empty; set it to");
}

TEST_F(ConfigTest, MainMustExist) {
  Write("wrangler.jsonc", "{ \"main\": \"./src/../dist/worker.js\" }");
  EXPECT_EQ(LoadError(dir_, absl::StatusCode::kNotFound),
            P("wrangler.jsonc") +
                ": \"main\" is \"./src/../dist/worker.js\", which resolves "
                "to " +
                P("dist/worker.js") +
                ", but that file does not exist; fix the path (relative "
                "paths are resolved from the directory containing the config "
                "file)");
}

TEST_F(ConfigTest, MainMustNotBeADirectory) {
  fs::create_directories(dir_ / "src");
  Write("wrangler.jsonc", "{ \"main\": \"src\" }");
  EXPECT_EQ(LoadError(dir_), P("wrangler.jsonc") +
                                 ": \"main\" is \"src\", "
                                 "which resolves to " +
                                 P("src") +
                                 ", a directory; point \"main\" at the entry "
                                 "module file itself");
}

TEST_F(ConfigTest, MainPathsAreNormalized) {
  Write("lib/worker.mjs", "");
  WriteConfig("");
  Write("wrangler.jsonc", "{ \"main\": \"./src/../lib//worker.mjs\" }");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->main, P("lib/worker.mjs"));
}

TEST_F(ConfigTest, MainMayPointOutsideTheConfigDirectory) {
  Write("shared/worker.js", "");
  const fs::path cfg = Write("app/wrangler.jsonc", "{ \"main\": \"../shared/worker.js\" }");
  auto c = LoadWorkerConfig(cfg.parent_path().string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->main, P("shared/worker.js"));
}

TEST_F(ConfigTest, AbsoluteMain) {
  const fs::path main = Write("elsewhere/w.js", "");
  Write("wrangler.jsonc", "{ \"main\": \"" + main.string() + "\" }");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->main, main.string());
}

TEST_F(ConfigTest, CompatibilityDateMustBeAString) {
  EXPECT_EQ(ConfigError("\"compatibility_date\": 20240101"),
            P("wrangler.jsonc") +
                ": \"compatibility_date\" must be a string, got number; e.g. "
                "\"compatibility_date\": \"2024-09-23\"");
}

TEST_F(ConfigTest, CompatibilityDateMustBeARealDate) {
  EXPECT_EQ(ConfigError("\"compatibility_date\": \"2023-02-29\""),
            P("wrangler.jsonc") +
                ": \"compatibility_date\" must be a real date written "
                "YYYY-MM-DD, got \"2023-02-29\"; e.g. \"compatibility_date\": "
                "\"2024-09-23\"");
  for (const char* bad :
       {"", "2024-1-01", "2024/01/01", "20240101", "2024-13-01", "2024-00-10", "2024-01-00",
        "2024-04-31", "2024-01-01T00:00:00Z", " 2024-01-01", "2024-0a-01", "1900-02-29"}) {
    DW_EXPECT_CONTAINS(ConfigError(std::string("\"compatibility_date\": \"") + bad + "\""),
                    "must be a real date written YYYY-MM-DD")
        << bad;
  }
}

TEST(CompatibilityDateTest, Validation) {
  EXPECT_TRUE(IsValidCompatibilityDate("2024-09-23"));
  EXPECT_TRUE(IsValidCompatibilityDate("2024-02-29"));  // leap year
  EXPECT_TRUE(IsValidCompatibilityDate("2000-02-29"));  // divisible by 400
  EXPECT_TRUE(IsValidCompatibilityDate("2023-12-31"));
  EXPECT_TRUE(IsValidCompatibilityDate("2023-01-31"));
  EXPECT_TRUE(IsValidCompatibilityDate("2023-04-30"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-02-29"));
  EXPECT_FALSE(IsValidCompatibilityDate("1900-02-29"));  // divisible by 100
  EXPECT_FALSE(IsValidCompatibilityDate("2023-04-31"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-06-31"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-09-31"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-11-31"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-01-32"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-13-01"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-00-01"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-01-00"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-1-1"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023-01-011"));
  EXPECT_FALSE(IsValidCompatibilityDate("+2023-01-1"));
  EXPECT_FALSE(IsValidCompatibilityDate("2023_01_01"));
  EXPECT_FALSE(IsValidCompatibilityDate(""));
}

TEST_F(ConfigTest, CompatibilityFlagsMustBeAnArrayOfStrings) {
  EXPECT_EQ(ConfigError("\"compatibility_flags\": \"nodejs_compat\""),
            P("wrangler.jsonc") +
                ": \"compatibility_flags\" must be an array of strings, got "
                "string; e.g. \"compatibility_flags\": [\"nodejs_compat\"]");
  EXPECT_EQ(ConfigError("\"compatibility_flags\": [\"a\", {}]"),
            P("wrangler.jsonc") +
                ": \"compatibility_flags\"[1] must be a string, got object; "
                "flags are names such as \"nodejs_compat\"");
  EXPECT_EQ(ConfigError("\"compatibility_flags\": [\"\"]"),
            P("wrangler.jsonc") +
                ": \"compatibility_flags\"[0] is empty; remove it or name a "
                "flag, e.g. \"nodejs_compat\"");
}

TEST_F(ConfigTest, EmptyCompatibilityFlags) {
  WriteConfig("\"compatibility_flags\": []");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->compatibility_flags.empty());
}

TEST_F(ConfigTest, VarsMustBeAnObject) {
  EXPECT_EQ(ConfigError("\"vars\": [\"A\"]"),
            P("wrangler.jsonc") +
                ": \"vars\" must be an object, got array; write it as "
                "\"vars\": { \"NAME\": \"value\" }");
  DW_EXPECT_CONTAINS(ConfigError("\"vars\": \"A=1\""),
                  "wrangler.jsonc: \"vars\" must be an object, got "
                  "string");
  DW_EXPECT_CONTAINS(ConfigError("\"vars\": null"), "\"vars\" must be an object, got null");
}

TEST_F(ConfigTest, UnknownKeysAreIgnoredWhateverTheirType) {
  WriteConfig(
      "\"routes\": 5, \"build\": null, \"triggers\": { \"crons\": [] }, "
      "\"workers_dev\": false, \"tail_consumers\": \"x\"");
  EXPECT_TRUE(LoadWorkerConfig(dir_.string()).ok());
}

TEST_F(ConfigTest, FirstErrorIsReported) {
  // name is checked before main, so a bad name wins over a missing main.
  Write("wrangler.jsonc", "{ \"name\": 1, \"vars\": [] }");
  DW_EXPECT_CONTAINS(LoadError(dir_), "\"name\" must be a string");
}

// ---------------------------------------------------------------------------
// .dev.vars

TEST_F(ConfigTest, DevVarsBecomeSecretsAndOverrideVars) {
  WriteConfig(
      "\"vars\": { \"A\": \"from-config\", \"TOKEN\": \"placeholder\", \"Z\": "
      "{\"n\": 1} }");
  Write(".dev.vars",
        "# local secrets\n"
        "TOKEN=s3cret\n"
        "export DB_URL=\"postgres://localhost/db\"\n"
        "Z='overridden'\n");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->vars.size(), 1u);
  EXPECT_EQ(c->vars[0].first, "A");
  EXPECT_EQ(c->secrets,
            (std::vector<std::pair<std::string, std::string>>{
                {"TOKEN", "s3cret"}, {"DB_URL", "postgres://localhost/db"}, {"Z", "overridden"}}));
}

TEST_F(ConfigTest, DevVarsBesideAnExplicitConfigFile) {
  const fs::path cfg = WriteConfig("", "app/wrangler.jsonc");
  Write("app/src/index.js", "");
  Write("app/.dev.vars", "K=v\n");
  Write(".dev.vars", "WRONG=1\n");  // beside the working dir, not the config
  auto c = LoadWorkerConfig(cfg.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->secrets, (std::vector<std::pair<std::string, std::string>>{{"K", "v"}}));
}

TEST_F(ConfigTest, EmptyDevVars) {
  WriteConfig("");
  Write(".dev.vars", "\n# nothing\n");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->secrets.empty());
}

TEST_F(ConfigTest, DevVarsSyntaxErrorNamesTheFile) {
  WriteConfig("");
  Write(".dev.vars", "A=1\nB=\"unterminated\n");
  EXPECT_EQ(LoadError(dir_), P(".dev.vars") +
                                 ": line 2: unterminated double-quoted value "
                                 "for B; add the closing \"");
}

TEST_F(ConfigTest, DevVarsThatIsADirectory) {
  WriteConfig("");
  fs::create_directories(dir_ / ".dev.vars");
  EXPECT_EQ(LoadError(dir_), P(".dev.vars") +
                                 ": expected a file of KEY=value lines, but "
                                 "this is not a regular file; remove it or "
                                 "replace it with a file");
}

// ---------------------------------------------------------------------------
// The format-independent entry point, as a TOML front end would use it.

TEST_F(ConfigTest, WorkerConfigFromValue) {
  Write("src/index.js", "");
  Write(".dev.vars", "S=1\n");
  json::Value root = json::Value::MakeObject();
  root.Set("name", "built");
  root.Set("main", "src/index.js");
  root.Set("compatibility_date", "2024-01-01");
  json::Value vars = json::Value::MakeObject();
  vars.Set("V", 1);
  root.Set("vars", vars);
  const std::string path = P("wrangler.toml");  // need not exist
  auto c = WorkerConfigFromValue(root, path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config_path, path);
  EXPECT_EQ(c->base_dir, dir_.string());
  EXPECT_EQ(c->name, "built");
  EXPECT_EQ(c->main, P("src/index.js"));
  EXPECT_EQ(c->compatibility_date, "2024-01-01");
  ASSERT_EQ(c->vars.size(), 1u);
  EXPECT_EQ(c->vars[0].second, json::Value(1));
  EXPECT_EQ(c->secrets, (std::vector<std::pair<std::string, std::string>>{{"S", "1"}}));

  auto bad = WorkerConfigFromValue(json::Value("x"), path);
  ASSERT_FALSE(bad.ok());
  DW_EXPECT_STARTS_WITH(std::string(bad.status().message()),
                     path +
                         ": the top level must be an object, got "
                         "string");
}

// Bindings sharing an id share one cache and its limits: set on one, they apply to all; two
// different values are a clear error naming both bindings.
TEST_F(ConfigTest, WorkerLoadersSharingAnIdShareTheirLimits) {
  Write("index.js", "");
  Write("wrangler.json", R"({ "main": "index.js", "worker_loaders": [
    { "binding": "A", "id": "shared", "max_workers": 3 },
    { "binding": "B", "id": "shared", "idle_timeout_ms": 500 },
    { "binding": "C" } ] })");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->worker_loaders.size(), 3u);
  for (int i : {0, 1}) {
    EXPECT_EQ(c->worker_loaders[i].max_workers, 3) << i;
    EXPECT_EQ(c->worker_loaders[i].idle_timeout_ms, 500) << i;
  }
  EXPECT_EQ(c->worker_loaders[2].max_workers, 0);
  EXPECT_EQ(c->worker_loaders[2].idle_timeout_ms, -1);

  Write("wrangler.json", R"({ "main": "index.js", "worker_loaders": [
    { "binding": "A", "id": "shared", "max_workers": 3 },
    { "binding": "B", "id": "shared", "max_workers": 4 } ] })");
  auto bad = LoadWorkerConfig(dir_.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find(
                "\"worker_loaders\"[1] (B) and \"worker_loaders\"[0] (A) share id \"shared\", so one "
                "cache, but set max_workers to 4 and 3: set it once, or to the same value"),
            std::string::npos)
      << bad.status();
}

// kv_namespaces and r2_buckets: the id (or bucket_name) names files in the state directory, so
// only safe names are accepted; without one, the binding name is used.
TEST_F(ConfigTest, KvNamespacesAndR2Buckets) {
  Write("index.js", "");
  Write("wrangler.json", R"({ "main": "index.js",
    "kv_namespaces": [ { "binding": "KV", "id": "0f2ac74b498b48028cb68387c421e279" },
                       { "binding": "CACHE", "preview_id": "ignored" } ],
    "r2_buckets": [ { "binding": "BUCKET", "bucket_name": "my-bucket.v2" }, { "binding": "B2" } ] })");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->kv_namespaces.size(), 2u);
  EXPECT_EQ(c->kv_namespaces[0].binding, "KV");
  EXPECT_EQ(c->kv_namespaces[0].id, "0f2ac74b498b48028cb68387c421e279");
  EXPECT_EQ(c->kv_namespaces[1].binding, "CACHE");
  EXPECT_EQ(c->kv_namespaces[1].id, "CACHE");
  ASSERT_EQ(c->r2_buckets.size(), 2u);
  EXPECT_EQ(c->r2_buckets[0].bucket_name, "my-bucket.v2");
  EXPECT_EQ(c->r2_buckets[1].bucket_name, "B2");

  const std::string file = P("wrangler.jsonc");
  EXPECT_EQ(ConfigError(R"("kv_namespaces": { "binding": "KV" })"),
            file + ": \"kv_namespaces\" must be an array, got object; e.g. \"kv_namespaces\": "
                   "[{ \"binding\": \"KV\", \"id\": \"0f2ac74b498b48028cb68387c421e279\" }]");
  EXPECT_EQ(ConfigError(R"("kv_namespaces": [ { "id": "x" } ])"),
            file + ": \"kv_namespaces\"[0] needs \"binding\": the name of the env property, e.g. "
                   "{ \"binding\": \"KV\", \"id\": \"0f2ac74b498b48028cb68387c421e279\" }");
  EXPECT_EQ(ConfigError(R"("kv_namespaces": [ { "binding": "KV", "id": "../etc" } ])"),
            file + ": \"kv_namespaces\"[0].id is \"../etc\", which cannot name its data in the "
                   "state directory: use 1 to 200 letters, digits, '-', '_' or '.', not starting "
                   "with '.'");
  EXPECT_EQ(ConfigError(R"("r2_buckets": [ { "binding": "my bucket" } ])"),
            file + ": \"r2_buckets\"[0].bucket_name is \"my bucket\", which cannot name its data "
                   "in the state directory: use 1 to 200 letters, digits, '-', '_' or '.', not "
                   "starting with '.' (without \"bucket_name\" the binding name is used)");
  EXPECT_EQ(ConfigError(R"("r2_buckets": [ { "binding": "B", "bucket_name": 5 } ])"),
            file + ": \"r2_buckets\"[0].bucket_name must be a string, got number");
}

TEST_F(ConfigTest, SandboxesAndDurableObjectBindings) {
  Write("index.js", "");
  Write("wrangler.json", R"({ "main": "index.js",
    "sandboxes": [ { "binding": "Sandbox", "class_name": "MySandbox" } ],
    "durable_objects": { "bindings": [ { "name": "DO", "class_name": "Counter$2" } ] } })");
  auto c = LoadWorkerConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->sandboxes.size(), 2u);
  EXPECT_EQ(c->sandboxes[0].binding, "Sandbox");
  EXPECT_EQ(c->sandboxes[0].class_name, "MySandbox");
  EXPECT_EQ(c->sandboxes[1].binding, "DO");
  EXPECT_EQ(c->sandboxes[1].class_name, "Counter$2");

  const std::string file = P("wrangler.jsonc");
  EXPECT_EQ(ConfigError(R"("sandboxes": { "binding": "S" })"),
            file + ": \"sandboxes\" must be an array, got object; e.g. \"sandboxes\": "
                   "[{ \"binding\": \"Sandbox\", \"class_name\": \"MySandbox\" }]");
  EXPECT_EQ(ConfigError(R"("sandboxes": [ { "binding": "S" } ])"),
            file + ": \"sandboxes\"[0] needs \"class_name\" (a non-empty string); e.g. "
                   "\"sandboxes\": [{ \"binding\": \"Sandbox\", \"class_name\": \"MySandbox\" }]");
  EXPECT_EQ(ConfigError(R"("sandboxes": [ { "binding": "S", "class_name": "../x" } ])"),
            file + ": \"sandboxes\"[0].class_name is \"../x\", which is not a JavaScript class "
                   "name: give the name of the class the main module exports, e.g. \"MySandbox\"");
  EXPECT_EQ(ConfigError(R"("durable_objects": { "bindings": [ { "name": "D", "class_name": "C", "script_name": "other" } ] })"),
            file + ": \"durable_objects\".bindings[0] has \"script_name\": Durable Objects of other "
                   "workers are not supported; export the class from this worker's main module");
  EXPECT_EQ(ConfigError(R"("sandboxes": [ { "binding": "S", "class_name": "A" }, { "binding": "S", "class_name": "B" } ])"),
            file + ": the binding name \"S\" is used by sandbox binding 1 and by sandbox binding 2; "
                   "give each binding its own name");
  EXPECT_EQ(ConfigError(R"("kv_namespaces": [ { "binding": "KV", "id": "a" } ], "sandboxes": [ { "binding": "KV", "class_name": "B" } ])"),
            file + ": the binding name \"KV\" is used by \"kv_namespaces\"[0] and by sandbox binding 1; "
                   "give each binding its own name");
  EXPECT_EQ(ConfigError(R"("durable_objects": [])"),
            file + ": \"durable_objects\" must be an object with a \"bindings\" array; e.g. "
                   "\"durable_objects\": { \"bindings\": [{ \"name\": \"Sandbox\", \"class_name\": "
                   "\"MySandbox\" }] }");
}

// `dynworker test` loads configs with require_main false: the test file is the main module.
TEST_F(ConfigTest, MainIsOptionalForTests) {
  const fs::path p = Write("t.wrangler.jsonc", R"({ "kv_namespaces": [ { "binding": "KV" } ] })");
  auto c = LoadWorkerConfig(p.string(), /*require_main=*/false);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->main, "");
  EXPECT_EQ(c->kv_namespaces.size(), 1u);
  DW_EXPECT_CONTAINS(LoadError(p), "\"main\" is required");
  // A main that is given is still checked.
  Write("t.wrangler.jsonc", R"({ "main": "missing.js" })");
  auto missing = LoadWorkerConfig(p.string(), /*require_main=*/false);
  ASSERT_FALSE(missing.ok());
  DW_EXPECT_CONTAINS(missing.status().message(), "that file does not exist");
}

}  // namespace
}  // namespace dw
