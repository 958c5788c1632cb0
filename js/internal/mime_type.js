// The WHATWG MIME Sniffing standard's MIME type parser and serializer
// (https://mimesniff.spec.whatwg.org/#parsing-a-mime-type), and the Fetch standard's "get,
// decode, and split" of a header value. Kept apart from internal:form_data, which is loaded on
// first use: Request and Response bodies and data: URLs need them without FormData.
//
// Internal API for other runtime modules:
//   parseMimeType(string)         -> { type, subtype, essence, parameters: SafeMap } | null
//   serializeMimeType(mimeType)   -> string
//   splitHeaderValue(string)      -> the values of a header value, split on commas outside
//                                    quoted strings
//   isTokenCodePoint(c)           an HTTP token code point (RFC 9110 tchar)
//   asciiLowercase(s)
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import { isHttpWhitespace } from 'internal:headers';

const {
  SafeMap,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
} = primordials;

// HTTP token code points (RFC 9110 tchar).
const TOKEN = [];
for (let c = 0; c < 128; c++) {
  TOKEN[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) ||
    c === 0x21 || c === 0x23 || c === 0x24 || c === 0x25 || c === 0x26 || c === 0x27 ||
    c === 0x2A || c === 0x2B || c === 0x2D || c === 0x2E || c === 0x5E || c === 0x5F ||
    c === 0x60 || c === 0x7C || c === 0x7E;
}

function isTokenString(s) {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 128 || !TOKEN[c]) return false;
  }
  return true;
}

// HTTP quoted-string token code points: tab, U+0020..U+007E, U+0080..U+00FF.
function isQuotedStringTokenString(s) {
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (!(c === 0x09 || (c >= 0x20 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF))) return false;
  }
  return true;
}

function asciiLowercase(s) {
  let out = '';
  let changed = false;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0x41 && c <= 0x5A) {
      changed = true;
      break;
    }
  }
  if (!changed) return s;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    out += StringFromCharCode(c >= 0x41 && c <= 0x5A ? c + 0x20 : c);
  }
  return out;
}

// "collect an HTTP quoted string" starting at input[position] === '"'. Returns
// [value, newPosition]; with extractValue false, value is the raw text including quotes.
function collectHttpQuotedString(input, position, extractValue) {
  const start = position;
  let value = '';
  position++;
  for (;;) {
    let end = position;
    while (end < input.length) {
      const c = StringPrototypeCharCodeAt(input, end);
      if (c === 0x22 || c === 0x5C) break;
      end++;
    }
    value += StringPrototypeSlice(input, position, end);
    position = end;
    if (position >= input.length) break;
    const quoteOrBackslash = StringPrototypeCharCodeAt(input, position);
    position++;
    if (quoteOrBackslash === 0x5C) {
      if (position >= input.length) {
        value += '\\';
        break;
      }
      value += input[position];
      position++;
    } else {
      break;
    }
  }
  return [extractValue ? value : StringPrototypeSlice(input, start, position), position];
}

