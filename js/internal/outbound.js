// A dynamic worker's globalOutbound (loader.md section 4), set by internal:rpc when the worker
// starts. Kept apart from internal:fetch and internal:sockets, which are evaluated on first use
// (a worker that never calls fetch() or connect() does not carry them, nor does the startup
// snapshot): setting the outbound does not load them.
//
// Internal API:
//   setOutbound(fn) / getOutbound()
//       null = the network; else a function taking the Request, which answers every fetch()
//       except data: URLs
//   setConnectOutbound(fn) / getConnectOutbound()
//       the same for connect(): null = the network; else a function (address, options)
//       returning the socket

let outbound = null;
export function setOutbound(fn) { outbound = fn; }
export function getOutbound() { return outbound; }

let connectOutbound = null;
export function setConnectOutbound(fn) { connectOutbound = fn; }
export function getConnectOutbound() { return connectOutbound; }

// Subrequests (loader.md section 5, limits.subRequests): every fetch() and connect() that leaves
// the isolate, by the global functions or through a Fetcher, is counted for the request it is
// made for; over the limit the check throws "Too many subrequests.". Set by internal:rpc in a
// dynamic worker.
let subrequestCheck = null;
export function setSubrequestCheck(fn) { subrequestCheck = fn; }
export function countSubrequest() { if (subrequestCheck !== null) subrequestCheck(); }
