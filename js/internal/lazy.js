// Runtime modules evaluated on first use rather than kept in the startup snapshot, which every
// new isolate deserializes: most workers never make a stream, a Blob or a FormData. The
// bootstrap defines their globals lazily (ops.defineLazyGlobal); runtime modules reach them
// through streams(), blobModule() and formDataModule(). Code that only has to recognize one of
// their objects asks loadedStreams() and the like: before a module is evaluated none of its
// objects can exist, so it need not be loaded for that.
import ops from 'internal:ops';

let streamsNs = null;
let blobNs = null;
let formDataNs = null;

// The namespace of internal:streams, evaluated now if it was not yet.
export function streams() {
  if (streamsNs === null) streamsNs = ops.loadBuiltin('internal:streams');
  return streamsNs;
}

// The namespace of internal:streams, or null while it has not been evaluated.
export function loadedStreams() { return streamsNs; }

// The namespace of internal:blob, evaluated now if it was not yet.
export function blobModule() {
  if (blobNs === null) blobNs = ops.loadBuiltin('internal:blob');
  return blobNs;
}

// The namespace of internal:blob, or null while it has not been evaluated.
export function loadedBlobModule() { return blobNs; }

// The namespace of internal:form_data, evaluated now if it was not yet.
export function formDataModule() {
  if (formDataNs === null) formDataNs = ops.loadBuiltin('internal:form_data');
  return formDataNs;
}

// The namespace of internal:form_data, or null while it has not been evaluated.
export function loadedFormDataModule() { return formDataNs; }

// Called by each module at the end of its evaluation, however it was loaded: through the
// functions above, a lazy global, or an import from another module loaded on first use
// (internal:serve and internal:sockets import internal:streams, internal:form_data imports
// internal:blob).
export function streamsLoaded(ns) { streamsNs = ns; }
export function blobModuleLoaded(ns) { blobNs = ns; }
export function formDataModuleLoaded(ns) { formDataNs = ns; }
