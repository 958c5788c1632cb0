// atob() and btoa(), per the HTML standard
// (https://html.spec.whatwg.org/multipage/webappapis.html#atob) and its "forgiving-base64
// decode" (https://infra.spec.whatwg.org/#forgiving-base64-decode).
//
// Primordials only: user code may patch any prototype after this module is evaluated.
//
// Not in the startup snapshot: evaluated on first use, through the bootstrap's lazy globals.

import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { DOMException } from 'internal:dom_exception';
import { codeUnitsToString, toDOMString } from 'internal:encoding';

const {
  Int8Array,
  NumberPrototypeToString,
  StringPrototypeCharCodeAt,
  StringPrototypePadStart,
  StringPrototypeToUpperCase,
  TypeError,
  TypedArrayPrototypeGetLength,
  Uint8Array,
} = primordials;

const { utf8Decode, utf8Encode } = ops;

const IFACE = 'WorkerGlobalScope';

function codePointName(c) {
  return 'U+' + StringPrototypePadStart(StringPrototypeToUpperCase(NumberPrototypeToString(c, 16)),
    4, '0');
}

// Alphabet: value of each ASCII character, -1 if it is not in the base64 alphabet.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int8Array(128);
const ENCODE = new Uint8Array(64);
for (let i = 0; i < 128; i++) DECODE[i] = -1;
for (let i = 0; i < 64; i++) {
  const c = StringPrototypeCharCodeAt(ALPHABET, i);
  DECODE[c] = i;
  ENCODE[i] = c;
}

const PAD = 64; // marks '=' in the sextet buffer

function invalid(detail) {
  return new DOMException(`Failed to execute 'atob' on '${IFACE}': The string to be decoded is ` +
    `not correctly encoded base64 (${detail}).`, 'InvalidCharacterError');
}

function atob(data) {
  if (arguments.length < 1) {
    throw new TypeError(`Failed to execute 'atob' on '${IFACE}': 1 argument required, but only ` +
      '0 present.');
  }
  data = toDOMString(data);

  // The base64 alphabet, '=' and ASCII whitespace are ASCII, so the string's UTF-8 bytes are
  // its characters up to the first non-ASCII one (which is invalid anyway). The native encoder
  // makes that byte array much faster than reading the string a character at a time.
  const input = utf8Encode(data);
  const inputLength = TypedArrayPrototypeGetLength(input);

  // Remove ASCII whitespace; map every other character to its 6-bit value ('=' to PAD).
  const sextets = new Uint8Array(inputLength);
  let length = 0;
  for (let i = 0; i < inputLength; i++) {
    const c = input[i];
    if (c === 0x20 || c === 0x09 || c === 0x0A || c === 0x0C || c === 0x0D) continue;
    if (c === 0x3D) {
      sextets[length++] = PAD;
      continue;
    }
    const value = c < 128 ? DECODE[c] : -1;
    if (value < 0) {
      // Everything before index i was ASCII, so i is also the index in the string.
      throw invalid(`${codePointName(StringPrototypeCharCodeAt(data, i))} at index ${i} is not ` +
        "in the base64 alphabet A-Z a-z 0-9 + / (with '=' padding and ASCII whitespace allowed)");
    }
    sextets[length++] = value;
  }

  // One or two '=' at the end are removed when the length is a multiple of 4.
  if (length % 4 === 0 && length > 0 && sextets[length - 1] === PAD) {
    length--;
    if (sextets[length - 1] === PAD) length--;
  }
  if (length % 4 === 1) {
    throw invalid(`without whitespace and padding it has ${length} characters; a length of the ` +
      'form 4n+1 cannot be base64');
  }
  for (let i = 0; i < length; i++) {
    if (sextets[i] === PAD) {
      throw invalid("'=' may only appear as one or two padding characters at the end, making " +
        'the length a multiple of 4');
    }
  }

  // 4 characters -> 3 bytes; a final group of 2 or 3 characters gives 1 or 2 bytes (the
  // leftover bits are discarded).
  const outLength = ((length >> 2) * 3) + (length % 4 === 0 ? 0 : (length % 4) - 1);
  const out = new Uint8Array(outLength);
  let o = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const n = (sextets[i] << 18) | (sextets[i + 1] << 12) | (sextets[i + 2] << 6) |
      sextets[i + 3];
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xFF;
    out[o++] = n & 0xFF;
  }
  if (length - i === 2) {
    out[o++] = ((sextets[i] << 2) | (sextets[i + 1] >> 4)) & 0xFF;
  } else if (length - i === 3) {
    const n = (sextets[i] << 10) | (sextets[i + 1] << 4) | (sextets[i + 2] >> 2);
    out[o++] = n >> 8;
    out[o++] = n & 0xFF;
  }

  // Each byte becomes one code unit; the string is built a chunk at a time.
  return codeUnitsToString(out, outLength);
}

function btoa(data) {
  if (arguments.length < 1) {
    throw new TypeError(`Failed to execute 'btoa' on '${IFACE}': 1 argument required, but only ` +
      '0 present.');
  }
  data = toDOMString(data);
  const length = data.length;
  const out = new Uint8Array(((length + 2) / 3 | 0) * 4);
  let o = 0;
  let i = 0;
  for (; i + 3 <= length; i += 3) {
    const a = StringPrototypeCharCodeAt(data, i);
    const b = StringPrototypeCharCodeAt(data, i + 1);
    const c = StringPrototypeCharCodeAt(data, i + 2);
    if ((a | b | c) > 0xFF) throw outsideLatin1(data, i);
    const n = (a << 16) | (b << 8) | c;
    out[o++] = ENCODE[n >> 18];
    out[o++] = ENCODE[(n >> 12) & 63];
    out[o++] = ENCODE[(n >> 6) & 63];
    out[o++] = ENCODE[n & 63];
  }
  if (length - i === 1) {
    const a = StringPrototypeCharCodeAt(data, i);
    if (a > 0xFF) throw outsideLatin1(data, i);
    out[o++] = ENCODE[a >> 2];
    out[o++] = ENCODE[(a << 4) & 63];
    out[o++] = 0x3D;
    out[o++] = 0x3D;
  } else if (length - i === 2) {
    const a = StringPrototypeCharCodeAt(data, i);
    const b = StringPrototypeCharCodeAt(data, i + 1);
    if ((a | b) > 0xFF) throw outsideLatin1(data, i);
    out[o++] = ENCODE[a >> 2];
    out[o++] = ENCODE[((a << 4) | (b >> 4)) & 63];
    out[o++] = ENCODE[(b << 2) & 63];
    out[o++] = 0x3D;
  }
  // The output is ASCII, so the native UTF-8 decoder turns it into a string in one step.
  return utf8Decode(out, false);
}

function outsideLatin1(data, from) {
  let i = from;
  while (StringPrototypeCharCodeAt(data, i) <= 0xFF) i++;
  return new DOMException(`Failed to execute 'btoa' on '${IFACE}': The string to be encoded ` +
    `contains characters outside of the Latin1 range (${codePointName(
      StringPrototypeCharCodeAt(data, i))} at index ${i}). To base64-encode text, encode it to ` +
    'UTF-8 bytes first (TextEncoder) and pass those bytes as a binary string.',
  'InvalidCharacterError');
}

export { atob, btoa };
