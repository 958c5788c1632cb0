// FormData, per the WHATWG XMLHttpRequest standard (https://xhr.spec.whatwg.org/#interface-formdata),
// and the encodings a FormData travels in:
//   multipart/form-data: serialized per HTML's "multipart/form-data encoding algorithm" and
//     RFC 7578; parsed as the Fetch standard's formData() requires (RFC 7578, with HTML's
//     escaping of names: %0A, %0D and %22).
//   application/x-www-form-urlencoded: through internal:url's parser and serializer.
// (MIME types are parsed by internal:mime_type.)
//
// Not in the startup snapshot: evaluated on first use (see internal:lazy).
//
// Internal API for other runtime modules (not installed as globals):
//   isFormData(v)
//   formDataEntries(fd)                   [[name, value], ...] (value: string or File)
//   formDataAppendEntry(fd, name, value)  value: string or File (taken as is)
//   serializeMultipart(fd)                -> { body: Uint8Array, contentType }
//   parseMultipart(bytes, contentType)    -> FormData; TypeError when malformed
//   parseMultipartWithBoundary(bytes, boundary)
//   parseUrlencoded(bytes)                -> FormData of the urlencoded entries
//   serializeUrlencoded(fd)               -> string (files by their names, as HTML does)
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import {
  isObject, illegalInvocation, toUSVString, finishInterface, defineDefaultIterator,
  definePairIterator, kPairKeys, kPairValues, kPairEntries,
} from 'internal:webidl';
import ops from 'internal:ops';
import {
  isBlob, isFile, getBlobBytes, getBlobType, getFileName, getFileLastModified, createFile, normalizeBlobType,
  subarray,
} from 'internal:blob';
import { utf8DecodeWithoutBOM } from 'internal:bytes';
import { isHttpWhitespace } from 'internal:headers';
import {
  parseMimeType, serializeMimeType, splitHeaderValue, isTokenCodePoint, asciiLowercase,
} from 'internal:mime_type';
import { urlencodedParse, urlencodedSerialize } from 'internal:url';
import { registerPlatformClass } from 'internal:structured_clone';
import { formDataModuleLoaded } from 'internal:lazy';
import * as formDataNamespace from 'internal:form_data';  // this module's own, for formDataModuleLoaded

const {
  NumberPrototypeToString,
  ReflectApply,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  SymbolFor,
  TypeError,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeIndexOf,
  TypedArrayPrototypeSet,
  Uint8Array,
} = primordials;

const { getRandomValues, utf8Encode } = ops;

// ---------------------------------------------------------------------------------------------
// Helpers

function argCountError(method, required, present) {
  return new TypeError(`Failed to execute '${method}' on 'FormData': ` +
    `${required === 1 ? '1 argument' : `${required} arguments`} required, but only ${present} present.`);
}

function notBlobError(method) {
  return new TypeError(`Failed to execute '${method}' on 'FormData': parameter 2 is not of type ` +
    "'Blob'. A filename can only be given with a Blob or File value.");
}

// "create an entry": Blobs become Files named "blob" (or `filename`).
function makeEntryValue(value, filename) {
  if (typeof value === 'string') return value;
  if (!isFile(value)) {
    return createFile(getBlobBytes(value), filename === undefined ? 'blob' : filename,
      getBlobType(value));
  }
  if (filename === undefined) return value;
  return createFile(getBlobBytes(value), filename, getBlobType(value), getFileLastModified(value));
}

// ---------------------------------------------------------------------------------------------
// FormData

const customInspect = SymbolFor('nodejs.util.inspect.custom');

let formDataState;  // (fd) -> state, or throws Illegal invocation
let isFormData;     // (value) -> boolean