function parseMimeType(input) {
  let start = 0;
  let end = input.length;
  while (start < end && isHttpWhitespace(StringPrototypeCharCodeAt(input, start))) start++;
  while (end > start && isHttpWhitespace(StringPrototypeCharCodeAt(input, end - 1))) end--;
  input = StringPrototypeSlice(input, start, end);
  let position = 0;
  const length = input.length;
  while (position < length && StringPrototypeCharCodeAt(input, position) !== 0x2F) position++;
  const type = StringPrototypeSlice(input, 0, position);
  if (!isTokenString(type) || position >= length) return null;
  position++;  // '/'
  let subtypeStart = position;
  while (position < length && StringPrototypeCharCodeAt(input, position) !== 0x3B) position++;
  let subtypeEnd = position;
  while (subtypeEnd > subtypeStart &&
         isHttpWhitespace(StringPrototypeCharCodeAt(input, subtypeEnd - 1))) subtypeEnd--;
  const subtype = StringPrototypeSlice(input, subtypeStart, subtypeEnd);
  if (!isTokenString(subtype)) return null;
  const mimeType = {
    __proto__: null,
    type: asciiLowercase(type),
    subtype: asciiLowercase(subtype),
    essence: '',
    parameters: new SafeMap(),
  };
  mimeType.essence = `${mimeType.type}/${mimeType.subtype}`;
  while (position < length) {
    position++;  // ';'
    while (position < length && isHttpWhitespace(StringPrototypeCharCodeAt(input, position))) {
      position++;
    }
    const nameStart = position;
    while (position < length) {
      const c = StringPrototypeCharCodeAt(input, position);
      if (c === 0x3B || c === 0x3D) break;
      position++;
    }
    const name = asciiLowercase(StringPrototypeSlice(input, nameStart, position));
    if (position < length) {
      if (StringPrototypeCharCodeAt(input, position) === 0x3B) continue;
      position++;  // '='
    }
    if (position >= length) break;
    let value;
    if (StringPrototypeCharCodeAt(input, position) === 0x22) {
      const r = collectHttpQuotedString(input, position, true);
      value = r[0];
      position = r[1];
      while (position < length && StringPrototypeCharCodeAt(input, position) !== 0x3B) position++;
    } else {
      const valueStart = position;
      while (position < length && StringPrototypeCharCodeAt(input, position) !== 0x3B) position++;
      let valueEnd = position;
      while (valueEnd > valueStart &&
             isHttpWhitespace(StringPrototypeCharCodeAt(input, valueEnd - 1))) valueEnd--;
      value = StringPrototypeSlice(input, valueStart, valueEnd);
      if (value === '') continue;
    }
    if (name !== '' && isTokenString(name) && isQuotedStringTokenString(value) &&
        !mimeType.parameters.has(name)) {
      mimeType.parameters.set(name, value);
    }
  }
  return mimeType;
}

function serializeMimeType(mimeType) {
  let out = mimeType.essence;
  for (const { 0: name, 1: value } of mimeType.parameters) {
    out += `;${name}=`;
    if (value !== '' && isTokenString(value)) {
      out += value;
    } else {
      let quoted = '"';
      for (let i = 0; i < value.length; i++) {
        const c = StringPrototypeCharCodeAt(value, i);
        if (c === 0x22 || c === 0x5C) quoted += '\\';
        quoted += value[i];
      }
      out += `${quoted}"`;
    }
  }
  return out;
}

// Splits a header value on commas outside HTTP quoted strings ("get, decode, and split").
function splitOnCommas(input) {
  const values = [];
  let position = 0;
  let temporary = '';
  const length = input.length;
  for (;;) {
    let start = position;
    while (position < length) {
      const c = StringPrototypeCharCodeAt(input, position);
      if (c === 0x22 || c === 0x2C) break;
      position++;
    }
    temporary += StringPrototypeSlice(input, start, position);
    if (position < length && StringPrototypeCharCodeAt(input, position) === 0x22) {
      const r = collectHttpQuotedString(input, position, false);
      temporary += r[0];
      position = r[1];
      if (position < length) continue;
    }
    let s = 0;
    let e = temporary.length;
    while (s < e && (StringPrototypeCharCodeAt(temporary, s) === 0x20 ||
                     StringPrototypeCharCodeAt(temporary, s) === 0x09)) s++;
    while (e > s && (StringPrototypeCharCodeAt(temporary, e - 1) === 0x20 ||
                     StringPrototypeCharCodeAt(temporary, e - 1) === 0x09)) e--;
    values[values.length] = StringPrototypeSlice(temporary, s, e);
    temporary = '';
    if (position >= length) return values;
    position++;  // ','
  }
}

function isTokenCodePoint(c) {
  return c < 128 && TOKEN[c];
}

export {
  parseMimeType,
  serializeMimeType,
  splitOnCommas as splitHeaderValue,
  isTokenCodePoint,
  asciiLowercase,
};
