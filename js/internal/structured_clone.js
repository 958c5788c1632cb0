// structuredClone() for the runtime's own (JS-implemented) platform objects. V8's serializer
// sees a Headers or a Blob as an ordinary object and would clone it as {}; the HTML standard
// clones Blob, File and DOMException faithfully and refuses every other platform object with a
// DataCloneError. A first pass looks for platform objects; values without any (the usual
// case) go to V8's serializer untouched. Otherwise a copy is made in which each Blob, File and
// DOMException is a placeholder (see api/rpc_ops.h) and rebuilt after the clone.
import primordials from 'internal:primordials';
import ops from 'internal:ops';
import { DOMException, isDOMException } from 'internal:dom_exception';
import { replacePlaceholders, setOwn } from 'internal:rpc';
import { blobModule, loadedBlobModule } from 'internal:lazy';

const {
  Array, ArrayIsArray, ArrayBufferIsView, MapPrototypeForEach, ObjectGetPrototypeOf, ObjectKeys,
  ObjectDefineProperty, SafeMap, SafeSet, SetPrototypeForEach, Map, Set, ObjectHasOwn,
} = primordials;

const platformPrototypes = new SafeSet();

// internal:blob is evaluated on first use (internal:lazy): no Blob exists before, so this check
// does not load it.
function isBlob(value) {
  const ns = loadedBlobModule();
  return ns !== null && ns.isBlob(value);
}

// Called by the bootstrap for every interface it installs.
export function registerPlatformClass(cls) {
  if (typeof cls === 'function' && typeof cls.prototype === 'object' && cls.prototype !== null) {
    platformPrototypes.add(cls.prototype);
  }
}

function platformType(value) {
  let proto = ObjectGetPrototypeOf(value);
  while (proto !== null) {
    if (platformPrototypes.has(proto)) {
      const ctor = proto.constructor;
      return typeof ctor === 'function' && typeof ctor.name === 'string' ? ctor.name : 'Object';
    }
    proto = ObjectGetPrototypeOf(proto);
  }
  return null;
}

function cloneError(type) {
  return new DOMException(`Could not serialize object of type "${type}". This type does not ` +
    'support serialization.', 'DataCloneError');
}

// True when `value` holds a platform object anywhere V8's serializer would look.
function needsCopy(value, seen) {
  if (typeof value !== 'object' || value === null || ArrayBufferIsView(value)) return false;
  if (seen.has(value)) return false;
  seen.add(value);
  if (isBlob(value) || isDOMException(value)) return true;
  const type = platformType(value);
  if (type !== null) throw cloneError(type);
  if (value instanceof Map) {
    let found = false;
    MapPrototypeForEach(value, (v, k) => { found = found || needsCopy(k, seen) || needsCopy(v, seen); });
    return found;
  }
  if (value instanceof Set) {
    let found = false;
    SetPrototypeForEach(value, (v) => { found = found || needsCopy(v, seen); });
    return found;
  }
  const keys = ObjectKeys(value);
  for (let i = 0; i < keys.length; i++) {
    if (needsCopy(value[keys[i]], seen)) return true;
  }
  return false;
}

class Copier {
  constructor() {
    this.caps = [];
    this.seen = new SafeMap();
  }

  copy(value) {
    if (typeof value !== 'object' || value === null || ArrayBufferIsView(value)) return value;
    const prior = this.seen.get(value);
    if (prior !== undefined) return prior;
    let out;
    if (isBlob(value)) {
      const { isFile, getBlobBytes, getBlobType, getFileName, getFileLastModified } = blobModule();
      if (isFile(value)) {
        out = this.cap({ __proto__: null, k: 'file', bytes: getBlobBytes(value), type: getBlobType(value),
          name: getFileName(value), lastModified: getFileLastModified(value) });
      } else {
        out = this.cap({ __proto__: null, k: 'blob', bytes: getBlobBytes(value), type: getBlobType(value) });
      }
    } else if (isDOMException(value)) {
      out = this.cap({ __proto__: null, k: 'domexception', name: value.name, message: value.message,
        stack: value.stack });
    } else if (ArrayIsArray(value)) {
      out = new Array(value.length);
      this.seen.set(value, out);
      for (let i = 0; i < value.length; i++) if (ObjectHasOwn(value, i)) out[i] = this.copy(value[i]);
      return out;
    } else if (value instanceof Map) {
      out = new Map();
      this.seen.set(value, out);
      MapPrototypeForEach(value, (v, k) => { out.set(this.copy(k), this.copy(v)); });
      return out;
    } else if (value instanceof Set) {
      out = new Set();
      this.seen.set(value, out);
      SetPrototypeForEach(value, (v) => { out.add(this.copy(v)); });
      return out;
    } else if (ObjectGetPrototypeOf(value) === primordials.ObjectPrototype || ObjectGetPrototypeOf(value) === null) {
      out = {};
      this.seen.set(value, out);
      const keys = ObjectKeys(value);
      for (let i = 0; i < keys.length; i++) setOwn(out, keys[i], this.copy(value[keys[i]]));
      return out;
    } else {
      return value;  // Date, RegExp, boxed primitives, errors...: V8 clones those
    }
    this.seen.set(value, out);
    return out;
  }

  cap(descriptor) {
    this.caps[this.caps.length] = descriptor;
    return ops.rpcPlaceholder(this.caps.length - 1);
  }
}

function rebuild(d) {
  switch (d.k) {
    case 'blob': return blobModule().createBlob(d.bytes, d.type);
    case 'file': return blobModule().createFile(d.bytes, d.name, d.type, d.lastModified);
    default: {
      const error = new DOMException(d.message, d.name);
      if (typeof d.stack === 'string') {
        ObjectDefineProperty(error, 'stack', {
          __proto__: null, value: d.stack, writable: true, enumerable: false, configurable: true,
        });
      }
      return error;
    }
  }
}

export function cloneValue(value, transfer) {
  if (!needsCopy(value, new SafeSet())) return ops.structuredClone(value, transfer);
  const copier = new Copier();
  const copy = copier.copy(value);
  const cloned = ops.structuredClone(copy, transfer);
  return replacePlaceholders(cloned, copier.caps.length, (index) => rebuild(copier.caps[index]));
}
