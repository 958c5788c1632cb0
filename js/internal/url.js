// URL and URLSearchParams, per the WHATWG URL standard (https://url.spec.whatwg.org/), written
// from the standard's algorithms. Only UTF-8 is supported as the query encoding, which is all
// the URL standard's API (new URL, URLSearchParams) ever uses.
//
// Exports for other runtime modules:
//   URL, URLSearchParams                the Web IDL classes
//   parseURL(input, base)               the API URL parser: a URL record, or null on failure.
//                                       `base` is undefined/null, a string, or a URL record.
//   serializeURL(record, excludeFragment)
//   serializeOrigin(record)             the ASCII serialization of the record's origin
//   urlencodedParse(bytesOrString)      application/x-www-form-urlencoded parser: [[name, value]]
//   urlencodedSerialize(list)           ... and serializer, of a list of [name, value] pairs
//   isURL(v), isURLSearchParams(v)      brand checks that user code cannot fool
//   getURLRecord(url)                   a copy of a URL object's record
//   getSearchParamsList(params)         a copy of a URLSearchParams object's list
//
// A URL record is a null-prototype object
//   { scheme, username, password, host, port, path, query, fragment }
// where `host` is null or the host already serialized (domain, "1.2.3.4", "[::1]", opaque host,
// or "" for the empty host), `port` is null or a number, `path` is an array of segments, or a
// string when the URL has an opaque path, and `query` / `fragment` are null or strings.
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated, and must not be able to change how URLs are parsed or serialized.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import {
  recordClass, definePairIterator, kPairKeys, kPairValues, kPairEntries,
} from 'internal:webidl';

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayPrototypePush,
  ArrayPrototypeSlice,
  ArrayPrototypeSort,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  MathFloor,
  NumberPrototypeToString,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetPrototypeOf,
  ReflectApply,
  ReflectGetOwnPropertyDescriptor,
  ReflectOwnKeys,
  SafeMap,
  String,
  StringFromCharCode,
  StringFromCodePoint,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  SymbolFor,
  SymbolIterator,
  SymbolToStringTag,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetSymbolToStringTag,
  Uint8Array,
} = primordials;

const {
  utf8Encode, utf8Decode, domainToAscii: opDomainToAscii, domainToUnicode: opDomainToUnicode,
} = ops;

// ---------------------------------------------------------------------------------------------
// Web IDL helpers

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}

function argumentsRequired(method, iface, required, present) {
  const what = method === 'constructor' ? `construct '${iface}'` : `execute '${method}' on '${iface}'`;
  return new TypeError(`Failed to ${what}: ${required} argument${required === 1 ? '' : 's'} ` +
    `required, but only ${present} present.`);
}

// Web IDL USVString: ECMAScript ToString, then lone surrogates become U+FFFD.
function toUSVString(value) {
  let s;
  if (typeof value === 'string') {
    s = value;
  } else {
    if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
    s = String(value);
  }
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0xD800 && c <= 0xDFFF) return wellFormed(s, i);
  }
  return s;
}

// The slow path of toUSVString: s has a surrogate at or after `from`.
function wellFormed(s, from) {
  const len = s.length;
  let out = StringPrototypeSlice(s, 0, from);
  let start = from;
  for (let i = from; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 0xD800 || c > 0xDFFF) continue;
    if (c <= 0xDBFF && i + 1 < len) {
      const d = StringPrototypeCharCodeAt(s, i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) {
        i++;
        continue;
      }
    }
    out += StringPrototypeSlice(s, start, i) + '\uFFFD';
    start = i + 1;
  }
  return out + StringPrototypeSlice(s, start);
}

// ---------------------------------------------------------------------------------------------
// Code points, percent-encoding and percent-decoding

const EOF = -1;

// Single-character strings for ASCII, and "%XX" (upper-case hex digits) for every byte.
const CHARS = [];
const PCT = [];
for (let i = 0; i < 256; i++) {
  if (i < 128) ArrayPrototypePush(CHARS, StringFromCharCode(i));
  const hi = i >> 4;
  const lo = i & 15;
  ArrayPrototypePush(PCT, '%' + StringFromCharCode(hi < 10 ? 0x30 + hi : 0x37 + hi) +
    StringFromCharCode(lo < 10 ? 0x30 + lo : 0x37 + lo));
}

// Percent-encode sets, as a flag per ASCII code point; every code point above U+007E is in
// every set. `base` is null (the C0 control percent-encode set), 'empty', or another set.
function makeSet(base, extra) {
  const set = new Uint8Array(128);
  if (base === null) {
    for (let i = 0; i <= 0x1F; i++) set[i] = 1;
    set[0x7F] = 1;
  } else if (base !== 'empty') {
    for (let i = 0; i < 128; i++) set[i] = base[i];
  }
  for (let i = 0; i < extra.length; i++) set[StringPrototypeCharCodeAt(extra, i)] = 1;
  return set;
}
const C0_CONTROL_SET = makeSet(null, '');
const FRAGMENT_SET = makeSet(C0_CONTROL_SET, ' "<>`');
const QUERY_SET = makeSet(C0_CONTROL_SET, ' "#<>');
const SPECIAL_QUERY_SET = makeSet(QUERY_SET, '\'');
const PATH_SET = makeSet(QUERY_SET, '?^`{}');
const USERINFO_SET = makeSet(PATH_SET, '/:;=@[\\]^|');
const COMPONENT_SET = makeSet(USERINFO_SET, '$%&+,');
const FORM_URLENCODED_SET = makeSet(COMPONENT_SET, '!\'()~');

// UTF-8 percent-encode one code point using `set`.
function encodeCodePoint(c, set) {
  if (c < 0x80) return set[c] === 1 ? PCT[c] : CHARS[c];
  if (c < 0x800) return PCT[0xC0 | (c >> 6)] + PCT[0x80 | (c & 0x3F)];
  if (c < 0x10000) {
    return PCT[0xE0 | (c >> 12)] + PCT[0x80 | ((c >> 6) & 0x3F)] + PCT[0x80 | (c & 0x3F)];
  }
  return PCT[0xF0 | (c >> 18)] + PCT[0x80 | ((c >> 12) & 0x3F)] +
    PCT[0x80 | ((c >> 6) & 0x3F)] + PCT[0x80 | (c & 0x3F)];
}

// The code point at s[i] (lone surrogates read as U+FFFD); its UTF-16 length is
// (c > 0xFFFF ? 2 : 1).
function codePointAt(s, i, len) {
  const c = StringPrototypeCharCodeAt(s, i);
  if (c < 0xD800 || c > 0xDFFF) return c;
  if (c <= 0xDBFF && i + 1 < len) {
    const d = StringPrototypeCharCodeAt(s, i + 1);
    if (d >= 0xDC00 && d <= 0xDFFF) return 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
  }
  return 0xFFFD;
}

// Percent-encode after encoding (UTF-8), with spaceAsPlus for application/x-www-form-urlencoded.
function percentEncodeString(s, set, spaceAsPlus) {
  const len = s.length;
  let out = '';
  let start = 0;  // s[start, i) is copied unchanged
  for (let i = 0; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 0x80 && set[c] === 0) continue;
    if (c === 0x20 && spaceAsPlus) {
      out += StringPrototypeSlice(s, start, i) + '+';
      start = i + 1;
      continue;
    }
    const cp = codePointAt(s, i, len);
    out += StringPrototypeSlice(s, start, i) + encodeCodePoint(cp, set);
    if (cp > 0xFFFF) i++;
    start = i + 1;
  }
  return start === 0 ? s : out + StringPrototypeSlice(s, start);
}

