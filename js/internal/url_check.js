// A quick check of URLs the URL parser would return unchanged, kept apart from internal:url
// (the parser, URL and URLSearchParams), which is evaluated only when first used: most
// requests a worker receives carry such a URL, and this is all they need of URLs.

import primordials from 'internal:primordials';

const { StringPrototypeCharCodeAt, StringPrototypeSlice, StringPrototypeToLowerCase } = primordials;

// ASCII lowercase of `s`, which is ASCII (the string itself when it has no uppercase letter).
export function asciiLowercase(s) {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0x41 && c <= 0x5A) return StringPrototypeToLowerCase(s);
  }
  return s;
}

// Whether `input` is an http: or https: URL without credentials that the URL parser returns
// unchanged: serializeURL(parseURL(input)) === input. A quick scan for the common shape,
// conservative (false only means "parse it"): "http://" or "https://", a host of lowercase
// letters, digits, '-' and '.' (a domain whose last label starts with a letter and no label
// with "xn--", or a dotted-decimal IPv4 address in canonical form), an optional port other
// than the scheme's default without leading zeros, then a path and query of printable ASCII
// that needs no percent-encoding, no dot segments and no fragment. Requests that `dynworker
// serve` builds from request heads, and those that arrive over RPC (made from a Request, so
// already normalized), skip the parser, and with it the evaluation of internal:url.
export function isNormalizedHttpURL(input) {
  const len = input.length;
  if (len < 9 || StringPrototypeCharCodeAt(input, 0) !== 0x68) return false;  // h
  let i;
  let defaultPort;
  if (StringPrototypeSlice(input, 0, 7) === 'http://') {
    i = 7;
    defaultPort = 80;
  } else if (StringPrototypeSlice(input, 0, 8) === 'https://') {
    i = 8;
    defaultPort = 443;
  } else {
    return false;
  }
  // Host.
  const hostStart = i;
  let labelStart = i;
  let labels = 0;
  let allDigitLabels = true;
  let xnLabel = false;
  let c = 0;
  for (; i < len; i++) {
    c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x2E || c === 0x3A || c === 0x2F) {  // . : /
      const labelLength = i - labelStart;
      if (labelLength === 0) return false;
      labels++;
      if (c !== 0x2E) break;
      labelStart = i + 1;
      continue;
    }
    if (c >= 0x61 && c <= 0x7A) {  // a-z
      allDigitLabels = false;
      if (c === 0x78 && i === labelStart && i + 3 < len &&
          StringPrototypeCharCodeAt(input, i + 1) === 0x6E &&
          StringPrototypeCharCodeAt(input, i + 2) === 0x2D &&
          StringPrototypeCharCodeAt(input, i + 3) === 0x2D) {
        xnLabel = true;
      }
    } else if (!(c >= 0x30 && c <= 0x39) && c !== 0x2D) {  // 0-9 -
      return false;
    }
  }
  if (i === len) return false;  // no path
  const hostEnd = i;
  const lastLabelFirst = StringPrototypeCharCodeAt(input, labelStart);
  if (lastLabelFirst >= 0x61 && lastLabelFirst <= 0x7A) {
    if (xnLabel) return false;
  } else if (!allDigitLabels || labels !== 4 || !isCanonicalIPv4(input, hostStart, hostEnd)) {
    return false;
  }
  // Port.
  if (c === 0x3A) {
    const portStart = ++i;
    let port = 0;
    for (; i < len; i++) {
      c = StringPrototypeCharCodeAt(input, i);
      if (c === 0x2F) break;
      if (c < 0x30 || c > 0x39) return false;
      port = port * 10 + (c - 0x30);
      if (port > 65535) return false;
    }
    if (i === len || i === portStart || StringPrototypeCharCodeAt(input, portStart) === 0x30 ||
        port === defaultPort) {
      return false;
    }
  }
  // Path: i is at its first '/'.
  for (; i < len; i++) {
    c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x2F) {
      const next = i + 1 < len ? StringPrototypeCharCodeAt(input, i + 1) : 0;
      if ((next === 0x2E || next === 0x25) && isDotSegmentAt(input, i + 1, len)) return false;
      continue;
    }
    if (c === 0x3F) break;  // ?
    if (c <= 0x20 || c >= 0x7F || c === 0x22 || c === 0x23 || c === 0x3C || c === 0x3E ||
        c === 0x5B || c === 0x5C || c === 0x5D || c === 0x5E || c === 0x60 || c === 0x7B ||
        c === 0x7C || c === 0x7D) {
      return false;
    }
  }
  // Query.
  for (i++; i < len; i++) {
    c = StringPrototypeCharCodeAt(input, i);
    if (c <= 0x20 || c >= 0x7F || c === 0x22 || c === 0x23 || c === 0x27 || c === 0x3C ||
        c === 0x3E) {
      return false;
    }
  }
  return true;
}

// Four dot-separated decimal numbers 0-255 without leading zeros, in input[start, end).
function isCanonicalIPv4(input, start, end) {
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2E : StringPrototypeCharCodeAt(input, i);
    if (c === 0x2E) {
      if (digits === 0 || value > 255) return false;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39 || (digits === 1 && value === 0)) return false;  // leading zero
    value = value * 10 + (c - 0x30);
    digits++;
    if (digits > 3) return false;
  }
  return true;
}

// Whether the path segment starting at input[start] is "." or ".." (also as %2e/%2E).
function isDotSegmentAt(input, start, len) {
  let end = start;
  while (end < len) {
    const c = StringPrototypeCharCodeAt(input, end);
    if (c === 0x2F || c === 0x3F || c === 0x23) break;
    end++;
  }
  if (end - start > 6) return false;
  const segment = asciiLowercase(StringPrototypeSlice(input, start, end));
  return segment === '.' || segment === '..' || segment === '%2e' || segment === '.%2e' ||
    segment === '%2e.' || segment === '%2e%2e';
}

