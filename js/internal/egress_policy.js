// The sandbox egress policy (egress-policy.md sections 3, 4 and 6): host normalization,
// patterns (exact hosts, globs, IP literals, CIDR blocks, each with an optional port), the maps
// and lists they form, and the nine-step decision. Pure: no I/O, no handlers called. A policy is
// an immutable snapshot (frozen); internal:sandbox builds a new one for every change and swaps
// it, so a decision never sees half of a change.
//
// Internal API:
//   normalizeHost(host) -> the host as decisions see it, or null when it is not a valid host
//   defaultPort(scheme) -> 443 for https/wss/tls, else 80
//   compileMap(entries, what) -> a PatternMap from [[pattern, value], ...] (throws the pattern
//       error); `what` names the setting in messages
//   compileList(list) -> a PatternMap with value true, or null for null/undefined
//   makePolicy(fields) -> a frozen Policy
//   decide(policy, host, port) -> a Decision: { step, pattern, entry, network }
//   deniedCidrsFor(policy, port) -> the deny list's CIDR blocks that apply to `port`, as strings
//       "ADDRESS/BITS" for the address check after DNS resolution
import primordials from 'internal:primordials';
import { parseURL } from 'internal:url';

const {
  ArrayIsArray, ArrayPrototypePush, ArrayPrototypeJoin, MapPrototypeForEach, NumberParseInt,
  NumberPrototypeToString, ObjectFreeze, ObjectKeys,
  RegExpPrototypeExec, RegExpPrototypeTest, SafeMap, String, StringPrototypeEndsWith,
  StringPrototypeIncludes, StringPrototypeIndexOf, StringPrototypeLastIndexOf, StringPrototypeSlice,
  StringPrototypeSplit, StringPrototypeStartsWith, StringPrototypeToLowerCase,
  TypeError, Uint8Array,
} = primordials;

export function patternError(pattern, reason) {
  return new TypeError(`Invalid egress pattern "${pattern}": ${reason}`);
}

export function defaultPort(scheme) {
  return scheme === 'https' || scheme === 'wss' || scheme === 'tls' ? 443 : 80;
}

// ---------------------------------------------------------------------------------------------
// Hosts.