function hexValue(b) {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

// Percent-decode bytes[start, end) into a new Uint8Array, also turning 0x2B (+) into 0x20 when
// plusAsSpace (the form parser's replacement, which happens before percent-decoding).
function percentDecodeBytes(bytes, start, end, plusAsSpace) {
  const out = new Uint8Array(end - start);
  let j = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < end) {
      const hi = hexValue(bytes[i + 1]);
      const lo = hexValue(bytes[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[j++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[j++] = b === 0x2B && plusAsSpace ? 0x20 : b;
  }
  return j === out.length ? out : new Uint8Array(TypedArrayPrototypeGetBuffer(out), 0, j);
}

// "UTF-8 decode without BOM" of the percent-decoding of the UTF-8 encoding of s (invalid
// sequences become U+FFFD), with '+' read as a space first when plusAsSpace (the form parser).
function percentDecodeString(s, plusAsSpace) {
  if (StringPrototypeIndexOf(s, '%') === -1) {
    if (!plusAsSpace || StringPrototypeIndexOf(s, '+') === -1) return toUSVString(s);
    // only '+' to replace
    let out = '';
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      if (StringPrototypeCharCodeAt(s, i) === 0x2B) {
        out += StringPrototypeSlice(s, start, i) + ' ';
        start = i + 1;
      }
    }
    return toUSVString(out + StringPrototypeSlice(s, start));
  }
  const bytes = utf8Encode(s);
  return utf8Decode(percentDecodeBytes(bytes, 0, bytes.length, plusAsSpace), false);
}

// ---------------------------------------------------------------------------------------------
// Hosts

// Forbidden host code points; forbidden domain code points add C0 controls, '%' and U+007F.
const FORBIDDEN_HOST = makeSet('empty', '\0\t\n\r #/:<>?@[\\]^|');
const FORBIDDEN_DOMAIN = makeSet(makeSet(null, '%'), '\0\t\n\r #/:<>?@[\\]^|');

function isASCIIDigit(c) { return c >= 0x30 && c <= 0x39; }
function isASCIIAlpha(c) { return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A); }
function isASCIIHexDigit(c) { return hexValue(c) >= 0; }

// The host parser. Returns the serialized host, or null for failure.
function parseHost(input, isOpaque) {
  const len = input.length;
  if (len > 0 && StringPrototypeCharCodeAt(input, 0) === 0x5B) {  // [
    if (StringPrototypeCharCodeAt(input, len - 1) !== 0x5D) return null;
    const address = parseIPv6(StringPrototypeSlice(input, 1, len - 1));
    return address === null ? null : '[' + serializeIPv6(address) + ']';
  }
  if (isOpaque) return parseOpaqueHost(input);
  const domain = percentDecodeString(input, false);
  const asciiDomain = domainToASCII(domain);
  if (asciiDomain === null) return null;
  for (let i = 0; i < asciiDomain.length; i++) {
    const c = StringPrototypeCharCodeAt(asciiDomain, i);
    if (c >= 0x80 || FORBIDDEN_DOMAIN[c] === 1) return null;
  }
  if (endsInANumber(asciiDomain)) {
    const ipv4 = parseIPv4(asciiDomain);
    return ipv4 === null ? null : serializeIPv4(ipv4);
  }
  return asciiDomain;
}

// Domain to ASCII with beStrict = false. An ASCII domain with no label starting with "xn--" is
// only lower-cased, as the standard allows; everything else goes to ICU's UTS #46.
function domainToASCII(domain) {
  let result;
  if (isPlainASCIIDomain(domain)) {
    result = asciiLowercase(domain);
  } else {
    result = opDomainToAscii(domain, false);
    if (result === null || hasACELabelDecodingToACEPrefix(result)) return null;
  }
  return result === '' ? null : result;
}

// UTS #46 revisions after the one ICU 72 implements (Unicode 15.0) add a validity criterion:
// with CheckHyphens false, a label must not begin with "xn--", which rejects an ACE label whose
// Punycode decodes to "xn--..." (such as "xn--xn--a--gua"; WPT IdnaTestV2 checks it). The ASCII
// form of such a label necessarily starts with "xn--xn--" (Punycode keeps the basic code points
// first, in order), so only those labels are decoded to check.
function hasACELabelDecodingToACEPrefix(ascii) {
  const labels = splitOnDot(ascii);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label.length > 8 && StringPrototypeSlice(label, 0, 8) === 'xn--xn--') {
      const decoded = opDomainToUnicode(label);
      if (StringPrototypeSlice(decoded, 0, 4) === 'xn--') return true;
    }
  }
  return false;
}

function isPlainASCIIDomain(domain) {
  const len = domain.length;
  let labelStart = 0;
  for (let i = 0; i < len; i++) {
    const c = StringPrototypeCharCodeAt(domain, i);
    if (c >= 0x80) return false;
    if (i === labelStart && i + 3 < len && (c | 0x20) === 0x78 &&  // x
        (StringPrototypeCharCodeAt(domain, i + 1) | 0x20) === 0x6E &&  // n
        StringPrototypeCharCodeAt(domain, i + 2) === 0x2D && StringPrototypeCharCodeAt(domain, i + 3) === 0x2D) {
      return false;
    }
    if (c === 0x2E) labelStart = i + 1;
  }
  return true;
}

function asciiLowercase(s) {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0x41 && c <= 0x5A) return StringPrototypeToLowerCase(s);  // s is ASCII here
  }
  return s;
}

function parseOpaqueHost(input) {
  for (let i = 0; i < input.length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    if (c < 0x80 && FORBIDDEN_HOST[c] === 1) return null;
  }
  return percentEncodeString(input, C0_CONTROL_SET, false);
}

// Splits on '.', without String.prototype.split (which consults Symbol.split).
function splitOnDot(s) {
  const parts = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (StringPrototypeCharCodeAt(s, i) === 0x2E) {
      ArrayPrototypePush(parts, StringPrototypeSlice(s, start, i));
      start = i + 1;
    }
  }
  ArrayPrototypePush(parts, StringPrototypeSlice(s, start));
  return parts;
}

function endsInANumber(input) {
  const parts = splitOnDot(input);
  let n = parts.length;
  if (parts[n - 1] === '') {
    if (n === 1) return false;
    n--;
  }
  const last = parts[n - 1];
  if (last !== '') {
    let digits = true;
    for (let i = 0; i < last.length; i++) {
      if (!isASCIIDigit(StringPrototypeCharCodeAt(last, i))) {
        digits = false;
        break;
      }
    }
    if (digits) return true;
  }
  return parseIPv4Number(last) !== null;
}

// The IPv4 number parser: a number, or null for failure (validation errors are not reported).
function parseIPv4Number(input) {
  const len = input.length;
  if (len === 0) return null;
  let radix = 10;
  let start = 0;
  if (len >= 2 && StringPrototypeCharCodeAt(input, 0) === 0x30) {
    const x = StringPrototypeCharCodeAt(input, 1);
    if (x === 0x78 || x === 0x58) {
      radix = 16;
      start = 2;
    } else {
      radix = 8;
      start = 1;
    }
  }
  if (start === len) return 0;
  let n = 0;
  for (let i = start; i < len; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    let d;
    if (radix === 16) d = hexValue(c);
    else if (c >= 0x30 && c < 0x30 + radix) d = c - 0x30;
    else d = -1;
    if (d < 0) return null;
    n = n * radix + d;  // past 2**53 this loses precision, but is far beyond any valid value
  }
  return n;
}

function parseIPv4(input) {
  const parts = splitOnDot(input);
  let n = parts.length;
  if (parts[n - 1] === '' && n > 1) n--;
  if (n > 4) return null;
  const numbers = [];
  for (let i = 0; i < n; i++) {
    const number = parseIPv4Number(parts[i]);
    if (number === null) return null;
    ArrayPrototypePush(numbers, number);
  }
  for (let i = 0; i < n - 1; i++) {
    if (numbers[i] > 255) return null;
  }
  if (numbers[n - 1] >= 256 ** (5 - n)) return null;
  let ipv4 = numbers[n - 1];
  for (let i = 0; i < n - 1; i++) ipv4 += numbers[i] * 256 ** (3 - i);
  return ipv4;
}

function serializeIPv4(address) {
  let output = '';
  let n = address;
  for (let i = 1; i <= 4; i++) {
    output = '' + (n % 256) + output;
    if (i !== 4) output = '.' + output;
    n = MathFloor(n / 256);
  }
  return output;
}

