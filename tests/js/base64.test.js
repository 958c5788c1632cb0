// atob() / btoa() (HTML standard, forgiving-base64), checked against the WPT data file
// fetch/data-urls/resources/base64.json and by hand.

import assert from 'node:assert';
import cases from '../../../shared/testdata/wpt/base64.json';

function describe(s) {
  return JSON.stringify(s);
}

function bytesToBinaryString(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function assertInvalidCharacter(fn, what) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `${what}: expected an InvalidCharacterError, nothing was thrown`);
  assert.strictEqual(error.name, 'InvalidCharacterError', `${what}: ${error}`);
  assert.ok(error instanceof DOMException, `${what}: not a DOMException: ${error}`);
  assert.strictEqual(error.code, 5, `${what}: DOMException code`);
}

export const wptBase64Decode = {
  async test() {
    assert.ok(Array.isArray(cases) && cases.length > 50,
      'shared/testdata/wpt/base64.json did not load as an array of cases');
    const failures = [];
    for (const [input, expected] of cases) {
      let actual;
      let error;
      try {
        actual = atob(input);
      } catch (e) {
        error = e;
      }
      if (expected === null) {
        if (error === undefined) {
          failures.push(`${describe(input)}: expected failure, got ${describe(actual)}`);
        } else if (error.name !== 'InvalidCharacterError') {
          failures.push(`${describe(input)}: expected InvalidCharacterError, got ${error}`);
        }
      } else {
        const want = bytesToBinaryString(expected);
        if (error !== undefined) {
          failures.push(`${describe(input)}: expected ${describe(want)}, threw ${error}`);
        } else if (actual !== want) {
          failures.push(`${describe(input)}: expected ${describe(want)}, got ${describe(actual)}`);
        }
      }
    }
    assert.deepStrictEqual(failures, [],
      `${failures.length} of ${cases.length} WPT base64 cases failed:\n${failures.join('\n')}`);
  },
};

export const atobErrors = {
  async test() {
    for (const input of ['a', 'abcde', '=', 'ab=c', 'ab\u00a0cd', '\u0100AAA', 'ab*d', 'YQ===',
      'Y Q = = =', 'undefined', '\ud83d\ude00AA', 'AAAA=', '-_--']) {
      assertInvalidCharacter(() => atob(input), `atob(${describe(input)})`);
    }
    assert.throws(() => atob(), {
      name: 'TypeError',
      message: /1 argument required, but only 0 present/,
    });
    assert.throws(() => atob(Symbol('x')), TypeError);
    // The error message names the problem.
    try {
      atob('ab*d');
      assert.fail('no error');
    } catch (e) {
      assert.match(e.message, /U\+002A at index 2/);
    }
    try {
      atob('YQ\u00e9Yg');
      assert.fail('no error');
    } catch (e) {
      assert.match(e.message, /U\+00E9 at index 2/);
    }
  },
};

