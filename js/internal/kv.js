// Workers KV (`kv_namespaces` in the config): a KvNamespace binding stored in SQLite under the
// state directory, one file per namespace id (kv/ID.sqlite); bindings with the same id share
// it, and so do dynworker processes sharing the state directory. The API and its errors follow
// workerd's KvNamespace with miniflare's local KV service behind it (the checks Cloudflare's
// service makes and their messages: "KV PUT failed: 400 Invalid expiration_ttl of 59. ...").
// Differences from Cloudflare: reads are never stale (no edge caches; cacheTtl is checked and
// otherwise ignored, cacheStatus is null), and writes are visible at once everywhere.
//
// Loaded when a binding is made (never by the bootstrap): not in the startup snapshot.
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { openDatabase } from 'internal:sqlite';
import { streams, loadedStreams } from 'internal:lazy';
import { isObject, illegalInvocation, finishInterface } from 'internal:webidl';
import { copyBufferSource } from 'internal:bytes';
import { utf8Length, prefixUpperBound, encodeCursor, decodeCursor } from 'internal:storage_keys';

const {
  ArrayIsArray, ArrayPrototypePush, DateNow, Error, JSONParse, JSONStringify, MathFloor,
  MathTrunc, NumberIsNaN, SafeMap, String, StringFromCharCode, StringPrototypeCharCodeAt,
  StringPrototypeSlice, Symbol, TypeError, TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength, TypedArrayPrototypeSet, TypedArrayPrototypeGetByteOffset,
  ArrayBufferPrototypeSlice, Uint8Array, Map, MapPrototypeSet, Number,
} = primordials;

const IFACE = 'KvNamespace';
const kInternal = Symbol('internal');
const kMaxKeyBytes = 512;
const kMaxValueBytes = 25 * 1024 * 1024;
const kMaxMetadataBytes = 1024;
const kMinCacheTtl = 30;
const kMinExpirationTtl = 60;
const kMaxListKeys = 1000;
const kMaxBulkKeys = 100;
const kMaxBulkBytes = 25 * 1024 * 1024;

// A shift of the clock that expiration uses, for tests (dynworker:test advanceStorageClock).
let clockOffsetMs = 0;
export function advanceClockForTesting(ms) { clockOffsetMs += ms; }
function nowSeconds() { return MathFloor((DateNow() + clockOffsetMs) / 1000); }

function failed(method, status, message) {
  return new Error(`KV ${method} failed: ${status} ${message}`);
}

// workerd's own checks on a key name (before any request).
function validateKeyName(method, name) {
  if (name === '') throw new TypeError('Key name cannot be empty.');
  if (name === '.') throw new TypeError('"." is not allowed as a key name.');
  if (name === '..') throw new TypeError('".." is not allowed as a key name.');
  const length = utf8Length(name);
  if (length > kMaxKeyBytes) {
    throw failed(method, 414, `UTF-8 encoded length of ${length} exceeds key length limit of ${kMaxKeyBytes}.`);
  }
}

// The KV service's checks on a key (bulk gets: workerd sends those keys unchecked).
function serviceKeyError(key) {
  if (key === '') return [400, 'Key names must not be empty'];
  if (key === '.' || key === '..') return [400, `Illegal key name "${key}". Please use a different name.`];
  const length = utf8Length(key);
  if (length > kMaxKeyBytes) {
    return [414, `UTF-8 encoded length of ${length} exceeds key length limit of ${kMaxKeyBytes}.`];
  }
  return null;
}

function argCountError(method, required, present) {
  return new TypeError(`Failed to execute '${method}' on '${IFACE}': ${required} argument` +
    `${required === 1 ? '' : 's'} required, but only ${present} present.`);
}

// One namespace's database, shared by every binding of its id in this realm. It is created by
// the first write: reading a namespace nothing was ever stored in creates no file.
const stores = new SafeMap();

class Store {
  constructor(id) {
    this.path = `kv/${id}.sqlite`;
    this.database = null;
    this.purgedAt = 0;
  }

