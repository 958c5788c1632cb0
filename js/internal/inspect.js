// TEMPORARY STUB written by the lead so the runtime can boot; helper-1 replaces this file entirely.
export function inspect(v) { try { return typeof v === 'string' ? v : (v instanceof Error ? v.stack : JSON.stringify(v)); } catch { return String(v); } }
export function format(...args) { return args.map((a) => inspect(a)).join(' '); }