// The IPv6 parser: an array of 8 pieces, or null for failure.
function parseIPv6(input) {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  const len = input.length;
  const at = (i) => (i < len ? StringPrototypeCharCodeAt(input, i) : EOF);
  let pieceIndex = 0;
  let compress = null;
  let pointer = 0;
  if (at(pointer) === 0x3A) {
    if (at(pointer + 1) !== 0x3A) return null;
    pointer += 2;
    pieceIndex++;
    compress = pieceIndex;
  }
  while (at(pointer) !== EOF) {
    if (pieceIndex === 8) return null;
    if (at(pointer) === 0x3A) {
      if (compress !== null) return null;
      pointer++;
      pieceIndex++;
      compress = pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && isASCIIHexDigit(at(pointer))) {
      value = value * 0x10 + hexValue(at(pointer));
      pointer++;
      length++;
    }
    if (at(pointer) === 0x2E) {
      if (length === 0) return null;
      pointer -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (at(pointer) !== EOF) {
        let ipv4Piece = null;
        if (numbersSeen > 0) {
          if (at(pointer) === 0x2E && numbersSeen < 4) pointer++;
          else return null;
        }
        if (!isASCIIDigit(at(pointer))) return null;
        while (isASCIIDigit(at(pointer))) {
          const number = at(pointer) - 0x30;
          if (ipv4Piece === null) ipv4Piece = number;
          else if (ipv4Piece === 0) return null;
          else ipv4Piece = ipv4Piece * 10 + number;
          if (ipv4Piece > 255) return null;
          pointer++;
        }
        address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (at(pointer) === 0x3A) {
      pointer++;
      if (at(pointer) === EOF) return null;
    } else if (at(pointer) !== EOF) {
      return null;
    }
    address[pieceIndex] = value;
    pieceIndex++;
  }
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const tmp = address[pieceIndex];
      address[pieceIndex] = address[compress + swaps - 1];
      address[compress + swaps - 1] = tmp;
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) {
    return null;
  }
  return address;
}

function serializeIPv6(address) {
  // the first longest run of two or more zero pieces is compressed
  let compress = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (address[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && address[j] === 0) j++;
    if (j - i > bestLength) {
      bestLength = j - i;
      compress = i;
    }
    i = j;
  }
  let output = '';
  let ignore0 = false;
  for (let i = 0; i < 8; i++) {
    if (ignore0 && address[i] === 0) continue;
    ignore0 = false;
    if (compress === i) {
      output += i === 0 ? '::' : ':';
      ignore0 = true;
      continue;
    }
    output += NumberPrototypeToString(address[i], 16);
    if (i !== 7) output += ':';
  }
  return output;
}

// ---------------------------------------------------------------------------------------------
// URL records

const SPECIAL_SCHEMES = { __proto__: null, ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };

function isSpecialScheme(scheme) {
  switch (scheme) {
    case 'http': case 'https': case 'ws': case 'wss': case 'ftp': case 'file':
      return true;
    default:
      return false;
  }
}

// The default port of a special scheme; undefined for others (and null for file).
function defaultPort(scheme) {
  return SPECIAL_SCHEMES[scheme];
}

// A URL record.
const URLRecord = recordClass(class URLRecord {
  constructor(scheme, username, password, host, port, path, query, fragment) {
    this.scheme = scheme;
    this.username = username;
    this.password = password;
    this.host = host;
    this.port = port;
    this.path = path;
    this.query = query;
    this.fragment = fragment;
  }
});

function newRecord() {
  return new URLRecord('', '', '', null, null, [], null, null);
}

function cloneRecord(r) {
  return new URLRecord(r.scheme, r.username, r.password, r.host, r.port,
    typeof r.path === 'string' ? r.path : ArrayPrototypeSlice(r.path), r.query, r.fragment);
}

function includesCredentials(url) {
  return url.username !== '' || url.password !== '';
}

function cannotHaveUsernamePasswordPort(url) {
  return url.host === null || url.host === '' || url.scheme === 'file';
}

function isWindowsDriveLetter(s) {
  if (s.length !== 2 || !isASCIIAlpha(StringPrototypeCharCodeAt(s, 0))) return false;
  const c = StringPrototypeCharCodeAt(s, 1);
  return c === 0x3A || c === 0x7C;
}

function isNormalizedWindowsDriveLetter(s) {
  return s.length === 2 && isASCIIAlpha(StringPrototypeCharCodeAt(s, 0)) &&
    StringPrototypeCharCodeAt(s, 1) === 0x3A;
}

// Whether input[pointer...] starts with a Windows drive letter.
function startsWithWindowsDriveLetter(input, pointer) {
  const len = input.length;
  if (len - pointer < 2) return false;
  if (!isASCIIAlpha(StringPrototypeCharCodeAt(input, pointer))) return false;
  const c1 = StringPrototypeCharCodeAt(input, pointer + 1);
  if (c1 !== 0x3A && c1 !== 0x7C) return false;
  if (len - pointer === 2) return true;
  const c2 = StringPrototypeCharCodeAt(input, pointer + 2);
  return c2 === 0x2F || c2 === 0x5C || c2 === 0x3F || c2 === 0x23;
}

function shortenPath(url) {
  const path = url.path;
  if (url.scheme === 'file' && path.length === 1 && isNormalizedWindowsDriveLetter(path[0])) return;
  if (path.length > 0) path.length -= 1;
}

function isSingleDot(s) {
  return s === '.' || (s.length === 3 && asciiLowercase(s) === '%2e');
}

function isDoubleDot(s) {
  switch (s.length) {
    case 2: return s === '..';
    case 4: {
      const l = asciiLowercase(s);
      return l === '.%2e' || l === '%2e.';
    }
    case 6: return asciiLowercase(s) === '%2e%2e';
    default: return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The basic URL parser

const SCHEME_START = 1;
const SCHEME = 2;
const NO_SCHEME = 3;
const SPECIAL_RELATIVE_OR_AUTHORITY = 4;
const PATH_OR_AUTHORITY = 5;
const RELATIVE = 6;
const RELATIVE_SLASH = 7;
const SPECIAL_AUTHORITY_SLASHES = 8;
const SPECIAL_AUTHORITY_IGNORE_SLASHES = 9;
const AUTHORITY = 10;
const HOST = 11;
const HOSTNAME = 12;
const PORT = 13;
const FILE = 14;
const FILE_SLASH = 15;
const FILE_HOST = 16;
const PATH_START = 17;
const PATH = 18;
const OPAQUE_PATH = 19;
const QUERY = 20;
const FRAGMENT = 21;

// Removes leading and trailing C0 controls and spaces.
function trimControlAndSpace(s) {
  let start = 0;
  let end = s.length;
  while (start < end && StringPrototypeCharCodeAt(s, start) <= 0x20) start++;
  while (end > start && StringPrototypeCharCodeAt(s, end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : StringPrototypeSlice(s, start, end);
}

function removeTabAndNewline(s) {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x09 || c === 0x0A || c === 0x0D) {
      out += StringPrototypeSlice(s, start, i);
      start = i + 1;
    }
  }
  return start === 0 ? s : out + StringPrototypeSlice(s, start);
}

function cpToString(c) {
  return c < 0x80 ? CHARS[c] : StringFromCodePoint(c);
}

// The basic URL parser. Without `url`, parses `input` against `base` (a record or null) and
// returns a new record or null for failure. With `url` and `stateOverride` (the setters), it
// modifies `url` in place; the return value is then meaningless.
//
// The pointer indexes UTF-16 code units; `c` is the code point there (lone surrogates read as
// U+FFFD). Where the standard says "decrease pointer by 1" so that the next round sees the same
// code point again, this sets `again` instead, so that pointer never lands inside a pair.
function basicParse(input, base, url, stateOverride) {
  if (url === undefined) {
    if (base === null) {
      const record = parseNormalizedHttpURL(input);
      if (record !== null) return record;
    }
    url = newRecord();
    input = trimControlAndSpace(input);
  }
  input = removeTabAndNewline(input);
  const len = input.length;
  let state = stateOverride || SCHEME_START;
  let buffer = '';
  let atSignSeen = false;
  let insideBrackets = false;
  let passwordTokenSeen = false;
  let pointer = 0;

  for (;;) {
    const c = pointer < len ? codePointAt(input, pointer, len) : EOF;
    let again = false;

    switch (state) {
      case SCHEME_START:
        if (isASCIIAlpha(c)) {
          buffer += CHARS[c | 0x20];
          state = SCHEME;
        } else if (!stateOverride) {
          state = NO_SCHEME;
          again = true;
        } else {
          return null;
        }
        break;

      case SCHEME:
        if (isASCIIAlpha(c) || isASCIIDigit(c) || c === 0x2B || c === 0x2D || c === 0x2E) {
          buffer += CHARS[c >= 0x41 && c <= 0x5A ? c | 0x20 : c];
        } else if (c === 0x3A) {
          if (stateOverride) {
            if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return url;
            if ((includesCredentials(url) || url.port !== null) && buffer === 'file') return url;
            if (url.scheme === 'file' && url.host === '') return url;
          }
          url.scheme = buffer;
          if (stateOverride) {
            if (url.port === defaultPort(url.scheme)) url.port = null;
            return url;
          }
          buffer = '';
          if (url.scheme === 'file') {
            state = FILE;
          } else if (isSpecialScheme(url.scheme) && base !== null && base.scheme === url.scheme) {
            state = SPECIAL_RELATIVE_OR_AUTHORITY;
          } else if (isSpecialScheme(url.scheme)) {
            state = SPECIAL_AUTHORITY_SLASHES;
          } else if (pointer + 1 < len && StringPrototypeCharCodeAt(input, pointer + 1) === 0x2F) {
            state = PATH_OR_AUTHORITY;
            pointer++;
          } else {
            url.path = '';
            state = OPAQUE_PATH;
          }
        } else if (!stateOverride) {
          buffer = '';
          state = NO_SCHEME;
          pointer = 0;  // start over
          again = true;
        } else {
          return null;
        }
        break;

      case NO_SCHEME:
        if (base === null || (typeof base.path === 'string' && c !== 0x23)) {
          return null;
        } else if (typeof base.path === 'string' && c === 0x23) {
          url.scheme = base.scheme;
          url.path = base.path;
          url.query = base.query;
          url.fragment = '';
          state = FRAGMENT;
        } else if (base.scheme !== 'file') {
          state = RELATIVE;
          again = true;
        } else {
          state = FILE;
          again = true;
        }
        break;

      case SPECIAL_RELATIVE_OR_AUTHORITY:
        if (c === 0x2F && pointer + 1 < len && StringPrototypeCharCodeAt(input, pointer + 1) === 0x2F) {
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
          pointer++;
        } else {
          state = RELATIVE;
          again = true;
        }
        break;

      case PATH_OR_AUTHORITY:
        if (c === 0x2F) {
          state = AUTHORITY;
        } else {
          state = PATH;
          again = true;
        }
        break;

      case RELATIVE:
        url.scheme = base.scheme;
        if (c === 0x2F || (c === 0x5C && isSpecialScheme(url.scheme))) {
          state = RELATIVE_SLASH;
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          url.path = ArrayPrototypeSlice(base.path);
          url.query = base.query;
          if (c === 0x3F) {
            url.query = '';
            state = QUERY;
          } else if (c === 0x23) {
            url.fragment = '';
            state = FRAGMENT;
          } else if (c !== EOF) {
            url.query = null;
            shortenPath(url);
            state = PATH;
            again = true;
          }
        }
        break;

      case RELATIVE_SLASH:
        if (isSpecialScheme(url.scheme) && (c === 0x2F || c === 0x5C)) {
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
        } else if (c === 0x2F) {
          state = AUTHORITY;
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          state = PATH;
          again = true;
        }
        break;

      case SPECIAL_AUTHORITY_SLASHES:
        state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
        if (c === 0x2F && pointer + 1 < len && StringPrototypeCharCodeAt(input, pointer + 1) === 0x2F) {
          pointer++;
        } else {
          again = true;
        }
        break;

      case SPECIAL_AUTHORITY_IGNORE_SLASHES:
        if (c !== 0x2F && c !== 0x5C) {
          state = AUTHORITY;
          again = true;
        }
        break;

      case AUTHORITY:
        if (c === 0x40) {
          if (atSignSeen) buffer = '%40' + buffer;
          atSignSeen = true;
          const blen = buffer.length;
          for (let i = 0; i < blen; i++) {
            const cp = codePointAt(buffer, i, blen);
            if (cp > 0xFFFF) i++;
            if (cp === 0x3A && !passwordTokenSeen) {
              passwordTokenSeen = true;
              continue;
            }
            const encoded = encodeCodePoint(cp, USERINFO_SET);
            if (passwordTokenSeen) url.password += encoded;
            else url.username += encoded;
          }
          buffer = '';
        } else if (c === EOF || c === 0x2F || c === 0x3F || c === 0x23 ||
                   (c === 0x5C && isSpecialScheme(url.scheme))) {
          if (atSignSeen && buffer === '') return null;
          // back to the start of buffer (which holds exactly the code units read since the last
          // '@'), to read it again as the host
          pointer -= buffer.length;
          buffer = '';
          state = HOST;
          again = true;
        } else {
          buffer += cpToString(c);
        }
        break;

      case HOST:
      case HOSTNAME:
        if (stateOverride && url.scheme === 'file') {
          state = FILE_HOST;
          again = true;
        } else if (c === 0x3A && !insideBrackets) {
          if (buffer === '') return null;
          if (stateOverride === HOSTNAME) return null;
          const host = parseHost(buffer, !isSpecialScheme(url.scheme));
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = PORT;
        } else if (c === EOF || c === 0x2F || c === 0x3F || c === 0x23 ||
                   (c === 0x5C && isSpecialScheme(url.scheme))) {
          again = true;
          const special = isSpecialScheme(url.scheme);
          if (special && buffer === '') return null;
          if (stateOverride && buffer === '' && (includesCredentials(url) || url.port !== null)) {
            return null;
          }
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = PATH_START;
          if (stateOverride) return url;
        } else {
          if (c === 0x5B) insideBrackets = true;
          if (c === 0x5D) insideBrackets = false;
          buffer += cpToString(c);
        }
        break;

      case PORT:
        if (isASCIIDigit(c)) {
          buffer += CHARS[c];
        } else if (c === EOF || c === 0x2F || c === 0x3F || c === 0x23 ||
                   (c === 0x5C && isSpecialScheme(url.scheme)) || stateOverride) {
          if (buffer !== '') {
            let port = 0;
            for (let i = 0; i < buffer.length; i++) {
              port = port * 10 + (StringPrototypeCharCodeAt(buffer, i) - 0x30);
              if (port > 65535) return null;
            }
            url.port = port === defaultPort(url.scheme) ? null : port;
            buffer = '';
            if (stateOverride) return url;
          }
          if (stateOverride) return null;
          state = PATH_START;
          again = true;
        } else {
          return null;
        }
        break;

      case FILE:
        url.scheme = 'file';
        url.host = '';
        if (c === 0x2F || c === 0x5C) {
          state = FILE_SLASH;
        } else if (base !== null && base.scheme === 'file') {
          url.host = base.host;
          url.path = ArrayPrototypeSlice(base.path);
          url.query = base.query;
          if (c === 0x3F) {
            url.query = '';
            state = QUERY;
          } else if (c === 0x23) {
            url.fragment = '';
            state = FRAGMENT;
          } else if (c !== EOF) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(input, pointer)) shortenPath(url);
            else url.path = [];
            state = PATH;
            again = true;
          }
        } else {
          state = PATH;
          again = true;
        }
        break;

      case FILE_SLASH:
        if (c === 0x2F || c === 0x5C) {
          state = FILE_HOST;
        } else {
          if (base !== null && base.scheme === 'file') {
            url.host = base.host;
            if (!startsWithWindowsDriveLetter(input, pointer) && base.path.length > 0 &&
                isNormalizedWindowsDriveLetter(base.path[0])) {
              ArrayPrototypePush(url.path, base.path[0]);
            }
          }
          state = PATH;
          again = true;
        }
        break;

      case FILE_HOST:
        if (c === EOF || c === 0x2F || c === 0x5C || c === 0x3F || c === 0x23) {
          again = true;
          if (!stateOverride && isWindowsDriveLetter(buffer)) {
            // buffer is kept: the path state takes it as the first segment
            state = PATH;
          } else if (buffer === '') {
            url.host = '';
            if (stateOverride) return url;
            state = PATH_START;
          } else {
            let host = parseHost(buffer, false);
            if (host === null) return null;
            if (host === 'localhost') host = '';
            url.host = host;
            if (stateOverride) return url;
            buffer = '';
            state = PATH_START;
          }
        } else {
          buffer += cpToString(c);
        }
        break;

      case PATH_START:
        if (isSpecialScheme(url.scheme)) {
          state = PATH;
          if (c !== 0x2F && c !== 0x5C) again = true;
        } else if (!stateOverride && c === 0x3F) {
          url.query = '';
          state = QUERY;
        } else if (!stateOverride && c === 0x23) {
          url.fragment = '';
          state = FRAGMENT;
        } else if (c !== EOF) {
          state = PATH;
          if (c !== 0x2F) again = true;
        } else if (stateOverride && url.host === null) {
          ArrayPrototypePush(url.path, '');
        }
        break;

      case PATH: {
        const slash = c === 0x2F || (c === 0x5C && isSpecialScheme(url.scheme));
        if (c === EOF || slash || (!stateOverride && (c === 0x3F || c === 0x23))) {
          if (isDoubleDot(buffer)) {
            shortenPath(url);
            if (!slash) ArrayPrototypePush(url.path, '');
          } else if (isSingleDot(buffer)) {
            if (!slash) ArrayPrototypePush(url.path, '');
          } else {
            if (url.scheme === 'file' && url.path.length === 0 && isWindowsDriveLetter(buffer)) {
              buffer = StringPrototypeSlice(buffer, 0, 1) + ':';
            }
            ArrayPrototypePush(url.path, buffer);
          }
          buffer = '';
          if (c === 0x3F) {
            url.query = '';
            state = QUERY;
          } else if (c === 0x23) {
            url.fragment = '';
            state = FRAGMENT;
          }
        } else if (c < 0x80 && PATH_SET[c] === 0 && c !== 0x2F && c !== 0x5C) {
          // a run of code points that are copied unchanged (none of them ends the segment)
          let end = pointer + 1;
          while (end < len) {
            const d = StringPrototypeCharCodeAt(input, end);
            if (d >= 0x80 || PATH_SET[d] === 1 || d === 0x2F || d === 0x5C || d === 0x3F ||
                d === 0x23) break;
            end++;
          }
          buffer += StringPrototypeSlice(input, pointer, end);
          pointer = end - 1;
        } else {
          buffer += encodeCodePoint(c, PATH_SET);
        }
        break;
      }

      case OPAQUE_PATH:
        if (c === 0x3F) {
          url.query = '';
          state = QUERY;
        } else if (c === 0x23) {
          url.fragment = '';
          state = FRAGMENT;
        } else if (c === 0x20) {
          const next = pointer + 1 < len ? StringPrototypeCharCodeAt(input, pointer + 1) : EOF;
          url.path += next === 0x3F || next === 0x23 ? '%20' : ' ';
        } else if (c !== EOF) {
          if (c < 0x80 && C0_CONTROL_SET[c] === 0) {
            let end = pointer + 1;
            while (end < len) {
              const d = StringPrototypeCharCodeAt(input, end);
              if (d >= 0x80 || C0_CONTROL_SET[d] === 1 || d === 0x3F || d === 0x23 || d === 0x20) break;
              end++;
            }
            url.path += StringPrototypeSlice(input, pointer, end);
            pointer = end - 1;
          } else {
            url.path += encodeCodePoint(c, C0_CONTROL_SET);
          }
        }
        break;

      case QUERY:
        // UTF-8 is the only encoding, so each code point is encoded as it is read rather than
        // buffered until '#' or the end.
        if ((!stateOverride && c === 0x23) || c === EOF) {
          if (c === 0x23) {
            url.fragment = '';
            state = FRAGMENT;
          }
        } else {
          const set = isSpecialScheme(url.scheme) ? SPECIAL_QUERY_SET : QUERY_SET;
          if (c < 0x80 && set[c] === 0) {
            let end = pointer + 1;
            while (end < len) {
              const d = StringPrototypeCharCodeAt(input, end);
              if (d >= 0x80 || set[d] === 1) break;  // '#' is in both sets
              end++;
            }
            url.query += StringPrototypeSlice(input, pointer, end);
            pointer = end - 1;
          } else {
            url.query += encodeCodePoint(c, set);
          }
        }
        break;

      case FRAGMENT:
        if (c !== EOF) {
          if (c < 0x80 && FRAGMENT_SET[c] === 0) {
            let end = pointer + 1;
            while (end < len) {
              const d = StringPrototypeCharCodeAt(input, end);
              if (d >= 0x80 || FRAGMENT_SET[d] === 1) break;
              end++;
            }
            url.fragment += StringPrototypeSlice(input, pointer, end);
            pointer = end - 1;
          } else {
            url.fragment += encodeCodePoint(c, FRAGMENT_SET);
          }
        }
        break;

      default:
        throw new TypeError('URL parser: unknown state');
    }

    if (again) continue;
    if (pointer >= len) break;
    pointer += c > 0xFFFF ? 2 : 1;
  }
  return url;
}

// ---------------------------------------------------------------------------------------------
// Serializers

function serializePath(url) {
  const path = url.path;
  if (typeof path === 'string') return path;
  let output = '';
  for (let i = 0; i < path.length; i++) output += '/' + path[i];
  return output;
}

export function serializeURL(url, excludeFragment = false) {
  let output = url.scheme + ':';
  if (url.host !== null) {
    output += '//';
    if (includesCredentials(url)) {
      output += url.username;
      if (url.password !== '') output += ':' + url.password;
      output += '@';
    }
    output += url.host;
    if (url.port !== null) output += ':' + url.port;
  }
  if (url.host === null && typeof url.path !== 'string' && url.path.length > 1 && url.path[0] === '') {
    output += '/.';
  }
  output += serializePath(url);
  if (url.query !== null) output += '?' + url.query;
  if (!excludeFragment && url.fragment !== null) output += '#' + url.fragment;
  return output;
}

export function serializeOrigin(url) {
  switch (url.scheme) {
    case 'blob': {
      const pathURL = basicParse(serializePath(url), null);
      if (pathURL !== null && (pathURL.scheme === 'http' || pathURL.scheme === 'https')) {
        return serializeOrigin(pathURL);
      }
      return 'null';
    }
    case 'ftp':
    case 'http':
    case 'https':
    case 'ws':
    case 'wss':
      return url.scheme + '://' + url.host + (url.port !== null ? ':' + url.port : '');
    default:
      return 'null';
  }
}

// Whether `input` is an http: or https: URL without credentials that the URL parser returns
// unchanged: serializeURL(parseURL(input)) === input. A quick scan for the common shape,
// conservative (false only means "parse it"): "http://" or "https://", a host of lowercase
// letters, digits, '-' and '.' (a domain whose last label starts with a letter and no label
// with "xn--", or a dotted-decimal IPv4 address in canonical form), an optional port other
// than the scheme's default without leading zeros, then a path and query of printable ASCII
// that needs no percent-encoding, no dot segments and no fragment. Requests that `dynworker
// serve` builds from request heads, and those that arrive over RPC (made from a Request, so
// already normalized), skip the parser.
export function isNormalizedHttpURL(input) {
  if (typeof input !== 'string') return false;  // an Array's length is not its text's
  const len = input.length;
  if (len < 9 || StringPrototypeCharCodeAt(input, 0) !== 0x68) return false;  // h
  let i;
  let defaultPort;
  if (StringPrototypeSlice(input, 0, 7) === 'http://') {
    i = 7;
    defaultPort = 80;
  } else if (StringPrototypeSlice(input, 0, 8) === 'https://') {
    i = 8;
    defaultPort = 443;
  } else {
    return false;
  }
  // Host.
  const hostStart = i;
  let labelStart = i;
  let labels = 0;
  let allDigitLabels = true;
  let xnLabel = false;
  let c = 0;
  for (; i < len; i++) {
    c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x2E || c === 0x3A || c === 0x2F) {  // . : /
      const labelLength = i - labelStart;
      if (labelLength === 0) return false;
      labels++;
      if (c !== 0x2E) break;
      labelStart = i + 1;
      continue;
    }
    if (c >= 0x61 && c <= 0x7A) {  // a-z
      allDigitLabels = false;
      if (c === 0x78 && i === labelStart && i + 3 < len &&
          StringPrototypeCharCodeAt(input, i + 1) === 0x6E &&
          StringPrototypeCharCodeAt(input, i + 2) === 0x2D &&
          StringPrototypeCharCodeAt(input, i + 3) === 0x2D) {
        xnLabel = true;
      }
    } else if (!(c >= 0x30 && c <= 0x39) && c !== 0x2D) {  // 0-9 -
      return false;
    }
  }
  if (i === len) return false;  // no path
  const hostEnd = i;
  const lastLabelFirst = StringPrototypeCharCodeAt(input, labelStart);
  if (lastLabelFirst >= 0x61 && lastLabelFirst <= 0x7A) {
    if (xnLabel) return false;
  } else if (!allDigitLabels || labels !== 4 || !isCanonicalIPv4(input, hostStart, hostEnd)) {
    return false;
  }
  // Port.
  if (c === 0x3A) {
    const portStart = ++i;
    let port = 0;
    for (; i < len; i++) {
      c = StringPrototypeCharCodeAt(input, i);
      if (c === 0x2F) break;
      if (c < 0x30 || c > 0x39) return false;
      port = port * 10 + (c - 0x30);
      if (port > 65535) return false;
    }
    if (i === len || i === portStart || StringPrototypeCharCodeAt(input, portStart) === 0x30 ||
        port === defaultPort) {
      return false;
    }
  }
  // Path: i is at its first '/'.
  for (; i < len; i++) {
    c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x2F) {
      const next = i + 1 < len ? StringPrototypeCharCodeAt(input, i + 1) : 0;
      if ((next === 0x2E || next === 0x25) && isDotSegmentAt(input, i + 1, len)) return false;
      continue;
    }
    if (c === 0x3F) break;  // ?
    if (c <= 0x20 || c >= 0x7F || c === 0x22 || c === 0x23 || c === 0x3C || c === 0x3E ||
        c === 0x5B || c === 0x5C || c === 0x5D || c === 0x5E || c === 0x60 || c === 0x7B ||
        c === 0x7C || c === 0x7D) {
      return false;
    }
  }
  // Query.
  for (i++; i < len; i++) {
    c = StringPrototypeCharCodeAt(input, i);
    if (c <= 0x20 || c >= 0x7F || c === 0x22 || c === 0x23 || c === 0x27 || c === 0x3C ||
        c === 0x3E) {
      return false;
    }
  }
  return true;
}

