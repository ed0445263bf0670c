// Preloaded into a Gatehouse child process by tests that need to force garbage
// collections at chosen moments (e.g. while a fetch waits on a hung peer, to prove its
// deadline does not depend on an object only weakly held):
//   NODE_OPTIONS="--expose-gc --import=<file URL of this file>", then SIGUSR2 → full GC.
// Signals within QUIET_MS of the end of the previous GC are ignored, so a test sending
// them faster than a full GC takes on a loaded machine slows the process, never starves it.
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('gc-on-signal.mjs needs --expose-gc');
const QUIET_MS = 100;
let lastEnd = Number.NEGATIVE_INFINITY;
process.on('SIGUSR2', () => {
  if (performance.now() - lastEnd < QUIET_MS) return;
  gc();
  lastEnd = performance.now();
});
