// R2 (`r2_buckets` in the config): an R2Bucket binding whose objects live under the state
// directory, in r2/BUCKET/: each body is a file in blobs/ (named by the object's version), and
// the metadata is a row of meta.sqlite. A put writes the body to a temporary file (digests
// computed on the way), makes it durable and renames it into place (api/file_ops.cc), then
// replaces the row in one transaction (the only step another process can see), then removes
// the replaced body. So concurrent writers, in this process or others sharing the state
// directory, never corrupt the bucket, and a crash mid-put leaves the old object. A get streams
// the body from its file, which stays readable even if the object is replaced meanwhile.
//
// API, results and errors follow workerd's R2Bucket with miniflare's local R2 behind it
// ("put: Your metadata headers exceed the maximum allowed metadata size. (10012)"). Not
// supported: multipart uploads, SSE-C keys. Unlike Cloudflare, a put from a ReadableStream of
// unknown length is accepted (workerd requires a known length).
//
// Loaded when a binding is made (never by the bootstrap): not in the startup snapshot.
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { openDatabase } from 'internal:sqlite';
import { isObject, illegalInvocation, finishInterface } from 'internal:webidl';
import { copyBufferSource } from 'internal:bytes';
import { isHeaders, headersGetCombined, headersSet } from 'internal:headers';
import { streams, loadedStreams, blobModule, loadedBlobModule } from 'internal:lazy';
import { utf8Length, prefixUpperBound, encodeCursor, decodeCursor } from 'internal:storage_keys';

const {
  ArrayBufferPrototypeSlice, ArrayBufferIsView, ArrayIsArray, ArrayPrototypePush, Date, DateNow,
  DatePrototypeGetTime, DatePrototypeToUTCString, Error, JSONParse, JSONStringify, MathMin,
  NumberIsInteger, NumberIsNaN, ObjectDefineProperty, ObjectFreeze, ObjectKeys, RangeError,
  RegExpPrototypeExec, SafeMap, SafeSet, String, StringPrototypeCharCodeAt,
  StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeStartsWith, StringPrototypeEndsWith,
  StringPrototypeTrim, StringPrototypeToLowerCase, Symbol, TypeError, TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetByteOffset, Uint8Array, Number,
  PromisePrototypeThen, ArrayPrototypeJoin,
} = primordials;

const kInternal = Symbol('internal');
const kMaxKeyBytes = 1024;
const kMaxValueBytes = 5368709120 - 5242880;  // 5 GiB - 5 MiB
const kMaxMetadataBytes = 2048;
const kMaxListKeys = 1000;
const kChunk = 64 * 1024;
const kSweepAgeMs = 60 * 60 * 1000;

// R2's errors, as workerd words them: "ACTION: MESSAGE (CODE)".
function r2Error(action, message, code) {
  return new Error(`${action}: ${message} (${code})`);
}
const invalidObjectName = (action) => r2Error(action, 'The specified object name is not valid.', 10020);
const entityTooLarge = (action) =>
  r2Error(action, 'Your proposed upload exceeds the maximum allowed object size.', 100100);
const metadataTooLarge = (action) =>
  r2Error(action, 'Your metadata headers exceed the maximum allowed metadata size.', 10012);
const invalidMaxKeys = (action) => r2Error(action, 'MaxKeys params must be positive integer <= 1000.', 10022);
const invalidRange = (action) => r2Error(action, 'The requested range is not satisfiable', 10039);
const internalError = (action) =>
  r2Error(action, 'We encountered an internal error. Please try again.', 10001);
function badDigest(action, algorithm, provided, actual) {
  return r2Error(action, `The ${algorithm} checksum you specified did not match what we received.\n` +
    `You provided a ${algorithm} checksum with value: ${provided}\n` +
    `Actual ${algorithm} was: ${actual}`, 10037);
}

function argCountError(method, iface, required, present) {
  return new TypeError(`Failed to execute '${method}' on '${iface}': ${required} argument` +
    `${required === 1 ? '' : 's'} required, but only ${present} present.`);
}

function validateKey(action, key) {
  if (utf8Length(key) > kMaxKeyBytes) throw invalidObjectName(action);
}

const kHex = '0123456789abcdef';
function hexToBytes(hex) {
  if (hex.length % 2 !== 0 || RegExpPrototypeExec(/^[0-9a-fA-F]*$/, hex) === null) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (StringPrototypeIndexOf(kHex, StringPrototypeToLowerCase(hex[2 * i])) << 4) |
      StringPrototypeIndexOf(kHex, StringPrototypeToLowerCase(hex[2 * i + 1]));
  }
  return out;
}
function bytesToHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += kHex[bytes[i] >> 4] + kHex[bytes[i] & 15];
  return out;
}
function toArrayBuffer(bytes) {
  const offset = TypedArrayPrototypeGetByteOffset(bytes);
  return ArrayBufferPrototypeSlice(TypedArrayPrototypeGetBuffer(bytes), offset,
    offset + TypedArrayPrototypeGetByteLength(bytes));
}