// The record basicParse(input, null) returns for an input isNormalizedHttpURL accepts, cut out
// of the input directly, or null for any other input. Such an input serializes to itself, and
// its parts need no processing (the host is a lowercase ASCII domain or a canonical IPv4
// address, the port is not the default, path and query need no percent-encoding and have no dot
// segments, there is no fragment or credentials), so they are its own substrings: the host up to
// ':' or the first '/', the path segments between '/'s up to the first '?', the query after it.
// The state machine costs several times as much (a string concatenation per character); most
// URLs a worker parses are its requests' (new URL(request.url)).
function parseNormalizedHttpURL(input) {
  if (!isNormalizedHttpURL(input)) return null;
  const len = input.length;
  const https = StringPrototypeCharCodeAt(input, 4) === 0x73;  // s
  let i = https ? 8 : 7;
  const hostStart = i;
  let c = StringPrototypeCharCodeAt(input, i);
  while (c !== 0x3A && c !== 0x2F) c = StringPrototypeCharCodeAt(input, ++i);  // : /
  const host = StringPrototypeSlice(input, hostStart, i);
  let port = null;
  if (c === 0x3A) {
    port = 0;
    for (c = StringPrototypeCharCodeAt(input, ++i); c !== 0x2F; c = StringPrototypeCharCodeAt(input, ++i)) {
      port = port * 10 + (c - 0x30);
    }
  }
  // i is at the path's first '/'.
  const path = [];
  let query = null;
  let segmentStart = ++i;
  for (; i < len; i++) {
    c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x2F) {
      ArrayPrototypePush(path, StringPrototypeSlice(input, segmentStart, i));
      segmentStart = i + 1;
    } else if (c === 0x3F) {  // ?
      query = StringPrototypeSlice(input, i + 1);
      break;
    }
  }
  ArrayPrototypePush(path, StringPrototypeSlice(input, segmentStart, i));
  return new URLRecord(https ? 'https' : 'http', '', '', host, port, path, query, null);
}