  // The database; null (reads only) while it does not exist.
  open(create) {
    if (this.database === null) {
      if (!create && !ops.fileExists(this.path)) return null;
      const db = openDatabase(this.path);
      db.transaction(() => {
        db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, ' +
          'expiration INTEGER, metadata TEXT)');
        db.exec('CREATE INDEX IF NOT EXISTS kv_expiration ON kv (expiration) ' +
          'WHERE expiration IS NOT NULL');
      });
      this.database = db;
    }
    return this.database;
  }

  // Expired entries are invisible to every query; this also frees their space now and then.
  purge(db, now) {
    if (now - this.purgedAt < 60) return;
    this.purgedAt = now;
    db.exec('DELETE FROM kv WHERE expiration IS NOT NULL AND expiration <= ?', now);
  }

  get(key, now) {
    const db = this.open(false);
    if (db === null) return null;
    const rows = db.exec('SELECT value, expiration, metadata FROM kv WHERE key = ? AND ' +
      '(expiration IS NULL OR expiration > ?)', key, now);
    return rows.length === 0 ? null : rows[0];
  }
}

function storeFor(id) {
  let store = stores.get(id);
  if (store === undefined) {
    store = new Store(id);
    stores.set(id, store);
  }
  return store;
}

// get()'s second argument: a type name or {type, cacheTtl}.
function getOptions(method, options) {
  let type = 'text';
  let cacheTtl;
  if (options === undefined || options === null) return { __proto__: null, type, cacheTtl };
  if (isObject(options)) {
    const t = options.type;
    if (t !== undefined && t !== null) type = String(t);
    const ttl = options.cacheTtl;
    if (ttl !== undefined && ttl !== null) cacheTtl = Number(ttl);
  } else {
    type = String(options);
  }
  if (cacheTtl !== undefined && (NumberIsNaN(cacheTtl) || cacheTtl < kMinCacheTtl)) {
    throw failed(method, 400, `Invalid cache_ttl of ${MathTrunc(cacheTtl)}. Cache TTL must be at least ${kMinCacheTtl}.`);
  }
  return { __proto__: null, type, cacheTtl };
}

function checkSingleType(type) {
  if (type !== 'text' && type !== 'json' && type !== 'arrayBuffer' && type !== 'stream') {
    throw new TypeError('Unknown response type. Possible types are "text", "arrayBuffer", ' +
      '"json", and "stream".');
  }
}

function decodeValue(bytes, type) {
  switch (type) {
    case 'text': return ops.utf8Decode(bytes, false);
    case 'json': return JSONParse(ops.utf8Decode(bytes, false));
    case 'arrayBuffer': {
      const offset = TypedArrayPrototypeGetByteOffset(bytes);
      return ArrayBufferPrototypeSlice(TypedArrayPrototypeGetBuffer(bytes), offset,
        offset + TypedArrayPrototypeGetByteLength(bytes));
    }
    default: return streams().createReadableStreamFromBytes(bytes);
  }
}

function parseMetadata(text) {
  return text === null ? null : JSONParse(text);
}

async function readStreamLimited(stream) {
  const s = streams();
  const reader = s.ReadableStreamPrototypeGetReader(stream);
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await s.ReadableStreamDefaultReaderPrototypeRead(reader);
    if (done) break;
    const chunk = copyBufferSource(value);
    if (chunk === undefined) {
      throw new TypeError('KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ' +
        'ReadableStreams as values.');
    }
    total += chunk.length;
    // Past the limit the bytes are only counted, as Cloudflare reports the whole length.
    if (total <= kMaxValueBytes) ArrayPrototypePush(chunks, chunk);
  }
  if (total > kMaxValueBytes) {
    throw failed('PUT', 413, `Value length of ${total} exceeds limit of ${kMaxValueBytes}.`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], at);
    at += chunks[i].length;
  }
  return out;
}

// The namespace behind a KvNamespace, or TypeError: Illegal invocation.
let storeOf;

class KvNamespace {
  #store;