function isDate(value) {
  if (!isObject(value)) return false;
  try {
    DatePrototypeGetTime(value);
    return true;
  } catch {
    return false;
  }
}

// A jsg kj::Date: a Date (or a number of ms) -> ms since the epoch.
function toMs(value, what) {
  if (isDate(value)) return DatePrototypeGetTime(value);
  if (typeof value === 'number') return value;
  throw new TypeError(`${what} must be a Date.`);
}

// ---------------------------------------------------------------------------------------------
// Metadata

const kHttpFields = ['contentType', 'contentLanguage', 'contentDisposition', 'contentEncoding',
  'cacheControl'];
const kHttpHeaders = ['content-type', 'content-language', 'content-disposition',
  'content-encoding', 'cache-control'];

// R2HTTPMetadata or Headers -> a record {contentType?, ..., cacheExpiry? (ms)}.
function toHttpMetadata(value) {
  const out = { __proto__: null };
  if (isHeaders(value)) {
    for (let i = 0; i < kHttpHeaders.length; i++) {
      const v = headersGetCombined(value, kHttpHeaders[i]);
      if (v !== null) out[kHttpFields[i]] = v;
    }
    const expires = headersGetCombined(value, 'expires');
    if (expires !== null) {
      const ms = DatePrototypeGetTime(new Date(expires));
      if (!NumberIsNaN(ms)) out.cacheExpiry = ms;
    }
    return out;
  }
  if (!isObject(value)) {
    throw new TypeError("Failed to execute 'put' on 'R2Bucket': httpMetadata must be an object " +
      '(R2HTTPMetadata) or a Headers.');
  }
  for (let i = 0; i < kHttpFields.length; i++) {
    const v = value[kHttpFields[i]];
    if (v !== undefined) out[kHttpFields[i]] = String(v);
  }
  const expiry = value.cacheExpiry;
  if (expiry !== undefined) out.cacheExpiry = toMs(expiry, 'httpMetadata.cacheExpiry');
  return out;
}

// The stored record -> the R2HTTPMetadata users see (cacheExpiry as a Date).
function httpMetadataObject(record) {
  const out = {};
  for (let i = 0; i < kHttpFields.length; i++) {
    const v = record[kHttpFields[i]];
    if (v !== undefined) out[kHttpFields[i]] = v;
  }
  if (record.cacheExpiry !== undefined) out.cacheExpiry = new Date(record.cacheExpiry);
  return out;
}

function toCustomMetadata(value) {
  if (!isObject(value)) {
    throw new TypeError("Failed to execute 'put' on 'R2Bucket': customMetadata must be an object " +
      'of strings.');
  }
  const out = { __proto__: null };
  const keys = ObjectKeys(value);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = String(value[keys[i]]);
  return out;
}

// R2 counts a string's length in bytes as one per character, or two per character when any is
// beyond Latin-1.
function serialisedLength(s) {
  for (let i = 0; i < s.length; i++) {
    if (StringPrototypeCharCodeAt(s, i) >= 256) return s.length * 2;
  }
  return s.length;
}
function customMetadataSize(meta) {
  let n = 0;
  const keys = ObjectKeys(meta);
  for (let i = 0; i < keys.length; i++) n += serialisedLength(keys[i]) + serialisedLength(meta[keys[i]]);
  return n;
}

// JSON stored by this module -> an object with a null prototype (a property user code added to
// Object.prototype must not look like a stored field).
function parseRecord(text) {
  const parsed = JSONParse(text);
  const out = { __proto__: null };
  const keys = ObjectKeys(parsed);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = parsed[keys[i]];
  return out;
}