// The host as the URL standard serializes it (lowercase, IDNA to ASCII, IPv4 in dotted-decimal
// form, IPv6 compressed in brackets), without a trailing dot. IPv6 may be given with or without
// brackets.
export function normalizeHost(host) {
  if (typeof host !== 'string' || host === '') return null;
  let text = host;
  if (StringPrototypeIncludes(text, ':') && !StringPrototypeStartsWith(text, '[')) text = `[${text}]`;
  if (RegExpPrototypeTest(/[\s/?#@\\]/, text)) return null;
  const record = parseURL(`http://${text}/`);
  if (record === null || record.host === null || record.host === '') return null;
  if (record.username !== '' || record.password !== '' || record.port !== null) return null;
  let result = record.host;
  if (StringPrototypeEndsWith(result, '.') && result[0] !== '[') result = StringPrototypeSlice(result, 0, -1);
  return result === '' ? null : result;
}

const kIPv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

// 4 or 16 bytes for a normalized IP literal, else null. IPv4-mapped IPv6 (::ffff:a.b.c.d)
// counts as its IPv4 address, so that "10.0.0.0/8" covers it.
function ipBytes(host) {
  const v4 = RegExpPrototypeExec(kIPv4, host);
  if (v4 !== null) return new Uint8Array([+v4[1], +v4[2], +v4[3], +v4[4]]);
  if (host[0] !== '[') return null;
  const bytes = ipv6Bytes(StringPrototypeSlice(host, 1, -1));
  if (bytes === null) return null;
  let mapped = bytes[10] === 0xff && bytes[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (bytes[i] !== 0) mapped = false;
  return mapped ? new Uint8Array([bytes[12], bytes[13], bytes[14], bytes[15]]) : bytes;
}

// The URL serializer's IPv6 form: hex pieces with at most one "::", no dotted quad.
function ipv6Bytes(text) {
  const out = new Uint8Array(16);
  const halves = StringPrototypeSplit(text, '::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : StringPrototypeSplit(halves[0], ':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : StringPrototypeSplit(halves[1], ':')) : [];
  if (halves.length === 1 && head.length !== 8) return null;
  if (head.length + tail.length > 8) return null;
  const put = (pieces, start) => {
    for (let i = 0; i < pieces.length; i++) {
      if (!RegExpPrototypeTest(/^[0-9a-f]{1,4}$/i, pieces[i])) return false;
      const n = NumberParseInt(pieces[i], 16);
      out[(start + i) * 2] = n >> 8;
      out[(start + i) * 2 + 1] = n & 0xff;
    }
    return true;
  };
  if (!put(head, 0) || !put(tail, 8 - tail.length)) return null;
  return out;
}

function inBlock(bytes, block) {
  if (bytes.length !== block.bytes.length) return false;
  let bits = block.bits;
  for (let i = 0; i < bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (block.bytes[i] & mask)) return false;
  }
  return true;
}

function formatBlock(bytes, bits) {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}/${bits}`;
  const pieces = [];
  for (let i = 0; i < 16; i += 2) ArrayPrototypePush(pieces, NumberPrototypeToString((bytes[i] << 8) | bytes[i + 1], 16));
  return `${ArrayPrototypeJoin(pieces, ':')}/${bits}`;
}

// ---------------------------------------------------------------------------------------------
// Patterns.

// kind: 'host' (exact name), 'ip' (exact IP literal), 'glob', 'cidr'. `key` identifies the
// pattern after normalization (re-registering it replaces its value in place).
class Pattern {
  constructor(text, kind, host, port, matcher) {
    this.text = text;      // as written (messages, audit)
    this.kind = kind;
    this.host = host;      // normalized host, glob text or CIDR text
    this.port = port;      // number, or null for every port
    this.matcher = matcher;  // the glob text for globs, { bytes, bits } for CIDR blocks
    this.key = port === null ? host : `${host}:${port}`;
  }
}

function parsePort(pattern, text) {
  if (!RegExpPrototypeTest(/^\d{1,5}$/, text)) {
    throw patternError(pattern, `the port "${text}" is not a number from 1 to 65535`);
  }
  const port = +text;
  if (port < 1 || port > 65535) throw patternError(pattern, `the port ${port} is not from 1 to 65535`);
  return port;
}

// Splits "HOST", "HOST:PORT", "[V6]", "[V6]:PORT", "V6" (unbracketed: no port), each with an
// optional "/BITS" after the address.
function splitPattern(pattern) {
  let host;
  let rest = '';
  if (pattern[0] === '[') {
    const close = StringPrototypeIndexOf(pattern, ']');
    if (close === -1) throw patternError(pattern, 'an IPv6 address in brackets needs its "]"');
    host = StringPrototypeSlice(pattern, 0, close + 1);
    rest = StringPrototypeSlice(pattern, close + 1);
  } else {
    const colons = StringPrototypeSplit(pattern, ':').length - 1;
    if (colons >= 2) {
      host = pattern;  // IPv6 without brackets: it cannot carry a port
    } else {
      const colon = StringPrototypeLastIndexOf(pattern, ':');
      const slash = StringPrototypeIndexOf(pattern, '/');
      const end = colon === -1 ? pattern.length : colon;
      host = StringPrototypeSlice(pattern, 0, slash !== -1 && slash < end ? slash : end);
      rest = StringPrototypeSlice(pattern, host.length);
    }
  }
  let bits = null;
  let port = null;
  if (host[0] !== '[' && StringPrototypeIncludes(host, ':')) {
    const slash = StringPrototypeIndexOf(host, '/');
    if (slash !== -1) {
      bits = StringPrototypeSlice(host, slash + 1);
      host = StringPrototypeSlice(host, 0, slash);
    }
    return { __proto__: null, host, bits, port };
  }
  if (rest[0] === '/') {
    const colon = StringPrototypeIndexOf(rest, ':');
    bits = StringPrototypeSlice(rest, 1, colon === -1 ? rest.length : colon);
    rest = colon === -1 ? '' : StringPrototypeSlice(rest, colon);
  }
  if (rest[0] === ':') {
    port = StringPrototypeSlice(rest, 1);
    rest = '';
  }
  if (rest !== '') throw patternError(pattern, `unexpected "${rest}" after the host`);
  return { __proto__: null, host, bits, port };
}

function parsePattern(pattern) {
  if (typeof pattern !== 'string') {
    throw patternError(String(pattern), 'a pattern is a string such as "api.example.com", ' +
      '"*.example.com:443" or "10.0.0.0/8"');
  }
  if (pattern === '') throw patternError(pattern, 'the pattern is empty');
  if (StringPrototypeIncludes(pattern, '://')) {
    throw patternError(pattern, 'give a host, such as "api.example.com", not a URL');
  }
  if (RegExpPrototypeTest(/[\s?#@\\]/, pattern)) {
    throw patternError(pattern, 'a pattern is a host, optionally with "*", "/BITS" and ":PORT"');
  }
  const parts = splitPattern(pattern);
  const port = parts.port === null ? null : parsePort(pattern, parts.port);
  if (StringPrototypeIncludes(parts.host, '/')) {
    throw patternError(pattern, 'a pattern is a host, not a path');
  }
  if (parts.bits !== null) {
    if (!RegExpPrototypeTest(/^\d{1,3}$/, parts.bits)) {
      throw patternError(pattern, 'a pattern is a host, not a URL path; "/BITS" may follow only an IP address');
    }
    const host = normalizeHost(parts.host);
    const bytes = host === null ? null : ipBytes(host);
    if (bytes === null || StringPrototypeIncludes(parts.host, '*')) {
      throw patternError(pattern, `a CIDR block needs an IP address before "/", not "${parts.host}"`);
    }
    const bits = +parts.bits;
    const max = bytes.length * 8;
    if (bits > max) throw patternError(pattern, `the prefix length ${bits} is more than ${max} bits`);
    const block = { __proto__: null, bytes: masked(bytes, bits), bits };
    return new Pattern(pattern, 'cidr', formatBlock(block.bytes, bits), port, block);
  }
  if (StringPrototypeIncludes(parts.host, '*')) return parseGlob(pattern, parts.host, port);
  const host = normalizeHost(parts.host);
  if (host === null) throw patternError(pattern, `"${parts.host}" is not a valid host name or IP address`);
  return new Pattern(pattern, ipBytes(host) === null ? 'host' : 'ip', host, port, null);
}

function masked(bytes, bits) {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const left = bits - i * 8;
    out[i] = left >= 8 ? bytes[i] : left <= 0 ? 0 : bytes[i] & ((0xff << (8 - left)) & 0xff);
  }
  return out;
}

// "*" matches one or more characters, dots included ("*.example.com" matches
// "a.b.example.com", not "example.com"). Labels without "*" are normalized like hosts.
function parseGlob(pattern, text, port) {
  let host = StringPrototypeToLowerCase(text);
  if (StringPrototypeEndsWith(host, '.')) host = StringPrototypeSlice(host, 0, -1);
  const labels = StringPrototypeSplit(host, '.');
  const out = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === '') throw patternError(pattern, 'a host name cannot have an empty label');
    if (StringPrototypeIncludes(label, '*')) {
      if (!RegExpPrototypeTest(/^[a-z0-9*_-]+$/, label)) {
        throw patternError(pattern, `the label "${label}" may hold only letters, digits, "-" and "*"`);
      }
      ArrayPrototypePush(out, label);
      continue;
    }
    // Normalized as a label of a name (a lone number is not an IPv4 address here).
    const normalized = normalizeHost(`${label}.a`);
    if (normalized === null || !StringPrototypeEndsWith(normalized, '.a') ||
        StringPrototypeIncludes(StringPrototypeSlice(normalized, 0, -2), '.')) {
      throw patternError(pattern, `"${label}" is not a valid label of a host name`);
    }
    ArrayPrototypePush(out, StringPrototypeSlice(normalized, 0, -2));
  }
  const last = out[out.length - 1];
  if (RegExpPrototypeTest(/^(\d+|0x[0-9a-f]*)$/, last)) {
    // A host whose last label is a number is an IPv4 address, which globs never match.
    throw patternError(pattern, 'a glob never matches an IP address; use a CIDR block such as 10.0.0.0/8');
  }
  const glob = ArrayPrototypeJoin(out, '.');
  return new Pattern(pattern, 'glob', glob, port, glob);
}

// Whether `host` matches `glob` ("*" is one or more characters). Not a RegExp: the host is the
// workload's choice, and a backtracking match of several "*" takes polynomial time in its
// length, with the loader's isolate stuck meanwhile. This is the greedy wildcard match with
// one step back per "*": O(host length x glob length) at worst.
function globMatches(glob, host) {
  let g = 0;         // position in glob
  let h = 0;         // position in host
  let star = -1;     // glob position just after the last "*" seen
  let resume = 0;    // host position that "*" matched up to (exclusive)
  while (h < host.length) {
    if (g < glob.length && glob[g] === '*') {
      // "*" takes one character now and may take more later.
      star = g + 1;
      resume = h + 1;
      g = star;
      h = resume;
    } else if (g < glob.length && glob[g] === host[h]) {
      g++;
      h++;
    } else if (star !== -1) {
      resume++;
      g = star;
      h = resume;
    } else {
      return false;
    }
  }
  return g === glob.length;
}

// ---------------------------------------------------------------------------------------------
// Maps and lists: exact host and IP patterns (a hash lookup; one with a port before one
// without) beat globs and CIDR blocks (in registration order, the first match wins).

class PatternMap {
  constructor() {
    this.exact = new SafeMap();  // key -> { pattern, value }
    this.wild = [];              // { pattern, value } in registration order
    this.size = 0;
  }

  add(pattern, value) {
    const entry = { __proto__: null, pattern, value };
    if (pattern.kind === 'host' || pattern.kind === 'ip') {
      const prior = this.exact.get(pattern.key);
      if (prior !== undefined) {
        prior.value = value;
        prior.pattern = pattern;
        return;
      }
      this.exact.set(pattern.key, entry);
    } else {
      for (let i = 0; i < this.wild.length; i++) {
        if (this.wild[i].pattern.kind === pattern.kind && this.wild[i].pattern.key === pattern.key) {
          this.wild[i].value = value;
          this.wild[i].pattern = pattern;
          return;
        }
      }
      ArrayPrototypePush(this.wild, entry);
    }
    this.size++;
  }

  // `bytes`: the host's address when it is an IP literal, else null.
  lookup(host, port, bytes) {
    let found = this.exact.get(`${host}:${port}`);
    if (found !== undefined) return found;
    found = this.exact.get(host);
    if (found !== undefined) return found;
    for (let i = 0; i < this.wild.length; i++) {
      const entry = this.wild[i];
      const p = entry.pattern;
      if (p.port !== null && p.port !== port) continue;
      if (p.kind === 'glob') {
        if (bytes === null && globMatches(p.matcher, host)) return entry;
      } else if (bytes !== null && inBlock(bytes, p.matcher)) {
        return entry;
      }
    }
    return undefined;
  }

  // The entries in registration order (exact ones first), for copies and persistence.
  entries() {
    const out = [];
    MapPrototypeForEach(this.exact, (entry) => { ArrayPrototypePush(out, entry); });
    for (let i = 0; i < this.wild.length; i++) ArrayPrototypePush(out, this.wild[i]);
    return out;
  }
}

export function compileMap(entries) {
  const map = new PatternMap();
  for (let i = 0; i < entries.length; i++) map.add(parsePattern(entries[i][0]), entries[i][1]);
  return map;
}

export function compileList(list, what) {
  if (list === null || list === undefined) return null;
  if (!ArrayIsArray(list)) throw new TypeError(`${what} must be an array of host patterns, or null.`);
  const map = new PatternMap();
  for (let i = 0; i < list.length; i++) map.add(parsePattern(list[i]), true);
  return map;
}

export function checkPattern(pattern) { return parsePattern(pattern); }

// Object keys in order, as a map's entries.
export function objectEntries(object, what) {
  if (object === null || object === undefined) return [];
  if (typeof object !== 'object') throw new TypeError(`${what} must be an object mapping host patterns to handlers.`);
  const keys = ObjectKeys(object);
  const out = [];
  for (let i = 0; i < keys.length; i++) ArrayPrototypePush(out, [keys[i], object[keys[i]]]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Policies and decisions.

export class Policy {
  constructor(fields) {
    this.denied = fields.denied;                  // PatternMap | null
    this.allowed = fields.allowed;                // PatternMap | null
    this.runtimeByHost = fields.runtimeByHost;    // PatternMap of handler refs | null
    this.staticByHost = fields.staticByHost;      // PatternMap of handlers | null
    this.runtimeCatchAll = fields.runtimeCatchAll;  // handler ref | null
    this.staticCatchAll = fields.staticCatchAll;    // handler | null
    this.enableInternet = fields.enableInternet;
    ObjectFreeze(this);
  }
}

export function makePolicy(fields) { return new Policy(fields); }

class Decision {
  constructor(step, entry, value) {
    this.step = step;        // 1-9 (egress-policy.md section 4)
    this.pattern = entry === null ? null : entry.pattern.text;
    this.value = value;      // the handler (or handler ref) for steps 3-6, else null
    this.network = step === 7 || step === 8;
    this.denied = step === 1 || step === 2 || step === 9;
  }
}

// An IPv4 address in dotted-decimal form.
function dotted(bytes) { return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`; }

// The loopback address that connecting to the unspecified address (0.0.0.0, [::],
// [::ffff:0.0.0.0]) reaches on Linux, as [host, bytes]; else null. io/address_filter.cc treats
// resolved addresses the same way.
function loopbackEquivalent(bytes) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return null;
  return bytes.length === 4 ? ['127.0.0.1', new Uint8Array([127, 0, 0, 1])]
    : ['[::1]', new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])];
}