// Converts append()/set() arguments (overloads (name, USVString value) and
// (name, Blob value, optional filename)); returns [name, entry value].
function convertEntryArguments(method, args) {
  const count = args.length;
  if (count < 2) throw argCountError(method, 2, count);
  const name = toUSVString(args[0]);
  const value = args[1];
  if (count >= 3 || isBlob(value)) {
    if (!isBlob(value)) throw notBlobError(method);
    const filename = count >= 3 && args[2] !== undefined ? toUSVString(args[2]) : undefined;
    return [name, makeEntryValue(value, filename)];
  }
  return [name, toUSVString(value)];
}

class FormData {
  #s;

  constructor(form = undefined, submitter = undefined) {
    if (arguments.length > 0 && form !== undefined) {
      throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type " +
        "'HTMLFormElement'. Workers have no HTML forms: create an empty FormData and append to it.");
    }
    this.#s = { __proto__: null, list: [] };  // [name0, value0, name1, value1, ...]
  }

  append(name, value) {
    const s = formDataState(this);
    const entry = convertEntryArguments('append', arguments);
    const list = s.list;
    list[list.length] = entry[0];
    list[list.length] = entry[1];
  }

  delete(name) {
    const s = formDataState(this);
    if (arguments.length < 1) throw argCountError('delete', 1, 0);
    name = toUSVString(name);
    const list = s.list;
    let j = 0;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) continue;
      list[j] = list[i];
      list[j + 1] = list[i + 1];
      j += 2;
    }
    list.length = j;
  }

  get(name) {
    const s = formDataState(this);
    if (arguments.length < 1) throw argCountError('get', 1, 0);
    name = toUSVString(name);
    const list = s.list;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) return list[i + 1];
    }
    return null;
  }

  getAll(name) {
    const s = formDataState(this);
    if (arguments.length < 1) throw argCountError('getAll', 1, 0);
    name = toUSVString(name);
    const list = s.list;
    const values = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) values[values.length] = list[i + 1];
    }
    return values;
  }

  has(name) {
    const s = formDataState(this);
    if (arguments.length < 1) throw argCountError('has', 1, 0);
    name = toUSVString(name);
    const list = s.list;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) return true;
    }
    return false;
  }

  set(name, value) {
    const s = formDataState(this);
    const entry = convertEntryArguments('set', arguments);
    const key = entry[0];
    const list = s.list;
    let found = -1;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === key) {
        found = i;
        break;
      }
    }
    if (found === -1) {
      list[list.length] = key;
      list[list.length] = entry[1];
      return;
    }
    list[found + 1] = entry[1];
    let j = found + 2;
    for (let i = found + 2; i < list.length; i += 2) {
      if (list[i] === key) continue;
      list[j] = list[i];
      list[j + 1] = list[i + 1];
      j += 2;
    }
    list.length = j;
  }

  forEach(callback, thisArg = undefined) {
    const s = formDataState(this);
    if (arguments.length < 1) throw argCountError('forEach', 1, 0);
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'forEach' on 'FormData': The callback provided as " +
        'parameter 1 is not a function.');
    }
    // Index-based over the live list, so changes made by the callback are seen.
    for (let i = 0; i < s.list.length; i += 2) {
      ReflectApply(callback, thisArg, [s.list[i + 1], s.list[i], this]);
    }
  }

  entries() {
    formDataState(this);
    return createIterator(this, kPairEntries);
  }

  keys() {
    formDataState(this);
    return createIterator(this, kPairKeys);
  }

  values() {
    formDataState(this);
    return createIterator(this, kPairValues);
  }

  [customInspect](depth, options, inspect) {
    if (!isFormData(this)) return this;
    const list = this.#s.list;
    if (list.length === 0) return 'FormData {}';
    let out = 'FormData { ';
    for (let i = 0; i < list.length; i += 2) {
      if (i > 0) out += ', ';
      out += `${inspect(list[i], options)} => ${inspect(list[i + 1], options)}`;
    }
    return `${out} }`;
  }

  static {
    formDataState = (fd) => {
      if (!isObject(fd) || !(#s in fd)) throw illegalInvocation();
      return fd.#s;
    };
    isFormData = (value) => isObject(value) && #s in value;
  }
}

finishInterface(FormData, 'FormData');
defineDefaultIterator(FormData);

// ---------------------------------------------------------------------------------------------
// The default iterator (WebIDL pair iterator over the live entry list)

const createIterator = definePairIterator('FormData Iterator', (fd, index) => {
  const list = formDataState(fd).list;
  return index * 2 < list.length ? [list[index * 2], list[index * 2 + 1]] : undefined;
}).create;

function formDataEntries(fd) {
  const list = formDataState(fd).list;
  const out = [];
  for (let i = 0; i < list.length; i += 2) out[out.length] = [list[i], list[i + 1]];
  return out;
}

function formDataAppendEntry(fd, name, value) {
  const list = formDataState(fd).list;
  list[list.length] = name;
  list[list.length] = value;
}

// ---------------------------------------------------------------------------------------------
// Bytes

function concatBytes(chunks, total) {
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], offset);
    offset += TypedArrayPrototypeGetLength(chunks[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// multipart/form-data serialization

// CR not followed by LF, and LF not preceded by CR, become CRLF.
function normalizeNewlines(s) {
  let out = '';
  let start = 0;
  const length = s.length;
  for (let i = 0; i < length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x0D) {
      if (i + 1 < length && StringPrototypeCharCodeAt(s, i + 1) === 0x0A) {
        i++;
        continue;
      }
    } else if (c !== 0x0A) {
      continue;
    }
    out += `${StringPrototypeSlice(s, start, i)}\r\n`;
    start = i + 1;
  }
  return start === 0 ? s : out + StringPrototypeSlice(s, start);
}

// HTML's escaping of field names and filenames: LF -> %0A, CR -> %0D, '"' -> %22.
function escapeName(s) {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    const replacement = c === 0x0A ? '%0A' : c === 0x0D ? '%0D' : c === 0x22 ? '%22' : null;
    if (replacement === null) continue;
    out += StringPrototypeSlice(s, start, i) + replacement;
    start = i + 1;
  }
  return start === 0 ? s : out + StringPrototypeSlice(s, start);
}

