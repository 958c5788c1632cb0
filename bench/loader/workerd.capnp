# workerd serving bench/loader/loader.js (the address is overridden by run.sh with --socket-addr).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .loaderWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const loaderWorker :Workerd.Worker = (
  modules = [ (name = "loader.js", esModule = embed "loader.js") ],
  compatibilityDate = "2025-06-01",
  compatibilityFlags = ["enable_ctx_exports"],
  bindings = [ (name = "LOADER", workerLoader = (id = "bench")) ],
);
