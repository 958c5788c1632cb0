// dynworker:sandbox, also importable as `@cloudflare/sandbox` (egress-policy.md section 1):
// Sandbox (extend it, export the class, bind it with `sandboxes` in the config), getSandbox,
// and ContainerProxy (so `export { ContainerProxy } from "@cloudflare/sandbox"` keeps working).
export { Sandbox, getSandbox, ContainerProxy } from 'internal:sandbox';