// Four dot-separated decimal numbers 0-255 without leading zeros, in input[start, end).
function isCanonicalIPv4(input, start, end) {
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2E : StringPrototypeCharCodeAt(input, i);
    if (c === 0x2E) {
      if (digits === 0 || value > 255) return false;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39 || (digits === 1 && value === 0)) return false;  // leading zero
    value = value * 10 + (c - 0x30);
    digits++;
    if (digits > 3) return false;
  }
  return true;
}

// Whether the path segment starting at input[start] is "." or ".." (also as %2e/%2E).
function isDotSegmentAt(input, start, len) {
  let end = start;
  while (end < len) {
    const c = StringPrototypeCharCodeAt(input, end);
    if (c === 0x2F || c === 0x3F || c === 0x23) break;
    end++;
  }
  if (end - start > 6) return false;
  const segment = asciiLowercase(StringPrototypeSlice(input, start, end));
  return segment === '.' || segment === '..' || segment === '%2e' || segment === '.%2e' ||
    segment === '%2e.' || segment === '%2e%2e';
}

// The API URL parser. `base` may be undefined/null (none), a string, or a URL record.
export function parseURL(input, base = undefined) {
  let parsedBase = null;
  if (base !== undefined && base !== null) {
    if (typeof base === 'string') {
      parsedBase = basicParse(base, null);
      if (parsedBase === null) return null;
    } else {
      parsedBase = base;
    }
  }
  return basicParse(input, parsedBase);
}