  constructor(key, store) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    this.#store = store;
  }

  static {
    storeOf = (self) => {
      if (!isObject(self) || !(#store in self)) throw illegalInvocation();
      return self.#store;
    };
  }

  async get(key, options) {
    const store = storeOf(this);
    if (arguments.length < 1) throw argCountError('get', 1, 0);
    if (ArrayIsArray(key)) return getBulk(store, 'GET_BULK', key, options, false);
    return getSingle(store, 'GET', String(key), options, false).value;
  }

  async getWithMetadata(key, options) {
    const store = storeOf(this);
    if (arguments.length < 1) throw argCountError('getWithMetadata', 1, 0);
    if (ArrayIsArray(key)) return getBulk(store, 'GET_BULK', key, options, true);
    return getSingle(store, 'GET', String(key), options, true);
  }

  async put(key, value, options) {
    const store = storeOf(this);
    if (arguments.length < 2) throw argCountError('put', 2, arguments.length);
    key = String(key);
    validateKeyName('PUT', key);
    let bytes;
    if (typeof value === 'string') {
      bytes = ops.utf8Encode(value);
    } else if (isObject(value)) {
      bytes = copyBufferSource(value);
      if (bytes === undefined) {
        const s = loadedStreams();
        if (s === null || !s.isReadableStream(value)) {
          throw new TypeError('KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, ' +
            'and ReadableStreams as values.');
        }
      }
    } else {
      bytes = ops.utf8Encode(String(value));
    }
    let expirationTtl;
    let expiration;
    let metadata = null;
    if (options !== undefined && options !== null) {
      if (!isObject(options)) {
        throw new TypeError(`Failed to execute 'put' on '${IFACE}': parameter 3 is not of type 'KVNamespacePutOptions'.`);
      }
      if (options.expirationTtl !== undefined && options.expirationTtl !== null) {
        expirationTtl = MathTrunc(Number(options.expirationTtl));
      }
      if (options.expiration !== undefined && options.expiration !== null) {
        expiration = MathTrunc(Number(options.expiration));
      }
      if (options.metadata !== undefined && options.metadata !== null) {
        metadata = JSONStringify(options.metadata);
        if (metadata === undefined) metadata = null;
      }
    }
    const now = nowSeconds();
    let expires = null;
    if (expirationTtl !== undefined) {
      if (NumberIsNaN(expirationTtl) || expirationTtl <= 0) {
        throw failed('PUT', 400, `Invalid expiration_ttl of ${expirationTtl}. Please specify integer greater than 0.`);
      }
      if (expirationTtl < kMinExpirationTtl) {
        throw failed('PUT', 400, `Invalid expiration_ttl of ${expirationTtl}. Expiration TTL must be at least ${kMinExpirationTtl}.`);
      }
      expires = now + expirationTtl;
    } else if (expiration !== undefined) {
      if (NumberIsNaN(expiration) || expiration <= now) {
        throw failed('PUT', 400, `Invalid expiration of ${expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`);
      }
      if (expiration < now + kMinExpirationTtl) {
        throw failed('PUT', 400, `Invalid expiration of ${expiration}. Expiration times must be at least ${kMinExpirationTtl} seconds in the future.`);
      }
      expires = expiration;
    }
    if (metadata !== null) {
      const length = utf8Length(metadata);
      if (length > kMaxMetadataBytes) {
        throw failed('PUT', 413, `Metadata length of ${length} exceeds limit of ${kMaxMetadataBytes}.`);
      }
    }
    if (bytes === undefined) bytes = await readStreamLimited(value);
    if (bytes.length > kMaxValueBytes) {
      throw failed('PUT', 413, `Value length of ${bytes.length} exceeds limit of ${kMaxValueBytes}.`);
    }
    const db = store.open(true);
    store.purge(db, now);
    db.exec('INSERT OR REPLACE INTO kv (key, value, expiration, metadata) VALUES (?, ?, ?, ?)',
      key, bytes, expires, metadata);
  }

  async delete(key) {
    const store = storeOf(this);
    if (arguments.length < 1) throw argCountError('delete', 1, 0);
    key = String(key);
    validateKeyName('DELETE', key);
    const db = store.open(false);
    if (db !== null) db.exec('DELETE FROM kv WHERE key = ?', key);
  }

  async list(options) {
    const store = storeOf(this);
    let limit = kMaxListKeys;
    let prefix = '';
    let cursor = null;
    if (options !== undefined && options !== null) {
      if (!isObject(options)) {
        throw new TypeError(`Failed to execute 'list' on '${IFACE}': parameter 1 is not of type 'KVNamespaceListOptions'.`);
      }
      if (options.limit !== undefined && options.limit !== null) {
        const l = MathTrunc(Number(options.limit));
        // workerd sends only a positive limit; the service caps it.
        if (l > kMaxListKeys) {
          throw failed('GET', 400, `Invalid key_count_limit of ${l}. Please specify an integer less than ${kMaxListKeys}.`);
        }
        if (l > 0) limit = l;
      }
      if (options.prefix !== undefined && options.prefix !== null) prefix = String(options.prefix);
      if (options.cursor !== undefined && options.cursor !== null) cursor = String(options.cursor);
    }
    const prefixLength = utf8Length(prefix);
    if (prefixLength > kMaxKeyBytes) {
      throw failed('GET', 414, `UTF-8 encoded length of ${prefixLength} exceeds key length limit of ${kMaxKeyBytes}.`);
    }
    let after = '';
    if (cursor !== null && cursor !== '') {
      after = decodeCursor(cursor);
      if (after === null) throw failed('GET', 400, 'Invalid cursor');
    }
    const upper = prefixUpperBound(prefix);
    const db = store.open(false);
    const rows = db === null ? [] : db.exec('SELECT key, expiration, metadata FROM kv WHERE key > ? AND ' +
      'key >= ? AND (? IS NULL OR key < ?) AND (expiration IS NULL OR expiration > ?) ' +
      'ORDER BY key LIMIT ?', after, prefix, upper, upper, nowSeconds(), limit + 1);
    const complete = rows.length <= limit;
    const count = complete ? rows.length : limit;
    const keys = [];
    for (let i = 0; i < count; i++) {
      const row = rows[i];
      const entry = { name: row.key };
      if (row.expiration !== null) entry.expiration = row.expiration;
      if (row.metadata !== null) entry.metadata = JSONParse(row.metadata);
      ArrayPrototypePush(keys, entry);
    }
    const result = { keys, list_complete: complete };
    if (!complete) result.cursor = encodeCursor(rows[count - 1].key);
    result.cacheStatus = null;
    return result;
  }
}

function getSingle(store, method, key, options, withMetadata) {
  validateKeyName(method, key);
  const { type } = getOptions(method, options);
  checkSingleType(type);
  const row = store.get(key, nowSeconds());
  if (row === null) {
    return { value: null, metadata: null, cacheStatus: null };
  }
  const value = decodeValue(row.value, type);
  return { value, metadata: withMetadata ? parseMetadata(row.metadata) : null, cacheStatus: null };
}

function getBulk(store, method, keyList, options, withMetadata) {
  const keys = [];
  for (let i = 0; i < keyList.length; i++) ArrayPrototypePush(keys, String(keyList[i]));
  const { type } = getOptions(method, options);
  if (type !== 'text' && type !== 'json') {
    throw failed(method, 400, `"${type}" is not a valid type. Use "json" or "text"`);
  }
  if (keys.length > kMaxBulkKeys) {
    throw failed(method, 400, `You can request a maximum of ${kMaxBulkKeys} keys`);
  }
  if (keys.length < 1) throw failed(method, 400, 'You must request a minimum of 1 key');
  const now = nowSeconds();
  const result = new Map();
  let total = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const error = serviceKeyError(key);
    if (error !== null) throw failed(method, error[0], error[1]);
    const row = store.get(key, now);
    if (row === null) {
      MapPrototypeSet(result, key, null);
      continue;
    }
    const text = ops.utf8Decode(row.value, false);
    total += text.length;
    let value = text;
    if (type === 'json') {
      try {
        value = JSONParse(text);
      } catch {
        throw failed(method, 400, `At least one of the requested keys corresponds to a non-${type} value`);
      }
    }
    MapPrototypeSet(result, key, withMetadata ? { value, metadata: parseMetadata(row.metadata) } : value);
  }
  if (total > kMaxBulkBytes) {
    throw failed(method, 413, `Total size of request exceeds the limit of ${kMaxBulkBytes / 1024 / 1024}MB`);
  }
  return result;
}

finishInterface(KvNamespace, IFACE);

// The binding object for one `kv_namespaces` entry.
export function makeKvBinding(id) {
  return new KvNamespace(kInternal, storeFor(String(id)));
}

export { KvNamespace };