function plainCopy(record) {
  const out = {};
  const keys = ObjectKeys(record);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = record[keys[i]];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conditions (onlyIf) and ranges

// An If-Match / If-None-Match list: [{type: 'wildcard' | 'strong' | 'weak', value}].
function parseEtagHeader(header) {
  const out = [];
  let rest = header;
  let needComma = false;
  for (;;) {
    rest = StringPrototypeTrim(rest);
    if (rest.length === 0) return out;
    if (rest[0] === ',') {
      rest = StringPrototypeSlice(rest, 1);
      needComma = false;
      continue;
    }
    if (needComma) throw new Error('Comma was expected to separate etags.');
    if (rest[0] === '*') return [{ __proto__: null, type: 'wildcard', value: '' }];
    let weak = false;
    if (StringPrototypeStartsWith(rest, 'W/')) {
      weak = true;
      rest = StringPrototypeSlice(rest, 2);
    }
    if (rest[0] !== '"') {
      throw new Error(weak ? 'Weak etags must start with W/ and their value must be quoted' :
        'Invalid conditional header');
    }
    const close = StringPrototypeIndexOf(rest, '"', 1);
    if (close === -1) throw new Error('Unclosed double quote for Etag');
    ArrayPrototypePush(out, { __proto__: null, type: weak ? 'weak' : 'strong',
      value: StringPrototypeSlice(rest, 1, close) });
    rest = StringPrototypeSlice(rest, close + 1);
    needComma = true;
  }
}

function singleEtag(value, what) {
  const v = String(value);
  if (v.length >= 2 && StringPrototypeStartsWith(v, '"') && StringPrototypeEndsWith(v, '"')) {
    throw new TypeError(`Conditional ETag should not be wrapped in quotes (${v}).`);
  }
  return [{ __proto__: null, type: v === '*' ? 'wildcard' : 'strong', value: v }];
}

// R2Conditional or Headers -> {etagMatches, etagDoesNotMatch, uploadedAfter, uploadedBefore
// (ms), secondsGranularity}.
function toConditional(value) {
  const c = {
    __proto__: null, etagMatches: undefined, etagDoesNotMatch: undefined,
    uploadedAfter: undefined, uploadedBefore: undefined, secondsGranularity: false,
  };
  if (isHeaders(value)) {
    c.secondsGranularity = true;
    const ifMatch = headersGetCombined(value, 'if-match');
    if (ifMatch !== null) c.etagMatches = parseEtagHeader(ifMatch);
    const ifNoneMatch = headersGetCombined(value, 'if-none-match');
    if (ifNoneMatch !== null) c.etagDoesNotMatch = parseEtagHeader(ifNoneMatch);
    const since = headersGetCombined(value, 'if-modified-since');
    if (since !== null) c.uploadedAfter = DatePrototypeGetTime(new Date(since));
    const unmodified = headersGetCombined(value, 'if-unmodified-since');
    if (unmodified !== null) c.uploadedBefore = DatePrototypeGetTime(new Date(unmodified));
    return c;
  }
  if (!isObject(value)) {
    throw new TypeError('onlyIf must be an object (R2Conditional) or a Headers.');
  }
  if (value.etagMatches !== undefined) c.etagMatches = singleEtag(value.etagMatches);
  if (value.etagDoesNotMatch !== undefined) c.etagDoesNotMatch = singleEtag(value.etagDoesNotMatch);
  if (value.uploadedAfter !== undefined) c.uploadedAfter = toMs(value.uploadedAfter, 'onlyIf.uploadedAfter');
  if (value.uploadedBefore !== undefined) c.uploadedBefore = toMs(value.uploadedBefore, 'onlyIf.uploadedBefore');
  if (value.secondsGranularity !== undefined) c.secondsGranularity = !!value.secondsGranularity;
  return c;
}

function includesEtag(conditions, etag, comparison) {
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i];
    if (c.type === 'wildcard') return true;
    if (c.value === etag && (c.type === 'strong' || comparison === 'weak')) return true;
  }
  return false;
}

// RFC 7232 section 6, as R2 evaluates it. `row` is the object's row, or null when there is none.
function conditionHolds(cond, row) {
  if (row === null) return cond.etagMatches === undefined && cond.uploadedAfter === undefined;
  const truncate = (ms) => (cond.secondsGranularity ? ms - (ms % 1000) : ms);
  const ifMatch = cond.etagMatches === undefined || includesEtag(cond.etagMatches, row.etag, 'strong');
  const ifNoneMatch = cond.etagDoesNotMatch === undefined ||
    !includesEtag(cond.etagDoesNotMatch, row.etag, 'weak');
  const lastModified = truncate(row.uploaded);
  const ifModifiedSince = cond.uploadedAfter === undefined ||
    truncate(cond.uploadedAfter) < lastModified ||
    (cond.etagDoesNotMatch !== undefined && ifNoneMatch);
  const ifUnmodifiedSince = cond.uploadedBefore === undefined ||
    lastModified < truncate(cond.uploadedBefore) ||
    (cond.etagMatches !== undefined && ifMatch);
  return ifMatch && ifNoneMatch && ifModifiedSince && ifUnmodifiedSince;
}

// get()'s range option, checked as workerd does before any request: {offset, length, suffix}
// or Headers (its Range header).
function toRange(value) {
  if (isHeaders(value)) {
    return { __proto__: null, header: headersGetCombined(value, 'range') };
  }
  if (!isObject(value)) throw new TypeError('range must be an object (R2Range) or a Headers.');
  const r = { __proto__: null, offset: undefined, length: undefined, suffix: undefined, header: undefined };
  if (value.offset !== undefined) {
    const offset = Number(value.offset);
    if (!(offset >= 0)) {
      throw new RangeError(`Invalid range. Starting offset (${offset}) must be greater than or equal to 0.`);
    }
    if (!NumberIsInteger(offset)) {
      throw new RangeError(`Invalid range. Starting offset (${offset}) must be an integer, not floating point.`);
    }
    r.offset = offset;
  }
  if (value.length !== undefined) {
    const length = Number(value.length);
    if (!(length >= 0)) {
      throw new RangeError(`Invalid range. Length (${length}) must be greater than or equal to 0.`);
    }
    if (!NumberIsInteger(length)) {
      throw new RangeError(`Invalid range. Length (${length}) must be an integer, not floating point.`);
    }
    r.length = length;
  }
  if (value.suffix !== undefined) {
    if (r.offset !== undefined) throw new TypeError('Suffix is incompatible with offset.');
    if (r.length !== undefined) throw new TypeError('Suffix is incompatible with length.');
    const suffix = Number(value.suffix);
    if (!(suffix >= 0)) {
      throw new RangeError(`Invalid suffix. Suffix (${suffix}) must be greater than or equal to 0.`);
    }
    if (!NumberIsInteger(suffix)) {
      throw new RangeError(`Invalid range. Suffix (${suffix}) must be an integer, not floating point.`);
    }
    r.suffix = suffix;
  }
  return r;
}