// ---------------------------------------------------------------------------------------------
// application/x-www-form-urlencoded

function parseString(input) {
  const list = [];
  const len = input.length;
  let start = 0;
  while (start <= len) {
    let end = StringPrototypeIndexOf(input, '&', start);
    if (end === -1) end = len;
    if (end > start) {
      const eq = StringPrototypeIndexOf(input, '=', start);
      let name;
      let value;
      if (eq === -1 || eq >= end) {
        name = StringPrototypeSlice(input, start, end);
        value = '';
      } else {
        name = StringPrototypeSlice(input, start, eq);
        value = StringPrototypeSlice(input, eq + 1, end);
      }
      ArrayPrototypePush(list, [percentDecodeString(name, true), percentDecodeString(value, true)]);
    }
    start = end + 1;
  }
  return list;
}

function parseBytes(bytes) {
  const list = [];
  const len = bytes.length;
  let start = 0;
  while (start <= len) {
    let end = start;
    while (end < len && bytes[end] !== 0x26) end++;
    if (end > start) {
      let eq = start;
      while (eq < end && bytes[eq] !== 0x3D) eq++;
      const name = percentDecodeBytes(bytes, start, eq, true);
      const value = eq < end ? percentDecodeBytes(bytes, eq + 1, end, true) : new Uint8Array(0);
      ArrayPrototypePush(list, [utf8Decode(name, false), utf8Decode(value, false)]);
    }
    start = end + 1;
  }
  return list;
}

// A Uint8Array over the bytes of an ArrayBuffer or view.
function bytesOf(input) {
  if (ArrayBufferIsView(input)) {
    if (TypedArrayPrototypeGetSymbolToStringTag(input) !== undefined) {
      return new Uint8Array(TypedArrayPrototypeGetBuffer(input), TypedArrayPrototypeGetByteOffset(input),
        TypedArrayPrototypeGetByteLength(input));
    }
    return new Uint8Array(DataViewPrototypeGetBuffer(input), DataViewPrototypeGetByteOffset(input),
      DataViewPrototypeGetByteLength(input));
  }
  return new Uint8Array(input, 0, ArrayBufferPrototypeGetByteLength(input));
}

// The application/x-www-form-urlencoded parser, of a string (taken as its UTF-8 encoding) or of
// bytes (ArrayBuffer or view). Returns an array of [name, value] arrays.
export function urlencodedParse(input) {
  if (typeof input === 'string') return parseString(input);
  return parseBytes(bytesOf(input));
}

// The application/x-www-form-urlencoded serializer (UTF-8), of an array of [name, value].
export function urlencodedSerialize(list) {
  let output = '';
  for (let i = 0; i < list.length; i++) {
    const pair = list[i];
    if (i > 0) output += '&';
    output += percentEncodeString(pair[0], FORM_URLENCODED_SET, true) + '=' +
      percentEncodeString(pair[1], FORM_URLENCODED_SET, true);
  }
  return output;
}

