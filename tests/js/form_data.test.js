// FormData (XHR standard) and its encodings: the entry list methods and their Web IDL
// overloads, Blob-to-File conversion, live iteration, multipart/form-data serialization (HTML's
// escaping and newline normalisation) and parsing (as Response/Request formData() does it),
// round trips, urlencoded bodies, and robustness against patched built-ins.

import assert from 'node:assert';

const CRLF = '\r\n';
const lines = (...parts) => parts.join(CRLF);

// The body of `new Response(formData)` as a string of bytes (one char per byte).
async function serialized(formData) {
  const response = new Response(formData);
  const contentType = response.headers.get('content-type');
  const match = /^multipart\/form-data; boundary=(.*)$/.exec(contentType);
  assert.ok(match, `unexpected Content-Type: ${contentType}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return { boundary: match[1], text };
}

function parse(body, contentType = 'multipart/form-data; boundary=boundary') {
  return new Response(body, { headers: { 'Content-Type': contentType } }).formData();
}

async function describe(formData) {
  const out = [];
  for (const [name, value] of formData) {
    out.push(typeof value === 'string' ? [name, value]
      : [name, { name: value.name, type: value.type, text: await value.text() }]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the entry list

export const constructor = {
  async test() {
    assert.deepStrictEqual([...new FormData()], []);
    assert.deepStrictEqual([...new FormData(undefined)], []);
    for (const form of [null, {}, 'form', 1]) {
      assert.throws(() => new FormData(form), /HTMLFormElement/);
    }
    assert.throws(() => FormData(), TypeError);
  },
};

export const stringEntries = {
  async test() {
    const fd = new FormData();
    fd.append('a', '1');
    fd.append('b', 2);
    fd.append('a', '3');
    assert.strictEqual(fd.get('a'), '1');
    assert.strictEqual(fd.get('b'), '2');
    assert.strictEqual(fd.get('A'), null, 'names are case-sensitive');
    assert.deepStrictEqual(fd.getAll('a'), ['1', '3']);
    assert.deepStrictEqual(fd.getAll('missing'), []);
    assert.strictEqual(fd.has('a'), true);
    assert.strictEqual(fd.has('c'), false);
    fd.set('a', 'x');
    assert.deepStrictEqual([...fd], [['a', 'x'], ['b', '2']]);
    fd.set('c', 'y');
    assert.deepStrictEqual([...fd], [['a', 'x'], ['b', '2'], ['c', 'y']]);
    fd.delete('a');
    assert.deepStrictEqual([...fd], [['b', '2'], ['c', 'y']]);
    fd.delete('nothing');
    // Names and values are USVStrings: lone surrogates become U+FFFD.
    fd.append('\uD800n', 'v\uDC00');
    assert.strictEqual(fd.get('\uFFFDn'), 'v\uFFFD');
    assert.strictEqual(fd.get('\uD800n'), 'v\uFFFD');
  },
};

export const argumentCountsAndOverloads = {
  async test() {
    const fd = new FormData();
    assert.throws(() => fd.append('a'), /2 arguments required, but only 1 present/);
    assert.throws(() => fd.set(), /2 arguments required, but only 0 present/);
    for (const method of ['get', 'getAll', 'has', 'delete']) {
      assert.throws(() => fd[method](), /1 argument required/, method);
    }
    // The three-argument overload takes a Blob only.
    assert.throws(() => fd.append('a', 'b', 'c'), /parameter 2 is not of type 'Blob'/);
    assert.throws(() => fd.set('a', 'b', undefined), TypeError);
    assert.throws(() => fd.append('a', {}, 'f'), TypeError);
    // A non-Blob object is stringified by the two-argument overload.
    fd.append('o', { toString: () => 'str' });
    assert.strictEqual(fd.get('o'), 'str');
  },
};

export const blobValuesBecomeFiles = {
  async test() {
    const fd = new FormData();
    const before = Date.now();
    fd.append('blob', new Blob(['abc'], { type: 'text/x' }));
    const blobFile = fd.get('blob');
    assert.ok(blobFile instanceof File);
    assert.strictEqual(blobFile.name, 'blob');
    assert.strictEqual(blobFile.type, 'text/x');
    assert.strictEqual(await blobFile.text(), 'abc');
    assert.ok(blobFile.lastModified >= before && blobFile.lastModified <= Date.now());
    assert.strictEqual(fd.get('blob'), fd.get('blob'), 'the same File each time');

    fd.set('named', new Blob(['x']), 'custom.bin');
    assert.strictEqual(fd.get('named').name, 'custom.bin');

    const file = new File(['f'], 'orig.txt', { type: 'text/plain', lastModified: 123 });
    fd.append('file', file);
    assert.strictEqual(fd.get('file'), file, 'a File without filename is kept as is');
    fd.append('renamed', file, 'new.txt');
    const renamed = fd.get('renamed');
    assert.notStrictEqual(renamed, file);
    assert.strictEqual(renamed.name, 'new.txt');
    assert.strictEqual(renamed.type, 'text/plain');
    assert.strictEqual(renamed.lastModified, 123);
    assert.strictEqual(await renamed.text(), 'f');
    assert.strictEqual(file.name, 'orig.txt');
    fd.append('undefined-name', file, undefined);
    assert.strictEqual(fd.get('undefined-name'), file);
    fd.append('usv', new Blob([]), 'a\uDFFF');
    assert.strictEqual(fd.get('usv').name, 'a\uFFFD');
  },
};

export const iteration = {
  async test() {
    const fd = new FormData();
    fd.append('b', '1');
    fd.append('a', '2');
    fd.append('b', '3');
    // Entry order, not sorted.
    assert.deepStrictEqual([...fd], [['b', '1'], ['a', '2'], ['b', '3']]);
    assert.deepStrictEqual([...fd.keys()], ['b', 'a', 'b']);
    assert.deepStrictEqual([...fd.values()], ['1', '2', '3']);
    assert.deepStrictEqual([...fd.entries()], [...fd]);
    assert.strictEqual(FormData.prototype[Symbol.iterator], FormData.prototype.entries);
    const seen = [];
    const thisArg = {};
    fd.forEach(function (value, key, container) {
      assert.strictEqual(this, thisArg);
      assert.strictEqual(container, fd);
      seen.push([key, value]);
    }, thisArg);
    assert.deepStrictEqual(seen, [...fd]);
    assert.throws(() => fd.forEach('not callable'), TypeError);
    const it = fd.keys();
    assert.strictEqual(Object.prototype.toString.call(it), '[object FormData Iterator]');
    assert.strictEqual(Object.getPrototypeOf(Object.getPrototypeOf(it)),
      Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())));
    assert.throws(() => Object.getPrototypeOf(it).next.call({}), /Illegal invocation/);
  },
};

export const iterationIsLive = {
  async test() {
    const make = (pairs) => {
      const fd = new FormData();
      for (const [k, v] of pairs) fd.append(k, v);
      return fd;
    };
    let fd = make([['foo', '0'], ['baz', '1'], ['BAR', '2']]);
    let keys = [];
    for (const [key] of fd) {
      keys.push(key);
      fd.delete('baz');
    }
    assert.deepStrictEqual(keys, ['foo', 'BAR']);
    fd = make([['foo', '0'], ['baz', '1'], ['BAR', '2'], ['quux', '3']]);
    keys = [];
    for (const [key] of fd) {
      keys.push(key);
      if (key === 'baz') fd.delete('foo');
    }
    assert.deepStrictEqual(keys, ['foo', 'baz', 'quux']);
    fd = make([['foo', '0'], ['baz', '1']]);
    keys = [];
    for (const [key] of fd) {
      keys.push(key);
      if (key === 'baz') fd.append('X-yZ', '4');
    }
    assert.deepStrictEqual(keys, ['foo', 'baz', 'X-yZ']);
  },
};

export const webIdlShape = {
  async test() {
    assert.strictEqual(FormData.length, 0);
    assert.strictEqual(Object.prototype.toString.call(new FormData()), '[object FormData]');
    for (const [name, length] of [['append', 2], ['delete', 1], ['get', 1], ['getAll', 1],
      ['has', 1], ['set', 2], ['forEach', 1], ['entries', 0], ['keys', 0], ['values', 0]]) {
      const desc = Object.getOwnPropertyDescriptor(FormData.prototype, name);
      assert.strictEqual(desc.value.length, length, name);
      assert.strictEqual(desc.enumerable, true, name);
      assert.throws(() => desc.value.call({}, 'a', 'b'), /Illegal invocation/, name);
    }
    assert.deepStrictEqual(Object.keys(new FormData()), []);
  },
};

// ---------------------------------------------------------------------------------------------
// multipart/form-data serialization

export const serializeBoundary = {
  async test() {
    const a = await serialized(new FormData());
    const b = await serialized(new FormData());
    assert.match(a.boundary, /^[0-9A-Za-z-]{27,70}$/);
    assert.notStrictEqual(a.boundary, b.boundary, 'boundaries are random');
    assert.strictEqual(a.text, `--${a.boundary}--${CRLF}`);
  },
};

export const serializeEntries = {
  async test() {
    const fd = new FormData();
    fd.append('a', '1');
    fd.append('f', new File(['contents'], 'b.txt', { type: 'text/plain' }));
    fd.append('blob', new Blob(['raw']));
    fd.append('a', '2');
    const { boundary, text } = await serialized(fd);
    assert.strictEqual(text, lines(
      `--${boundary}`,
      'Content-Disposition: form-data; name="a"',
      '',
      '1',
      `--${boundary}`,
      'Content-Disposition: form-data; name="f"; filename="b.txt"',
      'Content-Type: text/plain',
      '',
      'contents',
      `--${boundary}`,
      'Content-Disposition: form-data; name="blob"; filename="blob"',
      'Content-Type: application/octet-stream',
      '',
      'raw',
      `--${boundary}`,
      'Content-Disposition: form-data; name="a"',
      '',
      '2',
      `--${boundary}--`,
      ''));
  },
};

export const serializeEscaping = {
  async test() {
    // Names: lone CR/LF normalised to CRLF, then LF, CR and '"' percent-escaped. Filenames:
    // escaped only. Values: newline-normalised only. Everything UTF-8.
    const cases = [
      ['name', 'a\nb', 'a%0D%0Ab'], ['name', 'a\rb', 'a%0D%0Ab'], ['name', 'a\r\nb', 'a%0D%0Ab'],
      ['name', 'a\n\rb', 'a%0D%0A%0D%0Ab'], ['name', 'a"b', 'a%22b'], ['name', "a'b\\c%0A", "a'b\\c%0A"],
      ['name', '\u00e1', '\xc3\xa1'],
      ['filename', 'b\nc', 'b%0Ac'], ['filename', 'b\rc', 'b%0Dc'], ['filename', 'b\r\nc', 'b%0D%0Ac'],
      ['filename', 'b"c', 'b%22c'], ['filename', '\u0259.txt', '\xc9\x99.txt'],
      ['value', 'b\nc', 'b\r\nc'], ['value', 'b\rc', 'b\r\nc'], ['value', 'b\n\rc', 'b\r\n\r\nc'],
      ['value', 'b"c', 'b"c'], ['value', '\u00e7', '\xc3\xa7'],
    ];
    for (const [kind, input, expected] of cases) {
      const fd = new FormData();
      if (kind === 'name') fd.append(input, 'x');
      else if (kind === 'filename') fd.append('a', new File([], input, { type: 'text/plain' }));
      else fd.append('a', input);
      const { boundary, text } = await serialized(fd);
      let want;
      if (kind === 'name') want = lines(`--${boundary}`, `Content-Disposition: form-data; name="${expected}"`, '', 'x');
      else if (kind === 'filename') want = lines(`--${boundary}`, `Content-Disposition: form-data; name="a"; filename="${expected}"`, 'Content-Type: text/plain', '', '');
      else want = lines(`--${boundary}`, 'Content-Disposition: form-data; name="a"', '', expected);
      assert.strictEqual(text, want + lines('', `--${boundary}--`, ''), `${kind} ${JSON.stringify(input)}`);
    }
  },
};

export const serializeTakesASnapshot = {
  async test() {
    const fd = new FormData();
    fd.append('a', '1');
    const response = new Response(fd);
    fd.append('b', '2');
    fd.set('a', 'changed');
    const parsed = await response.formData();
    assert.deepStrictEqual([...parsed], [['a', '1']]);
  },
};

export const requestBodyFromFormData = {
  async test() {
    const fd = new FormData();
    fd.append('k', 'v');
    const req = new Request('https://example.com/', { method: 'POST', body: fd });
    assert.match(req.headers.get('content-type'), /^multipart\/form-data; boundary=/);
    const parsed = await req.formData();
    assert.strictEqual(parsed.get('k'), 'v');
    // An explicit Content-Type wins (and then the boundary is the caller's business).
    const req2 = new Request('https://example.com/', {
      method: 'POST', body: fd, headers: { 'content-type': 'text/plain' },
    });
    assert.strictEqual(req2.headers.get('content-type'), 'text/plain');
  },
};

// ---------------------------------------------------------------------------------------------
// round trips

export const roundTrip = {
  async test() {
    const binary = new Uint8Array(300);
    for (let i = 0; i < binary.length; i++) binary[i] = i & 0xff;
    // Bytes that look like a delimiter line inside a file.
    const tricky = new TextEncoder().encode('\r\n--not-the-boundary\r\n\r\n--');
    const fd = new FormData();
    fd.append('text', 'plain');
    fd.append('text', 'second value');
    fd.append('ünïcødé 名前', 'värde ✓ 😀');
    fd.append('empty', '');
    fd.append('crlf', 'line1\r\nline2\r\n');
    fd.append('bin', new File([binary], 'data.bin', { type: 'application/octet-stream' }));
    fd.append('tricky', new File([tricky], 'tricky.txt', { type: 'Text/Plain;Charset=UTF-8' }));
    fd.append('blob', new Blob(['blob body'], { type: 'text/html' }));
    fd.append('emptyfile', new File([], 'empty.txt', { type: 'text/plain' }));
    fd.append('noname', new File(['x'], ''));

    const parsed = await new Response(fd).formData();
    assert.ok(parsed instanceof FormData);
    assert.deepStrictEqual([...parsed.keys()], [...fd.keys()]);
    assert.deepStrictEqual(parsed.getAll('text'), ['plain', 'second value']);
    assert.strictEqual(parsed.get('ünïcødé 名前'), 'värde ✓ 😀');
    assert.strictEqual(parsed.get('empty'), '');
    assert.strictEqual(parsed.get('crlf'), 'line1\r\nline2\r\n');

    const bin = parsed.get('bin');
    assert.ok(bin instanceof File);
    assert.strictEqual(bin.name, 'data.bin');
    assert.strictEqual(bin.type, 'application/octet-stream');
    assert.deepStrictEqual([...new Uint8Array(await bin.arrayBuffer())], [...binary]);

    const t = parsed.get('tricky');
    assert.strictEqual(t.type, 'text/plain;charset=utf-8');
    assert.deepStrictEqual([...new Uint8Array(await t.arrayBuffer())], [...tricky]);

    assert.deepStrictEqual(await describe(new FormData()), []);
    const rest = (await describe(parsed)).slice(7);
    assert.deepStrictEqual(rest, [
      ['blob', { name: 'blob', type: 'text/html', text: 'blob body' }],
      ['emptyfile', { name: 'empty.txt', type: 'text/plain', text: '' }],
      ['noname', { name: '', type: 'application/octet-stream', text: 'x' }],
    ]);
    // Parsed files have lastModified 0.
    assert.strictEqual(bin.lastModified, 0);
  },
};

export const roundTripEmptyAndEscaped = {
  async test() {
    assert.deepStrictEqual([...(await new Response(new FormData()).formData())], []);
    assert.deepStrictEqual([...(await new Request('https://example.com/', {
      method: 'POST', body: new FormData(),
    }).formData())], []);
    // Escaping is one-way: %22, %0D%0A stay escaped when parsed back.
    const fd = new FormData();
    fd.append('a"b', 'c\nd');
    fd.append('n', new File([], 'e"f.txt'));
    const parsed = await new Response(fd).formData();
    assert.deepStrictEqual([...parsed.keys()], ['a%22b', 'n']);
    assert.strictEqual(parsed.get('a%22b'), 'c\r\nd');
    assert.strictEqual(parsed.get('n').name, 'e%22f.txt');
  },
};

export const roundTripLowercasedBody = {
  async test() {
    // Header names, "form-data" and the boundary are matched case-insensitively where they
    // should be (the boundary itself is whatever the Content-Type says).
    const fd = new FormData();
    fd.append('foo', new Blob(['{"bar":"baz"}'], { type: 'application/json' }));
    const blob = await new Response(fd).blob();
    const lowered = new Blob([(await blob.text()).toLowerCase()], { type: blob.type.toLowerCase() });
    const parsed = await new Response(lowered).formData();
    assert.strictEqual(parsed.get('foo').type, 'application/json');
    assert.strictEqual(await parsed.get('foo').text(), '{"bar":"baz"}');
  },
};

// ---------------------------------------------------------------------------------------------
// parsing known input

export const parseQuotedNamesAndFilenames = {
  async test() {
    const body = lines(
      '--boundary',
      'Content-Disposition: form-data; name="field one"',
      '',
      'value one',
      '--boundary',
      'content-disposition: FORM-DATA;name="semi;colon" ; filename="C:\\dir\\a b.txt"',
      'Content-Type: image/PNG',
      '',
      'PNG',
      '--boundary',
      'Content-Disposition: form-data; name=unquoted',
      '',
      'u',
      '--boundary',
      'Content-Disposition: form-data; name="\u00e9"; filename="\u4e2d\u6587.txt"',
      '',
      '\u{1F600}',
      '--boundary--',
      '');
    assert.deepStrictEqual(await describe(await parse(body)), [
      ['field one', 'value one'],
      ['semi;colon', { name: 'C:\\dir\\a b.txt', type: 'image/png', text: 'PNG' }],
      ['unquoted', 'u'],
      ['\u00e9', { name: '\u4e2d\u6587.txt', type: 'text/plain', text: '\u{1F600}' }],
    ]);
  },
};

export const parseCrlfEdgeCases = {
  async test() {
    const cases = [
      ['value containing CRLF', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', 'l1', 'l2', '--boundary--', ''),
        [['a', 'l1\r\nl2']]],
      ['value ending with CRLF', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', 'v', '', '--boundary--', ''),
        [['a', 'v\r\n']]],
      ['value that is only CRLF', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', '', '', '--boundary--', ''),
        [['a', '\r\n']]],
      ['empty value', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', '', '--boundary--', ''),
        [['a', '']]],
      ['empty line directly followed by the delimiter', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', '--boundary--'),
        [['a', '']]],
      ['delimiter text not preceded by CRLF', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', 'x--boundary', '--boundary--', ''),
        [['a', 'x--boundary']]],
      ['a longer boundary-like line', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', '--boundaryX', '--boundary--', ''),
        [['a', '--boundaryX']]],
      ['boundary as plain text', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', 'my boundary', '--boundary--', ''),
        [['a', 'my boundary']]],
      ['transport padding', lines('--boundary \t', 'Content-Disposition: form-data; name="a"', '', 'v', '--boundary-- \t', ''),
        [['a', 'v']]],
      ['close delimiter at the end of input', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', 'v', '--boundary--'),
        [['a', 'v']]],
      ['epilogue', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', 'v', '--boundary--', 'epilogue', '--boundary', 'x'),
        [['a', 'v']]],
      ['lone LF and CR in a value', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', 'a\nb\rc', '--boundary--', ''),
        [['a', 'a\nb\rc']]],
      ['header whitespace and unknown headers', lines('--boundary', ' Content-Disposition \t:  form-data; name="a"  ', 'X-Other: ignored', 'Content-Transfer-Encoding: base64', '', 'dg==', '--boundary--', ''),
        [['a', 'dg==']]],
      ['duplicate names', lines('--boundary', 'Content-Disposition: form-data; name="a"', '', '1', '--boundary', 'Content-Disposition: form-data; name="a"', '', '2', '--boundary--', ''),
        [['a', '1'], ['a', '2']]],
      ['no parts', lines('--boundary--', ''), []],
    ];
    for (const [description, body, expected] of cases) {
      assert.deepStrictEqual(await describe(await parse(body)), expected, description);
    }
  },
};

export const parseFileTypes = {
  async test() {
    const part = (...headers) => lines('--boundary',
      'Content-Disposition: form-data; name="f"; filename="f"', ...headers, '', 'v', '--boundary--', '');
    const cases = [
      [[], 'text/plain'],
      [['Content-Type: image/png'], 'image/png'],
      [['CONTENT-TYPE: TEXT/HTML'], 'text/html'],
      [['Content-Type: \t text/html \t'], 'text/html'],
      [['Content-Type: text/html', 'Content-Type: text/plain'], 'text/plain'],
      [['Content-Type: text/html, text/css'], 'text/css'],
      [['Content-Type: text/html;;x="y"'], 'text/html;x=y'],
      [['Content-Type: text'], ''],
      [['Content-Type:'], ''],
      [['Content-Type: text/\u0001plain'], ''],
    ];
    for (const [headers, type] of cases) {
      const file = (await parse(part(...headers))).get('f');
      assert.ok(file instanceof File);
      assert.strictEqual(file.type, type, JSON.stringify(headers));
      assert.strictEqual(await file.text(), 'v');
    }
    // Content-Type before Content-Disposition.
    const before = lines('--boundary', 'Content-Type: image/gif',
      'Content-Disposition: form-data; name="g"; filename="g.gif"', '', 'GIF', '--boundary--', '');
    assert.strictEqual((await parse(before)).get('g').type, 'image/gif');
    // A string part ignores its Content-Type and charset.
    const str = lines('--boundary', 'Content-Disposition: form-data; name="s"',
      'Content-Type: text/plain; charset=windows-1252', '', '\u00e9', '--boundary--', '');
    assert.strictEqual((await parse(str)).get('s'), '\u00e9');
  },
};

export const parseBytes = {
  async test() {
    const enc = (s) => new TextEncoder().encode(s);
    const concat = (...arrays) => {
      const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
      let offset = 0;
      for (const a of arrays) {
        out.set(a, offset);
        offset += a.length;
      }
      return out;
    };
    // Invalid UTF-8 in names and values becomes U+FFFD; a BOM at the start of a value is removed.
    const body = concat(
      enc('--boundary\r\nContent-Disposition: form-data; name="a'), new Uint8Array([0xff]),
      enc('"\r\n\r\n'), new Uint8Array([0xef, 0xbb, 0xbf, 0x62, 0xff]),
      enc('\r\n--boundary\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n'),
      new Uint8Array([0x00, 0x80, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]),
      enc('\r\n--boundary--\r\n'));
    const fd = await parse(body);
    assert.strictEqual(fd.get('a\ufffd'), 'b\ufffd');
    assert.deepStrictEqual([...new Uint8Array(await fd.get('f').arrayBuffer())],
      [0x00, 0x80, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
  },
};

export const parseBoundaryParameter = {
  async test() {
    const body = (b) => lines(`--${b}`, 'Content-Disposition: form-data; name="a"', '', 'v', `--${b}--`, '');
    assert.strictEqual((await parse(body('a.b(c)'), 'multipart/form-data; boundary="a.b(c)"')).get('a'), 'v');
    assert.strictEqual((await parse(body('XyZ'), 'Multipart/Form-Data; charset=x; BOUNDARY=XyZ')).get('a'), 'v');
    // A non-ASCII boundary is looked for UTF-8 encoded, like the string body.
    assert.strictEqual((await parse(body('b\u00e9'), 'multipart/form-data; boundary="b\u00e9"')).get('a'), 'v');
    await assert.rejects(parse(body('boundary'), 'multipart/form-data'), TypeError);
    await assert.rejects(parse(body(''), 'multipart/form-data; boundary=""'), TypeError);
    await assert.rejects(parse(body('other'), 'multipart/form-data; boundary=boundary'), TypeError);
  },
};

export const parseFailures = {
  async test() {
    const cd = 'Content-Disposition: form-data; name="a"';
    const cases = [
      ['preamble', lines('preamble', '--boundary', cd, '', 'v', '--boundary--', '')],
      ['leading CRLF', lines('', '--boundary', cd, '', 'v', '--boundary--', '')],
      ['junk after close delimiter', lines('--boundary', cd, '', 'v', '--boundary--junk', '')],
      ['part without headers', lines('--boundary', '', 'v', '--boundary--', '')],
      ['no Content-Disposition', lines('--boundary', 'Content-Type: text/plain', '', 'v', '--boundary--', '')],
      ['Content-Disposition without name', lines('--boundary', 'Content-Disposition: form-data', '', 'v', '--boundary--', '')],
      ['not form-data', lines('--boundary', 'Content-Disposition: attachment; name="a"', '', 'v', '--boundary--', '')],
      ['unclosed quote', lines('--boundary', 'Content-Disposition: form-data; name="a', '', 'v', '--boundary--', '')],
      ['header without colon', lines('--boundary', 'Content-Disposition form-data; name="a"', '', 'v', '--boundary--', '')],
      ['header name not a token', lines('--boundary', cd, 'Cont ent-Type: text/plain', '', 'v', '--boundary--', '')],
      ['folded header', lines('--boundary', 'Content-Disposition: form-data;', ' name="a"', '', 'v', '--boundary--', '')],
      ['NUL in a header', lines('--boundary', 'Content-Disposition: form-data; name="a\u0000b"', '', 'v', '--boundary--', '')],
      ['bare LF in a header', lines('--boundary', 'Content-Disposition: form-data; name="a\nb"', '', 'v', '--boundary--', '')],
      ['bare CR in a header', lines('--boundary', 'Content-Disposition: form-data; name="a\rb"', '', 'v', '--boundary--', '')],
      ['no close delimiter', lines('--boundary', cd, '', 'v')],
      ['no CRLF before close delimiter', lines('--boundary', cd, '', 'v--boundary--', '')],
      ['headers not terminated', lines('--boundary', cd)],
      ['nothing after the first delimiter', '--boundary'],
      ['empty body', ''],
    ];
    for (const [description, body] of cases) {
      await assert.rejects(parse(body), TypeError, description);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// urlencoded

export const urlencoded = {
  async test() {
    const params = new URLSearchParams([['a', '1'], ['b c', 'd&e'], ['a', '\u00e9']]);
    const response = new Response(params);
    assert.strictEqual(response.headers.get('content-type'), 'application/x-www-form-urlencoded;charset=UTF-8');
    const fd = await response.formData();
    assert.deepStrictEqual([...fd], [['a', '1'], ['b c', 'd&e'], ['a', '\u00e9']]);

    const text = new Response('x=1+2&y=%41%zz&&z&=w&%C3%A9=%FF', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.deepStrictEqual([...(await text.formData())],
      [['x', '1 2'], ['y', 'A%zz'], ['z', ''], ['', 'w'], ['\u00e9', '\ufffd']]);
    const empty = new Response('', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepStrictEqual([...(await empty.formData())], []);
    // URLSearchParams bodies are snapshots.
    const live = new URLSearchParams('a=1');
    const req = new Request('https://example.com/', { method: 'POST', body: live });
    live.set('a', '2');
    assert.strictEqual((await req.formData()).get('a'), '1');
  },
};

export const formDataRejectsOtherTypes = {
  async test() {
    for (const type of [null, 'text/plain', 'application/json', 'multipart/mixed; boundary=x', 'garbage']) {
      const headers = type === null ? {} : { 'Content-Type': type };
      const response = new Response('a=b', { headers });
      if (type === null) response.headers.delete('content-type');
      await assert.rejects(response.formData(), TypeError, String(type));
      assert.strictEqual(response.bodyUsed, true);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// robustness

export const survivesPatchedBuiltins = {
  async test() {
    const saved = {
      push: Array.prototype.push,
      toLowerCase: String.prototype.toLowerCase,
      then: Promise.prototype.then,
      set: Uint8Array.prototype.set,
      subarray: Uint8Array.prototype.subarray,
      mapGet: Map.prototype.get,
      indexOf: String.prototype.indexOf,
    };
    const boom = () => { throw new Error('patched built-in called'); };
    let parsedPromise;
    let fd;
    try {
      Array.prototype.push = boom;
      String.prototype.toLowerCase = boom;
      Promise.prototype.then = boom;
      Uint8Array.prototype.set = boom;
      Uint8Array.prototype.subarray = boom;
      Map.prototype.get = boom;
      String.prototype.indexOf = boom;
      fd = new FormData();
      fd.append('A', 'one\ntwo');
      fd.append('f', new Blob(['blob'], { type: 'Text/X' }), 'f.txt');
      fd.set('B', '3');
      const it = fd.keys();
      const keys = [];
      for (let r = it.next(); !r.done; r = it.next()) keys[keys.length] = r.value;
      if (keys.join(',') !== 'A,f,B') throw new Error(`wrong keys ${keys.join(',')}`);
      parsedPromise = new Response(fd).formData();
    } finally {
      Array.prototype.push = saved.push;
      String.prototype.toLowerCase = saved.toLowerCase;
      Promise.prototype.then = saved.then;
      Uint8Array.prototype.set = saved.set;
      Uint8Array.prototype.subarray = saved.subarray;
      Map.prototype.get = saved.mapGet;
      String.prototype.indexOf = saved.indexOf;
    }
    const parsed = await parsedPromise;
    assert.strictEqual(parsed.get('A'), 'one\r\ntwo');
    assert.strictEqual(parsed.get('f').name, 'f.txt');
    assert.strictEqual(parsed.get('f').type, 'text/x');
    assert.strictEqual(parsed.get('B'), '3');
  },
};
