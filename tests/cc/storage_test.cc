// The state directory's glue (api/storage.h, api/sqlite_ops.cc, js/internal/sqlite.js): path
// validation, where files land, SQLite through the ops and internal:sqlite, and the refusal of
// every storage op in a dynamic worker's realm.
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "api/storage.h"
#include "jsg/limits.h"
#include "worker_fixture.h"

namespace dw::testing {
namespace {

namespace fs = std::filesystem;

class StorageTest : public WorkerTest {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "dw-storage-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    api::SetStateDir((root_ / "state").string());
  }
  void TearDown() override {
    api::ResetStateDirForTesting();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // Starts a trusted worker and exposes `internal:ops` as globalThis.ops and internal:sqlite's
  // namespace as globalThis.sqlite (runtime-only modules, out of user code's reach).
  void StartWithInternals() {
    ASSERT_TRUE(StartMain("export default 1;").ok());
    Expose(worker());
  }

  static void Expose(runtime::Worker& w) {
    jsg::Realm& realm = w.realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Context> ctx = realm.context();
    v8::Local<v8::Object> global = ctx->Global();
    global->Set(ctx, jsg::Str(isolate, "ops"), realm.OpsObject()).Check();
    v8::Local<v8::Promise> loaded;
    v8::Local<v8::Object> ns;
    ASSERT_TRUE(realm.modules().Evaluate("internal:sqlite").ToLocal(&loaded));
    ASSERT_TRUE(realm.modules().Namespace("internal:sqlite").ToLocal(&ns));
    global->Set(ctx, jsg::Str(isolate, "sqlite"), ns).Check();
  }

  fs::path state() const { return root_ / "state"; }

  fs::path root_;
};

TEST(StoragePathTest, RelativePathsOnly) {
  EXPECT_TRUE(api::CheckRelativePath("kv/ns.sqlite").ok());
  EXPECT_TRUE(api::CheckRelativePath("a").ok());
  EXPECT_TRUE(api::CheckRelativePath("r2/b/blobs/..x").ok());  // ".." only as a whole component
  auto message = [](std::string_view p) {
    return std::string(api::CheckRelativePath(p).message());
  };
  EXPECT_EQ(message(""), "\"\" is not a valid path in the state directory: it is empty");
  EXPECT_EQ(message("/etc/passwd"),
            "\"/etc/passwd\" is not a valid path in the state directory: it is absolute; give a "
            "path relative to the state directory");
  EXPECT_EQ(message("../x"), "\"../x\" is not a valid path in the state directory: it has a "
                             "\"..\" component");
  DW_EXPECT_CONTAINS(message("a/../../x"), "has a \"..\" component");
  DW_EXPECT_CONTAINS(message("a/.."), "has a \"..\" component");
  DW_EXPECT_CONTAINS(message("a/./b"), "has a \".\" component");
  DW_EXPECT_CONTAINS(message("a//b"), "has an empty component");
  DW_EXPECT_CONTAINS(message("a/"), "has an empty component");
  DW_EXPECT_CONTAINS(message(std::string_view("a\0b", 3)), "NUL");
}

TEST_F(StorageTest, ResolveCreatesTheStateDirOnlyWhenAsked) {
  auto path = api::ResolveInStateDir("kv/ns.sqlite", false);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, (state() / "kv/ns.sqlite").string());
  EXPECT_FALSE(fs::exists(state()));
  path = api::ResolveInStateDir("kv/ns.sqlite", true);
  ASSERT_TRUE(path.ok());
  EXPECT_TRUE(fs::is_directory(state() / "kv"));
  EXPECT_FALSE(fs::exists(state() / "kv/ns.sqlite"));
  EXPECT_FALSE(api::ResolveInStateDir("../escape", true).ok());
  EXPECT_FALSE(fs::exists(root_ / "escape"));
}

TEST_F(StorageTest, NoStateDirConfigured) {
  api::ResetStateDirForTesting();
  auto path = api::ResolveInStateDir("x.sqlite", true);
  ASSERT_FALSE(path.ok());
  DW_EXPECT_CONTAINS(path.status().message(), "no state directory is configured");
}

TEST_F(StorageTest, TemporaryStateDirIsMadeOnFirstUseAndRemoved) {
  std::string tmpdir = root_.string();
  setenv("TMPDIR", tmpdir.c_str(), 1);
  api::UseTemporaryStateDir();
  EXPECT_FALSE(api::StateDir(false).ok());
  auto dir = api::StateDir(true);
  ASSERT_TRUE(dir.ok());
  unsetenv("TMPDIR");
  EXPECT_EQ(fs::path(*dir).parent_path(), root_);
  EXPECT_TRUE(fs::is_directory(*dir));
  EXPECT_EQ(*api::StateDir(true), *dir);  // one per run
  api::RemoveTemporaryStateDir();
  EXPECT_FALSE(fs::exists(*dir));
}

TEST_F(StorageTest, SqliteOpsRoundTripEveryType) {
  StartWithInternals();
  EXPECT_EQ(EvalJson(R"js(
    const db = sqlite.openDatabase('db/test.sqlite');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n, s, b)');
    db.exec('INSERT INTO t (n, s, b) VALUES (?, ?, ?)', 1.5, 'héllo', new Uint8Array([1, 2, 3]));
    db.exec('INSERT INTO t (n, s, b) VALUES (?, ?, ?)', 42, null,
            new Uint8Array([9, 8]).buffer);
    db.exec('INSERT INTO t (n, s, b) VALUES (?, ?, ?)', 2n ** 62n, '', new Uint8Array(0));
    const rows = db.exec('SELECT n, s, b, typeof(b) AS tb FROM t ORDER BY id');
    JSON.stringify([Object.getPrototypeOf(rows[0]), rows.map((r) => [
      typeof r.n === 'bigint' ? String(r.n) + 'n' : r.n, r.s,
      r.b instanceof Uint8Array ? Array.from(r.b) : r.b, r.tb])]);
  )js"),
            "\"[null,[[1.5,\\\"héllo\\\",[1,2,3],\\\"blob\\\"],[42,null,[9,8],\\\"blob\\\"],"
            "[\\\"4611686018427387904n\\\",\\\"\\\",[],\\\"blob\\\"]]]\"");
  // A statement without rows gives [].
  EXPECT_EQ(EvalJson("sqlite.openDatabase('db/test.sqlite').exec('DELETE FROM t WHERE id = ?', 99)"),
            "[]");
  // The same path gives the same object; the file is where the path says, in WAL mode.
  EXPECT_EQ(EvalJson("sqlite.openDatabase('db/test.sqlite') === sqlite.openDatabase('db/test.sqlite')"),
            "true");
  EXPECT_TRUE(fs::is_regular_file(state() / "db/test.sqlite"));
  EXPECT_EQ(EvalJson("sqlite.openDatabase('db/test.sqlite').exec('PRAGMA journal_mode')[0].journal_mode"),
            "\"wal\"");
}

