/**
 * The verified-token cache's admission filter (the "doorkeeper" of TinyLFU): a token is
 * cached on its second verification, not its first. A flood of tokens used once (a
 * client that mints a JWT per call, a scan with stolen or forged-but-valid tokens) then
 * never enters the cache: no LRU churn, no entry that lives just long enough to be copied
 * out of the young generation and die in the old one, and no hot entry evicted. A token a
 * client reuses pays one more verification before it is cached.
 *
 * A fixed table of 32-bit fingerprints indexed by the key: no allocation per token and a
 * bounded size. A collision either admits a token on its first sight (harmless: it is
 * cached) or forgets one seen before (harmless: it is verified once more). It decides
 * only what is cached, never whether a token is accepted: the worst a client sending
 * many new tokens can do is make another client's token wait for one more verification.
 */

/** FNV-1a over the key's characters from the given offset basis (two bases: index and fingerprint). */
function fnv1a(key: string, basis: number): number {
  let hash = basis;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export class Doorkeeper {
  private readonly slots: Uint32Array;
  private readonly mask: number;

  /** About four slots per cache entry, a power of two between 2^10 and 2^20 (4 MiB). */
  constructor(cacheEntries: number) {
    let size = 1024;
    while (size < cacheEntries * 4 && size < 1 << 20) size *= 2;
    this.slots = new Uint32Array(size);
    this.mask = size - 1;
  }

  /** True when `key` was seen before (cache it now); false on its first sight, which is remembered. */
  seenBefore(key: string): boolean {
    const index = fnv1a(key, 0x811c9dc5) & this.mask;
    const fingerprint = (fnv1a(key, 0x050c5d1f) | 1) >>> 0; // never 0, the empty slot
    if (this.slots[index] === fingerprint) return true;
    this.slots[index] = fingerprint;
    return false;
  }

  clear(): void {
    this.slots.fill(0);
  }
}