// A Range header's one range, as {offset, length} within `size`; null for none, several, or an
// unsatisfiable or malformed one (then the whole object is returned).
function parseRangeHeader(header, size) {
  const m = RegExpPrototypeExec(/^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i, header);
  if (m === null || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = MathMin(Number(m[2]), size);
    if (suffix === 0) return null;
    return { __proto__: null, offset: size - suffix, length: suffix };
  }
  const start = Number(m[1]);
  if (start >= size) return null;
  const end = m[2] === '' ? size - 1 : MathMin(Number(m[2]), size - 1);
  if (end < start) return null;
  return { __proto__: null, offset: start, length: end - start + 1 };
}

// The range to return, {offset, length}, for an object of `size` bytes.
function resolveRange(range, size) {
  if (range === undefined) return { __proto__: null, offset: 0, length: size };
  if (range.header !== undefined) {
    return (range.header === null ? null : parseRangeHeader(range.header, size)) ??
      { __proto__: null, offset: 0, length: size };
  }
  let { offset, length } = range;
  if (range.suffix !== undefined) {
    let suffix = range.suffix;
    if (suffix <= 0) throw invalidRange('get');
    if (suffix > size) suffix = size;
    offset = size - suffix;
    length = suffix;
  }
  if (offset === undefined) offset = 0;
  if (length === undefined) length = size - offset;
  if (offset < 0 || offset > size || length <= 0) throw invalidRange('get');
  if (offset + length > size) length = size - offset;
  return { __proto__: null, offset, length };
}

// ---------------------------------------------------------------------------------------------
// Storage

const kHashes = [['md5', 'MD5', 16], ['sha1', 'SHA-1', 20], ['sha256', 'SHA-256', 32],
  ['sha384', 'SHA-384', 48], ['sha512', 'SHA-512', 64]];

// One bucket's files and database, shared by every binding of its name in this realm. The
// database is created by the first write.
class Store {
  constructor(name) {
    this.dir = `r2/${name}`;
    this.database = null;
    this.swept = false;
  }

  open(create) {
    if (this.database === null) {
      const path = `${this.dir}/meta.sqlite`;
      if (!create && !ops.fileExists(path)) return null;
      const db = openDatabase(path);
      db.transaction(() => {
        db.exec('CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, version TEXT NOT NULL, ' +
          'size INTEGER NOT NULL, etag TEXT NOT NULL, uploaded INTEGER NOT NULL, ' +
          'checksums TEXT NOT NULL, http_metadata TEXT NOT NULL, custom_metadata TEXT NOT NULL, ' +
          'storage_class TEXT NOT NULL)');
        db.exec('CREATE INDEX IF NOT EXISTS objects_version ON objects (version)');
      });
      this.database = db;
    }
    return this.database;
  }

  blobPath(version) { return `${this.dir}/blobs/${version}`; }

  // Once per realm, at the first write: removes what puts interrupted by a crash left behind,
  // temporary files and bodies whose row was never committed. Only files untouched for an hour:
  // a younger one may be a put in progress in another process.
  sweep(db) {
    if (this.swept) return;
    this.swept = true;
    const files = ops.fileList(`${this.dir}/blobs`);
    if (files === null) return;
    const before = DateNow() - kSweepAgeMs;
    for (let i = 0; i < files.length; i++) {
      const name = files[i][0];
      if (files[i][2] > before) continue;
      const orphan = StringPrototypeStartsWith(name, '.tmp-') ||
        db.exec('SELECT 1 FROM objects WHERE version = ? LIMIT 1', name).length === 0;
      if (orphan) ops.fileRemove(`${this.dir}/blobs/${name}`);
    }
  }

  row(key) {
    const db = this.open(false);
    if (db === null) return null;
    const rows = db.exec('SELECT key, version, size, etag, uploaded, checksums, http_metadata, ' +
      'custom_metadata, storage_class FROM objects WHERE key = ?', key);
    return rows.length === 0 ? null : rows[0];
  }
}

const stores = new SafeMap();
function storeFor(name) {
  let store = stores.get(name);
  if (store === undefined) {
    store = new Store(name);
    stores.set(name, store);
  }
  return store;
}

function newVersion() {
  const bytes = new Uint8Array(16);
  ops.getRandomValues(bytes);
  return bytesToHex(bytes);
}

