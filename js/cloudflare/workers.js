// cloudflare:workers: the base classes of entrypoints and RPC targets, and the worker's env.
import primordials from 'internal:primordials';
import { WorkerEntrypoint, RpcTarget, currentEnv } from 'internal:rpc';

const { Proxy, ReflectGet, ReflectHas, ReflectOwnKeys, ReflectGetOwnPropertyDescriptor } = primordials;

// Durable Objects are not run by dynworker yet; the class exists so modules that extend it load.
class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

class WorkflowEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

// `import { env } from 'cloudflare:workers'`: the env of the worker this module runs in.
const env = new Proxy({}, {
  __proto__: null,
  get(target, key) { return ReflectGet(currentEnv(), key); },
  has(target, key) { return ReflectHas(currentEnv(), key); },
  ownKeys() { return ReflectOwnKeys(currentEnv()); },
  getOwnPropertyDescriptor(target, key) {
    const desc = ReflectGetOwnPropertyDescriptor(currentEnv(), key);
    if (desc !== undefined) desc.configurable = true;
    return desc;
  },
});

export { WorkerEntrypoint, RpcTarget, DurableObject, WorkflowEntrypoint, env };