TEST_F(StorageTest, SqliteErrorsNameTheFileAndWhatSqliteSaid) {
  StartWithInternals();
  EXPECT_EQ(EvalJson("sqlite.openDatabase('e.sqlite').exec('SELEC 1')"),
            "THREW: Error: SQLite error in e.sqlite (state directory): near \"SELEC\": syntax error "
            "(running: SELEC 1)");
  EXPECT_EQ(EvalJson("sqlite.openDatabase('e.sqlite').exec('SELECT ?', 1, 2)"),
            "THREW: TypeError: SQLite statement takes 1 parameter, but 2 were given: SELECT ?");
  EXPECT_EQ(EvalJson("sqlite.openDatabase('e.sqlite').exec('SELECT ?', undefined)"),
            "THREW: TypeError: SQLite parameter 1 must be null, a number, a bigint, a string, an "
            "ArrayBuffer or an ArrayBufferView");
  EXPECT_EQ(EvalJson("sqlite.openDatabase('e.sqlite').exec('SELECT ?', 2n ** 64n)"),
            "THREW: RangeError: SQLite parameter 1 is a BigInt outside the 64-bit range");
  EXPECT_EQ(EvalJson("sqlite.openDatabase('../e.sqlite')"),
            "THREW: Error: cannot open the database ../e.sqlite: \"../e.sqlite\" is not a valid "
            "path in the state directory: it has a \"..\" component");
  EXPECT_EQ(EvalJson("sqlite.openDatabase('/tmp/e.sqlite')"),
            "THREW: Error: cannot open the database /tmp/e.sqlite: \"/tmp/e.sqlite\" is not a "
            "valid path in the state directory: it is absolute; give a path relative to the "
            "state directory");
  // Several statements run in order (no parameters then).
  EXPECT_EQ(EvalJson("sqlite.openDatabase('e.sqlite').exec('CREATE TABLE a (x); INSERT INTO a "
                     "VALUES (1); SELECT x FROM a;')"),
            "[{\"x\":1}]");
  DW_EXPECT_CONTAINS(EvalJson("sqlite.openDatabase('e.sqlite').exec('SELECT 1; SELECT ?', 1)"),
                     "SQLite parameters need a single statement");
}

