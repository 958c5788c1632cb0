// DOMException, per WebIDL (https://webidl.spec.whatwg.org/#idl-DOMException).
//
//   new DOMException(message = '', name = 'Error')
//   e.name, e.message, e.code        getters on the prototype (code from the legacy table)
//   DOMException.ABORT_ERR, ...      legacy code constants, on the constructor and prototype
//   DOMException.prototype           inherits from Error.prototype, so `e instanceof Error`
//   e.stack                          own property, as V8 gives Error instances
//
// C++ constructs it through the class registered with ops.setDOMExceptionClass (bootstrap does
// that), as `new DOMException(message, name)`.

import primordials from 'internal:primordials';

const {
  ErrorCaptureStackTrace,
  ErrorPrototype,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectSetPrototypeOf,
  ReflectOwnKeys,
  SafeMap,
  SymbolToStringTag,
  TypeError,
} = primordials;

// Legacy code constants (WebIDL "DOMException names" table plus the codes without a name).
const kConstants = [
  ['INDEX_SIZE_ERR', 1],
  ['DOMSTRING_SIZE_ERR', 2],
  ['HIERARCHY_REQUEST_ERR', 3],
  ['WRONG_DOCUMENT_ERR', 4],
  ['INVALID_CHARACTER_ERR', 5],
  ['NO_DATA_ALLOWED_ERR', 6],
  ['NO_MODIFICATION_ALLOWED_ERR', 7],
  ['NOT_FOUND_ERR', 8],
  ['NOT_SUPPORTED_ERR', 9],
  ['INUSE_ATTRIBUTE_ERR', 10],
  ['INVALID_STATE_ERR', 11],
  ['SYNTAX_ERR', 12],
  ['INVALID_MODIFICATION_ERR', 13],
  ['NAMESPACE_ERR', 14],
  ['INVALID_ACCESS_ERR', 15],
  ['VALIDATION_ERR', 16],
  ['TYPE_MISMATCH_ERR', 17],
  ['SECURITY_ERR', 18],
  ['NETWORK_ERR', 19],
  ['ABORT_ERR', 20],
  ['URL_MISMATCH_ERR', 21],
  ['QUOTA_EXCEEDED_ERR', 22],
  ['TIMEOUT_ERR', 23],
  ['INVALID_NODE_TYPE_ERR', 24],
  ['DATA_CLONE_ERR', 25],
];

// name -> legacy code. Names not listed here (AbortError is, EncodingError is not, ...) have
// code 0.
const kNameToCode = new SafeMap();
{
  const names = [
    ['IndexSizeError', 1],
    ['HierarchyRequestError', 3],
    ['WrongDocumentError', 4],
    ['InvalidCharacterError', 5],
    ['NoModificationAllowedError', 7],
    ['NotFoundError', 8],
    ['NotSupportedError', 9],
    ['InUseAttributeError', 10],
    ['InvalidStateError', 11],
    ['SyntaxError', 12],
    ['InvalidModificationError', 13],
    ['NamespaceError', 14],
    ['InvalidAccessError', 15],
    ['TypeMismatchError', 17],
    ['SecurityError', 18],
    ['NetworkError', 19],
    ['AbortError', 20],
    ['URLMismatchError', 21],
    ['QuotaExceededError', 22],
    ['TimeoutError', 23],
    ['InvalidNodeTypeError', 24],
    ['DataCloneError', 25],
  ];
  for (let i = 0; i < names.length; i++) kNameToCode.set(names[i][0], names[i][1]);
}

let isDOMException;

function illegalInvocation() {
  return new TypeError('Illegal invocation');
}

class DOMException {
  #name;
  #message;

  constructor(message = undefined, name = undefined) {
    // WebIDL DOMString conversion (a Symbol throws a TypeError, as ToString does).
    this.#message = message === undefined ? '' : `${message}`;
    this.#name = name === undefined ? 'Error' : `${name}`;
    // Give it a `stack` like a native Error has. Frames of the constructor(s) are hidden.
    ErrorCaptureStackTrace(this, new.target);
  }

  get name() {
    if (!isDOMException(this)) throw illegalInvocation();
    return this.#name;
  }

  get message() {
    if (!isDOMException(this)) throw illegalInvocation();
    return this.#message;
  }

  get code() {
    if (!isDOMException(this)) throw illegalInvocation();
    const code = kNameToCode.get(this.#name);
    return code === undefined ? 0 : code;
  }

  static {
    // The brand check for other internal modules; not part of the public class.
    isDOMException = (value) =>
      value !== null && (typeof value === 'object' || typeof value === 'function') && #name in value;
  }
}

// WebIDL: the interface prototype object's [[Prototype]] is %Error.prototype%.
ObjectSetPrototypeOf(DOMException.prototype, ErrorPrototype);

// WebIDL attributes are enumerable.
{
  const keys = ReflectOwnKeys(DOMException.prototype);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'constructor') continue;
    const desc = ObjectGetOwnPropertyDescriptor(DOMException.prototype, key);
    desc.enumerable = true;
    ObjectDefineProperty(DOMException.prototype, key, desc);
  }
}

for (let i = 0; i < kConstants.length; i++) {
  const desc = {
    __proto__: null, value: kConstants[i][1], writable: false, enumerable: true, configurable: false,
  };
  ObjectDefineProperty(DOMException, kConstants[i][0], desc);
  ObjectDefineProperty(DOMException.prototype, kConstants[i][0], desc);
}

ObjectDefineProperty(DOMException.prototype, SymbolToStringTag, {
  __proto__: null, value: 'DOMException', writable: false, enumerable: false, configurable: true,
});

export { DOMException, isDOMException };
export default DOMException;
