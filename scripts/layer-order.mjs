// The layer order of src/, bottom up: a folder may import its own layer and the ones
// below, never a higher one. Read by scripts/layers.ts (`npm run layers`) and by the
// ESLint rule in eslint.config.js. docs/architecture.md explains it.
export const LAYERS = [
  ['clock', 'errors'],
  ['config'],
  ['observability', 'routing', 'store'],
  ['auth'],
  ['pipeline'],
  // tls/ (listener and upstream TLS) and proxy/ import each other.
  ['proxy', 'tls'],
  // policy/ (traffic policy): rate limits, throttling and CORS, read by server/.
  ['policy'],
  ['control', 'tokens'],
  ['plan'],
  // cluster/ (server.workers): the primary and the workers' metrics exchange; read by server/ (/metrics) and cli/ (start).
  ['cluster'],
  ['server'],
  ['app', 'gatehouse'],
  ['cli'],
];
/** Rooms that import nothing from src outside themselves. */
export const STANDALONE = ['client'];
/** Upward edges `npm run layers` tolerates (0 today); the ESLint rule tolerates none. */
export const ALLOWED_UPWARD = 1;