TEST_F(StorageTest, TransactionCommitsRollsBackAndNests) {
  StartWithInternals();
  EXPECT_EQ(EvalJson(R"js(
    const db = sqlite.openDatabase('tx.sqlite');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    const out = [];
    out.push(db.transaction(() => { db.exec("INSERT INTO t VALUES ('a')"); return 7; }));
    try {
      db.transaction(() => { db.exec("INSERT INTO t VALUES ('b')"); throw new Error('boom'); });
    } catch (e) { out.push(e.message); }
    db.transaction(() => {
      db.exec("INSERT INTO t VALUES ('c')");
      try { db.transaction(() => { db.exec("INSERT INTO t VALUES ('d')"); throw 1; }); } catch {}
      db.transaction(() => db.exec("INSERT INTO t VALUES ('e')"));
    });
    try { db.transaction(async () => {}); } catch (e) { out.push(e.message); }
    out.push(db.exec('SELECT k FROM t ORDER BY k').map((r) => r.k).join(''));
    // A failed statement inside: the transaction is rolled back, the next one works.
    try { db.transaction(() => { db.exec("INSERT INTO t VALUES ('f')"); db.exec("INSERT INTO t VALUES ('a')"); }); }
    catch (e) { out.push(e.message.startsWith('SQLite error in tx.sqlite (state directory): UNIQUE constraint failed: t.k')); }
    out.push(db.exec('SELECT count(*) AS n FROM t')[0].n);
    JSON.stringify(out);
  )js"),
            "\"[7,\\\"boom\\\",\\\"db.transaction() takes a synchronous function: it returned a "
            "promise, and a transaction cannot stay open across an await.\\\",\\\"ace\\\","
            "true,3]\"");
}

