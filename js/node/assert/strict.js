// node:assert/strict: the strict-mode assert (equal means strictEqual, and so on).
import assert from 'node:assert';

const { strict } = assert;
export default strict;
export const {
  ok, equal, notEqual, strictEqual, notStrictEqual, deepEqual, notDeepEqual, deepStrictEqual,
  notDeepStrictEqual, throws, doesNotThrow, rejects, doesNotReject, match, doesNotMatch, fail,
  AssertionError,
} = strict;
