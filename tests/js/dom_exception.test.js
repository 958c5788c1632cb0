import assert from 'node:assert';

export const defaults = {
  async test() {
    const e = new DOMException();
    assert.strictEqual(e.name, 'Error');
    assert.strictEqual(e.message, '');
    assert.strictEqual(e.code, 0);

    const e2 = new DOMException('boom');
    assert.strictEqual(e2.name, 'Error');
    assert.strictEqual(e2.message, 'boom');

    const e3 = new DOMException(undefined, undefined);
    assert.strictEqual(e3.name, 'Error');
    assert.strictEqual(e3.message, '');
  },
};

export const conversions = {
  async test() {
    const e = new DOMException(42, { toString() { return 'AbortError'; } });
    assert.strictEqual(e.message, '42');
    assert.strictEqual(e.name, 'AbortError');
    assert.strictEqual(e.code, 20);
    assert.strictEqual(new DOMException(null, null).name, 'null');
    assert.strictEqual(new DOMException(null).message, 'null');
    assert.throws(() => new DOMException(Symbol('x')), TypeError);
    assert.throws(() => new DOMException('x', Symbol('y')), TypeError);
  },
};

export const legacyCodes = {
  async test() {
    const table = {
      IndexSizeError: 1,
      HierarchyRequestError: 3,
      WrongDocumentError: 4,
      InvalidCharacterError: 5,
      NoModificationAllowedError: 7,
      NotFoundError: 8,
      NotSupportedError: 9,
      InUseAttributeError: 10,
      InvalidStateError: 11,
      SyntaxError: 12,
      InvalidModificationError: 13,
      NamespaceError: 14,
      InvalidAccessError: 15,
      TypeMismatchError: 17,
      SecurityError: 18,
      NetworkError: 19,
      AbortError: 20,
      URLMismatchError: 21,
      QuotaExceededError: 22,
      TimeoutError: 23,
      InvalidNodeTypeError: 24,
      DataCloneError: 25,
      // Names without a legacy code.
      EncodingError: 0,
      NotReadableError: 0,
      UnknownError: 0,
      ConstraintError: 0,
      DataError: 0,
      TransactionInactiveError: 0,
      ReadOnlyError: 0,
      VersionError: 0,
      OperationError: 0,
      NotAllowedError: 0,
      Error: 0,
      abortError: 0,
      'Made up': 0,
    };
    for (const name of Object.keys(table)) {
      assert.strictEqual(new DOMException('m', name).code, table[name], name);
    }
  },
};

export const constants = {
  async test() {
    const constants = {
      INDEX_SIZE_ERR: 1, DOMSTRING_SIZE_ERR: 2, HIERARCHY_REQUEST_ERR: 3, WRONG_DOCUMENT_ERR: 4,
      INVALID_CHARACTER_ERR: 5, NO_DATA_ALLOWED_ERR: 6, NO_MODIFICATION_ALLOWED_ERR: 7,
      NOT_FOUND_ERR: 8, NOT_SUPPORTED_ERR: 9, INUSE_ATTRIBUTE_ERR: 10, INVALID_STATE_ERR: 11,
      SYNTAX_ERR: 12, INVALID_MODIFICATION_ERR: 13, NAMESPACE_ERR: 14, INVALID_ACCESS_ERR: 15,
      VALIDATION_ERR: 16, TYPE_MISMATCH_ERR: 17, SECURITY_ERR: 18, NETWORK_ERR: 19, ABORT_ERR: 20,
      URL_MISMATCH_ERR: 21, QUOTA_EXCEEDED_ERR: 22, TIMEOUT_ERR: 23, INVALID_NODE_TYPE_ERR: 24,
      DATA_CLONE_ERR: 25,
    };
    for (const name of Object.keys(constants)) {
      assert.strictEqual(DOMException[name], constants[name], name);
      assert.strictEqual(DOMException.prototype[name], constants[name], name);
      assert.strictEqual(new DOMException()[name], constants[name], name);
      const desc = Object.getOwnPropertyDescriptor(DOMException, name);
      assert.strictEqual(desc.writable, false);
      assert.strictEqual(desc.enumerable, true);
      assert.strictEqual(desc.configurable, false);
    }
    assert.strictEqual(DOMException.ABORT_ERR, new DOMException('', 'AbortError').code);
    assert.strictEqual(DOMException.TIMEOUT_ERR, new DOMException('', 'TimeoutError').code);
  },
};

