// Runtime modules evaluated on first use rather than kept in the startup snapshot, which every
// new isolate deserializes: most workers never make a stream, a Blob or a FormData. The
// bootstrap defines their globals lazily (ops.defineLazyGlobal); runtime modules reach them
// through streams(), blobModule() and formDataModule(). Code that only has to recognize one of
// their objects asks loadedStreams() and the like: before a module is evaluated none of its
// objects can exist, so it need not be loaded for that.
import ops from 'internal:ops';

// One module evaluated on first use: load() evaluates it if it was not yet and returns its
// namespace; loaded() returns it or null; set(ns) is called by the module at the end of its own
// evaluation, however it was loaded (through load(), a lazy global, or an import from another
// module loaded on first use: internal:serve and internal:sockets import internal:streams,
// internal:form_data imports internal:blob).
function lazyModule(url) {
  let namespace = null;
  return {
    __proto__: null,
    load() {
      if (namespace === null) namespace = ops.loadBuiltin(url);
      return namespace;
    },
    loaded() { return namespace; },
    set(ns) { namespace = ns; },
  };
}

const streamsModule = lazyModule('internal:streams');
const blob = lazyModule('internal:blob');
const formData = lazyModule('internal:form_data');

export function streams() { return streamsModule.load(); }
export function loadedStreams() { return streamsModule.loaded(); }
export function streamsLoaded(ns) { streamsModule.set(ns); }

export function blobModule() { return blob.load(); }
export function loadedBlobModule() { return blob.loaded(); }
export function blobModuleLoaded(ns) { blob.set(ns); }

export function formDataModule() { return formData.load(); }
export function loadedFormDataModule() { return formData.loaded(); }
export function formDataModuleLoaded(ns) { formData.set(ns); }