// ---------------------------------------------------------------------------------------------
// URLSearchParams

const customInspect = SymbolFor('nodejs.util.inspect.custom');

// Accessors to the classes' private state, set in their static blocks.
let paramsList;        // (params) -> list
let setParamsList;     // (params, list) -> void
let linkParams;        // (params, urlObject) -> void
let isParams;          // (v) -> boolean
let urlRecordOf;       // (urlObject) -> record
let isURLObject;       // (v) -> boolean

// Runs the update steps: the linked URL's query follows the list.
function updateParams(params, list, urlObject) {
  if (urlObject === null) return;
  const serialized = urlencodedSerialize(list);
  urlRecordOf(urlObject).query = serialized === '' ? null : serialized;
}

// Web IDL: iterate `obj` with `method` (its @@iterator), calling `each(value)` per item.
function iterate(obj, method, each) {
  const iterator = ReflectApply(method, obj, []);
  if (iterator === null || (typeof iterator !== 'object' && typeof iterator !== 'function')) {
    throw new TypeError('Result of the Symbol.iterator method is not an object');
  }
  const next = iterator.next;
  for (;;) {
    const result = ReflectApply(next, iterator, []);
    if (result === null || (typeof result !== 'object' && typeof result !== 'function')) {
      throw new TypeError(`Iterator result ${String(result)} is not an object`);
    }
    if (result.done) return;
    each(result.value);
  }
}

function isObject(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function');
}

const kConstructInit = "Failed to construct 'URLSearchParams': ";

function initList(init) {
  const list = [];
  if (isObject(init)) {
    const method = init[SymbolIterator];
    if (method !== undefined && method !== null) {
      if (typeof method !== 'function') {
        throw new TypeError(kConstructInit + 'The object must have a callable @@iterator property.');
      }
      // sequence<sequence<USVString>>
      iterate(init, method, (pair) => {
        if (!isObject(pair)) {
          throw new TypeError(kConstructInit + 'The provided value cannot be converted to a sequence.');
        }
        const pairMethod = pair[SymbolIterator];
        if (typeof pairMethod !== 'function') {
          throw new TypeError(kConstructInit + 'The provided value cannot be converted to a sequence.');
        }
        const items = [];
        iterate(pair, pairMethod, (item) => ArrayPrototypePush(items, toUSVString(item)));
        if (items.length !== 2) {
          throw new TypeError(kConstructInit + `Each name-value pair must have exactly 2 items, ` +
            `but one has ${items.length}.`);
        }
        ArrayPrototypePush(list, items);
      });
      return list;
    }
    // record<USVString, USVString>
    const keys = ReflectOwnKeys(init);
    const index = new SafeMap();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const desc = ReflectGetOwnPropertyDescriptor(init, key);
      if (desc === undefined || !desc.enumerable) continue;
      const name = toUSVString(key);
      const value = toUSVString(init[key]);
      const at = index.get(name);
      if (at !== undefined) {
        list[at][1] = value;
      } else {
        index.set(name, list.length);
        ArrayPrototypePush(list, [name, value]);
      }
    }
    return list;
  }
  let s = toUSVString(init);
  if (s.length > 0 && StringPrototypeCharCodeAt(s, 0) === 0x3F) s = StringPrototypeSlice(s, 1);
  return parseString(s);
}

export class URLSearchParams {
  #list = [];
  #url = null;  // the URL object this belongs to, if any

