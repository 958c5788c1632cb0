// Headers (WHATWG Fetch): construction from records, sequences and Headers, name and value
// validation and normalisation, case-insensitivity, combining, sorted iteration with
// set-cookie kept apart, live iteration, guards, Web IDL shape, and robustness against patched
// built-ins.

import assert from 'node:assert';

const entries = (h) => [...h];

// ---------------------------------------------------------------------------------------------
// construction

export const constructEmpty = {
  async test() {
    assert.deepStrictEqual(entries(new Headers()), []);
    assert.deepStrictEqual(entries(new Headers(undefined)), []);
    assert.deepStrictEqual(entries(new Headers({})), []);
    assert.deepStrictEqual(entries(new Headers([])), []);
  },
};

export const constructRejectsNonObjects = {
  async test() {
    for (const init of [null, 1, 'a=b', true, Symbol('x')]) {
      assert.throws(() => new Headers(init), TypeError, String(typeof init));
    }
  },
};

export const constructFromRecord = {
  async test() {
    const h = new Headers({ 'Content-Type': 'text/plain', 'X-Num': 1, 'X-Null': null, 'X-Undef': undefined });
    assert.strictEqual(h.get('content-type'), 'text/plain');
    assert.strictEqual(h.get('x-num'), '1');
    assert.strictEqual(h.get('x-null'), 'null');
    assert.strictEqual(h.get('x-undef'), 'undefined');
    // Only own enumerable properties count.
    const proto = { inherited: 'no' };
    const record = Object.create(proto);
    record.own = 'yes';
    Object.defineProperty(record, 'hidden', { value: 'no', enumerable: false });
    const h2 = new Headers(record);
    assert.deepStrictEqual(entries(h2), [['own', 'yes']]);
  },
};

export const constructFromRecordSymbolKeyThrows = {
  async test() {
    assert.throws(() => new Headers({ a: 'b', [Symbol('s')]: 'c' }), TypeError);
    // A non-enumerable symbol is skipped, as any non-enumerable key is.
    const record = { a: 'b' };
    Object.defineProperty(record, Symbol('s'), { value: 'c', enumerable: false });
    assert.deepStrictEqual(entries(new Headers(record)), [['a', 'b']]);
  },
};

export const recordConversionOrder = {
  async test() {
    // All keys and values are converted before any header is validated and appended.
    const log = [];
    const target = { a: '1', 'b c': '2', d: '3' };
    const proxy = new Proxy(target, {
      ownKeys(t) { log.push('ownKeys'); return Reflect.ownKeys(t); },
      getOwnPropertyDescriptor(t, k) { log.push(`gopd ${String(k)}`); return Reflect.getOwnPropertyDescriptor(t, k); },
      get(t, k, r) { log.push(`get ${String(k)}`); return Reflect.get(t, k, r); },
    });
    assert.throws(() => new Headers(proxy), TypeError);
    assert.deepStrictEqual(log, ['get Symbol(Symbol.iterator)', 'ownKeys', 'gopd a', 'get a',
      'gopd b c', 'get b c', 'gopd d', 'get d']);
  },
};

export const constructFromSequence = {
  async test() {
    const h = new Headers([['A', '1'], ['b', '2'], ['a', '3']]);
    assert.strictEqual(h.get('a'), '1, 3');
    assert.strictEqual(h.get('B'), '2');
    // Any iterable of iterables works; a Map yields [key, value] pairs.
    const h2 = new Headers(new Map([['x', 'y']]));
    assert.strictEqual(h2.get('x'), 'y');
    // "length" is not read: the array is a sequence, not a record.
    assert.strictEqual(new Headers([['a', 'b']]).get('length'), null);
    // A pair can be any iterable, e.g. a generator.
    function* pair() { yield 'g'; yield 'v'; }
    assert.strictEqual(new Headers([pair()]).get('g'), 'v');
  },
};

export const sequencePairsMustHaveTwoItems = {
  async test() {
    assert.throws(() => new Headers([['a']]), TypeError);
    assert.throws(() => new Headers([['a', 'b', 'c']]), TypeError);
    assert.throws(() => new Headers([[]]), TypeError);
    assert.throws(() => new Headers(['ab']), TypeError);  // a string is not an object
    assert.throws(() => new Headers([{}]), TypeError);    // not iterable
    assert.throws(() => new Headers({ [Symbol.iterator]: 5 }), TypeError);
  },
};

