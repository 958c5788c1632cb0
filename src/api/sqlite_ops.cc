// SQLite databases under the state directory, for the runtime's own JS (js/internal/sqlite.js):
// KV namespaces, R2 bucket metadata, sandbox state. Synchronous on the loop thread, as workerd's
// Durable Object SQLite. Every connection uses WAL and a busy timeout, so that two dynworker
// processes sharing a state directory read while the other writes and wait for each other's
// writes instead of failing with SQLITE_BUSY (writers take the lock up front: BEGIN IMMEDIATE
// in internal:sqlite's transaction()). synchronous=FULL: a committed write survives a power
// loss too, which R2's blob files rely on (their metadata must never point at a deleted file).
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/storage.h"
#include "jsg/ops.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

using jsg::OpContext;

constexpr int kBusyTimeoutMs = 15000;
constexpr size_t kStatementCacheSize = 64;

struct Database {
  sqlite3* db = nullptr;
  std::string relative;  // as JS named it, for messages
  // Prepared statements by SQL text, oldest first in `order`.
  std::map<std::string, sqlite3_stmt*> statements;
  std::deque<std::string> order;

  ~Database() {
    for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
    if (db != nullptr) sqlite3_close_v2(db);
  }
};

struct SqliteState {
  std::map<double, std::unique_ptr<Database>> open;
  double next_id = 1;
};

SqliteState& State(jsg::Realm& realm) { return realm.Slot<SqliteState>(); }

std::string Shorten(std::string_view sql) {
  std::string s(sql.substr(0, 200));
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (sql.size() > 200) s += "...";
  return s;
}

void ThrowSqlite(OpContext& cx, const Database& d, std::string_view sql) {
  cx.ThrowError(absl::StrCat("SQLite error in ", d.relative, " (state directory): ",
                             sqlite3_errmsg(d.db), " (running: ", Shorten(sql), ")"));
}

Database* Find(OpContext& cx, double id, const char* op) {
  auto& open = State(cx.realm()).open;
  auto it = open.find(id);
  if (it == open.end()) {
    cx.ThrowError(absl::StrCat("internal op ", op, ": no open database ", id));
    return nullptr;
  }
  return it->second.get();
}

// Runs one pragma or statement that returns at most one row; its first column as text.
bool Pragma(sqlite3* db, const char* sql, std::string* first) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return false;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (first != nullptr && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
      *first = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
  }
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE;
}