export const errorLike = {
  async test() {
    const e = new DOMException('it broke', 'NotSupportedError');
    assert.ok(e instanceof DOMException);
    assert.ok(e instanceof Error);
    assert.strictEqual(Object.getPrototypeOf(DOMException.prototype), Error.prototype);
    assert.strictEqual(Object.prototype.toString.call(e), '[object DOMException]');
    assert.strictEqual(DOMException.prototype[Symbol.toStringTag], 'DOMException');
    assert.strictEqual(String(e), 'NotSupportedError: it broke');
    assert.strictEqual(typeof e.stack, 'string');
    assert.match(e.stack, /^NotSupportedError: it broke\n/);
    assert.match(e.stack, /dom_exception\.test\./);
    // Attributes are on the prototype, not own properties.
    assert.ok(!Object.prototype.hasOwnProperty.call(e, 'name'));
    assert.ok(!Object.prototype.hasOwnProperty.call(e, 'message'));
    assert.ok(!Object.prototype.hasOwnProperty.call(e, 'code'));
    assert.deepStrictEqual(Object.keys(e), []);
    for (const key of ['name', 'message', 'code']) {
      const desc = Object.getOwnPropertyDescriptor(DOMException.prototype, key);
      assert.strictEqual(typeof desc.get, 'function', key);
      assert.strictEqual(desc.set, undefined, key);
      assert.strictEqual(desc.enumerable, true, key);
      assert.strictEqual(desc.configurable, true, key);
    }
    assert.strictEqual(DOMException.length, 0);
    assert.strictEqual(DOMException.name, 'DOMException');
  },
};

export const throwAndCatch = {
  async test() {
    assert.throws(() => { throw new DOMException('nope', 'InvalidStateError'); }, {
      name: 'InvalidStateError',
      message: 'nope',
      code: 11,
    });
    await assert.rejects(Promise.reject(new DOMException('late', 'AbortError')), (err) => {
      assert.ok(err instanceof DOMException);
      assert.strictEqual(err.name, 'AbortError');
      return true;
    });
  },
};

export const brandChecks = {
  async test() {
    const getter = (key) => Object.getOwnPropertyDescriptor(DOMException.prototype, key).get;
    for (const key of ['name', 'message', 'code']) {
      assert.throws(() => getter(key).call({}), TypeError, key);
      assert.throws(() => DOMException.prototype[key], TypeError, key);
      assert.throws(() => getter(key).call(new Error('x')), TypeError, key);
      assert.throws(() => getter(key).call(1), { name: 'TypeError', message: 'Illegal invocation' });
      assert.throws(() => getter(key).call(undefined), { name: 'TypeError', message: 'Illegal invocation' });
    }
    assert.throws(() => DOMException('x'), TypeError);
  },
};

export const subclass = {
  async test() {
    class MyError extends DOMException {
      constructor(message) {
        super(message, 'DataCloneError');
      }
    }
    const e = new MyError('cannot clone');
    assert.ok(e instanceof MyError);
    assert.ok(e instanceof DOMException);
    assert.ok(e instanceof Error);
    assert.strictEqual(e.name, 'DataCloneError');
    assert.strictEqual(e.code, 25);
    assert.strictEqual(e.message, 'cannot clone');
  },
};

export const robustAgainstPatches = {
  async test() {
    const saved = {
      captureStackTrace: Error.captureStackTrace,
      mapGet: Map.prototype.get,
      call: Function.prototype.call,
      push: Array.prototype.push,
    };
    let result;
    try {
      Error.captureStackTrace = () => { throw new Error('patched captureStackTrace'); };
      Map.prototype.get = () => { throw new Error('patched Map.prototype.get'); };
      Function.prototype.call = () => { throw new Error('patched call'); };
      Array.prototype.push = () => { throw new Error('patched push'); };
      const e = new DOMException('m', 'TimeoutError');
      result = { name: e.name, message: e.message, code: e.code, hasStack: typeof e.stack };
    } finally {
      Error.captureStackTrace = saved.captureStackTrace;
      Map.prototype.get = saved.mapGet;
      Function.prototype.call = saved.call;
      Array.prototype.push = saved.push;
    }
    assert.deepStrictEqual(result, {
      name: 'TimeoutError', message: 'm', code: 23, hasStack: 'string',
    });
  },
};
