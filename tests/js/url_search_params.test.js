// URLSearchParams (WHATWG URL standard): the WPT urltestdata cases that carry a searchParams
// serialization, then construction (string, sequence of pairs, record), every method, sorting,
// the application/x-www-form-urlencoded parser and serializer, live iteration, Web IDL shape and
// robustness against patched built-ins.

import assert from 'node:assert';
import cases from '../../../shared/testdata/wpt/urltestdata.json';

const entries = (params) => [...params];

// ---------------------------------------------------------------------------------------------
// WPT data: every urltestdata.json case with a 'searchParams' key, checked through URL and
// through a URLSearchParams built from the URL's search.

export const wptSearchParams = {
  async test() {
    const failures = [];
    let count = 0;
    for (const expected of cases) {
      if (typeof expected === 'string' || !('searchParams' in expected)) continue;
      count++;
      const base = expected.base !== null ? expected.base : undefined;
      try {
        const url = new URL(expected.input, base);
        const fromURL = url.searchParams.toString();
        const fromSearch = new URLSearchParams(url.search).toString();
        if (fromURL !== expected.searchParams || fromSearch !== expected.searchParams) {
          failures.push(`${JSON.stringify(expected.input)}: url.searchParams gives ` +
            `${JSON.stringify(fromURL)}, new URLSearchParams(search) gives ` +
            `${JSON.stringify(fromSearch)}, expected ${JSON.stringify(expected.searchParams)}`);
        }
      } catch (e) {
        failures.push(`${JSON.stringify(expected.input)}: threw ${e}`);
      }
    }
    console.log(`urltestdata.json searchParams: ${count - failures.length}/${count} passed`);
    assert.ok(count > 0, 'urltestdata.json has no searchParams cases');
    assert.deepStrictEqual(failures, [], `failing inputs:\n  ${failures.join('\n  ')}`);
  },
};

// ---------------------------------------------------------------------------------------------
// construction

export const constructFromString = {
  async test() {
    assert.deepStrictEqual(entries(new URLSearchParams()), []);
    assert.deepStrictEqual(entries(new URLSearchParams('')), []);
    assert.deepStrictEqual(entries(new URLSearchParams('?')), []);
    assert.deepStrictEqual(entries(new URLSearchParams('?a=b')), [['a', 'b']]);
    assert.deepStrictEqual(entries(new URLSearchParams('??a=b')), [['?a', 'b']], 'only one ? stripped');
    assert.deepStrictEqual(entries(new URLSearchParams('a=b&&c&=d&e=f=g')),
      [['a', 'b'], ['c', ''], ['', 'd'], ['e', 'f=g']]);
    assert.deepStrictEqual(entries(new URLSearchParams('a+b=c+d&%20=%2B')), [['a b', 'c d'], [' ', '+']]);
    assert.deepStrictEqual(entries(new URLSearchParams('a=%zz&b=%4&c=%%41')),
      [['a', '%zz'], ['b', '%4'], ['c', '%A']], 'invalid escapes are kept');
    assert.deepStrictEqual(entries(new URLSearchParams('a=%C3%A9&b=%C3&c=%FF%FE')),
      [['a', 'é'], ['b', '\uFFFD'], ['c', '\uFFFD\uFFFD']], 'invalid UTF-8 becomes U+FFFD');
    assert.deepStrictEqual(entries(new URLSearchParams('a=%EF%BB%BFx')), [['a', '\uFEFFx']],
      'a BOM is not stripped');
    assert.deepStrictEqual(entries(new URLSearchParams('%26=%3D&a%3Db')), [['&', '='], ['a=b', '']]);
    assert.deepStrictEqual(entries(new URLSearchParams('a=\uD800')), [['a', '\uFFFD']], 'USVString');
    assert.deepStrictEqual(entries(new URLSearchParams('a\0b=c\nd')), [['a\0b', 'c\nd']]);
    // not objects: converted with ToString
    assert.deepStrictEqual(entries(new URLSearchParams(null)), [['null', '']]);
    assert.deepStrictEqual(entries(new URLSearchParams(undefined)), []);
    assert.deepStrictEqual(entries(new URLSearchParams(12)), [['12', '']]);
    assert.deepStrictEqual(entries(new URLSearchParams(true)), [['true', '']]);
    assert.throws(() => new URLSearchParams(Symbol('x')), TypeError);
  },
};

