// Byte helpers that Request and Response bodies need on every request: kept apart from
// internal:blob, which is loaded on first use, so that bodies do not load it.
//
// Internal API for other runtime modules:
//   copyBufferSource(v)            a copy of an ArrayBuffer / view's bytes as a Uint8Array, or
//                                  undefined when v is neither; TypeError for shared memory
//   isSharedBuffer(buffer)         whether `buffer` is a SharedArrayBuffer
//   utf8DecodeWithoutBOM(bytes)    the Encoding standard's "UTF-8 decode" (strips one BOM)
//
// Everything below uses primordials only: user code may patch any prototype after this module
// is evaluated.

import primordials from 'internal:primordials';
import { isObject } from 'internal:webidl';
import ops from 'internal:ops';

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  StringPrototypeCharCodeAt,
  StringPrototypeSlice,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeSet,
  Uint8Array,
} = primordials;

const { utf8Decode } = ops;

// An op, not a try/catch around SharedArrayBuffer's getter: that throws (and builds a stack)
// for every ordinary buffer, which made each text()/decode() measurably slower.
function isSharedBuffer(buffer) {
  return ops.isSharedArrayBuffer(buffer);
}

function copyBytes(buffer, offset, length) {
  const copy = new Uint8Array(length);
  if (length > 0) TypedArrayPrototypeSet(copy, new Uint8Array(buffer, offset, length));
  return copy;
}

// WebIDL BufferSource (ArrayBuffer or ArrayBufferView, not shared) -> a copy of its bytes, or
// undefined when `value` is neither. A detached buffer has no bytes.
function copyBufferSource(value) {
  if (!isObject(value)) return undefined;
  if (ArrayBufferIsView(value)) {
    let buffer;
    let offset;
    let length;
    if (TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined) {
      buffer = TypedArrayPrototypeGetBuffer(value);
      offset = TypedArrayPrototypeGetByteOffset(value);
      length = TypedArrayPrototypeGetByteLength(value);
    } else {
      buffer = DataViewPrototypeGetBuffer(value);
      try {
        offset = DataViewPrototypeGetByteOffset(value);
        length = DataViewPrototypeGetByteLength(value);
      } catch {
        return new Uint8Array(0);  // detached
      }
    }
    if (isSharedBuffer(buffer)) {
      throw new TypeError('An ArrayBufferView over a SharedArrayBuffer cannot be used here; ' +
        'copy the bytes into a non-shared buffer first.');
    }
    return copyBytes(buffer, offset, length);
  }
  let length;
  try {
    length = ArrayBufferPrototypeGetByteLength(value);
  } catch {
    if (isSharedBuffer(value)) {
      throw new TypeError('A SharedArrayBuffer cannot be used here; copy the bytes into an ' +
        'ArrayBuffer first.');
    }
    return undefined;
  }
  return copyBytes(value, 0, length);
}

// The Encoding standard's "UTF-8 decode": one leading BOM is removed.
function utf8DecodeWithoutBOM(bytes) {
  const s = utf8Decode(bytes, false);
  return s.length > 0 && StringPrototypeCharCodeAt(s, 0) === 0xFEFF ? StringPrototypeSlice(s, 1) : s;
}

export { copyBufferSource, isSharedBuffer, utf8DecodeWithoutBOM };