// A byte stream of `length` bytes of the open file `handle` from `offset`; the file is closed
// at the end, on cancel, or when the stream is collected (the handle's finalizer).
function fileStream(handle, offset, length) {
  const s = streams();
  let position = offset;
  const end = offset + length;
  let open = true;
  const close = () => {
    if (open) {
      open = false;
      ops.fileClose(handle);
    }
  };
  return s.createReadableByteStream((controller) => {
    if (!open) return;
    const want = MathMin(kChunk, end - position);
    const chunk = want > 0 ? ops.fileRead(handle, position, want) : new Uint8Array(0);
    // Read the length now: enqueueing transfers (detaches) the chunk's buffer.
    const got = chunk.length;
    position += got;
    if (got > 0) s.readableStreamControllerEnqueue(controller, chunk);
    if (position >= end || got === 0) {
      close();
      s.readableStreamControllerClose(controller);
    }
  }, () => close());
}

// ---------------------------------------------------------------------------------------------
// R2Object, R2ObjectBody, R2Checksums

class R2Checksums {
  constructor(key, hex) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    for (let i = 0; i < kHashes.length; i++) {
      const field = kHashes[i][0];
      const value = hex[field];
      ObjectDefineProperty(this, field, {
        __proto__: null, value: value === undefined ? undefined : toArrayBuffer(hexToBytes(value)),
        enumerable: true, writable: false, configurable: false,
      });
    }
  }

  toJSON() {
    const out = {};
    for (let i = 0; i < kHashes.length; i++) {
      const field = kHashes[i][0];
      const value = this[field];
      if (value !== undefined) out[field] = bytesToHex(new Uint8Array(value));
    }
    return out;
  }
}
finishInterface(R2Checksums, 'R2Checksums');

function defineReadonly(obj, name, value) {
  ObjectDefineProperty(obj, name, {
    __proto__: null, value, enumerable: true, writable: false, configurable: false,
  });
}

// The R2HTTPMetadata a writeHttpMetadata() call writes (null: unknown, not listed).
let httpMetadataOf;

class R2Object {
  #http;

  // `row` as stored; `fields`: which metadata is known ({http, custom}); `range` or undefined.
  constructor(key, row, fields, range) {
    if (key !== kInternal) throw new TypeError('Illegal constructor');
    const http = fields.http ? parseRecord(row.http_metadata) : null;
    this.#http = http;
    defineReadonly(this, 'key', row.key);
    defineReadonly(this, 'version', row.version);
    defineReadonly(this, 'size', row.size);
    defineReadonly(this, 'etag', row.etag);
    defineReadonly(this, 'httpEtag', `"${row.etag}"`);
    defineReadonly(this, 'checksums', new R2Checksums(kInternal, parseRecord(row.checksums)));
    defineReadonly(this, 'uploaded', new Date(row.uploaded));
    defineReadonly(this, 'httpMetadata', http === null ? undefined : httpMetadataObject(http));
    defineReadonly(this, 'customMetadata',
      fields.custom ? plainCopy(parseRecord(row.custom_metadata)) : undefined);
    defineReadonly(this, 'range', range === undefined ? undefined :
      { offset: range.offset, length: range.length });
    defineReadonly(this, 'storageClass', row.storage_class);
    defineReadonly(this, 'ssecKeyMd5', undefined);
  }