export const constructFromSequence = {
  async test() {
    assert.deepStrictEqual(entries(new URLSearchParams([])), []);
    assert.deepStrictEqual(entries(new URLSearchParams([['a', 'b'], ['a', 'c'], ['', '']])),
      [['a', 'b'], ['a', 'c'], ['', '']]);
    assert.deepStrictEqual(entries(new URLSearchParams([[1, null], [undefined, {}]])),
      [['1', 'null'], ['undefined', '[object Object]']]);
    assert.deepStrictEqual(entries(new URLSearchParams([['\uD800', '\uDC00x']])), [['\uFFFD', '\uFFFDx']]);
    // pairs can be any iterable objects (but not strings: a sequence must be an object)
    assert.deepStrictEqual(entries(new URLSearchParams([new Set(['k', 'v']), new String('xy')])),
      [['k', 'v'], ['x', 'y']]);
    function* gen() { yield ['g', '1']; yield ['h', '2']; }
    assert.deepStrictEqual(entries(new URLSearchParams(gen())), [['g', '1'], ['h', '2']]);
    assert.deepStrictEqual(entries(new URLSearchParams(new Map([['m', 'n']]))), [['m', 'n']]);
    // another URLSearchParams is iterable: a copy
    const original = new URLSearchParams('a=1&b=2');
    const copy = new URLSearchParams(original);
    copy.append('c', '3');
    assert.strictEqual(original.toString(), 'a=1&b=2');
    assert.strictEqual(copy.toString(), 'a=1&b=2&c=3');

    const pairError = { name: 'TypeError', message: /exactly 2 items/ };
    assert.throws(() => new URLSearchParams([['a']]), pairError);
    assert.throws(() => new URLSearchParams([['a', 'b', 'c']]), pairError);
    assert.throws(() => new URLSearchParams([[]]), pairError);
    assert.throws(() => new URLSearchParams([['a', 'b'], ['c']]), pairError);
    assert.throws(() => new URLSearchParams(['ab']), TypeError, 'a string is not a sequence');
    assert.throws(() => new URLSearchParams([1]), TypeError, 'a pair that is not an object');
    assert.throws(() => new URLSearchParams([{}]), TypeError, 'a pair that is not iterable');
    assert.throws(() => new URLSearchParams({ [Symbol.iterator]: 1 }), TypeError);
    assert.throws(() => new URLSearchParams({ [Symbol.iterator]() { return 1; } }), TypeError);
    // an iterator that throws propagates its error
    const failing = { *[Symbol.iterator]() { yield ['a', 'b']; throw new RangeError('stop'); } };
    assert.throws(() => new URLSearchParams(failing), RangeError);
  },
};

export const constructFromRecord = {
  async test() {
    assert.deepStrictEqual(entries(new URLSearchParams({})), []);
    assert.deepStrictEqual(entries(new URLSearchParams({ a: '1', b: 2, c: undefined })),
      [['a', '1'], ['b', '2'], ['c', 'undefined']]);
    // own enumerable string keys only, in property order (integer keys first)
    const proto = { inherited: 'x' };
    const obj = Object.create(proto);
    obj.z = 'last';
    obj[2] = 'two';
    Object.defineProperty(obj, 'hidden', { value: 'h', enumerable: false });
    assert.deepStrictEqual(entries(new URLSearchParams(obj)), [['2', 'two'], ['z', 'last']]);
    // keys that convert to the same USVString: the later value wins, in the first key's place
    const params = new URLSearchParams({ '\uD835x': '1', xx: '2', '\uD83Dx': '3' });
    assert.deepStrictEqual(entries(params), [['\uFFFDx', '3'], ['xx', '2']]);
    assert.strictEqual(params.toString(), '%EF%BF%BDx=3&xx=2');
    // an enumerable symbol key cannot be converted
    assert.throws(() => new URLSearchParams({ [Symbol('s')]: 'v' }), TypeError);
    // getters run
    assert.deepStrictEqual(entries(new URLSearchParams({ get g() { return 'got'; } })), [['g', 'got']]);
    // functions are objects too: a record (no @@iterator)
    const fn = () => {};
    fn.a = 'b';
    assert.deepStrictEqual(entries(new URLSearchParams(fn)), [['a', 'b']]);
    // a Proxy record
    const proxied = new Proxy({ p: 'q' }, {});
    assert.deepStrictEqual(entries(new URLSearchParams(proxied)), [['p', 'q']]);
  },
};