// Two connections (as two processes would have): WAL lets one read while the other writes, and
// the busy timeout makes a second writer wait instead of failing.
TEST_F(StorageTest, SecondWriterWaitsForTheFirst) {
  StartWithInternals();
  ASSERT_EQ(EvalJson("sqlite.openDatabase('shared.sqlite').exec('CREATE TABLE t (x)')"), "[]");
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((state() / "shared.sqlite").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr),
            SQLITE_OK);
  // The reader is not blocked by the writer.
  EXPECT_EQ(EvalJson("sqlite.openDatabase('shared.sqlite').exec('SELECT count(*) AS n FROM t')[0].n"),
            "0");
  std::thread committer([other] {
    usleep(300 * 1000);
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  // The writer waits ~300 ms for the lock, then succeeds.
  EXPECT_EQ(EvalJson("sqlite.openDatabase('shared.sqlite').transaction(() => "
                     "sqlite.openDatabase('shared.sqlite').exec('INSERT INTO t VALUES (2)'))"),
            "[]");
  committer.join();
  EXPECT_EQ(EvalJson("sqlite.openDatabase('shared.sqlite').exec('SELECT count(*) AS n FROM t')[0].n"),
            "2");
  sqlite3_close(other);
}

// A dynamic worker's realm (one with a LimitEnforcer, as runtime/loader.cc sets before any of its
// code runs) is refused every storage op, before it touches the filesystem.
TEST_F(StorageTest, EveryStorageOpIsRefusedInADynamicWorker) {
  StartWithInternals();
  jsg::Realm& realm = worker().realm();
  realm.SetLimits(std::make_unique<jsg::LimitEnforcer>(
      realm, jsg::LimitEnforcer::Options{}, [](int, jsg::LimitKind, bool) {}));
  for (const char* call : {"ops.sqliteOpen('x.sqlite')", "ops.sqliteExec(1, 'SELECT 1', [])",
                           "ops.sqliteClose(1)", "sqlite.openDatabase('y.sqlite')",
                           "ops.stateDirPath('')", "ops.fileList('r2')",
                           "ops.fileWriteOpen('r2/b', '')", "ops.fileWrite({}, new Uint8Array(1))",
                           "ops.fileWriteCommit({}, 'x')", "ops.fileReadOpen('x')",
                           "ops.fileRead({}, 0, 1)", "ops.fileClose({})", "ops.fileRemove('x')",
                           "ops.fileExists('x')", "ops.testServeStart([])",
                           "ops.testServeStop(1, false)", "ops.testServeOutput(1)"}) {
    std::string result = EvalJson(call);
    DW_EXPECT_STARTS_WITH(result, "THREW: Error: internal op ") << call;
    DW_EXPECT_CONTAINS(result, " is not available to dynamic workers: they have no access to the "
                               "state directory") << call;
  }
  EXPECT_EQ(EvalJson("ops.testOpsEnabled()"), "false");
  EXPECT_FALSE(fs::exists(state()));
}

// A written file appears only when committed (MD5 and one more digest computed on the way);
// an abandoned writer leaves nothing; reads are by offset.
TEST_F(StorageTest, FileOpsWriteCommitReadAndAbandon) {
  StartWithInternals();
  EXPECT_EQ(EvalJson(R"js(
    const w = ops.fileWriteOpen('r2/b/blobs', 'SHA-256');
    const sizes = [ops.fileWrite(w, new TextEncoder().encode('hello ')),
                   ops.fileWrite(w, new TextEncoder().encode('world').buffer)];
    const listedBefore = ops.fileList('r2/b/blobs').map((e) => e[0].startsWith('.tmp-'));
    const digests = ops.fileWriteCommit(w, 'r2/b/blobs/v1');
    let reused;
    try { ops.fileWrite(w, new Uint8Array(1)); } catch (e) { reused = e.message; }
    const [r, size] = ops.fileReadOpen('r2/b/blobs/v1');
    const text = new TextDecoder().decode(ops.fileRead(r, 6, 100));
    ops.fileClose(r);
    ops.fileClose(r);
    const abandoned = ops.fileWriteOpen('r2/b/blobs', '');
    ops.fileWrite(abandoned, new Uint8Array(10));
    ops.fileClose(abandoned);
    JSON.stringify([sizes, listedBefore, digests, reused, size, text, ops.fileReadOpen('r2/b/blobs/nope'),
                    ops.fileList('r2/b/blobs').map((e) => [e[0], e[1]]), ops.fileExists('r2/b/blobs/v1'),
                    ops.fileRemove('r2/b/blobs/v1'), ops.fileRemove('r2/b/blobs/v1'), ops.fileList('nowhere')]);
  )js"),
            "\"[[6,11],[true],[\\\"5eb63bbbe01eeed093cb22bb8f5acdc3\\\",\\\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\\\"],"
            "\\\"internal op fileWrite: the file is closed\\\",11,\\\"world\\\",null,[[\\\"v1\\\",11]],true,true,false,null]\"");
  EXPECT_TRUE(fs::is_empty(state() / "r2/b/blobs"));
  EXPECT_EQ(EvalJson("ops.fileWriteOpen('../out', '')"),
            "THREW: Error: cannot write in ../out: \"../out/x\" is not a valid path in the state "
            "directory: it has a \"..\" component");
  EXPECT_EQ(EvalJson("ops.fileReadOpen('/etc/passwd')"),
            "THREW: Error: cannot read /etc/passwd: \"/etc/passwd\" is not a valid path in the "
            "state directory: it is absolute; give a path relative to the state directory");
  EXPECT_EQ(EvalJson("ops.fileWriteOpen('x', 'CRC32')"),
            "THREW: TypeError: internal op fileWriteOpen: unknown digest 'CRC32'");
  // The child-process ops exist only under `dynworker test` (which this binary is not).
  EXPECT_EQ(EvalJson("ops.testServeStart(['x'])"),
            "THREW: Error: internal op testServeStart is only available under dynworker test");
  EXPECT_EQ(EvalJson("ops.testOpsEnabled()"), "false");
}

// A writer dropped without commit or close loses its temporary file when collected.
TEST_F(StorageTest, AbandonedWriterIsRemovedWhenCollected) {
  StartWithInternals();
  ASSERT_EQ(EvalJson("ops.fileWrite(ops.fileWriteOpen('tmpdir', ''), new Uint8Array(5))"), "5");
  EXPECT_FALSE(fs::is_empty(state() / "tmpdir"));
  worker().isolate()->LowMemoryNotification();
  EXPECT_TRUE(fs::is_empty(state() / "tmpdir"));
}

// The first put of an R2 bucket in a realm removes what crashed puts left: temporary files and
// bodies no row refers to, if untouched for an hour (younger ones may be puts in progress).
TEST_F(StorageTest, R2SweepsLeftoversOfCrashedPuts) {
  StartWithInternals();
  fs::path blobs = state() / "r2/bucket/blobs";
  fs::create_directories(blobs);
  auto touch = [&](const char* name, int age_s) {
    std::ofstream(blobs / name) << "x";
    fs::last_write_time(blobs / name, fs::file_time_type::clock::now() - std::chrono::seconds(age_s));
  };
  touch(".tmp-old", 7200);
  touch(".tmp-young", 60);
  touch("0123456789abcdef0123456789abcdef", 7200);
  {
    jsg::Realm& realm = worker().realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Local<v8::Promise> loaded;
    v8::Local<v8::Object> ns;
    ASSERT_TRUE(realm.modules().Evaluate("internal:r2").ToLocal(&loaded));
    ASSERT_TRUE(realm.modules().Namespace("internal:r2").ToLocal(&ns));
    realm.context()->Global()->Set(realm.context(), jsg::Str(realm.isolate(), "r2"), ns).Check();
  }
  EvalJson("globalThis.result = 'pending'; r2.makeR2Binding('bucket').put('k', 'v').then("
           "(o) => { result = o.version; }, (e) => { result = String(e); })");
  std::string version = EvalJson("result");
  ASSERT_EQ(version.size(), 34u) << version;
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(blobs)) left.insert(e.path().filename().string());
  EXPECT_EQ(left, (std::set<std::string>{".tmp-young", version.substr(1, 32)}));
}

}  // namespace
}  // namespace dw::testing
