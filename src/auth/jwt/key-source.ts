/** Where a verifier gets the keys for a token: static config or a JWKS endpoint. */
import type { JwsAlgorithm } from './algorithms.js';
import type { LiveKey } from './key-life.js';

export type KeyLookup =
  | { readonly kind: 'keys'; readonly keys: readonly LiveKey[] }
  | { readonly kind: 'unknown_kid' }
  | { readonly kind: 'alg_mismatch' }
  | { readonly kind: 'unavailable'; readonly description: string };

export interface KeySource {
  /** Import or fetch the keys. See JwtVerifier.start for when it rejects. */
  start(): Promise<void>;
  /** Keys that may have signed a token with this `alg` and `kid` (bounded list). */
  lookup(alg: JwsAlgorithm, kid: string | undefined): Promise<KeyLookup>;
  /**
   * The same answer synchronously when it is already in memory (keys loaded, fresh
   * enough, kid known); undefined when only lookup() can answer (a fetch is needed or
   * running). Lets a cold token be verified without a promise or microtask hop.
   */
  lookupNow(alg: JwsAlgorithm, kid: string | undefined): KeyLookup | undefined;
  /** Stops timers and fetches, and retires every key (cached verifications made with them end). */
  stop(): void;
}