// ---------------------------------------------------------------------------------------------
// methods

export const methods = {
  async test() {
    const p = new URLSearchParams('a=1&b=2&a=3');
    assert.strictEqual(p.get('a'), '1');
    assert.strictEqual(p.get('missing'), null);
    assert.deepStrictEqual(p.getAll('a'), ['1', '3']);
    assert.deepStrictEqual(p.getAll('missing'), []);
    assert.strictEqual(p.has('a'), true);
    assert.strictEqual(p.has('a', '3'), true);
    assert.strictEqual(p.has('a', '2'), false);
    assert.strictEqual(p.has('a', undefined), true, 'undefined value means no value');
    assert.strictEqual(p.has('c'), false);
    assert.strictEqual(p.size, 3);

    p.append('c', '4');
    assert.strictEqual(p.toString(), 'a=1&b=2&a=3&c=4');
    p.set('a', '5');
    assert.strictEqual(p.toString(), 'a=5&b=2&c=4', 'set replaces the first and removes the rest');
    p.set('d', '6');
    assert.strictEqual(p.toString(), 'a=5&b=2&c=4&d=6');
    p.append('a', '7');
    p.delete('a', '7');
    assert.strictEqual(p.toString(), 'a=5&b=2&c=4&d=6', 'delete with a value');
    p.append('a', '8');
    p.delete('a', undefined);
    assert.strictEqual(p.toString(), 'b=2&c=4&d=6', 'delete(name, undefined) deletes all');
    p.delete('nothing');
    assert.strictEqual(p.size, 3);

    // arguments are USVStrings
    p.append(1, null);
    assert.strictEqual(p.get('1'), 'null');
    p.append('\uDC00', '\uD800');
    assert.strictEqual(p.get('\uFFFD'), '\uFFFD');
    assert.strictEqual(p.has('\uDFFF'), true);
    assert.throws(() => p.append(Symbol('s'), 'v'), TypeError);
  },
};

