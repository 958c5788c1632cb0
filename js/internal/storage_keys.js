// Key helpers shared by the storage bindings (internal:kv, internal:r2): UTF-8 lengths (the
// limits are in bytes), prefix ranges in SQLite's key order, and opaque list cursors.
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { atob, btoa } from 'internal:base64';

const { StringFromCharCode, StringPrototypeCharCodeAt, StringPrototypeSlice, Uint8Array } = primordials;

// UTF-8 length of a JS string (a lone surrogate is U+FFFD: 3 bytes).
export function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
      const d = StringPrototypeCharCodeAt(s, i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    } else n += 3;
  }
  return n;
}

// The smallest string greater than every string starting with `prefix` (in code point order,
// which is SQLite's byte order of UTF-8), or null when there is none. Keys in
// [prefix, upperBound(prefix)) are exactly the keys starting with prefix.
export function prefixUpperBound(prefix) {
  let s = prefix;
  while (s.length > 0) {
    let end = s.length - 1;
    let cp = StringPrototypeCharCodeAt(s, end);
    if (cp >= 0xDC00 && cp <= 0xDFFF && end > 0) {
      const hi = StringPrototypeCharCodeAt(s, end - 1);
      if (hi >= 0xD800 && hi <= 0xDBFF) {
        cp = 0x10000 + ((hi - 0xD800) << 10) + (cp - 0xDC00);
        end -= 1;
      }
    }
    if (cp < 0x10FFFF) {
      let next = cp + 1;
      if (next >= 0xD800 && next <= 0xDFFF) next = 0xE000;
      let tail;
      if (next >= 0x10000) {
        const v = next - 0x10000;
        tail = StringFromCharCode(0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        tail = StringFromCharCode(next);
      }
      return StringPrototypeSlice(s, 0, end) + tail;
    }
    s = StringPrototypeSlice(s, 0, end);
  }
  return null;
}

// Opaque list cursors: the last key returned, UTF-8 then base64.
export function encodeCursor(key) {
  const bytes = ops.utf8Encode(key);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += StringFromCharCode(bytes[i]);
  return btoa(binary);
}
export function decodeCursor(cursor) {
  let binary;
  try {
    binary = atob(cursor);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = StringPrototypeCharCodeAt(binary, i);
  return ops.utf8Decode(bytes, false);
}

