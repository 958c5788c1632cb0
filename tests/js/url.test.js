// URL (WHATWG URL standard): every case of the web-platform-tests data files (urltestdata,
// urltestdata-javascript-only, setters_tests, toascii, IdnaTestV2, percent-encoding), then our
// own edge cases for setters, searchParams linkage, Web IDL shape and robustness against
// patched built-ins.
//
// Each WPT test collects every failing case and fails once, listing the inputs that broke.

import assert from 'node:assert';
import cases from '../../../shared/testdata/wpt/urltestdata.json';
import jsOnlyCases from '../../../shared/testdata/wpt/urltestdata-javascript-only.json';
import setterCases from '../../../shared/testdata/wpt/setters_tests.json';
import toasciiCases from '../../../shared/testdata/wpt/toascii.json';
import idnaCases from '../../../shared/testdata/wpt/IdnaTestV2.json';
import percentEncodingCases from '../../../shared/testdata/wpt/percent-encoding.json';

// ---------------------------------------------------------------------------------------------
// helpers

// A string with its non-printable-ASCII code units escaped, so failure lists are readable.
function show(s) {
  if (s === null) return 'null';
  if (s === undefined) return 'undefined';
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7E || c === 0x22 || c === 0x5C) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `"${out}"`;
}

// Fails with every collected problem listed (first 60 in full, then a count).
function assertNoFailures(failures, total, what) {
  console.log(`${what}: ${total - failures.length}/${total} passed`);
  if (failures.length === 0) return;
  const shown = failures.slice(0, 60).join('\n  ');
  const more = failures.length > 60 ? `\n  ... and ${failures.length - 60} more` : '';
  assert.fail(`${failures.length} of ${total} ${what} cases failed:\n  ${shown}${more}`);
}

const COMPONENTS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port',
  'pathname', 'search', 'hash'];

// Runs urltestdata-format cases the way WPT's url-constructor, url-origin, url-statics-canparse,
// url-statics-parse and failure tests do. Returns [failures, count].
function runURLTestData(data) {
  const failures = [];
  let count = 0;
  for (const expected of data) {
    if (typeof expected === 'string') continue;  // comment
    count++;
    const base = expected.base !== null ? expected.base : undefined;
    const label = `new URL(${show(expected.input)}${base === undefined ? '' : `, ${show(base)}`})`;
    const problems = [];
    if (expected.failure) {
      let threw = null;
      try {
        new URL(expected.input, base);
      } catch (e) {
        threw = e;
      }
      if (threw === null) problems.push('did not throw');
      else if (!(threw instanceof TypeError)) problems.push(`threw ${threw?.name}, not TypeError`);
      if (URL.canParse(expected.input, base) !== false) problems.push('canParse is not false');
      if (URL.parse(expected.input, base) !== null) problems.push('URL.parse is not null');
      if (expected.base === null) {
        // A URL that fails to parse with any base also fails as a base itself (failure.html).
        try {
          new URL('about:blank', expected.input);
          problems.push('accepted as a base URL');
        } catch (e) {
          if (!(e instanceof TypeError)) problems.push(`as a base, threw ${e?.name}`);
        }
        const url = new URL('about:blank');
        try {
          url.href = expected.input;
          problems.push('href setter did not throw');
        } catch (e) {
          if (!(e instanceof TypeError)) problems.push(`href setter threw ${e?.name}`);
        }
        if (url.href !== 'about:blank') problems.push('href setter changed the URL');
      }
    } else {
      let url;
      try {
        url = new URL(expected.input, base);
      } catch (e) {
        failures.push(`${label}: threw ${e}`);
        continue;
      }
      for (const key of COMPONENTS) {
        if (url[key] !== expected[key]) {
          problems.push(`${key} is ${show(url[key])}, expected ${show(expected[key])}`);
        }
      }
      if ('origin' in expected && url.origin !== expected.origin) {
        problems.push(`origin is ${show(url.origin)}, expected ${show(expected.origin)}`);
      }
      if ('searchParams' in expected && url.searchParams.toString() !== expected.searchParams) {
        problems.push(`searchParams is ${show(url.searchParams.toString())}, ` +
          `expected ${show(expected.searchParams)}`);
      }
      if (URL.canParse(expected.input, base) !== true) problems.push('canParse is not true');
      const parsed = URL.parse(expected.input, base);
      if (parsed === null || parsed.href !== expected.href) problems.push('URL.parse differs');
      // The serialization parses to itself (href setter round trip).
      try {
        const again = new URL(url.href);
        if (again.href !== url.href) problems.push(`reparsing href gives ${show(again.href)}`);
      } catch (e) {
        problems.push(`reparsing href threw ${e}`);
      }
    }
    if (problems.length > 0) failures.push(`${label}: ${problems.join('; ')}`);
  }
  return [failures, count];
}

// ---------------------------------------------------------------------------------------------
// WPT data

export const wptUrlTestData = {
  async test() {
    const [failures, count] = runURLTestData(cases);
    assert.ok(count > 800, `urltestdata.json has only ${count} cases`);
    assertNoFailures(failures, count, 'urltestdata.json');
  },
};

export const wptUrlTestDataJavascriptOnly = {
  async test() {
    const [failures, count] = runURLTestData(jsOnlyCases);
    assert.ok(count > 0, 'urltestdata-javascript-only.json has no cases');
    assertNoFailures(failures, count, 'urltestdata-javascript-only.json');
  },
};

export const wptSetters = {
  async test() {
    const failures = [];
    let count = 0;
    for (const attribute of Object.keys(setterCases)) {
      if (attribute === 'comment') continue;
      for (const testCase of setterCases[attribute]) {
        count++;
        const label = `new URL(${show(testCase.href)}).${attribute} = ${show(testCase.new_value)}`;
        try {
          const url = new URL(testCase.href);
          url[attribute] = testCase.new_value;
          const problems = [];
          for (const key of Object.keys(testCase.expected)) {
            if (url[key] !== testCase.expected[key]) {
              problems.push(`${key} is ${show(url[key])}, expected ${show(testCase.expected[key])}`);
            }
          }
          if (problems.length > 0) failures.push(`${label}: ${problems.join('; ')}`);
        } catch (e) {
          failures.push(`${label}: threw ${e}`);
        }
      }
    }
    assert.ok(count > 200, `setters_tests.json has only ${count} cases`);
    assertNoFailures(failures, count, 'setters_tests.json');
  },
};

