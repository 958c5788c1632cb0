# workerd serving bench/compare/loader.js (run.sh overrides the address with --socket-addr).
# "internet" is the loader's outbound; workerd's default one refuses loopback, which the direct
# path's upstream is on.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .loaderWorker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const loaderWorker :Workerd.Worker = (
  modules = [ (name = "loader.js", esModule = embed "loader.js") ],
  compatibilityDate = "2025-06-01",
  compatibilityFlags = ["enable_ctx_exports"],
  bindings = [ (name = "LOADER", workerLoader = (id = "bench")) ],
);
