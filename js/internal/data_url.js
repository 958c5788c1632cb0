// The Fetch standard's data: URL processor (https://fetch.spec.whatwg.org/#data-urls) and the
// Infra standard's forgiving-base64 decode (https://infra.spec.whatwg.org/#forgiving-base64),
// for fetch() of data: URLs. Not in the startup snapshot: internal:fetch loads it on first use.
//
// Internal API:
//   processDataURL(urlRecord)     -> { mimeType, body } (mimeType serialized, body a
//                                    Uint8Array), or null on failure
//   forgivingBase64Decode(bytes)  -> Uint8Array, or null on failure; `bytes` are the input's
//                                    code units as a Uint8Array (an isomorphic encoding)
//
// Primordials only: user code may patch any prototype after this module is evaluated.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { serializeURL } from 'internal:url';
import { parseMimeType, serializeMimeType } from 'internal:mime_type';

const {
  Int8Array,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeSubarray,
  Uint8Array,
} = primordials;

const { utf8Encode } = ops;

function isAsciiWhitespace(c) {
  return c === 0x09 || c === 0x0A || c === 0x0C || c === 0x0D || c === 0x20;
}

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

// URL standard "percent-decode" of a string: its UTF-8 bytes with %XX sequences decoded.
function percentDecode(input) {
  const bytes = utf8Encode(input);
  const length = TypedArrayPrototypeGetLength(bytes);
  const out = new Uint8Array(length);
  let o = 0;
  for (let i = 0; i < length; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < length) {
      const hi = hexValue(bytes[i + 1]);
      const lo = hexValue(bytes[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[o++] = b;
  }
  return TypedArrayPrototypeSubarray(out, 0, o);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int8Array(256);
for (let i = 0; i < 256; i++) DECODE[i] = -1;
for (let i = 0; i < 64; i++) DECODE[StringPrototypeCharCodeAt(ALPHABET, i)] = i;

function forgivingBase64Decode(bytes) {
  const inputLength = TypedArrayPrototypeGetLength(bytes);
  // 1. Remove ASCII whitespace.
  const data = new Uint8Array(inputLength);
  let length = 0;
  for (let i = 0; i < inputLength; i++) {
    const c = bytes[i];
    if (!isAsciiWhitespace(c)) data[length++] = c;
  }
  // 2. One or two trailing '=' go when the length is a multiple of 4.
  if (length % 4 === 0 && length > 0 && data[length - 1] === 0x3D) {
    length--;
    if (length > 0 && data[length - 1] === 0x3D) length--;
  }
  // 3. A length of 4n+1 cannot be base64.
  if (length % 4 === 1) return null;
  // 4. Only the base64 alphabet is left.
  for (let i = 0; i < length; i++) {
    if (DECODE[data[i]] < 0) return null;
  }
  // 5-8. Six bits per character; leftover bits of a final partial group are discarded.
  const out = new Uint8Array(((length >> 2) * 3) + (length % 4 === 0 ? 0 : (length % 4) - 1));
  let o = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const n = (DECODE[data[i]] << 18) | (DECODE[data[i + 1]] << 12) |
      (DECODE[data[i + 2]] << 6) | DECODE[data[i + 3]];
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xFF;
    out[o++] = n & 0xFF;
  }
  if (length - i === 2) {
    out[o++] = ((DECODE[data[i]] << 2) | (DECODE[data[i + 1]] >> 4)) & 0xFF;
  } else if (length - i === 3) {
    const n = (DECODE[data[i]] << 10) | (DECODE[data[i + 1]] << 4) | (DECODE[data[i + 2]] >> 2);
    out[o++] = (n >> 8) & 0xFF;
    out[o++] = n & 0xFF;
  }
  return out;
}

function asciiLowerCode(c) {
  return c >= 0x41 && c <= 0x5A ? c + 0x20 : c;
}

// Whether `s` ends with ";", zero or more spaces, then "base64" (ASCII case-insensitive);
// returns the index of that ';' or -1.
function base64SuffixStart(s) {
  const n = s.length;
  if (n < 7) return -1;
  const word = 'base64';
  for (let i = 0; i < 6; i++) {
    if (asciiLowerCode(StringPrototypeCharCodeAt(s, n - 6 + i)) !==
        StringPrototypeCharCodeAt(word, i)) {
      return -1;
    }
  }
  let p = n - 7;
  while (p >= 0 && StringPrototypeCharCodeAt(s, p) === 0x20) p--;
  return p >= 0 && StringPrototypeCharCodeAt(s, p) === 0x3B ? p : -1;
}

function processDataURL(url) {
  // 2-3. The URL without its fragment, without "data:".
  const input = StringPrototypeSlice(serializeURL(url, true), 5);
  // 4-6. The MIME type is everything up to the first ',', without surrounding whitespace.
  const comma = StringPrototypeIndexOf(input, ',');
  // 7. No comma: failure.
  if (comma === -1) return null;
  let start = 0;
  let end = comma;
  while (start < end && isAsciiWhitespace(StringPrototypeCharCodeAt(input, start))) start++;
  while (end > start && isAsciiWhitespace(StringPrototypeCharCodeAt(input, end - 1))) end--;
  let mimeType = StringPrototypeSlice(input, start, end);
  // 8-10. The rest, percent-decoded, is the body.
  let body = percentDecode(StringPrototypeSlice(input, comma + 1));
  // 11. ";base64" at the end of the MIME type: the body is base64 (its bytes are its code
  // units, which is what the isomorphic decode then forgiving-base64 would read).
  const suffix = base64SuffixStart(mimeType);
  if (suffix !== -1) {
    body = forgivingBase64Decode(body);
    if (body === null) return null;
    mimeType = StringPrototypeSlice(mimeType, 0, suffix);
  }
  // 12. A MIME type that starts with ';' gets text/plain in front.
  if (mimeType.length > 0 && StringPrototypeCharCodeAt(mimeType, 0) === 0x3B) {
    mimeType = `text/plain${mimeType}`;
  }
  // 13-14. Parse it; an invalid one becomes text/plain;charset=US-ASCII.
  const record = parseMimeType(mimeType);
  return {
    __proto__: null,
    mimeType: record === null ? 'text/plain;charset=US-ASCII' : serializeMimeType(record),
    body,
  };
}

export { processDataURL, forgivingBase64Decode };
