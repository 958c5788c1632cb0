// Where console output is also sent: tail workers see what a request logged (internal:rpc sets
// the tap in dynamic workers). Kept apart from internal:console, which is evaluated on first
// use: setting the tap does not load it.
//
// Internal API:
//   setConsoleTap(fn)   fn(level, text) for every console call, or null
//   consoleTap()        the tap, or null

let tap = null;
export function setConsoleTap(fn) { tap = fn; }
export function consoleTap() { return tap; }
