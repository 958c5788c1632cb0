// cloudflare:sockets: outbound TCP connections, as in Cloudflare Workers.
//
//   import { connect } from 'cloudflare:sockets';
//   const socket = connect('example.com:4000', { secureTransport: 'on' });
//
// Like workerd's module it exports connect() only (the Socket class is not exported).
export { connect } from 'internal:sockets';
