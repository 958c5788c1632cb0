// TEMPORARY STUB written by the lead so the runtime can boot; helper-1 replaces this file entirely.
import ops from 'internal:ops';
import { format } from 'internal:inspect';
export const console = {
  log: (...a) => ops.log('log', format(...a)), info: (...a) => ops.log('info', format(...a)),
  warn: (...a) => ops.log('warn', format(...a)), error: (...a) => ops.log('error', format(...a)),
  debug: (...a) => ops.log('debug', format(...a)),
};
