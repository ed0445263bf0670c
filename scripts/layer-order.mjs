// The layer order of src/, bottom up: a folder may import its own layer and the ones
// below, never a higher one. Read by scripts/layers.ts (`npm run layers`) and by the
// ESLint rule in eslint.config.js. docs/architecture.md explains it.
export const LAYERS = [
  ['clock', 'errors'],
  ['config'],
  ['observability', 'routing', 'store'],
  ['auth'],
  ['pipeline'],
  ['proxy'],
  ['control', 'tokens'],
  ['plan'],
  ['server'],
  ['app', 'gatehouse'],
  ['cli'],
];
/** Rooms that import nothing from src outside themselves. */
export const STANDALONE = ['client'];
/** Upward edges tolerated (see docs/architecture.md for the one there is). */
export const ALLOWED_UPWARD = 1;