// The record and sequence conversions take shortcuts for plain objects and arrays; what user
// code can see (getters, traps, patched iterators, the order of conversions) must not change.
export const recordConversionSeesGettersAndChanges = {
  async test() {
    const log = [];
    const record = {
      a: '1',
      get b() { log.push('get b'); delete record.c; Object.defineProperty(record, 'd', { enumerable: false }); return '2'; },
      c: '3',
      d: '4',
      e: { toString() { log.push('toString e'); record.f = 'late'; return '5'; } },
    };
    Object.defineProperty(record, 'hidden', { value: 'h', enumerable: false, configurable: true });
    const h = new Headers(record);
    // c was deleted and d made non-enumerable by b's getter before their turns; f was added
    // after [[OwnPropertyKeys]] ran.
    assert.deepStrictEqual(entries(h), [['a', '1'], ['b', '2'], ['e', '5']]);
    assert.deepStrictEqual(log, ['get b', 'toString e']);

    // A getter that makes a later, non-enumerable key enumerable: it counts.
    const r2 = { get a() { Object.defineProperty(r2, 'b', { enumerable: true }); return '1'; } };
    Object.defineProperty(r2, 'b', { value: '2', enumerable: false, configurable: true });
    assert.deepStrictEqual(entries(new Headers(r2)), [['a', '1'], ['b', '2']]);

    // Integer keys come first, in ascending order; inherited properties do not count.
    const r3 = Object.create({ inherited: 'x' });
    r3.z = '1'; r3[10] = '2'; r3[2] = '3';
    assert.deepStrictEqual(entries(new Headers(r3)), [['10', '2'], ['2', '3'], ['z', '1']]);
  },
};

export const recordSymbolKeyThrowsAfterStringKeys = {
  async test() {
    const log = [];
    const record = { get a() { log.push('a'); return '1'; } };
    record[Symbol('s')] = 'x';
    Object.defineProperty(record, 'b', { get() { log.push('b'); return '2'; }, enumerable: true });
    assert.throws(() => new Headers(record), TypeError);
    assert.deepStrictEqual(log, ['a', 'b'], 'string keys are converted before the symbol throws');
  },
};

export const recordFromOtherObjects = {
  async test() {
    // Non-plain objects are records too: a function, a class instance, a null-prototype object.
    const fn = function () {};
    fn['x-fn'] = 'f';
    assert.deepStrictEqual(entries(new Headers(fn)), [['x-fn', 'f']]);
    class C { constructor() { this['x-c'] = 'c'; } }
    assert.deepStrictEqual(entries(new Headers(new C())), [['x-c', 'c']]);
    const bare = Object.create(null);
    bare['x-b'] = 'b';
    assert.deepStrictEqual(entries(new Headers(bare)), [['x-b', 'b']]);
    // A proxy sees ownKeys once, then getOwnPropertyDescriptor and get per key.
    const log = [];
    const proxy = new Proxy({ a: '1', [Symbol('s')]: 'hidden' }, {
      ownKeys(t) { log.push('ownKeys'); return Reflect.ownKeys(t).filter((k) => typeof k === 'string'); },
      getOwnPropertyDescriptor(t, k) { log.push(`gopd ${String(k)}`); return Reflect.getOwnPropertyDescriptor(t, k); },
      get(t, k, r) { log.push(`get ${String(k)}`); return Reflect.get(t, k, r); },
    });
    assert.deepStrictEqual(entries(new Headers(proxy)), [['a', '1']]);
    assert.deepStrictEqual(log, ['get Symbol(Symbol.iterator)', 'ownKeys', 'gopd a', 'get a']);
  },
};