function randomBoundary() {
  const random = new Uint8Array(16);
  getRandomValues(random);
  let hex = '';
  for (let i = 0; i < random.length; i++) {
    const b = random[i];
    hex += (b < 16 ? '0' : '') + NumberPrototypeToString(b, 16);
  }
  return `----dynworker-formdata-${hex}`;
}

function serializeMultipart(fd) {
  const list = formDataState(fd).list;
  const boundary = randomBoundary();
  const chunks = [];
  let total = 0;
  const push = (bytes) => {
    chunks[chunks.length] = bytes;
    total += TypedArrayPrototypeGetLength(bytes);
  };
  for (let i = 0; i < list.length; i += 2) {
    const name = escapeName(normalizeNewlines(list[i]));
    const value = list[i + 1];
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    if (typeof value === 'string') {
      push(utf8Encode(`${head}\r\n\r\n${normalizeNewlines(value)}\r\n`));
    } else {
      const type = getBlobType(value);
      head += `; filename="${escapeName(getFileName(value))}"\r\n` +
        `Content-Type: ${type === '' ? 'application/octet-stream' : type}\r\n\r\n`;
      push(utf8Encode(head));
      push(getBlobBytes(value));
      push(utf8Encode('\r\n'));
    }
  }
  push(utf8Encode(`--${boundary}--\r\n`));
  return {
    __proto__: null,
    body: concatBytes(chunks, total),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

// ---------------------------------------------------------------------------------------------
// multipart/form-data parsing

function malformed(what) {
  return new TypeError(`Failed to parse the body as multipart/form-data: ${what}.`);
}

// Whether bytes[at..] is "--" boundary followed by optional spaces or tabs and CRLF (returns
// 1), or by "--", optional spaces or tabs, and CRLF or the end of the input (returns 2: the
// close delimiter). Otherwise 0.
function delimiterAt(bytes, at, boundary) {
  const length = TypedArrayPrototypeGetLength(bytes);
  const blen = TypedArrayPrototypeGetLength(boundary);
  if (at + 2 + blen > length || bytes[at] !== 0x2D || bytes[at + 1] !== 0x2D) return 0;
  for (let i = 0; i < blen; i++) {
    if (bytes[at + 2 + i] !== boundary[i]) return 0;
  }
  let p = at + 2 + blen;
  let close = false;
  if (p + 1 < length && bytes[p] === 0x2D && bytes[p + 1] === 0x2D) {
    close = true;
    p += 2;
  }
  while (p < length && (bytes[p] === 0x20 || bytes[p] === 0x09)) p++;
  if (p + 1 < length && bytes[p] === 0x0D && bytes[p + 1] === 0x0A) return close ? 2 : 1;
  if (close && p === length) return 2;
  return 0;
}

// Index of the next CRLF that starts a delimiter line ("\r\n--boundary..."), at or after `from`,
// or -1.
function findDelimiter(bytes, from, boundary) {
  const last = TypedArrayPrototypeGetLength(bytes) - 3;
  let i = from;
  while (i < last) {
    i = TypedArrayPrototypeIndexOf(bytes, 0x0D, i);  // native scan to the next CR
    if (i === -1 || i >= last) return -1;
    if (bytes[i + 1] === 0x0A && bytes[i + 2] === 0x2D && delimiterAt(bytes, i + 2, boundary) !== 0) {
      return i;
    }
    i++;
  }
  return -1;
}

// The end of the header line starting at `from` (the index of its CRLF). A bare CR or LF, or a
// NUL, makes the part malformed.
function headerLineEnd(bytes, from) {
  const length = TypedArrayPrototypeGetLength(bytes);
  for (let i = from; i < length; i++) {
    const b = bytes[i];
    if (b === 0x0D) {
      if (i + 1 < length && bytes[i + 1] === 0x0A) return i;
      throw malformed('a header line contains a bare CR');
    }
    if (b === 0x0A) throw malformed('a header line contains a bare LF');
    if (b === 0x00) throw malformed('a header line contains a NUL byte');
  }
  throw malformed("a part's headers are not terminated by an empty line");
}

// Content-Disposition: form-data; name="..."[; filename="..."]. Returns { name, filename }
// (filename null when absent); throws when it is not form-data or has no name. A quoted value
// ends at the next '"': the serializer escapes '"' as %22 (HTML's escaping, which is not undone
// here), never with a backslash.
function parseContentDisposition(value) {
  const length = value.length;
  let p = 0;
  while (p < length && StringPrototypeCharCodeAt(value, p) !== 0x3B) p++;
  let typeEnd = p;
  let typeStart = 0;
  while (typeStart < typeEnd && isHttpWhitespace(StringPrototypeCharCodeAt(value, typeStart))) typeStart++;
  while (typeEnd > typeStart && isHttpWhitespace(StringPrototypeCharCodeAt(value, typeEnd - 1))) typeEnd--;
  if (asciiLowercase(StringPrototypeSlice(value, typeStart, typeEnd)) !== 'form-data') {
    throw malformed('a part\'s Content-Disposition is not "form-data"');
  }
  let name = null;
  let filename = null;
  while (p < length) {
    p++;  // ';'
    while (p < length && isHttpWhitespace(StringPrototypeCharCodeAt(value, p))) p++;
    const nameStart = p;
    while (p < length) {
      const c = StringPrototypeCharCodeAt(value, p);
      if (c === 0x3D || c === 0x3B) break;
      p++;
    }
    let nameEnd = p;
    while (nameEnd > nameStart && isHttpWhitespace(StringPrototypeCharCodeAt(value, nameEnd - 1))) nameEnd--;
    const param = asciiLowercase(StringPrototypeSlice(value, nameStart, nameEnd));
    if (p >= length || StringPrototypeCharCodeAt(value, p) === 0x3B) continue;
    p++;  // '='
    while (p < length && isHttpWhitespace(StringPrototypeCharCodeAt(value, p))) p++;
    let paramValue;
    if (p < length && StringPrototypeCharCodeAt(value, p) === 0x22) {
      const start = p + 1;
      p = start;
      while (p < length && StringPrototypeCharCodeAt(value, p) !== 0x22) p++;
      if (p >= length) throw malformed('a quoted parameter in Content-Disposition is not closed');
      paramValue = StringPrototypeSlice(value, start, p);
      p++;  // closing quote
      while (p < length && StringPrototypeCharCodeAt(value, p) !== 0x3B) p++;
    } else {
      const start = p;
      while (p < length && StringPrototypeCharCodeAt(value, p) !== 0x3B) p++;
      let end = p;
      while (end > start && isHttpWhitespace(StringPrototypeCharCodeAt(value, end - 1))) end--;
      paramValue = StringPrototypeSlice(value, start, end);
    }
    if (param === 'name' && name === null) name = paramValue;
    else if (param === 'filename' && filename === null) filename = paramValue;
  }
  if (name === null) throw malformed('a part\'s Content-Disposition has no name parameter');
  return { __proto__: null, name, filename };
}

// bytes[start..end) with HTTP tab or space trimmed from both ends.
function trimmedRange(bytes, start, end) {
  while (start < end && (bytes[start] === 0x20 || bytes[start] === 0x09)) start++;
  while (end > start && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end--;
  return subarray(bytes, start, end);
}

function isomorphicDecode(bytes) {
  let s = '';
  const length = TypedArrayPrototypeGetLength(bytes);
  for (let i = 0; i < length; i++) s += StringFromCharCode(bytes[i]);
  return s;
}

function isTokenBytes(bytes) {
  const length = TypedArrayPrototypeGetLength(bytes);
  if (length === 0) return false;
  for (let i = 0; i < length; i++) {
    const b = bytes[i];
    if (!isTokenCodePoint(b)) return false;
  }
  return true;
}

// A file part's type, from its Content-Type header values (joined with ", "; null when there
// was none): as "extract a MIME type" does, the last valid MIME type, serialized.
function partType(contentType) {
  if (contentType === null) return 'text/plain';
  let mimeType = null;
  const values = splitHeaderValue(contentType);
  for (let i = 0; i < values.length; i++) {
    const parsed = parseMimeType(values[i]);
    if (parsed !== null && parsed.essence !== '*/*') mimeType = parsed;
  }
  return mimeType === null ? '' : normalizeBlobType(serializeMimeType(mimeType));
}

// Parses `bytes` (a Uint8Array) as multipart/form-data with the given boundary (a string, looked
// for UTF-8 encoded). The input must start with the first delimiter; an epilogue after the
// close delimiter's line is ignored.
function parseMultipartWithBoundary(bytes, boundaryString) {
  if (boundaryString === '') throw malformed('the boundary is empty');
  const boundary = utf8Encode(boundaryString);
  const blen = TypedArrayPrototypeGetLength(boundary);
  const fd = new FormData();
  const list = formDataState(fd).list;
  if (delimiterAt(bytes, 0, boundary) === 0) {
    throw malformed(`the body does not start with the "--${boundaryString}" delimiter`);
  }
  let pos = 0;
  for (;;) {
    // pos is at "--boundary".
    if (delimiterAt(bytes, pos, boundary) === 2) return fd;
    pos += 2 + blen;
    while (bytes[pos] === 0x20 || bytes[pos] === 0x09) pos++;
    pos += 2;  // CRLF (checked by delimiterAt)

    // Header lines, up to an empty line.
    let name = null;
    let filename = null;
    let contentType = null;
    for (;;) {
      const eol = headerLineEnd(bytes, pos);
      if (eol === pos) {
        pos += 2;
        break;
      }
      let colon = pos;
      while (colon < eol && bytes[colon] !== 0x3A) colon++;
      if (colon === eol) throw malformed('a part has a header line without a colon');
      const headerName = trimmedRange(bytes, pos, colon);
      if (!isTokenBytes(headerName)) throw malformed('a part has a header name that is not a token');
      const lowerName = asciiLowercase(isomorphicDecode(headerName));
      if (lowerName === 'content-disposition') {
        const cd = parseContentDisposition(utf8DecodeWithoutBOM(trimmedRange(bytes, colon + 1, eol)));
        name = cd.name;
        filename = cd.filename;
      } else if (lowerName === 'content-type') {
        const value = isomorphicDecode(trimmedRange(bytes, colon + 1, eol));
        contentType = contentType === null ? value : `${contentType}, ${value}`;
      }
      pos = eol + 2;
    }
    if (name === null) throw malformed('a part has no Content-Disposition header with a name');

    // The body runs up to the CRLF before the next delimiter. The empty line's CRLF may itself
    // be that CRLF (an empty body).
    let bodyEnd;
    if (delimiterAt(bytes, pos, boundary) !== 0) {
      bodyEnd = pos - 2;
    } else {
      bodyEnd = findDelimiter(bytes, pos, boundary);
      if (bodyEnd === -1) throw malformed(`the closing "--${boundaryString}--" delimiter is missing`);
    }
    const next = bodyEnd + 2;
    const bodyStart = pos;
    if (bodyEnd < bodyStart) bodyEnd = bodyStart;
    const body = subarray(bytes, bodyStart, bodyEnd);
    let value;
    if (filename !== null) {
      // A copy: the File must not keep the whole body's buffer alive.
      const copy = new Uint8Array(bodyEnd - bodyStart);
      TypedArrayPrototypeSet(copy, body);
      value = createFile(copy, filename, partType(contentType), 0);
    } else {
      value = utf8DecodeWithoutBOM(body);
    }
    list[list.length] = name;
    list[list.length] = value;
    pos = next;
  }
}

function parseMultipart(bytes, contentType) {
  const mimeType = parseMimeType(`${contentType}`);
  if (mimeType === null || mimeType.essence !== 'multipart/form-data') {
    throw new TypeError(`Failed to parse the body as multipart/form-data: the content type ` +
      `"${contentType}" is not multipart/form-data.`);
  }
  const boundary = mimeType.parameters.get('boundary');
  if (boundary === undefined) {
    throw new TypeError('Failed to parse the body as multipart/form-data: the Content-Type has ' +
      'no boundary parameter.');
  }
  return parseMultipartWithBoundary(bytes, boundary);
}

// ---------------------------------------------------------------------------------------------
// application/x-www-form-urlencoded

function parseUrlencoded(bytes) {
  const pairs = urlencodedParse(bytes);
  const fd = new FormData();
  const list = formDataState(fd).list;
  for (let i = 0; i < pairs.length; i++) {
    list[list.length] = pairs[i][0];
    list[list.length] = pairs[i][1];
  }
  return fd;
}

function serializeUrlencoded(fd) {
  const list = formDataState(fd).list;
  const pairs = [];
  for (let i = 0; i < list.length; i += 2) {
    const value = list[i + 1];
    pairs[pairs.length] = [list[i], typeof value === 'string' ? value : getFileName(value)];
  }
  return urlencodedSerialize(pairs);
}

export {
  FormData,
  isFormData,
  formDataEntries,
  formDataAppendEntry,
  serializeMultipart,
  parseMultipart,
  parseMultipartWithBoundary,
  parseUrlencoded,
  serializeUrlencoded,
};

// The bootstrap defines FormData lazily, so it registers itself as a platform class.
registerPlatformClass(FormData);
formDataModuleLoaded(formDataNamespace);