// ---------------------------------------------------------------------------------------------
// IDNA cases that ICU 72 cannot pass
//
// Host parsing calls ICU's UTS #46 (ops.domainToAscii). The system ICU is 72, whose IDNA data is
// Unicode 15.0; the WPT data (2025-10) follows the current UTS #46 (Unicode 17.0), whose mapping
// table changed for the code points below. Every input excluded here fails only because it
// contains one of them (listed in the comment after each input); no other toascii.json or
// IdnaTestV2.json input is excluded. (The algorithm change of later UTS #46 revisions that ICU 72
// lacks, "with CheckHyphens false, a label must not begin with xn--" as in "xn--xn--a--gua.pt",
// is implemented in internal:url, so those cases are tested, not excluded.)
const NEWER = 'in the newer UTS #46 data of the test file (Unicode > 15.0)';
const GEORGIAN = 'U+10A0..U+10C5 (Georgian capital letters) are disallowed in ICU 72; mapped to ' +
  `U+2D00..U+2D25 ${NEWER}`;
const SHARP_S = `U+1E9E (capital sharp s) is mapped to "ss" by ICU 72; mapped to U+00DF ${NEWER}`;
const MAPPED = 'U+04C0, U+2132 and U+2183 are disallowed in ICU 72; mapped to U+04CF, U+214E and ' +
  `U+2184 ${NEWER}`;
const CJK_COMPAT = 'CJK compatibility ideographs U+2F868, U+2F874, U+2F91F, U+2F95F, U+2F9BF are ' +
  `disallowed in ICU 72; mapped ${NEWER}`;
const IGNORED = 'U+115F, U+1160, U+17B4, U+180E, U+206B, U+FFA0 and U+1D175 (default ignorable ' +
  `code points) are disallowed in ICU 72; ignored ${NEWER}`;
const UNICODE_17 = 'U+32931 and U+32B9A (CJK Unified Ideographs Extension J, new in Unicode 17.0) ' +
  'are unassigned, so disallowed, in ICU 72';