// sqliteOpen(relativePath) -> id. The file and its parent directories are created if needed.
double SqliteOpen(OpContext& cx, std::string relative) {
  if (RefusedInDynamicWorker(cx, "sqliteOpen")) return 0;
  absl::StatusOr<std::string> path = ResolveInStateDir(relative, true);
  if (!path.ok()) {
    cx.ThrowError(absl::StrCat("cannot open the database ", relative, ": ", path.status().message()));
    return 0;
  }
  auto d = std::make_unique<Database>();
  d->relative = relative;
  int rc = sqlite3_open_v2(path->c_str(), &d->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto fail = [&](std::string_view what) {
    cx.ThrowError(absl::StrCat("cannot open the database ", relative, " (", *path, "): ", std::string(what),
                               d->db ? absl::StrCat(": ", sqlite3_errmsg(d->db)) : ""));
    return 0;
  };
  if (rc != SQLITE_OK) return fail("sqlite3_open failed");
  sqlite3_extended_result_codes(d->db, 1);
  // Before the first statement: even switching to WAL may wait for another process.
  sqlite3_busy_timeout(d->db, kBusyTimeoutMs);
  std::string mode;
  if (!Pragma(d->db, "PRAGMA journal_mode=WAL", &mode)) return fail("cannot switch to WAL mode");
  if (mode != "wal") return fail(absl::StrCat("the journal mode is '", mode, "', not 'wal'"));
  if (!Pragma(d->db, "PRAGMA synchronous=FULL", nullptr)) return fail("cannot set synchronous=FULL");
  SqliteState& st = State(cx.realm());
  double id = st.next_id++;
  st.open[id] = std::move(d);
  return id;
}

sqlite3_stmt* Prepare(OpContext& cx, Database& d, const std::string& sql, const char** tail_out,
                      bool* cached) {
  auto it = d.statements.find(sql);
  if (it != d.statements.end()) {
    *cached = true;
    *tail_out = nullptr;
    return it->second;
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(d.db, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) {
    ThrowSqlite(cx, d, sql);
    return nullptr;
  }
  bool single = true;
  for (const char* p = tail; p != nullptr && *p; ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t' && *p != ';') {
      single = false;
      break;
    }
  }
  if (single && stmt != nullptr) {
    if (d.statements.size() >= kStatementCacheSize) {
      sqlite3_finalize(d.statements[d.order.front()]);
      d.statements.erase(d.order.front());
      d.order.pop_front();
    }
    d.statements[sql] = stmt;
    d.order.push_back(sql);
    *cached = true;
    *tail_out = nullptr;
  } else {
    *cached = false;
    *tail_out = single ? nullptr : tail;
  }
  return stmt;
}

// Binds JS value `v` as parameter `i` (1-based). False (with an exception) when it cannot.
bool Bind(OpContext& cx, sqlite3_stmt* stmt, int i, v8::Local<v8::Value> v) {
  int rc;
  if (v->IsNull()) {
    rc = sqlite3_bind_null(stmt, i);
  } else if (v->IsNumber()) {
    double n = v.As<v8::Number>()->Value();
    if (std::isfinite(n) && std::trunc(n) == n && std::fabs(n) <= 9007199254740991.0) {
      rc = sqlite3_bind_int64(stmt, i, static_cast<sqlite3_int64>(n));
    } else {
      rc = sqlite3_bind_double(stmt, i, n);
    }
  } else if (v->IsBigInt()) {
    bool lossless = false;
    int64_t n = v.As<v8::BigInt>()->Int64Value(&lossless);
    if (!lossless) {
      cx.ThrowRangeError(absl::StrCat("SQLite parameter ", i, " is a BigInt outside the 64-bit range"));
      return false;
    }
    rc = sqlite3_bind_int64(stmt, i, n);
  } else if (v->IsString()) {
    v8::String::Utf8Value utf8(cx.isolate(), v);
    rc = sqlite3_bind_text(stmt, i, *utf8, utf8.length(), SQLITE_TRANSIENT);
  } else if (v->IsArrayBufferView() || v->IsArrayBuffer()) {
    const uint8_t* data;
    size_t size;
    if (v->IsArrayBuffer()) {
      auto ab = v.As<v8::ArrayBuffer>();
      data = static_cast<const uint8_t*>(ab->Data());
      size = ab->ByteLength();
    } else {
      auto view = v.As<v8::ArrayBufferView>();
      data = static_cast<const uint8_t*>(view->Buffer()->Data()) + view->ByteOffset();
      size = view->ByteLength();
    }
    // SQLITE_TRANSIENT copies the bytes now: nothing of V8's is kept.
    rc = size == 0 ? sqlite3_bind_zeroblob(stmt, i, 0)
                   : sqlite3_bind_blob64(stmt, i, data, size, SQLITE_TRANSIENT);
  } else {
    cx.ThrowTypeError(absl::StrCat("SQLite parameter ", i, " must be null, a number, a bigint, a ",
                                   "string, an ArrayBuffer or an ArrayBufferView"));
    return false;
  }
  if (rc != SQLITE_OK) {
    cx.ThrowError(absl::StrCat("SQLite cannot bind parameter ", i, ": ", sqlite3_errstr(rc)));
    return false;
  }
  return true;
}

v8::Local<v8::Value> Column(OpContext& cx, sqlite3_stmt* stmt, int c) {
  v8::Isolate* isolate = cx.isolate();
  switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_INTEGER: {
      sqlite3_int64 n = sqlite3_column_int64(stmt, c);
      if (n > 9007199254740991LL || n < -9007199254740991LL) return v8::BigInt::New(isolate, n);
      return v8::Number::New(isolate, static_cast<double>(n));
    }
    case SQLITE_FLOAT:
      return v8::Number::New(isolate, sqlite3_column_double(stmt, c));
    case SQLITE_TEXT: {
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
      int size = sqlite3_column_bytes(stmt, c);
      v8::Local<v8::String> s;
      if (!v8::String::NewFromUtf8(isolate, text, v8::NewStringType::kNormal, size).ToLocal(&s)) {
        return {};
      }
      return s;
    }
    case SQLITE_BLOB: {
      const void* data = sqlite3_column_blob(stmt, c);
      size_t size = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
      v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(isolate, size);
      if (size > 0) memcpy(ab->Data(), data, size);
      return v8::Uint8Array::New(ab, 0, size);
    }
    default:
      return v8::Null(isolate);
  }
}