  static {
    httpMetadataOf = (self) => {
      if (!isObject(self) || !(#http in self)) throw illegalInvocation();
      return self.#http;
    };
  }

  writeHttpMetadata(headers) {
    const http = httpMetadataOf(this);
    if (arguments.length < 1) throw argCountError('writeHttpMetadata', 'R2Object', 1, 0);
    if (!isHeaders(headers)) {
      throw new TypeError("Failed to execute 'writeHttpMetadata' on 'R2Object': parameter 1 is not " +
        "of type 'Headers'.");
    }
    if (http === null) {
      throw new TypeError(`HTTP metadata unknown for key \`${this.key}\`. Did you forget to add ` +
        "'httpMetadata' to `include` when listing?");
    }
    for (let i = 0; i < kHttpFields.length; i++) {
      const v = http[kHttpFields[i]];
      if (v !== undefined) headersSet(headers, kHttpHeaders[i], v);
    }
    if (http.cacheExpiry !== undefined) {
      headersSet(headers, 'expires', DatePrototypeToUTCString(new Date(http.cacheExpiry)));
    }
  }
}
finishInterface(R2Object, 'R2Object');

let bodyOf;

class R2ObjectBody extends R2Object {
  #body;

  constructor(key, row, range, body) {
    super(key, row, { __proto__: null, http: true, custom: true }, range);
    this.#body = body;
  }

  static {
    bodyOf = (self) => {
      if (!isObject(self) || !(#body in self)) throw illegalInvocation();
      return self.#body;
    };
  }

  get body() { return bodyOf(this); }

  get bodyUsed() { return streams().isReadableStreamDisturbed(bodyOf(this)); }

  async arrayBuffer() { return toArrayBuffer(await readBody(this)); }

  async bytes() { return readBody(this); }

  async text() { return ops.utf8Decode(await readBody(this), false); }

  async json() { return JSONParse(ops.utf8Decode(await readBody(this), false)); }

  async blob() {
    const bytes = await readBody(this);
    return blobModule().createBlob(bytes, this.httpMetadata?.contentType ?? '');
  }
}
finishInterface(R2ObjectBody, 'R2ObjectBody');

async function readBody(self) {
  const body = bodyOf(self);
  const s = streams();
  if (s.isReadableStreamDisturbed(body)) {
    throw new TypeError('Body has already been used. It can only be used once. Use tee() first ' +
      'if you need to read it twice.');
  }
  return (await s.readAllBytes(body)).bytes;
}

// ---------------------------------------------------------------------------------------------
// R2Bucket

let storeOf;

class R2Bucket {
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

  async head(key) {
    const store = storeOf(this);
    if (arguments.length < 1) throw argCountError('head', 'R2Bucket', 1, 0);
    key = String(key);
    validateKey('head', key);
    const row = store.row(key);
    if (row === null) return null;
    return new R2Object(kInternal, row, { __proto__: null, http: true, custom: true },
      { offset: 0, length: row.size });
  }

  async get(key, options) {
    const store = storeOf(this);
    if (arguments.length < 1) throw argCountError('get', 'R2Bucket', 1, 0);
    key = String(key);
    let onlyIf;
    let range;
    if (options !== undefined && options !== null) {
      if (!isObject(options)) {
        throw new TypeError("Failed to execute 'get' on 'R2Bucket': parameter 2 is not of type 'R2GetOptions'.");
      }
      if (options.onlyIf !== undefined) onlyIf = toConditional(options.onlyIf);
      if (options.range !== undefined) range = toRange(options.range);
    }
    validateKey('get', key);
    // The body file of the row just read may be replaced (and removed) by a concurrent put before
    // it is opened: then read the row again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = store.row(key);
      if (row === null) return null;
      if (onlyIf !== undefined && !conditionHolds(onlyIf, row)) {
        return new R2Object(kInternal, row, { __proto__: null, http: true, custom: true },
          { offset: 0, length: row.size });
      }
      const r = resolveRange(range, row.size);
      const opened = ops.fileReadOpen(store.blobPath(row.version));
      if (opened === null) continue;
      return new R2ObjectBody(kInternal, row, r, fileStream(opened[0], r.offset, r.length));
    }
    throw internalError('get');
  }

  async put(key, value, options) {
    const store = storeOf(this);
    if (arguments.length < 1) throw argCountError('put', 'R2Bucket', 1, 0);
    key = String(key);
    const s = loadedStreams();
    const isStream = s !== null && isObject(value) && s.isReadableStream(value);
    try {
      return await putObject(store, key, value, isStream, options);
    } catch (error) {
      if (isStream && !s.isReadableStreamDisturbed(value)) {
        PromisePrototypeThen(s.readableStreamCancel(value, new Error('Stream cancelled because ' +
          'the associated put operation encountered an error.')), undefined, () => {});
      }
      throw error;
    }
  }

  async delete(keys) {
    const store = storeOf(this);
    if (arguments.length < 1) throw argCountError('delete', 'R2Bucket', 1, 0);
    const list = [];
    if (ArrayIsArray(keys)) {
      for (let i = 0; i < keys.length; i++) ArrayPrototypePush(list, String(keys[i]));
    } else {
      ArrayPrototypePush(list, String(keys));
    }
    for (let i = 0; i < list.length; i++) validateKey('delete', list[i]);
    const db = store.open(false);
    if (db === null) return;
    const removed = db.transaction(() => {
      const versions = [];
      for (let i = 0; i < list.length; i++) {
        const rows = db.exec('DELETE FROM objects WHERE key = ? RETURNING version', list[i]);
        if (rows.length > 0) ArrayPrototypePush(versions, rows[0].version);
      }
      return versions;
    });
    for (let i = 0; i < removed.length; i++) ops.fileRemove(store.blobPath(removed[i]));
  }

  async list(options) {
    const store = storeOf(this);
    let limit;
    let prefix = '';
    let cursor;
    let delimiter;
    let startAfter;
    let includeHttp = false;
    let includeCustom = false;
    if (options !== undefined && options !== null) {
      if (!isObject(options)) {
        throw new TypeError("Failed to execute 'list' on 'R2Bucket': parameter 1 is not of type 'R2ListOptions'.");
      }
      if (options.limit !== undefined) limit = Number(options.limit);
      if (options.prefix !== undefined) prefix = String(options.prefix);
      if (options.cursor !== undefined) cursor = String(options.cursor);
      if (options.delimiter !== undefined) delimiter = String(options.delimiter);
      if (options.startAfter !== undefined) startAfter = String(options.startAfter);
      if (options.include !== undefined) {
        const include = options.include;
        if (!isObject(include)) {
          throw new TypeError("Failed to execute 'list' on 'R2Bucket': include must be an array.");
        }
        for (let i = 0; i < include.length; i++) {
          const v = String(include[i]);
          if (v === 'httpMetadata') includeHttp = true;
          else if (v === 'customMetadata') includeCustom = true;
          else throw new RangeError(`Unsupported include value ${v}`);
        }
      }
    }
    if (limit === undefined) limit = kMaxListKeys;
    if (!NumberIsInteger(limit) || limit < 1 || limit > kMaxListKeys) throw invalidMaxKeys('list');
    if (delimiter === '') delimiter = undefined;
    // Keys after both startAfter and the cursor's key (SQLite compares them: its order is the
    // listing's, UTF-8 bytes, which JS string comparison is not).
    const after = startAfter ?? '';
    let position = '';
    if (cursor !== undefined && cursor !== '') {
      const decoded = decodeCursor(cursor);
      if (decoded === null) throw r2Error('list', 'The cursor is not valid.', 10029);
      position = decoded;
    }
    const fields = { __proto__: null, http: includeHttp, custom: includeCustom };
    const objects = [];
    const delimitedPrefixes = [];
    const db = store.open(false);
    if (db === null) return { objects, truncated: false, delimitedPrefixes };
    const upper = prefixUpperBound(prefix);
    // Items (objects and delimited prefixes) in key order, one more than the limit to know
    // whether the listing is truncated.
    const found = [];
    const batch = MathMin(limit + 1, 1000);
    while (found.length <= limit) {
      const rows = db.exec('SELECT key, version, size, etag, uploaded, checksums, http_metadata, ' +
        'custom_metadata, storage_class FROM objects WHERE key > ? AND key > ? AND key >= ? AND ' +
        '(? IS NULL OR key < ?) ORDER BY key LIMIT ?', position, after, prefix, upper, upper, batch);
      if (rows.length === 0) break;
      let skipTo = null;
      for (let i = 0; i < rows.length && found.length <= limit; i++) {
        const row = rows[i];
        if (delimiter !== undefined) {
          const at = StringPrototypeIndexOf(row.key, delimiter, prefix.length);
          if (at !== -1) {
            const group = StringPrototypeSlice(row.key, 0, at + delimiter.length);
            // Every key of the group: the cursor after it skips the whole group.
            const groupUpper = prefixUpperBound(group);
            const last = db.exec('SELECT max(key) AS last FROM objects WHERE key >= ? AND ' +
              '(? IS NULL OR key < ?)', group, groupUpper, groupUpper)[0].last;
            ArrayPrototypePush(found, { __proto__: null, group, last });
            skipTo = last;
            break;
          }
        }
        ArrayPrototypePush(found, { __proto__: null, row, last: row.key });
        position = row.key;
      }
      if (skipTo !== null) {
        position = skipTo;
        continue;
      }
      if (rows.length < batch) break;
    }
    const truncated = found.length > limit;
    const count = truncated ? limit : found.length;
    for (let i = 0; i < count; i++) {
      const item = found[i];
      if (item.group !== undefined) ArrayPrototypePush(delimitedPrefixes, item.group);
      else ArrayPrototypePush(objects, new R2Object(kInternal, item.row, fields, undefined));
    }
    const result = { objects, truncated };
    if (truncated) result.cursor = encodeCursor(found[count - 1].last);
    result.delimitedPrefixes = delimitedPrefixes;
    return result;
  }
}
finishInterface(R2Bucket, 'R2Bucket');

// put()'s options -> {http, custom, onlyIf, hash: [field, name, hexExpected] | null, storageClass}.
function putOptions(options) {
  const o = {
    __proto__: null, http: { __proto__: null }, custom: { __proto__: null }, onlyIf: undefined,
    hash: null, storageClass: 'Standard',
  };
  if (options === undefined || options === null) return o;
  if (!isObject(options)) {
    throw new TypeError("Failed to execute 'put' on 'R2Bucket': parameter 3 is not of type 'R2PutOptions'.");
  }
  if (options.onlyIf !== undefined) o.onlyIf = toConditional(options.onlyIf);
  if (options.customMetadata !== undefined) o.custom = toCustomMetadata(options.customMetadata);
  if (options.httpMetadata !== undefined) o.http = toHttpMetadata(options.httpMetadata);
  for (let i = 0; i < kHashes.length; i++) {
    const field = kHashes[i][0];
    const name = kHashes[i][1];
    const size = kHashes[i][2];
    const value = options[field];
    if (value === undefined) continue;
    if (o.hash !== null) throw new TypeError('You cannot specify multiple hashing algorithms.');
    let hex;
    if (typeof value === 'string') {
      if (value.length !== size * 2) {
        throw new TypeError(`${name} is ${size * 2} hex characters, not ${value.length}`);
      }
      if (hexToBytes(value) === null) throw new TypeError(`Provided ${name} wasn't a valid hex string`);
      hex = StringPrototypeToLowerCase(value);
    } else {
      const bytes = copyBufferSource(value);
      if (bytes === undefined) {
        throw new TypeError(`Failed to execute 'put' on 'R2Bucket': ${field} must be a string or ` +
          'an ArrayBuffer or ArrayBufferView.');
      }
      if (bytes.length !== size) throw new TypeError(`${name} is ${size} bytes, not ${bytes.length}`);
      hex = bytesToHex(bytes);
    }
    o.hash = [field, name, hex];
  }
  if (options.storageClass !== undefined) {
    const storageClass = String(options.storageClass);
    if (storageClass !== 'Standard' && storageClass !== 'InfrequentAccess') {
      throw new TypeError(`Unknown storage class "${storageClass}": use "Standard" or "InfrequentAccess".`);
    }
    o.storageClass = storageClass;
  }
  return o;
}

function bodyBytes(value) {
  if (value === undefined || value === null) return new Uint8Array(0);
  if (typeof value === 'string') return ops.utf8Encode(value);
  const bytes = copyBufferSource(value);
  if (bytes !== undefined) return bytes;
  const blobs = loadedBlobModule();
  if (blobs !== null && blobs.isBlob(value)) return blobs.getBlobBytes(value);
  throw new TypeError("Failed to execute 'put' on 'R2Bucket': parameter 2 is not of type " +
    "'ReadableStream or ArrayBuffer or ArrayBufferView or string or Blob'.");
}

async function putObject(store, key, value, isStream, options) {
  const o = putOptions(options);
  const bytes = isStream ? null : bodyBytes(value);
  validateKey('put', key);
  if (customMetadataSize(o.custom) > kMaxMetadataBytes) throw metadataTooLarge('put');
  if (bytes !== null && bytes.length > kMaxValueBytes) throw entityTooLarge('put');

  const version = newVersion();
  const extra = o.hash !== null && o.hash[0] !== 'md5' ? o.hash[1] : '';
  const writer = ops.fileWriteOpen(`${store.dir}/blobs`, extra);
  let size = 0;
  let digests;
  let reader = null;
  const s = isStream ? streams() : null;
  try {
    if (bytes !== null) {
      size = ops.fileWrite(writer, bytes);
    } else {
      // Chunk by chunk to the file: the body is never all in memory.
      reader = s.ReadableStreamPrototypeGetReader(value);
      for (;;) {
        const result = await s.ReadableStreamDefaultReaderPrototypeRead(reader);
        if (result.done) break;
        let chunk = result.value;
        if (!ArrayBufferIsView(chunk)) {
          chunk = copyBufferSource(chunk);
          if (chunk === undefined) throw new TypeError('This ReadableStream did not return bytes.');
        }
        size = ops.fileWrite(writer, chunk);
        if (size > kMaxValueBytes) throw entityTooLarge('put');
      }
      reader = null;
    }
    digests = ops.fileWriteCommit(writer, store.blobPath(version));
  } catch (error) {
    ops.fileClose(writer);
    if (reader !== null) {
      PromisePrototypeThen(s.ReadableStreamDefaultReaderPrototypeCancel(reader, error), undefined, () => {});
    }
    throw error;
  }
  const checksums = { __proto__: null, md5: digests[0] };
  if (o.hash !== null) {
    const actual = o.hash[0] === 'md5' ? digests[0] : digests[1];
    if (o.hash[2] !== actual) {
      ops.fileRemove(store.blobPath(version));
      throw badDigest('put', o.hash[1], o.hash[2], actual);
    }
    checksums[o.hash[0]] = actual;
  }
  const row = {
    __proto__: null, key, version, size, etag: digests[0], uploaded: DateNow(),
    checksums: JSONStringify(checksums), http_metadata: JSONStringify(o.http),
    custom_metadata: JSONStringify(o.custom), storage_class: o.storageClass,
  };
  const db = store.open(true);
  store.sweep(db);
  let replaced = null;
  let stored = true;
  try {
    db.transaction(() => {
      const previous = db.exec('SELECT version, etag, uploaded FROM objects WHERE key = ?', key);
      if (o.onlyIf !== undefined && !conditionHolds(o.onlyIf, previous.length > 0 ? previous[0] : null)) {
        stored = false;
        return;
      }
      if (previous.length > 0) replaced = previous[0].version;
      db.exec('INSERT OR REPLACE INTO objects (key, version, size, etag, uploaded, checksums, ' +
        'http_metadata, custom_metadata, storage_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        row.key, row.version, row.size, row.etag, row.uploaded, row.checksums, row.http_metadata,
        row.custom_metadata, row.storage_class);
    });
  } catch (error) {
    ops.fileRemove(store.blobPath(version));
    throw error;
  }
  if (!stored) {
    ops.fileRemove(store.blobPath(version));
    return null;
  }
  if (replaced !== null) ops.fileRemove(store.blobPath(replaced));
  return new R2Object(kInternal, row, { __proto__: null, http: true, custom: true }, undefined);
}

// The binding object for one `r2_buckets` entry.
export function makeR2Binding(name) {
  return new R2Bucket(kInternal, storeFor(String(name)));
}

export { R2Bucket, R2Object, R2ObjectBody, R2Checksums };
