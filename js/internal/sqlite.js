// SQLite databases under the state directory (`--state-dir`), for the runtime's own JS:
// KV namespaces, R2 bucket metadata, Durable-Object-like storage. Synchronous, on the loop
// thread, as workerd's Durable Object SQLite (src/api/sqlite_ops.cc).
//
//   const db = openDatabase('kv/my-namespace.sqlite');   // cached per path per realm
//   db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v BLOB)');
//   db.exec('INSERT INTO t VALUES (?, ?)', 'a', new Uint8Array([1]));
//   db.exec('SELECT k, v FROM t WHERE k = ?', 'a');       // [{ __proto__: null, k: 'a', v: Uint8Array }]
//   db.transaction(() => { ...; return x; });              // BEGIN IMMEDIATE ... COMMIT
//
// Parameters: null, number (integral: INTEGER, else REAL), bigint, string, ArrayBuffer or a view
// (BLOB). Results: INTEGER as a number (a bigint beyond 2^53), REAL as a number, TEXT as a
// string, BLOB as a Uint8Array, NULL as null. Not for user code: only runtime modules can
// import this, and the ops refuse to run in a dynamic worker's realm.
//
// Loaded only when a binding needs it (never by internal:bootstrap), so it is not in the
// startup snapshot and its module state is per isolate.
import primordials from 'internal:primordials';
import ops from 'internal:ops';

const { SafeMap, TypeError, PromiseResolve, PromisePrototypeThen, ObjectFreeze } = primordials;

const databases = new SafeMap();

function isThenable(value) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof value.then === 'function';
  } catch {
    return false;
  }
}

class Database {
  #id;
  #depth = 0;

  constructor(id) {
    this.#id = id;
  }

  // Runs `sql` with `params` bound to its `?` (or `?NNN`) placeholders; returns the rows of a
  // statement that produces rows (objects with a null prototype), else [].
  exec(sql, ...params) {
    if (typeof sql !== 'string') throw new TypeError('db.exec() needs the SQL as a string.');
    return ops.sqliteExec(this.#id, sql, params);
  }

  // Runs fn() inside a write transaction and returns its result: BEGIN IMMEDIATE (the write
  // lock up front, so a concurrent writer in another process waits here rather than failing
  // later) and COMMIT, or ROLLBACK when fn throws (the error is rethrown). Nested calls use
  // savepoints. fn must be synchronous: a transaction cannot stay open across an await.
  transaction(fn) {
    if (typeof fn !== 'function') throw new TypeError('db.transaction() needs a function.');
    const depth = this.#depth;
    const savepoint = `dw_sp_${depth}`;
    ops.sqliteExec(this.#id, depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`, []);
    this.#depth = depth + 1;
    let result;
    try {
      result = fn();
      if (isThenable(result)) {
        PromisePrototypeThen(PromiseResolve(result), undefined, () => {});
        throw new TypeError('db.transaction() takes a synchronous function: it returned a ' +
          'promise, and a transaction cannot stay open across an await.');
      }
    } catch (error) {
      this.#depth = depth;
      try {
        if (depth === 0) {
          ops.sqliteExec(this.#id, 'ROLLBACK', []);
        } else {
          ops.sqliteExec(this.#id, `ROLLBACK TO ${savepoint}`, []);
          ops.sqliteExec(this.#id, `RELEASE ${savepoint}`, []);
        }
      } catch {
        // SQLite may already have rolled back (some errors end the transaction themselves).
      }
      throw error;
    }
    this.#depth = depth;
    if (depth === 0) {
      try {
        ops.sqliteExec(this.#id, 'COMMIT', []);
      } catch (error) {
        try { ops.sqliteExec(this.#id, 'ROLLBACK', []); } catch { /* already ended */ }
        throw error;
      }
    } else {
      ops.sqliteExec(this.#id, `RELEASE ${savepoint}`, []);
    }
    return result;
  }
}
ObjectFreeze(Database.prototype);

// The database at `relativePath` under the state directory (no absolute paths, no `..`),
// created with its parent directories if needed. One connection per path per realm.
export function openDatabase(relativePath) {
  if (typeof relativePath !== 'string') throw new TypeError('openDatabase() needs a relative path.');
  let db = databases.get(relativePath);
  if (db === undefined) {
    db = new Database(ops.sqliteOpen(relativePath));
    databases.set(relativePath, db);
  }
  return db;
}