// Steps `stmt` to its end; rows (objects with a null prototype, one property per column) go
// to `rows` when it returns any columns. False with an exception on failure.
bool Run(OpContext& cx, Database& d, sqlite3_stmt* stmt, std::string_view sql,
         v8::Local<v8::Array>* rows) {
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Context> ctx = cx.context();
  int columns = sqlite3_column_count(stmt);
  std::vector<v8::Local<v8::String>> names;
  for (int c = 0; c < columns; ++c) {
    const char* name = sqlite3_column_name(stmt, c);
    names.push_back(jsg::Str(isolate, name ? name : ""));
  }
  *rows = v8::Array::New(isolate);
  uint32_t n = 0;
  for (;;) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      ThrowSqlite(cx, d, sql);
      sqlite3_reset(stmt);
      return false;
    }
    v8::Local<v8::Object> row = v8::Object::New(isolate, v8::Null(isolate), nullptr, nullptr, 0);
    for (int c = 0; c < columns; ++c) {
      v8::Local<v8::Value> value = Column(cx, stmt, c);
      if (value.IsEmpty() || row->CreateDataProperty(ctx, names[c], value).IsNothing()) {
        sqlite3_reset(stmt);
        return false;
      }
    }
    if ((*rows)->Set(ctx, n++, row).IsNothing()) {
      sqlite3_reset(stmt);
      return false;
    }
  }
  sqlite3_reset(stmt);
  return true;
}

// sqliteExec(id, sql, params) -> array of row objects (empty for statements without rows).
// `params` (an array, or undefined for none) binds to the first statement; SQL with several
// statements runs them all (then no parameters are allowed) and returns the last one's rows.
v8::Local<v8::Value> SqliteExec(OpContext& cx, double id, std::string sql,
                                v8::Local<v8::Value> params) {
  if (RefusedInDynamicWorker(cx, "sqliteExec")) return {};
  Database* d = Find(cx, id, "sqliteExec");
  if (d == nullptr) return {};
  v8::Local<v8::Context> ctx = cx.context();
  uint32_t param_count = 0;
  if (params->IsArray()) {
    param_count = params.As<v8::Array>()->Length();
  } else if (!params->IsUndefined()) {
    cx.ThrowTypeError("internal op sqliteExec: params must be an array or undefined");
    return {};
  }
  v8::Local<v8::Array> rows = v8::Array::New(cx.isolate());
  std::string remaining = sql;
  bool first = true;
  while (!remaining.empty()) {
    const char* tail = nullptr;
    bool cached = false;
    sqlite3_stmt* stmt = Prepare(cx, *d, remaining, &tail, &cached);
    if (cx.threw()) return {};
    std::string next = tail ? std::string(tail) : std::string();
    if (stmt == nullptr) {  // only whitespace or a comment
      remaining = next;
      continue;
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(cached ? nullptr : stmt,
                                                                 &sqlite3_finalize);
    int wanted = sqlite3_bind_parameter_count(stmt);
    if (!first || !next.empty()) {
      if (param_count > 0) {
        cx.ThrowTypeError(absl::StrCat("SQLite parameters need a single statement; this SQL has ",
                                       "several: ", Shorten(sql)));
        return {};
      }
    }
    uint32_t given = first ? param_count : 0;
    if (static_cast<uint32_t>(wanted) != given) {
      cx.ThrowTypeError(absl::StrCat("SQLite statement takes ", wanted, " parameter",
                                     wanted == 1 ? "" : "s", ", but ", given, " ",
                                     given == 1 ? "was" : "were", " given: ", Shorten(remaining)));
      return {};
    }
    sqlite3_clear_bindings(stmt);
    for (uint32_t i = 0; i < given; ++i) {
      v8::Local<v8::Value> v;
      if (!params.As<v8::Array>()->Get(ctx, i).ToLocal(&v)) return {};
      if (!Bind(cx, stmt, static_cast<int>(i) + 1, v)) {
        sqlite3_clear_bindings(stmt);
        return {};
      }
    }
    bool ok = Run(cx, *d, stmt, remaining, &rows);
    sqlite3_clear_bindings(stmt);
    if (!ok) return {};
    first = false;
    remaining = next;
  }
  return rows;
}

// sqliteClose(id): closes the connection (idempotent).
void SqliteClose(OpContext& cx, double id) {
  if (RefusedInDynamicWorker(cx, "sqliteClose")) return;
  State(cx.realm()).open.erase(id);
}

constexpr jsg::OpDef kOps[] = {
    DW_OP("sqliteOpen", SqliteOpen),
    DW_OP("sqliteExec", SqliteExec),
    DW_OP("sqliteClose", SqliteClose),
};

}  // namespace

std::span<const jsg::OpDef> SqliteOps() { return kOps; }

}  // namespace dw::api