export const serialization = {
  async test() {
    const p = new URLSearchParams();
    p.append('a b', 'c+d');
    p.append('*-._', '~!\'()');
    p.append('=&?#%/', 'é€😀');
    p.append('\uD800', '\n\r\t\0');
    assert.strictEqual(p.toString(),
      'a+b=c%2Bd&*-._=%7E%21%27%28%29&%3D%26%3F%23%25%2F=%C3%A9%E2%82%AC%F0%9F%98%80&' +
      '%EF%BF%BD=%0A%0D%09%00');
    assert.strictEqual(String(p), p.toString());
    assert.strictEqual(`${new URLSearchParams()}`, '');
    assert.strictEqual(new URLSearchParams('a').toString(), 'a=');
    // every ASCII code point: only * - . _ and alphanumerics are left alone, space is +
    let all = '';
    for (let c = 0; c < 128; c++) all += String.fromCharCode(c);
    const encoded = new URLSearchParams([[all, '']]).toString();
    let expected = '';
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      if (/[A-Za-z0-9*\-._]/.test(ch)) expected += ch;
      else if (c === 0x20) expected += '+';
      else expected += `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    assert.strictEqual(encoded, `${expected}=`);
    // round trip
    const round = new URLSearchParams(encoded);
    assert.strictEqual(round.get(all), '');
  },
};

export const sorting = {
  async test() {
    const sorted = (s) => {
      const p = new URLSearchParams(s);
      p.sort();
      return entries(p);
    };
    // stable: equal names keep their order
    assert.deepStrictEqual(sorted('z=b&a=b&z=a&a=a'), [['a', 'b'], ['a', 'a'], ['z', 'b'], ['z', 'a']]);
    assert.deepStrictEqual(sorted('\uFFFD=x&\uFFFC&\uFFFD=a'),
      [['\uFFFC', ''], ['\uFFFD', 'x'], ['\uFFFD', 'a']]);
    // by UTF-16 code units: U+1F308 (D83C DF08) sorts before U+FB03
    assert.deepStrictEqual(sorted('\uFB03&\uD83C\uDF08'), [['\uD83C\uDF08', ''], ['\uFB03', '']]);
    assert.deepStrictEqual(sorted('\u00E9&e\u0301'), [['e\u0301', ''], ['\u00E9', '']]);
    assert.deepStrictEqual(sorted('a&A&b&B&_'), [['A', ''], ['B', ''], ['_', ''], ['a', ''], ['b', '']]);
    assert.deepStrictEqual(sorted('z=z&a=a&z=y&a=b&z=x&a=c&z=w&a=d&z=v&a=e&z=u&a=f&z=t&a=g'),
      [['a', 'a'], ['a', 'b'], ['a', 'c'], ['a', 'd'], ['a', 'e'], ['a', 'f'], ['a', 'g'],
        ['z', 'z'], ['z', 'y'], ['z', 'x'], ['z', 'w'], ['z', 'v'], ['z', 'u'], ['z', 't']]);
    // many equal keys stay stable (beyond insertion-sort sizes)
    const many = [];
    for (let i = 0; i < 200; i++) many.push([i % 2 ? 'b' : 'a', String(i)]);
    const p = new URLSearchParams(many);
    p.sort();
    const values = p.getAll('a');
    assert.deepStrictEqual(values, values.slice().sort((x, y) => x - y));
    // sorting a URL's params updates the URL
    const url = new URL('http://h/?c=3&a=1&b=2#f');
    url.searchParams.sort();
    assert.strictEqual(url.href, 'http://h/?a=1&b=2&c=3#f');
  },
};

// ---------------------------------------------------------------------------------------------
// iteration

export const iteration = {
  async test() {
    const p = new URLSearchParams('a=1&b=2&a=3');
    assert.deepStrictEqual([...p.keys()], ['a', 'b', 'a']);
    assert.deepStrictEqual([...p.values()], ['1', '2', '3']);
    assert.deepStrictEqual([...p.entries()], [['a', '1'], ['b', '2'], ['a', '3']]);
    assert.deepStrictEqual([...p], [['a', '1'], ['b', '2'], ['a', '3']]);
    assert.strictEqual(URLSearchParams.prototype[Symbol.iterator], URLSearchParams.prototype.entries);

    const it = p.entries();
    assert.strictEqual(Object.prototype.toString.call(it), '[object URLSearchParams Iterator]');
    const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
    assert.strictEqual(Object.getPrototypeOf(Object.getPrototypeOf(it)), IteratorPrototype);
    assert.strictEqual(it[Symbol.iterator](), it);
    assert.strictEqual(Object.getPrototypeOf(p.keys()), Object.getPrototypeOf(it), 'one prototype');
    assert.deepStrictEqual(it.next(), { value: ['a', '1'], done: false });
    const entry = it.next().value;
    entry[0] = 'changed';
    assert.strictEqual(p.get('b'), '2', 'entries are copies');
    it.next();
    assert.deepStrictEqual(it.next(), { value: undefined, done: true });
    assert.deepStrictEqual(it.next(), { value: undefined, done: true });
    const next = Object.getPrototypeOf(it).next;
    assert.throws(() => next.call({}), { name: 'TypeError', message: 'Illegal invocation' });
    assert.throws(() => next.call([][Symbol.iterator]()), TypeError);
  },
};

export const liveIteration = {
  async test() {
    // deleting the entry after the current one skips it (the iterator keeps an index)
    const url = new URL('http://localhost/query?param0=0&param1=1&param2=2');
    const seen = [];
    for (const param of url.searchParams) {
      if (param[0] === 'param0') url.searchParams.delete('param1');
      seen.push(param);
    }
    assert.deepStrictEqual(seen, [['param0', '0'], ['param2', '2']]);

    // appending during iteration is seen
    const p = new URLSearchParams('a=1');
    const keys = [];
    for (const [k] of p) {
      keys.push(k);
      if (keys.length < 3) p.append(`k${keys.length}`, '');
    }
    assert.deepStrictEqual(keys, ['a', 'k1', 'k2']);

    // deleting the current entry moves the next one under the index
    const q = new URLSearchParams('a=1&b=2&c=3&d=4');
    const visited = [];
    for (const [k] of q) {
      visited.push(k);
      if (k === 'b') q.delete('a');
    }
    assert.deepStrictEqual(visited, ['a', 'b', 'd']);

    // an iterator made before a change sees the change
    const r = new URLSearchParams('x=1');
    const it = r.keys();
    r.set('x', '2');
    r.append('y', '3');
    assert.deepStrictEqual([...it], ['x', 'y']);
  },
};

export const forEach = {
  async test() {
    const p = new URLSearchParams('a=1&b=2');
    const calls = [];
    const thisArg = {};
    p.forEach(function (value, key, params) {
      calls.push([value, key, params === p, this === thisArg]);
    }, thisArg);
    assert.deepStrictEqual(calls, [['1', 'a', true, true], ['2', 'b', true, true]]);

    // live: the callback's changes are seen
    const q = new URLSearchParams('a=1&b=2&c=3');
    const keys = [];
    q.forEach((value, key) => {
      keys.push(key);
      if (key === 'a') {
        q.delete('b');
        q.append('d', '4');
      }
    });
    assert.deepStrictEqual(keys, ['a', 'c', 'd']);

    // a URL whose search changes during forEach
    const url = new URL('http://h/?a=1&b=2&c=3');
    const seen = [];
    url.searchParams.forEach((value, key) => {
      seen.push(key);
      if (key === 'a') url.search = '?x=1&y=2&z=3&w=4';
    });
    assert.deepStrictEqual(seen, ['a', 'y', 'z', 'w']);

    assert.throws(() => p.forEach(), {
      name: 'TypeError',
      message: "Failed to execute 'forEach' on 'URLSearchParams': 1 argument required, but only 0 present.",
    });
    assert.throws(() => p.forEach('not a function'), {
      name: 'TypeError', message: /parameter 1 is not of type 'Function'/,
    });
    assert.throws(() => p.forEach(() => { throw new RangeError('from callback'); }), RangeError);
  },
};

// ---------------------------------------------------------------------------------------------
// Web IDL shape

export const webIdlShape = {
  async test() {
    assert.strictEqual(URLSearchParams.length, 0);
    assert.strictEqual(URLSearchParams.name, 'URLSearchParams');
    assert.throws(() => URLSearchParams(), TypeError);
    const p = new URLSearchParams('a=1');
    assert.strictEqual(Object.prototype.toString.call(p), '[object URLSearchParams]');
    assert.strictEqual(Object.keys(p).length, 0);

    const lengths = { append: 2, delete: 1, get: 1, getAll: 1, has: 1, set: 2, sort: 0,
      toString: 0, entries: 0, keys: 0, values: 0, forEach: 1 };
    for (const [name, length] of Object.entries(lengths)) {
      const desc = Object.getOwnPropertyDescriptor(URLSearchParams.prototype, name);
      assert.strictEqual(typeof desc.value, 'function', name);
      assert.strictEqual(desc.enumerable, true, `${name} is enumerable`);
      assert.strictEqual(desc.writable, true);
      assert.strictEqual(desc.configurable, true);
      assert.strictEqual(desc.value.length, length, `${name}.length`);
      assert.throws(() => desc.value.call({}, 'a', 'b'), { name: 'TypeError', message: 'Illegal invocation' },
        `${name} brand check`);
      assert.throws(() => desc.value.call(new URL('http://h/'), 'a', 'b'), TypeError);
    }
    const size = Object.getOwnPropertyDescriptor(URLSearchParams.prototype, 'size');
    assert.strictEqual(typeof size.get, 'function');
    assert.strictEqual(size.set, undefined);
    assert.strictEqual(size.enumerable, true);
    assert.throws(() => size.get.call({}), { message: 'Illegal invocation' });
    const iter = Object.getOwnPropertyDescriptor(URLSearchParams.prototype, Symbol.iterator);
    assert.strictEqual(iter.enumerable, false);

    const required = (method, n, present) => ({
      name: 'TypeError',
      message: `Failed to execute '${method}' on 'URLSearchParams': ${n} argument${n === 1 ? '' : 's'} ` +
        `required, but only ${present} present.`,
    });
    assert.throws(() => p.append('a'), required('append', 2, 1));
    assert.throws(() => p.append(), required('append', 2, 0));
    assert.throws(() => p.set('a'), required('set', 2, 1));
    assert.throws(() => p.get(), required('get', 1, 0));
    assert.throws(() => p.getAll(), required('getAll', 1, 0));
    assert.throws(() => p.has(), required('has', 1, 0));
    assert.throws(() => p.delete(), required('delete', 1, 0));
    // explicit undefined counts as an argument
    assert.strictEqual(p.get(undefined), null);
    p.append(undefined, undefined);
    assert.strictEqual(p.get('undefined'), 'undefined');

    class Sub extends URLSearchParams {
      first() { return this.keys().next().value; }
    }
    const sub = new Sub('z=1');
    assert.strictEqual(sub.first(), 'z');
    assert.strictEqual(sub.toString(), 'z=1');
  },
};

// ---------------------------------------------------------------------------------------------
// robustness

export const survivesPatchedBuiltins = {
  async test() {
    const run = () => {
      const p = new URLSearchParams('?b=2&a=1&a=x+y&c=%zz&d=%C3%A9');
      p.append('e', 'f g');
      p.set('b', '3');
      p.delete('c');
      p.sort();
      let out = `${p}|${p.get('a')}|${p.getAll('a').length}|${p.has('d', 'é')}|${p.size}|`;
      p.forEach((v, k) => { out += `${k}=${v};`; });
      const it = p.keys();
      for (let step = it.next(); !step.done; step = it.next()) out += step.value;
      const r = new URLSearchParams({ x: '1', '\uD800': 'y' });
      out += `|${r}`;
      const url = new URL('http://h/?q=1');
      url.searchParams.append('r', '2 3');
      out += `|${url.href}`;
      return out;
    };
    const expected = run();

    const saved = [];
    const { defineProperty, getOwnPropertyDescriptor } = Object;
    const patch = (obj, key, value) => {
      saved[saved.length] = [obj, key, getOwnPropertyDescriptor(obj, key)];
      defineProperty(obj, key, { value, writable: true, configurable: true });
    };
    const boom = () => { throw new Error('patched built-in was called'); };
    let actual;
    try {
      for (const key of ['push', 'pop', 'slice', 'splice', 'join', 'sort', 'map', 'filter',
        'forEach', 'indexOf', 'concat', 'find', 'findIndex']) {
        patch(Array.prototype, key, boom);
      }
      for (const key of ['slice', 'charCodeAt', 'codePointAt', 'indexOf', 'split', 'replace',
        'replaceAll', 'toLowerCase', 'startsWith', 'localeCompare', 'concat']) {
        patch(String.prototype, key, boom);
      }
      patch(String.prototype, Symbol.split, boom);
      patch(String.prototype, Symbol.replace, boom);
      patch(Map.prototype, 'get', boom);
      patch(Map.prototype, 'set', boom);
      patch(Reflect, 'apply', boom);
      patch(Reflect, 'ownKeys', boom);
      patch(Object, 'keys', boom);
      patch(Object, 'entries', boom);
      patch(Function.prototype, 'call', boom);
      patch(globalThis, 'String', boom);
      patch(globalThis, 'TextEncoder', boom);
      patch(globalThis, 'TextDecoder', boom);
      patch(globalThis, 'decodeURIComponent', boom);
      patch(globalThis, 'encodeURIComponent', boom);
      actual = run();
    } finally {
      for (let i = saved.length - 1; i >= 0; i--) {
        const [obj, key, desc] = saved[i];
        if (desc === undefined) delete obj[key];
        else defineProperty(obj, key, desc);
      }
    }
    assert.strictEqual(actual, expected);
    assert.strictEqual(expected,
      'a=1&a=x+y&b=3&d=%C3%A9&e=f+g|1|2|true|5|a=1;a=x y;b=3;d=é;e=f g;aabde|x=1&%EF%BF%BD=y|' +
      'http://h/?q=1&r=2+3');
  },
};