export const sequenceConversionSeesPatchesAndGetters = {
  async test() {
    // Array elements that are accessors run in order, between conversions.
    const log = [];
    const pair = ['a', 'x'];
    Object.defineProperty(pair, 1, { get() { log.push('get pair[1]'); return 'y'; }, enumerable: true });
    const list = [['first', '1'], pair];
    Object.defineProperty(list, 2, {
      get() { log.push('get list[2]'); list.push(['last', '3']); return ['third', '2']; },
      enumerable: true, configurable: true,
    });
    assert.deepStrictEqual(entries(new Headers(list)),
      [['a', 'y'], ['first', '1'], ['last', '3'], ['third', '2']]);
    assert.deepStrictEqual(log, ['get pair[1]', 'get list[2]']);

    // A patched array iterator is used, for the outer sequence and for each pair.
    const saved = Object.getOwnPropertyDescriptor(Object.getPrototypeOf([][Symbol.iterator]()), 'next');
    const arrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
    let nexts = 0;
    try {
      arrayIteratorPrototype.next = function () { nexts++; return saved.value.call(this); };
      assert.deepStrictEqual(entries(new Headers([['a', '1'], ['b', '2']])), [['a', '1'], ['b', '2']]);
      assert.strictEqual(nexts, 3 + 3 + 3, 'outer: 3 calls, each pair: 3 calls');
    } finally {
      Object.defineProperty(arrayIteratorPrototype, 'next', saved);
    }

    // A patch made while converting (by a value's toString) applies to the later pairs.
    let patchedNexts = 0;
    try {
      const value = { toString() {
        arrayIteratorPrototype.next = function () { patchedNexts++; return saved.value.call(this); };
        return 'v';
      } };
      assert.deepStrictEqual(entries(new Headers([['a', value], ['b', '2']])), [['a', 'v'], ['b', '2']]);
      assert.strictEqual(patchedNexts, 3, "only the second pair's iterator, made after the patch");
    } finally {
      Object.defineProperty(arrayIteratorPrototype, 'next', saved);
    }

    // A patched Array.prototype[Symbol.iterator] is used.
    const savedIterator = Object.getOwnPropertyDescriptor(Array.prototype, Symbol.iterator);
    try {
      const outer = [['ignored', 'x']];
      Array.prototype[Symbol.iterator] = function () {
        if (this !== outer) return savedIterator.value.call(this);
        let done = false;
        return { next() { const r = { value: ['patched', 'yes'], done }; done = true; return r; } };
      };
      const h = new Headers(outer);
      Object.defineProperty(Array.prototype, Symbol.iterator, savedIterator);
      assert.deepStrictEqual(entries(h), [['patched', 'yes']]);
    } finally {
      Object.defineProperty(Array.prototype, Symbol.iterator, savedIterator);
    }

    // A proxy of an array goes through its traps.
    const traps = [];
    const proxied = new Proxy([['p', '1']], {
      get(t, k, r) { traps.push(typeof k === 'symbol' ? k.description : k); return Reflect.get(t, k, r); },
    });
    assert.deepStrictEqual(entries(new Headers(proxied)), [['p', '1']]);
    assert.deepStrictEqual(traps, ['Symbol.iterator', 'length', '0', 'length']);
  },
};

