import { ManualClock } from '../../src/clock.js';
import { MemoryBackend, MemoryStore } from '../../src/store/memory.js';
import { runStoreContract } from './contract.js';
import { StoreSet } from './fixture.js';

runStoreContract('memory', () => {
  const clock = new ManualClock();
  const backend = new MemoryBackend();
  const stores = new StoreSet();
  return Promise.resolve({
    clock,
    open: () => Promise.resolve(stores.add(new MemoryStore({ clock }, backend))),
    outage: {
      begin: () => Promise.resolve(void (backend.down = true)),
      end: () => Promise.resolve(void (backend.down = false)),
    },
    cleanup: () => stores.closeAll(),
  });
});
