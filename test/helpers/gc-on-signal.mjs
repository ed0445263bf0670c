// Preloaded into a Gatehouse child process by tests that need to force garbage
// collections at chosen moments (e.g. while a fetch waits on a hung peer, to prove its
// deadline does not depend on an object only weakly held):
//   NODE_OPTIONS="--expose-gc --import=<file URL of this file>", then SIGUSR2 → full GC.
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('gc-on-signal.mjs needs --expose-gc');
process.on('SIGUSR2', () => gc());