export const constructFromHeaders = {
  async test() {
    const a = new Headers([['x', '1'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x', '2']]);
    const b = new Headers(a);
    assert.deepStrictEqual(entries(b), entries(a));
    assert.deepStrictEqual(b.getSetCookie(), ['a=1', 'b=2']);
    b.append('y', '3');
    assert.strictEqual(a.has('y'), false, 'the copy is independent');
  },
};

export const constructFromHeadersUsesPatchedIterator = {
  async test() {
    // A Headers object is converted through its @@iterator, like any sequence.
    const a = new Headers({ real: '1' });
    a[Symbol.iterator] = function* () { yield ['custom', 'yes']; };
    const b = new Headers(a);
    assert.strictEqual(b.get('custom'), 'yes');
    assert.strictEqual(b.has('real'), false);
  },
};

// ---------------------------------------------------------------------------------------------
// validation and normalisation

export const invalidNamesThrow = {
  async test() {
    const bad = ['', 'a b', 'a:b', 'a\u0000', '\u00e9', 'a\r', 'a\n', '(x)', 'a"', '[a]', 'a/b',
      'a,b', 'a;b', 'a=b', 'a?', 'a@', 'a{', '\u0100'];
    for (const name of bad) {
      const h = new Headers();
      assert.throws(() => h.append(name, 'v'), TypeError, JSON.stringify(name));
      assert.throws(() => h.set(name, 'v'), TypeError, JSON.stringify(name));
      assert.throws(() => h.get(name), TypeError, JSON.stringify(name));
      assert.throws(() => h.has(name), TypeError, JSON.stringify(name));
      assert.throws(() => h.delete(name), TypeError, JSON.stringify(name));
      assert.throws(() => new Headers([[name, 'v']]), TypeError, JSON.stringify(name));
      assert.throws(() => new Headers({ [name]: 'v' }), TypeError, JSON.stringify(name));
    }
    const h = new Headers();
    h.append("!#$%&'*+-.^_`|~09azAZ", 'token characters');
    assert.strictEqual(h.get("!#$%&'*+-.^_`|~09AZAZ"), 'token characters');
  },
};

export const valuesAreNormalized = {
  async test() {
    const h = new Headers();
    h.append('a', ' \t\r\n value \t\r\n ');
    assert.strictEqual(h.get('a'), 'value');
    h.set('b', '\n\n');
    assert.strictEqual(h.get('b'), '');
    h.append('c', 'inner \t space');
    assert.strictEqual(h.get('c'), 'inner \t space');
    // Leading/trailing newlines are stripped before validation, so this is allowed.
    assert.strictEqual(new Headers([['d', '\r\nx\r\n']]).get('d'), 'x');
    assert.strictEqual(new Headers({ e: '  y  ' }).get('e'), 'y');
    // Latin-1 (obs-text) values are fine.
    h.set('f', '\u00ff\u0080');
    assert.strictEqual(h.get('f'), '\u00ff\u0080');
  },
};

export const invalidValuesThrow = {
  async test() {
    for (const value of ['a\u0000b', 'a\rb', 'a\nb', 'a\r\nb', '\u0000']) {
      const h = new Headers();
      assert.throws(() => h.append('x', value), TypeError, JSON.stringify(value));
      assert.throws(() => h.set('x', value), TypeError, JSON.stringify(value));
      assert.throws(() => new Headers({ x: value }), TypeError, JSON.stringify(value));
    }
    // Not a ByteString.
    assert.throws(() => new Headers().append('x', '\u0100'), TypeError);
    assert.throws(() => new Headers().append('x', '\u{1F600}'), TypeError);
  },
};

export const argumentCounts = {
  async test() {
    const h = new Headers();
    assert.throws(() => h.append('a'), /2 arguments required, but only 1 present/);
    assert.throws(() => h.set(), /2 arguments required, but only 0 present/);
    assert.throws(() => h.get(), /1 argument required/);
    assert.throws(() => h.has(), /1 argument required/);
    assert.throws(() => h.delete(), /1 argument required/);
    assert.throws(() => h.forEach(), /1 argument required/);
    assert.throws(() => h.forEach(5), TypeError);
    // Non-string arguments are converted with ToString.
    h.append('n', 42);
    assert.strictEqual(h.get('n'), '42');
    assert.throws(() => h.append(Symbol('x'), 'v'), TypeError);
  },
};

// ---------------------------------------------------------------------------------------------
// behaviour

export const caseInsensitiveAndCombined = {
  async test() {
    const h = new Headers();
    h.append('Accept', 'text/html');
    h.append('ACCEPT', 'application/json');
    assert.strictEqual(h.get('accept'), 'text/html, application/json');
    assert.strictEqual(h.has('aCcEpT'), true);
    assert.strictEqual(h.get('missing'), null);
    h.set('accept', '*/*');
    assert.deepStrictEqual(entries(h), [['accept', '*/*']]);
    h.delete('ACCEPT');
    assert.strictEqual(h.has('accept'), false);
    h.delete('accept');  // deleting what is not there is fine
  },
};

export const setReplacesFirstAndRemovesOthers = {
  async test() {
    const h = new Headers([['a', '1'], ['b', '2'], ['A', '3'], ['c', '4']]);
    h.set('a', 'new');
    assert.strictEqual(h.get('a'), 'new');
    assert.deepStrictEqual(entries(h), [['a', 'new'], ['b', '2'], ['c', '4']]);
  },
};

export const iterationIsSortedAndLowercased = {
  async test() {
    const h = new Headers([['Zeta', '1'], ['alpha', '2'], ['Beta', '3'], ['ALPHA', '4'], ['a-b', '5']]);
    assert.deepStrictEqual(entries(h), [['a-b', '5'], ['alpha', '2, 4'], ['beta', '3'], ['zeta', '1']]);
    assert.deepStrictEqual([...h.keys()], ['a-b', 'alpha', 'beta', 'zeta']);
    assert.deepStrictEqual([...h.values()], ['5', '2, 4', '3', '1']);
    assert.deepStrictEqual([...h.entries()], entries(h));
    const seen = [];
    const thisArg = {};
    h.forEach(function (value, key, container) {
      assert.strictEqual(this, thisArg);
      assert.strictEqual(container, h);
      seen.push([key, value]);
    }, thisArg);
    assert.deepStrictEqual(seen, entries(h));
  },
};

export const setCookieKeptSeparate = {
  async test() {
    const h = new Headers([
      ['Set-Cookie', 'b=2'], ['x', '1'], ['set-cookie', 'a=1; Path=/'], ['set-cookie2', 'p'],
      ['set-cookie2', 'q'], ['SET-COOKIE', 'c=3, d=4'],
    ]);
    assert.deepStrictEqual(entries(h), [
      ['set-cookie', 'b=2'], ['set-cookie', 'a=1; Path=/'], ['set-cookie', 'c=3, d=4'],
      ['set-cookie2', 'p, q'], ['x', '1'],
    ]);
    assert.strictEqual(h.get('set-cookie'), 'b=2, a=1; Path=/, c=3, d=4');
    assert.deepStrictEqual(h.getSetCookie(), ['b=2', 'a=1; Path=/', 'c=3, d=4']);
    assert.deepStrictEqual(new Headers().getSetCookie(), []);
    assert.deepStrictEqual(new Headers([['set-cookie', '']]).getSetCookie(), ['']);
    const list = h.getSetCookie();
    list.push('mutating the result');
    assert.strictEqual(h.getSetCookie().length, 3, 'getSetCookie returns a fresh array');
    h.set('Set-Cookie', 'only=1');
    assert.deepStrictEqual(h.getSetCookie(), ['only=1']);
    h.delete('set-cookie');
    assert.deepStrictEqual(h.getSetCookie(), []);
  },
};

export const iterationIsLive = {
  async test() {
    // Removing an element ahead of the iterator skips it.
    let h = new Headers({ foo: '2', baz: '1', BAR: '0' });
    let keys = [];
    for (const [key] of h) {
      keys.push(key);
      h.delete('foo');
    }
    assert.deepStrictEqual(keys, ['bar', 'baz']);
    // Removing one already visited shifts the rest: one is skipped.
    h = new Headers({ foo: '2', baz: '1', BAR: '0', quux: '3' });
    keys = [];
    for (const [key] of h) {
      keys.push(key);
      if (key === 'baz') h.delete('bar');
    }
    assert.deepStrictEqual(keys, ['bar', 'baz', 'quux']);
    // Appending after the position is reached; inserting before repeats the current one.
    h = new Headers({ foo: '2', baz: '1', BAR: '0', quux: '3' });
    keys = [];
    for (const [key] of h) {
      keys.push(key);
      if (key === 'baz') h.append('X-yZ', '4');
    }
    assert.deepStrictEqual(keys, ['bar', 'baz', 'foo', 'quux', 'x-yz']);
    h = new Headers({ foo: '2', baz: '1', BAR: '0', quux: '3' });
    keys = [];
    for (const [key] of h) {
      keys.push(key);
      if (key === 'baz') h.append('abc', '-1');
    }
    assert.deepStrictEqual(keys, ['bar', 'baz', 'baz', 'foo', 'quux']);
    // forEach sees changes too.
    h = new Headers({ a: '1', b: '2' });
    keys = [];
    h.forEach((value, key) => {
      keys.push(key);
      if (key === 'a') h.append('c', '3');
    });
    assert.deepStrictEqual(keys, ['a', 'b', 'c']);
  },
};

export const iteratorShape = {
  async test() {
    const iterator = new Headers({ a: '1' }).entries();
    const proto = Object.getPrototypeOf(iterator);
    const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
    assert.strictEqual(Object.getPrototypeOf(proto), iteratorPrototype);
    assert.strictEqual(Object.prototype.toString.call(iterator), '[object Headers Iterator]');
    const next = Object.getOwnPropertyDescriptor(proto, 'next');
    assert.strictEqual(next.enumerable && next.writable && next.configurable, true);
    assert.strictEqual(Object.hasOwn(proto, 'constructor'), false);
    assert.deepStrictEqual(iterator.next(), { value: ['a', '1'], done: false });
    assert.deepStrictEqual(iterator.next(), { value: undefined, done: true });
    assert.deepStrictEqual(iterator.next(), { value: undefined, done: true });
    assert.throws(() => proto.next.call({}), /Illegal invocation/);
    assert.strictEqual(iterator[Symbol.iterator](), iterator);
  },
};

export const guards = {
  async test() {
    // Response.error() and Response.redirect() have immutable headers.
    const immutable = Response.error().headers;
    assert.throws(() => immutable.append('a', 'b'), TypeError);
    assert.throws(() => immutable.set('a', 'b'), TypeError);
    assert.throws(() => immutable.delete('a'), TypeError);
    // An invalid name is reported before the guard.
    assert.throws(() => immutable.append('a b', 'c'), /Invalid header name/);
    const redirect = Response.redirect('https://example.com/', 301).headers;
    assert.throws(() => redirect.set('location', 'https://evil.example/'), /immutable/);
    assert.strictEqual(redirect.get('location'), 'https://example.com/');
    // Copies of immutable headers are mutable.
    const copy = new Headers(redirect);
    copy.set('location', 'https://other.example/');
    assert.strictEqual(copy.get('location'), 'https://other.example/');
  },
};

export const forbiddenNamesAreAllowed = {
  async test() {
    // As in Workers, request and response headers are not filtered.
    const req = new Request('https://example.com/', {
      headers: { Host: 'h.example', 'Content-Length': '5', Cookie: 'a=b', Origin: 'o', Connection: 'close', 'Sec-Foo': 'x', 'Proxy-X': 'y' },
    });
    assert.strictEqual(req.headers.get('host'), 'h.example');
    assert.strictEqual(req.headers.get('cookie'), 'a=b');
    assert.strictEqual(req.headers.get('sec-foo'), 'x');
    req.headers.set('Content-Length', '7');
    assert.strictEqual(req.headers.get('content-length'), '7');
    const res = new Response('x', { headers: { 'Set-Cookie': 'a=1' } });
    res.headers.append('set-cookie', 'b=2');
    assert.deepStrictEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
  },
};

// ---------------------------------------------------------------------------------------------
// Web IDL shape

export const webIdlShape = {
  async test() {
    assert.strictEqual(Headers.length, 0);
    assert.strictEqual(Object.prototype.toString.call(new Headers()), '[object Headers]');
    assert.throws(() => Headers(), TypeError);
    const proto = Headers.prototype;
    for (const [name, length] of [['append', 2], ['delete', 1], ['get', 1], ['getSetCookie', 0],
      ['has', 1], ['set', 2], ['forEach', 1], ['entries', 0], ['keys', 0], ['values', 0]]) {
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      assert.strictEqual(typeof desc.value, 'function', name);
      assert.strictEqual(desc.value.length, length, `${name}.length`);
      assert.strictEqual(desc.enumerable, true, `${name} is enumerable`);
      assert.throws(() => desc.value.call({}), /Illegal invocation/, name);
    }
    const iter = Object.getOwnPropertyDescriptor(proto, Symbol.iterator);
    assert.strictEqual(iter.value, proto.entries);
    assert.strictEqual(iter.enumerable, false);
    assert.deepStrictEqual(Object.keys(new Headers({ a: 'b' })), [], 'no own enumerable state');
  },
};

// ---------------------------------------------------------------------------------------------
// robustness

export const survivesPatchedBuiltins = {
  async test() {
    const saved = {
      push: Array.prototype.push,
      sort: Array.prototype.sort,
      toLowerCase: String.prototype.toLowerCase,
      then: Promise.prototype.then,
      mapGet: Map.prototype.get,
      mapSet: Map.prototype.set,
    };
    const boom = () => { throw new Error('patched built-in called'); };
    try {
      Array.prototype.push = boom;
      Array.prototype.sort = boom;
      String.prototype.toLowerCase = boom;
      Promise.prototype.then = boom;
      Map.prototype.get = boom;
      Map.prototype.set = boom;
      const h = new Headers({ 'B-Header': '2', 'A-Header': '1' });
      h.append('Set-Cookie', 'x=1');
      h.append('a-header', '3');
      h.set('C', ' 4 ');
      const out = [];
      const it = h.entries();
      for (let r = it.next(); !r.done; r = it.next()) out[out.length] = r.value;
      if (out.length !== 4 || out[0][0] !== 'a-header' || out[0][1] !== '1, 3' ||
          out[2][0] !== 'c' || out[3][0] !== 'set-cookie') {
        throw new Error(`wrong iteration: ${JSON.stringify(out)}`);
      }
      if (h.get('A-HEADER') !== '1, 3' || h.getSetCookie()[0] !== 'x=1') throw new Error('wrong get');
      h.delete('b-header');
      if (h.has('b-header')) throw new Error('delete failed');
    } finally {
      Array.prototype.push = saved.push;
      Array.prototype.sort = saved.sort;
      String.prototype.toLowerCase = saved.toLowerCase;
      Promise.prototype.then = saved.then;
      Map.prototype.get = saved.mapGet;
      Map.prototype.set = saved.mapSet;
    }
  },
};