export const atobConversions = {
  async test() {
    assert.strictEqual(atob(''), '');
    assert.strictEqual(atob('YQ'), 'a');
    assert.strictEqual(atob('YQ=='), 'a');
    assert.strictEqual(atob('YWI='), 'ab');
    assert.strictEqual(atob(' Y W J j '), 'abc');
    assert.strictEqual(atob('\tYW\nJj\f\r'), 'abc');
    assert.strictEqual(atob(null), '\u009e\u00e9\u0065', "null is converted to 'null'");
    assert.strictEqual(atob(1234), '\u00d7\u006d\u00f8');
    assert.strictEqual(atob({ toString() { return 'QUJD'; } }), 'ABC');
    assert.strictEqual(atob(new String('QUJD')), 'ABC');
    // Leftover bits of the last character are discarded, whatever they are.
    assert.strictEqual(atob('YR'), 'a');
    assert.strictEqual(atob('YWJ'), 'ab');
    // Every byte value comes back as the code unit of the same value.
    let all = '';
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    const encoded = btoa(all);
    assert.strictEqual(encoded, 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==');
    assert.strictEqual(atob(encoded), all);
  },
};

export const btoaBasics = {
  async test() {
    const table = [
      ['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy'], ['\u00ff', '/w=='], ['\u00ff\u00ff\u00ff', '////'],
      ['\0', 'AA=='], ['\u00fb\u00ef', '++8='], ['\u00e9t\u00e9', '6XTp'],
    ];
    for (const [input, expected] of table) {
      assert.strictEqual(btoa(input), expected, `btoa(${describe(input)})`);
      assert.strictEqual(atob(expected), input, `atob(${describe(expected)})`);
    }
    assert.strictEqual(btoa(undefined), btoa('undefined'));
    assert.strictEqual(btoa(null), 'bnVsbA==');
    assert.strictEqual(btoa(12), 'MTI=');
    assert.strictEqual(btoa(true), 'dHJ1ZQ==');
    assert.strictEqual(btoa({ toString() { return 'x'; } }), 'eA==');
    assert.throws(() => btoa(), {
      name: 'TypeError',
      message: /1 argument required, but only 0 present/,
    });
    assert.throws(() => btoa(Symbol('x')), TypeError);
    for (const input of ['\u0100', 'abc\u0100', 'ab\u20ac', '\ud83d\ude00', 'a\ud800', '\uffff',
      'xxxx\u0101']) {
      assertInvalidCharacter(() => btoa(input), `btoa(${describe(input)})`);
    }
    try {
      btoa('abc\u20acd');
      assert.fail('no error');
    } catch (e) {
      assert.match(e.message, /U\+20AC at index 3/);
    }
    assert.strictEqual(atob.length, 1);
    assert.strictEqual(btoa.length, 1);
    assert.strictEqual(atob.name, 'atob');
    assert.strictEqual(btoa.name, 'btoa');
  },
};

export const largeRoundTrip = {
  async test() {
    const bytes = new Uint8Array(1 << 20);
    let seed = 12345;
    for (let i = 0; i < bytes.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    let binary = '';
    for (let i = 0; i < bytes.length; i += 4096) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
    }
    for (const length of [bytes.length, bytes.length - 1, bytes.length - 2]) {
      const input = binary.slice(0, length);
      const encoded = btoa(input);
      assert.strictEqual(encoded.length, Math.ceil(length / 3) * 4);
      assert.ok(atob(encoded) === input, `round trip of ${length} bytes`);
      // Whitespace every 76 characters (MIME style) is accepted.
      let wrapped = '';
      for (let i = 0; i < encoded.length; i += 76) wrapped += `${encoded.slice(i, i + 76)}\r\n`;
      assert.ok(atob(wrapped) === input, `round trip of ${length} bytes with line breaks`);
    }
  },
};

export const patchedBuiltins = {
  async test() {
    const inputs = ['YWJj', ' Y W I = ', '/+/+', 'ab*d', '', 'AAECAwQFBgc='];
    const binaries = ['abc', '\u00ff\u00fe', 'x', '\u0100', ''];
    const run = () => {
      const got = [];
      for (let k = 0; k < inputs.length; k++) {
        try {
          got[got.length] = atob(inputs[k]);
        } catch (e) {
          got[got.length] = `threw ${e && e.name}`;
        }
      }
      for (let k = 0; k < binaries.length; k++) {
        try {
          got[got.length] = btoa(binaries[k]);
        } catch (e) {
          got[got.length] = `threw ${e && e.name}`;
        }
      }
      return got;
    };
    const expected = run();
    const defineProperty = Object.defineProperty;
    const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
    const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
    const targets = [
      [String.prototype, ['charCodeAt', 'codePointAt', 'slice', 'padStart', 'toUpperCase',
        'replace', 'indexOf', Symbol.iterator]],
      [String, ['fromCharCode', 'fromCodePoint']],
      [Array.prototype, ['push', 'join', Symbol.iterator]],
      [TypedArrayPrototype, ['subarray', 'slice', 'set', 'length', 'buffer', 'byteOffset',
        Symbol.iterator]],
      [Uint8Array.prototype, ['constructor']],
      [Uint16Array.prototype, ['constructor']],
      [Function.prototype, ['apply', 'call', 'bind']],
      [Reflect, ['apply']],
      [Number.prototype, ['toString']],
    ];
    const saved = [];
    let actual;
    try {
      for (let t = 0; t < targets.length; t++) {
        const target = targets[t][0];
        const keys = targets[t][1];
        for (let k = 0; k < keys.length; k++) {
          const desc = getOwnPropertyDescriptor(target, keys[k]);
          saved[saved.length] = [target, keys[k], desc];
          const trap = function patched() { throw new Error('patched built-in used'); };
          if (desc.get) defineProperty(target, keys[k], { get: trap, configurable: true });
          else defineProperty(target, keys[k], { value: trap, writable: true, configurable: true });
        }
      }
      actual = run();
    } finally {
      for (let i = saved.length - 1; i >= 0; i--) {
        defineProperty(saved[i][0], saved[i][1], saved[i][2]);
      }
    }
    assert.deepStrictEqual(actual, expected);
    assert.deepStrictEqual(expected, ['abc', 'ab', '\u00ff\u00ef\u00fe', 'threw InvalidCharacterError',
      '', '\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007', 'YWJj', '//4=', 'eA==',
      'threw InvalidCharacterError', '']);
  },
};