// IdnaTestV2.json inputs (76 of 2670 testable cases).
const IDNA_ICU72_EXCLUSIONS = new Map([
  ['FA\u1e9e.de', SHARP_S],  // U+1E9E
  ['FA\u1e9e.DE', SHARP_S],  // U+1E9E
  ['\uf951\ud87e\udc68\ud87e\udc74\ud87e\udd1f\ud87e\udd5f\ud87e\uddbf', CJK_COMPAT],  // U+2F868 U+2F874 U+2F91F U+2F95F U+2F9BF
  ['=\u0338\u1899>\u0338.\u1109\u1169\u11be-\u1874\u10a0', GEORGIAN],  // U+10A0
  ['\u2260\u1899\u226f.\uc1a3-\u1874\u10a0', GEORGIAN],  // U+10A0
  ['\ud83a\udd25\udb40\udd6e\uff0e\u1844\u10ae', GEORGIAN],  // U+10AE
  ['\ud83a\udd25\udb40\udd6e.\u1844\u10ae', GEORGIAN],  // U+10AE
  ['\ud83a\udd03\udb40\udd6e.\u1844\u10ae', GEORGIAN],  // U+10AE
  ['\ud83a\udd03.\u1844\u10ae', GEORGIAN],  // U+10AE
  ['\ud83a\udd03\udb40\udd6e\uff0e\u1844\u10ae', GEORGIAN],  // U+10AE
  ['\ud83a\udd25.\u1844\u10ae', GEORGIAN],  // U+10AE
  ['\u00df\uff61\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['\u00df\u3002\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['SS\u3002\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['Ss\u3002\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['SS.\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['Ss.\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['SS\uff61\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['Ss\uff61\ud800\udef3\u10ac\u0fb8', GEORGIAN],  // U+10AC
  ['\u10ba\ud800\udef8\udb40\udd04\u3002\ud835\udfdd\ud7f6\u103a', GEORGIAN],  // U+10BA
  ['\u10ba\ud800\udef8\udb40\udd04\u30025\ud7f6\u103a', GEORGIAN],  // U+10BA
  ['\u10ba\ud800\udef8.5\ud7f6\u103a', GEORGIAN],  // U+10BA
  ['\ua846\u3002\u2183\u0fb5\ub1ae-', MAPPED],  // U+2183
  ['\ua846\u3002\u2183\u0fb5\u1102\u116a\u11c1-', MAPPED],  // U+2183
  ['\u2132\u17d2.=\u0338', MAPPED],  // U+2132
  ['\u2132\u17d2.\u2260', MAPPED],  // U+2132
  ['\ua9d0\u04c0\u1baa\u08f6\uff0e\ub235', MAPPED],  // U+04C0
  ['\ua9d0\u04c0\u1baa\u08f6\uff0e\u1102\u116f\u11bc', MAPPED],  // U+04C0
  ['\ua9d0\u04c0\u1baa\u08f6.\ub235', MAPPED],  // U+04C0
  ['\ua9d0\u04c0\u1baa\u08f6.\u1102\u116f\u11bc', MAPPED],  // U+04C0
  ['\u3002\u3002\u10a3\u226f', GEORGIAN],  // U+10A3
  ['\u3002\u3002\u10a3>\u0338', GEORGIAN],  // U+10A3
  ['\u06b9\uff0e\u1873\u115f', IGNORED],  // U+115F
  ['\u06b9.\u1873\u115f', IGNORED],  // U+115F
  ['SS\uaaf6\u18a5.\u22b6\u10c1\u10b6', GEORGIAN],  // U+10B6 U+10C1
  ['Ss\uaaf6\u18a5.\u22b6\u10c1\u2d16', GEORGIAN],  // U+10C1
  ['\u10ba.\u03a3', GEORGIAN],  // U+10BA
  ['\u10ba.\u03c2', GEORGIAN],  // U+10BA
  ['\u10ba.\u03c3', GEORGIAN],  // U+10BA
  ['\u10a1\u755d.<\u0338', GEORGIAN],  // U+10A1
  ['\u10a1\u755d.\u226e', GEORGIAN],  // U+10A1
  ['\ud83d\udd7c\uff0e\uffa0', IGNORED],  // U+FFA0
  ['\ud83d\udd7c.\u1160', IGNORED],  // U+1160
  ['\u03c2\u10c5\u3002\u075a', GEORGIAN],  // U+10C5
  ['\u03a3\u10c5\u3002\u075a', GEORGIAN],  // U+10C5
  ['\u03a3\u10c5.\u075a', GEORGIAN],  // U+10C5
  ['\ud802\ude57.\u10a9\u10b5', GEORGIAN],  // U+10A9 U+10B5
  ['\ud802\ude57.\u10a9\u2d15', GEORGIAN],  // U+10A9
  ['\ud88a\udd3120.\u97f3.\ua8661.', UNICODE_17],  // U+32931
  ['xn--20-9802c.xn--0w5a.xn--1-eg4e.', UNICODE_17],  // U+32931
  ['\u10b5\u3002\u06f0\u226e\u00df\u0745', GEORGIAN],  // U+10B5
  ['\u10b5\u3002\u06f0<\u0338\u00df\u0745', GEORGIAN],  // U+10B5
  ['\u10b5\u3002\u06f0\u226eSS\u0745', GEORGIAN],  // U+10B5
  ['\u10b5\u3002\u06f0<\u0338SS\u0745', GEORGIAN],  // U+10B5
  ['\u10b5\u3002\u06f0\u226eSs\u0745', GEORGIAN],  // U+10B5
  ['\u10b5\u3002\u06f0<\u0338Ss\u0745', GEORGIAN],  // U+10B5
  ['\u10b5.\u06f0<\u0338SS\u0745', GEORGIAN],  // U+10B5
  ['\u10b5.\u06f0\u226eSS\u0745', GEORGIAN],  // U+10B5
  ['\u10b5.\u06f0\u226eSs\u0745', GEORGIAN],  // U+10B5
  ['\u10b5.\u06f0<\u0338Ss\u0745', GEORGIAN],  // U+10B5
  ['xn--9-i0j5967eg3qz.ss', UNICODE_17],  // U+32B9A
  ['\ud88a\udf9a9\ua369\u17d3.ss', UNICODE_17],  // U+32B9A
  ['\ud88a\udf9a9\ua369\u17d3.SS', UNICODE_17],  // U+32B9A
  ['\u10b6\u0366.', GEORGIAN],  // U+10B6
  ['\u08bb.\u10a3\ud838\udc12', GEORGIAN],  // U+10A3
  ['\u650c\uabed.\u1896-\u10b8', GEORGIAN],  // U+10B8
  ['\ud83c\udcb4\u10ab.\u226e', GEORGIAN],  // U+10AB
  ['\ud83c\udcb4\u10ab.<\u0338', GEORGIAN],  // U+10AB
  ['\ud834\udd75\u30029\ud838\udc08\u4b3a1.', IGNORED],  // U+1D175
  ['\u17b4.\ucb87-', IGNORED],  // U+17B4
  ['\u17b4.\u110d\u1170\u11ae-', IGNORED],  // U+17B4
  ['\u10c1\u10b16\u0318\u3002\u00df\u1b03', GEORGIAN],  // U+10B1 U+10C1
  ['\u10c1\u10b16\u0318\u3002SS\u1b03', GEORGIAN],  // U+10B1 U+10C1
  ['\u10c1\u2d116\u0318\u3002Ss\u1b03', GEORGIAN],  // U+10C1
  ['\u10c1\u10b16\u0318.SS\u1b03', GEORGIAN],  // U+10B1 U+10C1
  ['\u10c1\u2d116\u0318.Ss\u1b03', GEORGIAN],  // U+10C1
]);

// toascii.json inputs (7 of 87 cases).
const TOASCII_ICU72_EXCLUSIONS = new Map([
  ['look\u180eout.net', IGNORED],  // U+180E
  ['look\u206bout.net', IGNORED],  // U+206B
  ['\u04c0.com', MAPPED],  // U+04C0
  ['\ud87e\udc68.com', CJK_COMPAT],  // U+2F868
  ['\u2183.com', MAPPED],  // U+2183
  ['\u1e9e.com', SHARP_S],  // U+1E9E
  ['\u1e9e.foo.com', SHARP_S],  // U+1E9E
]);

// toascii.window.js: through the URL constructor, and the host and hostname setters.
export const wptToAscii = {
  async test() {
    const failures = [];
    let count = 0;
    let skipped = 0;
    for (const hostTest of toasciiCases) {
      if (typeof hostTest === 'string') continue;
      if (TOASCII_ICU72_EXCLUSIONS.has(hostTest.input)) {
        skipped++;
        continue;
      }
      count++;
      const label = `ToASCII(${show(hostTest.input)})`;
      const problems = [];
      if (hostTest.output !== null) {
        try {
          const url = new URL(`https://${hostTest.input}/x`);
          if (url.host !== hostTest.output) problems.push(`host is ${show(url.host)}`);
          if (url.hostname !== hostTest.output) problems.push(`hostname is ${show(url.hostname)}`);
          if (url.pathname !== '/x') problems.push(`pathname is ${show(url.pathname)}`);
          if (url.href !== `https://${hostTest.output}/x`) problems.push(`href is ${show(url.href)}`);
        } catch (e) {
          problems.push(`threw ${e}`);
        }
      } else {
        try {
          new URL(`https://${hostTest.input}/x`);
          problems.push('did not throw');
        } catch (e) {
          if (!(e instanceof TypeError)) problems.push(`threw ${e?.name}`);
        }
      }
      for (const setter of ['host', 'hostname']) {
        const url = new URL('https://x/x');
        url[setter] = hostTest.input;
        const want = hostTest.output === null ? 'x' : hostTest.output;
        if (url[setter] !== want) problems.push(`${setter} setter gives ${show(url[setter])}`);
      }
      if (problems.length > 0) failures.push(`${label} (expected ${show(hostTest.output)}): ${problems.join('; ')}`);
    }
    console.log(`toascii.json: ${skipped} cases excluded (IDNA data of ICU 72 predates the test data)`);
    assert.strictEqual(skipped, TOASCII_ICU72_EXCLUSIONS.size, 'an excluded input is missing from toascii.json');
    assert.ok(count > 75, `toascii.json has only ${count} cases`);
    assertNoFailures(failures, count, 'toascii.json');
  },
};

// IdnaTestV2.window.js: https://INPUT/x through the URL constructor.
export const wptIdnaTestV2 = {
  async test() {
    const failures = [];
    let count = 0;
    let skipped = 0;
    for (const idnaTest of idnaCases) {
      if (typeof idnaTest === 'string') continue;
      if (idnaTest.input === '') continue;  // cannot be tested through new URL()
      if (IDNA_ICU72_EXCLUSIONS.has(idnaTest.input)) {
        skipped++;
        continue;
      }
      count++;
      const label = `ToASCII(${show(idnaTest.input)})`;
      if (idnaTest.output === null) {
        try {
          const url = new URL(`https://${idnaTest.input}/x`);
          failures.push(`${label}: expected failure, got host ${show(url.host)}`);
        } catch (e) {
          if (!(e instanceof TypeError)) failures.push(`${label}: threw ${e?.name}`);
        }
      } else {
        try {
          const url = new URL(`https://${idnaTest.input}/x`);
          if (url.host !== idnaTest.output || url.hostname !== idnaTest.output ||
              url.pathname !== '/x' || url.href !== `https://${idnaTest.output}/x`) {
            failures.push(`${label}: host ${show(url.host)}, expected ${show(idnaTest.output)}`);
          }
        } catch (e) {
          failures.push(`${label}: threw ${e}, expected ${show(idnaTest.output)}`);
        }
      }
    }
    console.log(`IdnaTestV2.json: ${skipped} cases excluded (IDNA data of ICU 72 predates the test data)`);
    assert.strictEqual(skipped, IDNA_ICU72_EXCLUSIONS.size, 'an excluded input is missing from IdnaTestV2.json');
    assert.ok(count > 2000, `IdnaTestV2.json has only ${count} cases`);
    assertNoFailures(failures, count, 'IdnaTestV2.json');
  },
};

// percent-encoding.window.js loads a document in each encoding with a link to
// "https://doesnotmatter.invalid/?INPUT#INPUT" and checks its query (encoded in the document's
// encoding) and fragment (always UTF-8). The URL API always uses UTF-8, so only the 'utf-8'
// outputs can be checked here; outputs for other encodings (big5, euc-kr, windows-1252,
// iso-2022-jp, gb18030, shift_jis) need a document with that encoding and are counted as skipped.
export const wptPercentEncoding = {
  async test() {
    const failures = [];
    let count = 0;
    let skipped = 0;
    for (const testUnit of percentEncodingCases) {
      if (typeof testUnit !== 'object') continue;
      for (const encoding of Object.keys(testUnit.output)) {
        if (encoding !== 'utf-8') {
          skipped++;
          continue;
        }
        count++;
        const url = new URL(`https://doesnotmatter.invalid/?${testUnit.input}#${testUnit.input}`);
        const want = testUnit.output['utf-8'];
        if (url.search !== `?${want}` || url.hash !== `#${want}`) {
          failures.push(`${show(testUnit.input)}: search ${show(url.search)}, hash ${show(url.hash)}, ` +
            `expected ${show(want)}`);
        }
      }
    }
    console.log(`percent-encoding.json: ${count} utf-8 cases checked, ${skipped} cases for ` +
      'other encodings skipped (the URL API only encodes queries as UTF-8)');
    assert.ok(count >= 6, `percent-encoding.json has only ${count} utf-8 cases`);
    assertNoFailures(failures, count, 'percent-encoding.json');
  },
};

// ---------------------------------------------------------------------------------------------
// Our own cases

const invalidURL = (input) => ({ name: 'TypeError', message: `Invalid URL: ${input}` });

export const constructorErrors = {
  async test() {
    assert.throws(() => new URL('bad'), invalidURL('bad'));
    assert.throws(() => new URL('http://exa mple.com/'), invalidURL('http://exa mple.com/'));
    assert.throws(() => new URL('/path'), invalidURL('/path'));
    assert.throws(() => new URL('/path', 'not a base'),
      { name: 'TypeError', message: 'Invalid base URL: not a base' });
    assert.throws(() => new URL(), {
      name: 'TypeError',
      message: "Failed to construct 'URL': 1 argument required, but only 0 present.",
    });
    assert.throws(() => URL(), TypeError);  // not callable without new
    assert.throws(() => new URL(Symbol('x')), TypeError);
    // Web IDL: an explicit undefined base is no base; null is the string "null".
    assert.strictEqual(new URL('http://a/b', undefined).href, 'http://a/b');
    assert.throws(() => new URL('b', null), TypeError);
    assert.strictEqual(new URL('b', 'http://a/').href, 'http://a/b');
    // Arguments are converted with ToString: objects with toString, numbers.
    assert.strictEqual(new URL({ toString: () => 'http://obj/' }).href, 'http://obj/');
    assert.strictEqual(new URL('1', 'http://a/b/').href, 'http://a/b/1');
    // A URL as the base argument.
    assert.strictEqual(new URL('c?x', new URL('http://a/b/')).href, 'http://a/b/c?x');
  },
};

export const statics = {
  async test() {
    assert.strictEqual(URL.canParse('http://a'), true);
    assert.strictEqual(URL.canParse('a'), false);
    assert.strictEqual(URL.canParse('a', 'http://b/'), true);
    assert.strictEqual(URL.canParse('a', undefined), false);
    assert.strictEqual(URL.canParse('http://a', 'bad base'), false);
    assert.throws(() => URL.canParse(), {
      name: 'TypeError', message: "Failed to execute 'canParse' on 'URL': 1 argument required, but only 0 present.",
    });
    assert.strictEqual(URL.parse('a'), null);
    assert.strictEqual(URL.parse('http://a', 'bad base'), null);
    const u = URL.parse('../x?y#z', 'https://h/a/b/c');
    assert.ok(u instanceof URL);
    assert.strictEqual(u.href, 'https://h/a/x?y#z');
    assert.strictEqual(u.searchParams.get('y'), '');
    u.searchParams.set('k', 'v');
    assert.strictEqual(u.href, 'https://h/a/x?y=&k=v#z');
    assert.notStrictEqual(URL.parse('http://a/'), URL.parse('http://a/'));
    assert.throws(() => URL.parse(), TypeError);
    assert.strictEqual(URL.canParse.length, 1);
    assert.strictEqual(URL.parse.length, 1);
  },
};

export const webIdlShape = {
  async test() {
    const url = new URL('https://example.com/');
    assert.strictEqual(Object.prototype.toString.call(url), '[object URL]');
    assert.strictEqual(Object.prototype.toString.call(url.searchParams), '[object URLSearchParams]');
    assert.strictEqual(URL.length, 1);
    assert.strictEqual(URL.name, 'URL');
    for (const name of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname',
      'port', 'pathname', 'search', 'searchParams', 'hash']) {
      const desc = Object.getOwnPropertyDescriptor(URL.prototype, name);
      assert.ok(desc && typeof desc.get === 'function', `${name} is an accessor`);
      assert.strictEqual(desc.enumerable, true, `${name} is enumerable`);
      assert.strictEqual(desc.configurable, true);
      const readonly = name === 'origin' || name === 'searchParams';
      assert.strictEqual(typeof desc.set, readonly ? 'undefined' : 'function', `${name} setter`);
      assert.throws(() => desc.get.call({}), { name: 'TypeError', message: 'Illegal invocation' });
      assert.throws(() => desc.get.call(Object.create(URL.prototype)), TypeError);
      if (!readonly) {
        assert.throws(() => desc.set.call({}, 'x'), { name: 'TypeError', message: 'Illegal invocation' });
        assert.throws(() => desc.set.call(url), TypeError, `${name} setter without an argument`);
      }
    }
    for (const name of ['toJSON', 'toString']) {
      assert.strictEqual(Object.getOwnPropertyDescriptor(URL.prototype, name).enumerable, true);
      assert.throws(() => URL.prototype[name].call({}), { message: 'Illegal invocation' });
    }
    assert.strictEqual(Object.keys(url).length, 0, 'no own enumerable state');
    assert.strictEqual(url.searchParams, url.searchParams, '[SameObject]');
    assert.strictEqual(JSON.stringify({ url }), '{"url":"https://example.com/"}');
    assert.strictEqual(`${url}`, 'https://example.com/');
    assert.strictEqual(url.toJSON(), 'https://example.com/');
    // subclassing works
    class MyURL extends URL { get extra() { return this.hostname.toUpperCase(); } }
    const mine = new MyURL('http://sub.example/');
    assert.strictEqual(mine.extra, 'SUB.EXAMPLE');
    assert.strictEqual(mine.href, 'http://sub.example/');
    // readonly attributes ignore assignment in sloppy semantics and throw in strict code
    assert.throws(() => { url.origin = 'x'; }, TypeError);
  },
};

export const hosts = {
  async test() {
    const host = (s) => new URL(`http://${s}/`).host;
    assert.strictEqual(host('0x7f.1'), '127.0.0.1');
    assert.strictEqual(host('0177.0.0.1'), '127.0.0.1');
    assert.strictEqual(host('2130706433'), '127.0.0.1');
    assert.strictEqual(host('1.2.3.4.'), '1.2.3.4');
    assert.strictEqual(host('0x'), '0.0.0.0');
    assert.strictEqual(host('4294967295'), '255.255.255.255');
    assert.throws(() => host('4294967296'), TypeError);
    assert.throws(() => host('1.2.3.256'), TypeError);
    assert.throws(() => host('256.1.1.1'), TypeError);
    assert.throws(() => host('1.2.3.09'), TypeError, 'octal part with a 9');
    assert.throws(() => host('foo.0x'), TypeError, 'ends in a number, not IPv4');
    assert.strictEqual(host('foo.09a'), 'foo.09a', 'does not end in a number');
    assert.strictEqual(host('[0:0:1:0:0:0:0:1]'), '[0:0:1::1]');
    assert.strictEqual(host('[1:0:0:2:0:0:0:3]'), '[1:0:0:2::3]');
    assert.strictEqual(host('[1:0:0:2:0:0:3:4]'), '[1::2:0:0:3:4]', 'first longest run');
    assert.strictEqual(host('[1:0:2:3:4:5:6:7]'), '[1:0:2:3:4:5:6:7]', 'a single 0 is not compressed');
    assert.strictEqual(host('[::ffff:1.2.3.4]'), '[::ffff:102:304]');
    assert.strictEqual(host('[::]'), '[::]');
    assert.strictEqual(host('[ABCD::EF]'), '[abcd::ef]');
    assert.throws(() => host('[::1.2.3]'), TypeError);
    assert.throws(() => host('[1::2::3]'), TypeError);
    assert.throws(() => host('[::1'), TypeError);
    assert.strictEqual(host('ExAmPlE.CoM'), 'example.com');
    assert.strictEqual(host('b%C3%BCcher.de'), 'xn--bcher-kva.de');
    assert.strictEqual(host('bücher.de'), 'xn--bcher-kva.de');
    assert.strictEqual(host('ＥＸＡＭＰＬＥ。com'), 'example.com');
    assert.throws(() => host('exa%25mple'), TypeError, 'forbidden domain code point after decoding');
    assert.throws(() => host('a<b'), TypeError);
    assert.throws(() => host('xn--'), TypeError);
    // opaque hosts (non-special schemes) keep case and percent-encode C0 controls and non-ASCII
    assert.strictEqual(new URL('foo://ExAmPle/').host, 'ExAmPle');
    assert.strictEqual(new URL('foo://ü/').host, '%C3%BC');
    assert.strictEqual(new URL('foo://a%zz/').host, 'a%zz');
    assert.throws(() => new URL('foo://a<b/'), TypeError);
    assert.strictEqual(new URL('foo://[::1]/').host, '[::1]');
  },
};

export const fileURLs = {
  async test() {
    assert.strictEqual(new URL('file:///C|/foo').href, 'file:///C:/foo');
    assert.strictEqual(new URL('file://localhost/x').href, 'file:///x');
    assert.strictEqual(new URL('file:c:\\foo\\bar').href, 'file:///c:/foo/bar');
    assert.strictEqual(new URL('..', 'file:///C:/').href, 'file:///C:/');
    assert.strictEqual(new URL('/x', 'file:///C:/a/b').href, 'file:///C:/x');
    assert.strictEqual(new URL('file://host/C:/a').href, 'file://host/C:/a');
    const u = new URL('file:///tmp/x');
    u.username = 'me';
    u.port = '80';
    assert.strictEqual(u.href, 'file:///tmp/x', 'file URLs have no credentials or port');
    u.host = 'server';
    assert.strictEqual(u.href, 'file://server/tmp/x');
    u.host = 'localhost';
    assert.strictEqual(u.href, 'file:///tmp/x');
    assert.strictEqual(u.origin, 'null');
  },
};

export const setters = {
  async test() {
    const u = new URL('https://example.com/a/b?x=1#frag');

    u.protocol = 'http';
    assert.strictEqual(u.href, 'http://example.com/a/b?x=1#frag');
    u.protocol = 'foo';  // special -> non-special is refused
    assert.strictEqual(u.protocol, 'http:');
    u.protocol = 'WSS:ignored';
    assert.strictEqual(u.protocol, 'wss:');
    u.protocol = 'h t';
    assert.strictEqual(u.protocol, 'wss:');

    u.port = '443';
    assert.strictEqual(u.port, '', 'the default port is dropped');
    u.port = '8080abc';
    assert.strictEqual(u.port, '8080');
    u.port = '65536';
    assert.strictEqual(u.port, '8080', 'out of range: unchanged');
    u.port = 'abc';
    assert.strictEqual(u.port, '8080');
    u.port = '';
    assert.strictEqual(u.port, '');
    u.port = 0x10000 + 1;  // ToString first: "65537"
    assert.strictEqual(u.port, '');

    u.username = 'us er@';
    u.password = 'p:w';
    assert.strictEqual(u.href, 'wss://us%20er%40:p%3Aw@example.com/a/b?x=1#frag');
    u.username = '';
    assert.strictEqual(u.href, 'wss://:p%3Aw@example.com/a/b?x=1#frag');
    u.password = '';
    assert.strictEqual(u.href, 'wss://example.com/a/b?x=1#frag');

    u.host = 'other.example:99/ignored';
    assert.strictEqual(u.host, 'other.example:99');
    u.hostname = 'third.example:1';  // ':' makes the whole value invalid for hostname
    assert.strictEqual(u.host, 'other.example:99');
    u.hostname = 'third.example';
    assert.strictEqual(u.host, 'third.example:99');
    u.host = '';  // special URLs cannot have an empty host
    assert.strictEqual(u.host, 'third.example:99');

    u.pathname = 'x y/../z?#';
    assert.strictEqual(u.pathname, '/z%3F%23');
    u.pathname = '\\a\\b';
    assert.strictEqual(u.pathname, '/a/b', 'backslash is a separator in special URLs');

    u.search = '?a=b c#d';
    assert.strictEqual(u.search, '?a=b%20c%23d');
    assert.strictEqual(u.searchParams.get('a'), 'b c#d');
    u.search = '??x';
    assert.strictEqual(u.search, '??x');
    u.search = '';
    assert.strictEqual(u.href, 'wss://third.example:99/a/b#frag');

    u.hash = '#a b';
    assert.strictEqual(u.hash, '#a%20b');
    u.hash = '##';
    assert.strictEqual(u.hash, '##');
    u.hash = '#';
    assert.strictEqual(u.hash, '');
    assert.ok(u.href.endsWith('#'), 'an empty fragment still serializes');
    u.hash = '';
    assert.strictEqual(u.href, 'wss://third.example:99/a/b');

    // href: a failure throws and leaves the URL alone
    assert.throws(() => { u.href = 'not a url'; }, invalidURL('not a url'));
    assert.strictEqual(u.href, 'wss://third.example:99/a/b');
    u.href = 'http://new.example/?q=1';
    assert.strictEqual(u.host, 'new.example');
    assert.strictEqual(u.searchParams.get('q'), '1');

    // opaque paths: host, hostname and pathname setters do nothing
    const m = new URL('mailto:someone@example.com');
    m.host = 'x';
    m.hostname = 'x';
    m.pathname = 'x';
    m.port = '1';
    m.username = 'x';
    assert.strictEqual(m.href, 'mailto:someone@example.com');
    m.search = 'subject=hi there';
    assert.strictEqual(m.href, 'mailto:someone@example.com?subject=hi%20there');

    // non-special URLs
    const n = new URL('foo://host/path');
    n.host = '';
    assert.strictEqual(n.href, 'foo:///path');
    n.pathname = '';
    assert.strictEqual(n.href, 'foo://');
    n.search = "a'b";
    assert.strictEqual(n.search, "?a'b", "' is only encoded in special queries");
    const s = new URL('http://h/');
    s.search = "a'b";
    assert.strictEqual(s.search, '?a%27b');

    // lone surrogates become U+FFFD in every USVString
    const w = new URL('http://h/\uD800?\uDC00#\uD800x');
    assert.strictEqual(w.pathname, '/%EF%BF%BD');
    assert.strictEqual(w.search, '?%EF%BF%BD');
    assert.strictEqual(w.hash, '#%EF%BF%BDx');
    w.pathname = '\uDBFF';
    assert.strictEqual(w.pathname, '/%EF%BF%BD');
    assert.strictEqual(new URL('http://h/\uD83D\uDE00').pathname, '/%F0%9F%98%80');
  },
};

export const origins = {
  async test() {
    assert.strictEqual(new URL('https://a.example:443/x').origin, 'https://a.example');
    assert.strictEqual(new URL('http://[::1]:81/').origin, 'http://[::1]:81');
    assert.strictEqual(new URL('ws://x/').origin, 'ws://x');
    assert.strictEqual(new URL('ftp://x:21/').origin, 'ftp://x');
    assert.strictEqual(new URL('blob:https://a.example/uuid').origin, 'https://a.example');
    assert.strictEqual(new URL('blob:ftp://a.example/uuid').origin, 'null');
    assert.strictEqual(new URL('data:,x').origin, 'null');
    assert.strictEqual(new URL('foo://x/').origin, 'null');
  },
};

export const searchParamsLinkage = {
  async test() {
    const url = new URL('https://example.com/p?a=1&b=2#h');
    const params = url.searchParams;
    assert.strictEqual(params.get('a'), '1');

    params.append('c', 'x y');
    assert.strictEqual(url.search, '?a=1&b=2&c=x+y');
    assert.strictEqual(url.href, 'https://example.com/p?a=1&b=2&c=x+y#h');
    params.set('a', '~');
    assert.strictEqual(url.search, '?a=%7E&b=2&c=x+y', 'serialized with the form encoding');
    params.sort();
    assert.strictEqual(url.search, '?a=%7E&b=2&c=x+y');
    params.delete('a');
    params.delete('b');
    params.delete('c');
    assert.strictEqual(url.search, '');
    assert.strictEqual(url.href, 'https://example.com/p#h', 'an empty list removes the query');

    url.search = '?z=9&z=8';
    assert.strictEqual(url.searchParams, params, 'same object after setting search');
    assert.deepStrictEqual(params.getAll('z'), ['9', '8']);
    url.search = '';
    assert.strictEqual(params.size, 0);
    url.href = 'https://other.example/?k=v';
    assert.strictEqual(url.searchParams, params, 'same object after setting href');
    assert.strictEqual(params.get('k'), 'v');
    url.href = 'https://other.example/';
    assert.strictEqual(params.size, 0);
    url.hash = '#only-hash';
    params.append('n', '1');
    assert.strictEqual(url.href, 'https://other.example/?n=1#only-hash');

    // A query the parser kept verbatim is re-serialized only when the list changes.
    const v = new URL('http://h/?a=%zz&b=%41');
    assert.strictEqual(v.search, '?a=%zz&b=%41');
    assert.strictEqual(v.searchParams.get('a'), '%zz');
    assert.strictEqual(v.searchParams.get('b'), 'A');
    v.searchParams.sort();
    assert.strictEqual(v.search, '?a=%25zz&b=A');

    // Opaque path with trailing spaces: emptying the query keeps the path parseable.
    const d = new URL('data:space    ?test');
    assert.ok(d.searchParams.has('test'));
    d.searchParams.delete('test');
    assert.strictEqual(d.search, '');
    assert.strictEqual(d.pathname, 'space   %20');
    assert.strictEqual(d.href, 'data:space   %20');
    assert.strictEqual(new URL(d.href).href, d.href);

    // A URLSearchParams built from a URL's params is a copy, not linked.
    const copy = new URLSearchParams(url.searchParams);
    copy.append('extra', '1');
    assert.strictEqual(url.href, 'https://other.example/?n=1#only-hash');
    assert.strictEqual(copy.toString(), 'n=1&extra=1');

    // Live iteration over a URL's params while the URL changes.
    const it = new URL('http://h/?a=1&b=2&c=3');
    const seen = [];
    for (const [k] of it.searchParams) {
      seen.push(k);
      if (k === 'a') it.search = '?x=1&y=2&z=3';
    }
    assert.deepStrictEqual(seen, ['a', 'y', 'z']);
  },
};

export const inspectOutput = {
  async test() {
    const { inspect } = await import('node:util');
    const text = inspect(new URL('https://u:p@example.com:8080/x?y=1#z'));
    assert.ok(text.startsWith('URL {'), text);
    assert.ok(text.includes("href: 'https://u:p@example.com:8080/x?y=1#z'"), text);
    assert.ok(text.includes("hostname: 'example.com'"), text);
    assert.strictEqual(inspect(new URLSearchParams('a=1&b=2')), "URLSearchParams { 'a' => '1', 'b' => '2' }");
    assert.strictEqual(inspect(new URLSearchParams()), 'URLSearchParams {}');
  },
};

export const largeInputs = {
  async test() {
    const payload = 'QUJD'.repeat(250000);
    const start = Date.now();
    const u = new URL(`data:text/plain;base64,${payload}#f`);
    assert.strictEqual(u.pathname.length, 'text/plain;base64,'.length + payload.length);
    assert.strictEqual(u.hash, '#f');
    const q = new URL(`https://h/?${'a=b&'.repeat(50000)}`);
    assert.strictEqual(q.searchParams.size, 50000);
    const elapsed = Date.now() - start;
    assert.ok(elapsed < 5000, `large URLs took ${elapsed} ms`);
  },
};

// The runtime's URL must not depend on built-ins user code can replace.
export const survivesPatchedBuiltins = {
  async test() {
    const inputs = [
      ['https://user:pass@EXAMPLE.com:8080/a/./b/../c?q=1 2&x=%41#frag ment', undefined],
      ['../d/e?f#g', 'http://h.example/a/b/c'],
      ['http://0x7f.1/', undefined],
      ['http://[1:0:0:0:0:0:0:1]/', undefined],
      ['http://bücher.de/ü?ü#ü', undefined],
      ['file:///C|/x/../y', undefined],
      ['non-special://host/p ath', undefined],
      ['data:text/plain,hello world', undefined],
    ];
    // Only language syntax from here to the end of run(): no prototype methods, no globals.
    const joinWith = (list, sep) => {
      let text = '';
      for (let i = 0; i < list.length; i++) text += (i > 0 ? sep : '') + list[i];
      return text;
    };
    const describe = (u) => joinWith([u.href, u.origin, u.protocol, u.username, u.password, u.host,
      u.hostname, u.port, u.pathname, u.search, u.hash, u.searchParams.toString()], '|');
    const run = () => {
      const out = [];
      for (let i = 0; i < inputs.length; i++) {
        const u = new URL(inputs[i][0], inputs[i][1]);
        out[out.length] = describe(u);
      }
      const u = new URL('https://example.com/');
      u.protocol = 'http';
      u.username = 'a b';
      u.password = 'c';
      u.host = 'EXAMPLE.org:81';
      u.hostname = 'example.net';
      u.port = '82';
      u.pathname = '/x/../y z';
      u.search = '?a=1&b=2';
      u.hash = 'h';
      u.searchParams.append('c', '3 4');
      u.searchParams.set('a', '0');
      u.searchParams.delete('b');
      u.searchParams.sort();
      out[out.length] = describe(u);
      out[out.length] = '' + URL.canParse('x', 'http://y/') + URL.parse('nope');
      const p = new URLSearchParams('?b=2&a=1&a=0+0&c=%zz');
      p.sort();
      const keys = [];
      p.forEach((value, key) => { keys[keys.length] = `${key}:${value}`; });
      const entries = [];
      for (const [k, v] of p) entries[entries.length] = `${k}=${v}`;
      out[out.length] = `${p} ${joinWith(keys, ',')} ${joinWith(entries, ',')} ` +
        `${p.getAll('a').length} ${p.has('c', '%zz')} ${p.size}`;
      const q = new URLSearchParams({ x: '1', y: '2' });
      q.append('z', '\uD800');
      out[out.length] = `${q}`;
      return joinWith(out, '\n');
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
      for (const key of ['slice', 'substring', 'substr', 'charCodeAt', 'codePointAt', 'indexOf',
        'lastIndexOf', 'toLowerCase', 'toUpperCase', 'replace', 'replaceAll', 'split', 'startsWith',
        'endsWith', 'includes', 'trim', 'normalize', 'padStart', 'at', 'charAt', 'concat']) {
        patch(String.prototype, key, boom);
      }
      for (const key of ['push', 'pop', 'shift', 'unshift', 'slice', 'splice', 'join', 'sort',
        'map', 'filter', 'forEach', 'indexOf', 'includes', 'concat', 'reverse', 'fill']) {
        patch(Array.prototype, key, boom);
      }
      patch(String.prototype, Symbol.split, boom);
      patch(String.prototype, Symbol.replace, boom);
      patch(RegExp.prototype, 'exec', boom);
      patch(Map.prototype, 'get', boom);
      patch(Map.prototype, 'set', boom);
      patch(Map.prototype, 'has', boom);
      patch(Number.prototype, 'toString', boom);
      patch(Uint8Array.prototype, 'subarray', boom);
      patch(Uint8Array.prototype, 'slice', boom);
      patch(Function.prototype, 'call', boom);
      patch(Function.prototype, 'apply', boom);
      patch(Object, 'defineProperty', boom);
      patch(globalThis, 'String', boom);
      patch(globalThis, 'TextEncoder', boom);
      patch(globalThis, 'TextDecoder', boom);
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
  },
};

// A URL that serializes to itself (isNormalizedHttpURL) is cut into its parts without the state
// machine; the same URL with a leading space (trimmed by the parser, refused by the check) goes
// through the state machine. Both must give the same URL, and the same URL after setters.
export const normalizedHttpURLsParseAsTheStateMachineDoes = {
  test() {
    const hosts = ['example.com', 'x', 'xn--nxasmq6b.com', 'foo-bar.baz', '1.2.3.4', '01.2.3.4',
      '1.2.3', 'a1', 'example.123', 'EXAMPLE.com', 'ex..com', 'ex.com.', 'ab--cd.ef'];
    const ports = ['', ':80', ':443', ':8080', ':08', ':65536'];
    const paths = ['/', '/a', '/a/', '/a//b', '/./a', '/a/..', '/%2e/', '/%41', '/a b', "/a'b",
      '/a:b', '/a|b', '/é', '/a\\b', '/.a', '/a.'];
    const queries = ['', '?', '?a=b&c=d', "?a'b", '?a b', '?a=b#c', '#f'];
    const parts = (u) => [u.href, u.protocol, u.username, u.password, u.host, u.hostname, u.port,
      u.pathname, u.search, u.hash, u.origin, [...u.searchParams].join('|')];
    const failed = [];
    let fast = 0;
    for (const scheme of ['http://', 'https://']) for (const host of hosts) for (const port of ports)
      for (const path of paths) for (const query of queries) {
        const input = scheme + host + port + path + query;
        let a = null;
        let b = null;
        try { a = new URL(input); } catch { /* invalid */ }
        try { b = new URL(` ${input}`); } catch { /* invalid */ }
        if (a === null || b === null) {
          if (a !== b) failed.push(input);
          continue;
        }
        if (a.href === input) fast++;
        let same = JSON.stringify(parts(a)) === JSON.stringify(parts(b));
        for (const u of [a, b]) {
          u.pathname = '/x/y';
          u.search = '?q';
          u.port = '9';
          u.hash = 'h';
        }
        same &&= JSON.stringify(parts(a)) === JSON.stringify(parts(b)) &&
          new Request(input).url === new Request(` ${input}`).url;
        if (!same) failed.push(input);
      }
    assert.deepStrictEqual(failed, []);
    assert.ok(fast > 1000, `only ${fast} URLs serialized to themselves`);
  },
};