  static {
    paramsList = (p) => p.#list;
    setParamsList = (p, list) => { p.#list = list; };
    linkParams = (p, u) => { p.#url = u; };
    isParams = (v) => isObject(v) && #list in v;
  }

  constructor(init = '') {
    this.#list = initList(init);
  }

  append(name, value) {
    if (!isParams(this)) throw illegalInvocation();
    if (arguments.length < 2) throw argumentsRequired('append', 'URLSearchParams', 2, arguments.length);
    ArrayPrototypePush(this.#list, [toUSVString(name), toUSVString(value)]);
    updateParams(this, this.#list, this.#url);
  }

  delete(name, value = undefined) {
    if (!isParams(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('delete', 'URLSearchParams', 1, 0);
    name = toUSVString(name);
    const matchValue = value !== undefined;
    if (matchValue) value = toUSVString(value);
    const list = this.#list;
    const kept = [];
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      if (pair[0] === name && (!matchValue || pair[1] === value)) continue;
      ArrayPrototypePush(kept, pair);
    }
    this.#list = kept;
    updateParams(this, kept, this.#url);
  }

  get(name) {
    if (!isParams(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('get', 'URLSearchParams', 1, 0);
    name = toUSVString(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) return list[i][1];
    }
    return null;
  }

  getAll(name) {
    if (!isParams(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('getAll', 'URLSearchParams', 1, 0);
    name = toUSVString(name);
    const list = this.#list;
    const values = [];
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) ArrayPrototypePush(values, list[i][1]);
    }
    return values;
  }

  has(name, value = undefined) {
    if (!isParams(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('has', 'URLSearchParams', 1, 0);
    name = toUSVString(name);
    const matchValue = value !== undefined;
    if (matchValue) value = toUSVString(value);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name && (!matchValue || list[i][1] === value)) return true;
    }
    return false;
  }

  set(name, value) {
    if (!isParams(this)) throw illegalInvocation();
    if (arguments.length < 2) throw argumentsRequired('set', 'URLSearchParams', 2, arguments.length);
    name = toUSVString(name);
    value = toUSVString(value);
    const list = this.#list;
    const kept = [];
    let found = false;
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      if (pair[0] === name) {
        if (found) continue;
        found = true;
        pair[1] = value;
      }
      ArrayPrototypePush(kept, pair);
    }
    if (!found) ArrayPrototypePush(kept, [name, value]);
    this.#list = kept;
    updateParams(this, kept, this.#url);
  }

  sort() {
    if (!isParams(this)) throw illegalInvocation();
    // Array.prototype.sort is stable; '<' on strings compares UTF-16 code units.
    ArrayPrototypeSort(this.#list, (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    updateParams(this, this.#list, this.#url);
  }

  toString() {
    if (!isParams(this)) throw illegalInvocation();
    return urlencodedSerialize(this.#list);
  }

  get size() {
    if (!isParams(this)) throw illegalInvocation();
    return this.#list.length;
  }

  entries() {
    if (!isParams(this)) throw illegalInvocation();
    return createParamsIterator(this, kPairEntries);
  }

  keys() {
    if (!isParams(this)) throw illegalInvocation();
    return createParamsIterator(this, kPairKeys);
  }

  values() {
    if (!isParams(this)) throw illegalInvocation();
    return createParamsIterator(this, kPairValues);
  }

  forEach(callback, thisArg = undefined) {
    if (!isParams(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('forEach', 'URLSearchParams', 1, 0);
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': " +
        "parameter 1 is not of type 'Function'.");
    }
    // the list is read again each round: the callback may change it
    for (let i = 0; i < this.#list.length; i++) {
      const pair = this.#list[i];
      ReflectApply(callback, thisArg, [pair[1], pair[0], this]);
    }
  }

  [customInspect](depth, options, inspect) {
    if (!isParams(this)) return this;
    const list = this.#list;
    if (list.length === 0) return 'URLSearchParams {}';
    let out = 'URLSearchParams { ';
    for (let i = 0; i < list.length; i++) {
      if (i > 0) out += ', ';
      out += inspect(list[i][0], options) + ' => ' + inspect(list[i][1], options);
    }
    return out + ' }';
  }
}

// ---- URLSearchParams Iterator ----

const createParamsIterator = definePairIterator('URLSearchParams Iterator',
  (params, index) => paramsList(params)[index]).create;

// ---------------------------------------------------------------------------------------------
// URL

const kFromRecord = { __proto__: null };  // a token user code cannot get hold of

function invalidURL(input) {
  return new TypeError(`Invalid URL: ${input}`);
}

export class URL {
  #url;
  #query;

  static {
    urlRecordOf = (u) => u.#url;
    isURLObject = (v) => isObject(v) && #url in v;
  }

  constructor(url, base = undefined) {
    if (url === kFromRecord) {  // URL.parse(): `base` is the parsed record
      this.#url = base;
    } else {
      if (arguments.length < 1) throw argumentsRequired('constructor', 'URL', 1, 0);
      url = toUSVString(url);
      let parsedBase = null;
      if (base !== undefined) {
        base = toUSVString(base);
        parsedBase = basicParse(base, null);
        if (parsedBase === null) throw new TypeError(`Invalid base URL: ${base}`);
      }
      const record = basicParse(url, parsedBase);
      if (record === null) throw invalidURL(url);
      this.#url = record;
    }
    const query = new URLSearchParams();
    if (this.#url.query !== null) setParamsList(query, parseString(this.#url.query));
    linkParams(query, this);
    this.#query = query;
  }

  static parse(url, base = undefined) {
    if (arguments.length < 1) throw argumentsRequired('parse', 'URL', 1, 0);
    const record = apiParse(url, base);
    return record === null ? null : new URL(kFromRecord, record);
  }

  static canParse(url, base = undefined) {
    if (arguments.length < 1) throw argumentsRequired('canParse', 'URL', 1, 0);
    return apiParse(url, base) !== null;
  }

  get href() {
    if (!isURLObject(this)) throw illegalInvocation();
    return serializeURL(this.#url, false);
  }

  set href(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('href', 'URL', 1, 0);
    value = toUSVString(value);
    const record = basicParse(value, null);
    if (record === null) throw invalidURL(value);
    this.#url = record;
    setParamsList(this.#query, record.query === null ? [] : parseString(record.query));
  }

  get origin() {
    if (!isURLObject(this)) throw illegalInvocation();
    return serializeOrigin(this.#url);
  }

  get protocol() {
    if (!isURLObject(this)) throw illegalInvocation();
    return this.#url.scheme + ':';
  }

  set protocol(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('protocol', 'URL', 1, 0);
    basicParse(toUSVString(value) + ':', null, this.#url, SCHEME_START);
  }

  get username() {
    if (!isURLObject(this)) throw illegalInvocation();
    return this.#url.username;
  }

  set username(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('username', 'URL', 1, 0);
    value = toUSVString(value);
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    this.#url.username = percentEncodeString(value, USERINFO_SET, false);
  }

  get password() {
    if (!isURLObject(this)) throw illegalInvocation();
    return this.#url.password;
  }

  set password(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('password', 'URL', 1, 0);
    value = toUSVString(value);
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    this.#url.password = percentEncodeString(value, USERINFO_SET, false);
  }

  get host() {
    if (!isURLObject(this)) throw illegalInvocation();
    const url = this.#url;
    if (url.host === null) return '';
    if (url.port === null) return url.host;
    return url.host + ':' + url.port;
  }

  set host(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('host', 'URL', 1, 0);
    value = toUSVString(value);
    if (typeof this.#url.path === 'string') return;
    basicParse(value, null, this.#url, HOST);
  }

  get hostname() {
    if (!isURLObject(this)) throw illegalInvocation();
    const host = this.#url.host;
    return host === null ? '' : host;
  }

  set hostname(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('hostname', 'URL', 1, 0);
    value = toUSVString(value);
    if (typeof this.#url.path === 'string') return;
    basicParse(value, null, this.#url, HOSTNAME);
  }

  get port() {
    if (!isURLObject(this)) throw illegalInvocation();
    const port = this.#url.port;
    return port === null ? '' : '' + port;
  }

  set port(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('port', 'URL', 1, 0);
    value = toUSVString(value);
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    if (value === '') this.#url.port = null;
    else basicParse(value, null, this.#url, PORT);
  }

  get pathname() {
    if (!isURLObject(this)) throw illegalInvocation();
    return serializePath(this.#url);
  }

  set pathname(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('pathname', 'URL', 1, 0);
    value = toUSVString(value);
    const url = this.#url;
    if (typeof url.path === 'string') return;
    url.path = [];
    basicParse(value, null, url, PATH_START);
  }

  get search() {
    if (!isURLObject(this)) throw illegalInvocation();
    const query = this.#url.query;
    return query === null || query === '' ? '' : '?' + query;
  }

  set search(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('search', 'URL', 1, 0);
    value = toUSVString(value);
    const url = this.#url;
    if (value === '') {
      url.query = null;
      setParamsList(this.#query, []);
      return;
    }
    const input = StringPrototypeCharCodeAt(value, 0) === 0x3F ? StringPrototypeSlice(value, 1) : value;
    url.query = '';
    basicParse(input, null, url, QUERY);
    setParamsList(this.#query, parseString(input));
  }

  get searchParams() {
    if (!isURLObject(this)) throw illegalInvocation();
    return this.#query;
  }

  get hash() {
    if (!isURLObject(this)) throw illegalInvocation();
    const fragment = this.#url.fragment;
    return fragment === null || fragment === '' ? '' : '#' + fragment;
  }

  set hash(value) {
    if (!isURLObject(this)) throw illegalInvocation();
    if (arguments.length < 1) throw argumentsRequired('hash', 'URL', 1, 0);
    value = toUSVString(value);
    const url = this.#url;
    if (value === '') {
      url.fragment = null;
      return;
    }
    const input = StringPrototypeCharCodeAt(value, 0) === 0x23 ? StringPrototypeSlice(value, 1) : value;
    url.fragment = '';
    basicParse(input, null, url, FRAGMENT);
  }

  toJSON() {
    if (!isURLObject(this)) throw illegalInvocation();
    return serializeURL(this.#url, false);
  }

  toString() {
    if (!isURLObject(this)) throw illegalInvocation();
    return serializeURL(this.#url, false);
  }

  [customInspect](depth, options, inspect) {
    if (!isURLObject(this)) return this;
    const obj = {
      href: this.href,
      origin: this.origin,
      protocol: this.protocol,
      username: this.username,
      password: this.password,
      host: this.host,
      hostname: this.hostname,
      port: this.port,
      pathname: this.pathname,
      search: this.search,
      hash: this.hash,
    };
    if (depth < 0) return `URL ${inspect(this.href, options)}`;
    return `URL ${inspect(obj, options)}`;
  }
}

// The API URL parser with Web IDL USVString conversion of both arguments.
function apiParse(url, base) {
  url = toUSVString(url);
  let parsedBase = null;
  if (base !== undefined) {
    parsedBase = basicParse(toUSVString(base), null);
    if (parsedBase === null) return null;
  }
  return basicParse(url, parsedBase);
}

// ---------------------------------------------------------------------------------------------
// Web IDL shape: members enumerable, Symbol.toStringTag, @@iterator, the iterator prototype.

function finishInterface(cls, name) {
  const proto = cls.prototype;
  const keys = ReflectOwnKeys(proto);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'constructor' || typeof key === 'symbol') continue;
    const desc = ObjectGetOwnPropertyDescriptor(proto, key);
    desc.enumerable = true;
    ObjectDefineProperty(proto, key, desc);
  }
  const statics = ReflectOwnKeys(cls);
  for (let i = 0; i < statics.length; i++) {
    const key = statics[i];
    if (key === 'prototype' || key === 'length' || key === 'name') continue;
    const desc = ObjectGetOwnPropertyDescriptor(cls, key);
    desc.enumerable = true;
    ObjectDefineProperty(cls, key, desc);
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    __proto__: null, value: name, writable: false, enumerable: false, configurable: true,
  });
}

finishInterface(URL, 'URL');
finishInterface(URLSearchParams, 'URLSearchParams');
ObjectDefineProperty(URLSearchParams.prototype, SymbolIterator, {
  __proto__: null,
  value: URLSearchParams.prototype.entries,
  writable: true,
  enumerable: false,
  configurable: true,
});
// Non-standard members (inspect hooks) stay non-enumerable; finishInterface skips symbols.


// ---------------------------------------------------------------------------------------------
// For other runtime modules

export function isURL(v) {
  return isURLObject(v);
}

export function isURLSearchParams(v) {
  return isParams(v);
}

export function getURLRecord(url) {
  return cloneRecord(urlRecordOf(url));
}

export function getSearchParamsList(params) {
  const list = paramsList(params);
  const out = [];
  for (let i = 0; i < list.length; i++) ArrayPrototypePush(out, [list[i][0], list[i][1]]);
  return out;
}