// `host` normalized, `port` a number.
export function decide(policy, host, port) {
  let bytes = ipBytes(host);
  // An IPv4-mapped IPv6 literal is its IPv4 address, for exact patterns too.
  if (bytes !== null && bytes.length === 4 && host[0] === '[') host = dotted(bytes);
  // The unspecified address is where a connection to it goes: loopback, for every step (a deny
  // of 127.0.0.0/8 and a handler for 127.0.0.1 both hold for 0.0.0.0).
  const loopback = bytes !== null ? loopbackEquivalent(bytes) : null;
  if (loopback !== null) {
    host = loopback[0];
    bytes = loopback[1];
  }
  if (policy.denied !== null) {
    const hit = policy.denied.lookup(host, port, bytes);
    if (hit !== undefined) return new Decision(1, hit, null);
  }
  let allowedHit;
  if (policy.allowed !== null) {
    allowedHit = policy.allowed.lookup(host, port, bytes);
    if (allowedHit === undefined) return new Decision(2, null, null);
  }
  if (policy.runtimeByHost !== null) {
    const hit = policy.runtimeByHost.lookup(host, port, bytes);
    if (hit !== undefined) return new Decision(3, hit, hit.value);
  }
  if (policy.staticByHost !== null) {
    const hit = policy.staticByHost.lookup(host, port, bytes);
    if (hit !== undefined) return new Decision(4, hit, hit.value);
  }
  if (policy.runtimeCatchAll !== null) return new Decision(5, null, policy.runtimeCatchAll);
  if (policy.staticCatchAll !== null) return new Decision(6, null, policy.staticCatchAll);
  if (allowedHit !== undefined) return new Decision(7, allowedHit, null);
  if (policy.enableInternet) return new Decision(8, null, null);
  return new Decision(9, null, null);
}

// The deny list's CIDR blocks for a request to `port` that goes to the real network: checked
// against the address its host name resolves to. Returns [[cidr, pattern as written], ...].
export function deniedCidrsFor(policy, port) {
  const out = [];
  if (policy.denied === null) return out;
  const wild = policy.denied.wild;
  for (let i = 0; i < wild.length; i++) {
    const p = wild[i].pattern;
    if (p.kind === 'cidr' && (p.port === null || p.port === port)) ArrayPrototypePush(out, [p.host, p.text]);
  }
  return out;
}

export { PatternMap };
