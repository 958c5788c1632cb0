// node:util (a modest subset): inspect, format, formatWithOptions, isDeepStrictEqual, types.
//
// types.* are internal:types' side-effect free brand checks on the captured built-ins, so they
// cannot be fooled by Symbol.toStringTag or a replaced prototype. isPromise and isProxy need
// native help and are only present when the runtime provides ops.getPromiseState /
// ops.getProxyDetails.

import primordials from 'internal:primordials';
import { inspect, format, formatWithOptions } from 'internal:inspect';
import { isDeepEqual } from 'internal:deep_equal';
import {
  isAnyArrayBuffer, isArrayBuffer, isArrayBufferView, isBigIntObject, isBooleanObject,
  isBoxedPrimitive, isDataView, isDate, isMap, isNumberObject, isPromise, isProxy, isRegExp, isSet,
  isSharedArrayBuffer, isStringObject, isSymbolObject, isTypedArray, isWeakMap, isWeakSet,
} from 'internal:types';

const { TypedArrayPrototypeGetSymbolToStringTag } = primordials;

// ---------------------------------------------------------------------------------------------
// util.types

function typedArrayCheck(name) {
  return (value) => TypedArrayPrototypeGetSymbolToStringTag(value) === name;
}

const typesObject = {
  isAnyArrayBuffer,
  isArrayBuffer,
  isArrayBufferView,
  isBigInt64Array: typedArrayCheck('BigInt64Array'),
  isBigIntObject,
  isBigUint64Array: typedArrayCheck('BigUint64Array'),
  isBooleanObject,
  isBoxedPrimitive,
  isDataView,
  isDate,
  isFloat32Array: typedArrayCheck('Float32Array'),
  isFloat64Array: typedArrayCheck('Float64Array'),
  isInt16Array: typedArrayCheck('Int16Array'),
  isInt32Array: typedArrayCheck('Int32Array'),
  isInt8Array: typedArrayCheck('Int8Array'),
  isMap,
  isNumberObject,
  isRegExp,
  isSet,
  isSharedArrayBuffer,
  isStringObject,
  isSymbolObject,
  isTypedArray,
  isUint16Array: typedArrayCheck('Uint16Array'),
  isUint32Array: typedArrayCheck('Uint32Array'),
  isUint8Array: typedArrayCheck('Uint8Array'),
  isUint8ClampedArray: typedArrayCheck('Uint8ClampedArray'),
  isWeakMap,
  isWeakSet,
};
if (isPromise !== undefined) typesObject.isPromise = isPromise;
if (isProxy !== undefined) typesObject.isProxy = isProxy;
export const types = typesObject;

// isDeepStrictEqual: node's strict deep equality (assert.deepStrictEqual without the throw); the
// rules are listed in internal:deep_equal.
export function isDeepStrictEqual(a, b) {
  return isDeepEqual(a, b, true);
}

export { inspect, format, formatWithOptions };

export default {
  inspect,
  format,
  formatWithOptions,
  isDeepStrictEqual,
  types,
};
