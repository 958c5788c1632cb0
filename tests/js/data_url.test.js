// fetch() of data: URLs (the Fetch standard's data: URL processor): every case of the WPT
// data files data-urls.json (MIME type and body) and base64.json (forgiving-base64 through
// "data:;base64,"), run the way WPT's processing.any.js and base64.any.js run them, then the
// shape of the response and our own edge cases.
//
// Each WPT test collects every failing case and fails once, listing the inputs that broke.

import assert from 'node:assert';
import dataUrlCases from '../../../shared/testdata/wpt/data-urls.json';
import base64Cases from '../../../shared/testdata/wpt/base64.json';

// A string with its non-printable-ASCII code units escaped, so failure lists are readable.
function show(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7E || c === 0x22 || c === 0x5C) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `"${out}"`;
}

function assertNoFailures(failures, total, what) {
  console.log(`${what}: ${total - failures.length}/${total} passed`);
  if (failures.length === 0) return;
  const shown = failures.slice(0, 60).join('\n  ');
  const more = failures.length > 60 ? `\n  ... and ${failures.length - 60} more` : '';
  assert.fail(`${failures.length} of ${total} ${what} cases failed:\n  ${shown}${more}`);
}

function sameBytes(actual, expected) {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return false;
  return true;
}

// One case: `expectedBody` null means fetch must reject with a TypeError.
async function check(input, expectedMime, expectedBody) {
  let response;
  try {
    response = await fetch(input);
  } catch (e) {
    if (expectedBody === null) return e instanceof TypeError ? null : `rejected with ${e?.name}, not TypeError`;
    return `rejected: ${e}`;
  }
  if (expectedBody === null) return `resolved (content-type ${response.headers.get('content-type')}), expected a TypeError`;
  const body = new Uint8Array(await response.arrayBuffer());
  const problems = [];
  if (!sameBytes(body, expectedBody)) problems.push(`body [${body}] != [${expectedBody}]`);
  if (expectedMime !== undefined && response.headers.get('content-type') !== expectedMime) {
    problems.push(`content-type ${show(String(response.headers.get('content-type')))} != ${show(expectedMime)}`);
  }
  return problems.length === 0 ? null : problems.join('; ');
}

export const wptDataUrls = {
  async test() {
    assert.ok(Array.isArray(dataUrlCases) && dataUrlCases.length > 50, 'data-urls.json is missing or empty');
    const failures = [];
    let total = 0;
    for (const [input, expectedMime, expectedBody = null] of dataUrlCases) {
      total++;
      const problem = await check(input, expectedMime, expectedMime === null ? null : expectedBody);
      if (problem !== null) failures.push(`${show(input)}: ${problem}`);
    }
    assertNoFailures(failures, total, 'data-urls.json');
  },
};

export const wptForgivingBase64 = {
  async test() {
    assert.ok(Array.isArray(base64Cases) && base64Cases.length > 50, 'base64.json is missing or empty');
    const failures = [];
    let total = 0;
    for (const [input, output] of base64Cases) {
      total++;
      const problem = await check(`data:;base64,${input}`, undefined, output);
      if (problem !== null) failures.push(`${show(input)}: ${problem}`);
    }
    assertNoFailures(failures, total, 'base64.json');
  },
};

export const responseShape = {
  async test() {
    const res = await fetch('data:text/html;charset=utf-8,%3Cb%3Ehi%3C/b%3E#frag');
    assert.ok(res instanceof Response);
    assert.strictEqual(res.status, 200);
    assert.strictEqual(res.statusText, 'OK');
    assert.strictEqual(res.ok, true);
    assert.strictEqual(res.type, 'basic');
    assert.strictEqual(res.redirected, false);
    assert.strictEqual(res.url, 'data:text/html;charset=utf-8,%3Cb%3Ehi%3C/b%3E', 'url without fragment');
    assert.deepStrictEqual([...res.headers], [['content-type', 'text/html;charset=utf-8']]);
    assert.throws(() => res.headers.set('x', 'y'), TypeError, 'headers are immutable');
    assert.strictEqual(await res.text(), '<b>hi</b>');
    assert.strictEqual(res.bodyUsed, true);
  },
};

export const methodsAndRequests = {
  async test() {
    // The processor ignores the method and the request body.
    const post = await fetch('data:,abc', { method: 'POST', body: 'ignored' });
    assert.strictEqual(await post.text(), 'abc');
    const req = new Request('data:application/json,{"a":1}');
    assert.deepStrictEqual(await (await fetch(req)).json(), { a: 1 });
    const url = new URL('data:text/plain;base64,SGVsbG8gV29ybGQ=');
    assert.strictEqual(await (await fetch(url)).text(), 'Hello World');
    const bytes = new Uint8Array(await (await fetch('data:application/octet-stream;base64,AAEC/w==')).arrayBuffer());
    assert.deepStrictEqual([...bytes], [0, 1, 2, 255]);
    const blob = await (await fetch('data:image/png;base64,iVBORw0K')).blob();
    assert.strictEqual(blob.type, 'image/png');
    assert.strictEqual(blob.size, 6);
  },
};

export const failures = {
  async test() {
    await assert.rejects(fetch('data:text/plain'), (e) => e instanceof TypeError &&
      /Fetch API cannot load: data:text\/plain: it is not a valid data: URL/.test(e.message));
    await assert.rejects(fetch('data:;base64,a'), TypeError);
    await assert.rejects(fetch('data:;base64,ab=c'), TypeError);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(fetch('data:,x', { signal: controller.signal }), { name: 'AbortError' });
  },
};

export const otherSchemes = {
  async test() {
    await assert.rejects(fetch('blob:https://example.com/5c0a6a2e-1f7e-4f07-9c0d-0c0e0b0a0d0e'),
      (e) => e instanceof TypeError && /blob: URLs are not supported/.test(e.message));
    for (const url of ['about:blank', 'file:///etc/passwd', 'ftp://example.com/', 'javascript:1', 'ws://example.com/']) {
      await assert.rejects(fetch(url), (e) => e instanceof TypeError &&
        e.message === `Fetch API cannot load: ${new URL(url).href}`, url);
    }
    await assert.rejects(fetch('/relative'), /Invalid URL/);
    await assert.rejects(fetch(), /1 argument required, but only 0 present/);
  },
};
