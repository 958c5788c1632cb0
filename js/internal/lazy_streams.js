// internal:streams, the largest runtime module, is evaluated on first use rather than kept in
// the startup snapshot, which every new isolate deserializes: most workers never make a stream.
// The bootstrap defines the stream globals lazily (ops.defineLazyGlobal); runtime modules reach
// the module through streams(). Code that only has to recognize a stream asks loadedStreams():
// before internal:streams is evaluated no stream can exist, so it need not be loaded for that.
import ops from 'internal:ops';

let namespace = null;

// The namespace of internal:streams, evaluated now if it was not yet.
export function streams() {
  if (namespace === null) namespace = ops.loadBuiltin('internal:streams');
  return namespace;
}

// The namespace of internal:streams, or null while it has not been evaluated.
export function loadedStreams() { return namespace; }

// Called by internal:streams at the end of its evaluation, however it was loaded (internal:serve
// and internal:sockets, themselves loaded on first use, import it directly).
export function streamsLoaded(ns) { namespace = ns; }
