/**
 * An immutable set of imported verification keys, indexed by algorithm and `kid`.
 * Selection never returns more than MAX_KEY_TRIALS keys, so a token without `kid`
 * costs a bounded number of signature checks.
 */
import type { JwsAlgorithm } from './algorithms.js';
import type { LiveKey } from './key-life.js';

export const MAX_KEY_TRIALS = 8;

export type KeySelection =
  | { readonly kind: 'keys'; readonly keys: readonly LiveKey[] }
  /** The token's kid (or, without kid, its algorithm) matches no key. */
  | { readonly kind: 'unknown' }
  /** The kid exists, but its key cannot verify the token's algorithm. */
  | { readonly kind: 'alg_mismatch' };

export interface KeyRingOptions {
  /**
   * When a token's kid matches no key, try the keys that have no kid (static config:
   * a secret configured without kid serves tokens whatever kid they carry). JWKS: off.
   */
  readonly unkeyedFallback: boolean;
}

const UNKNOWN: KeySelection = { kind: 'unknown' };
const ALG_MISMATCH: KeySelection = { kind: 'alg_mismatch' };
const slot = (alg: string, kid: string) => `${alg}\u0000${kid}`;

export class KeyRing {
  private readonly byAlg = new Map<string, KeySelection>();
  private readonly unkeyedByAlg = new Map<string, KeySelection>();
  private readonly byAlgAndKid = new Map<string, KeySelection>();
  private readonly kids = new Set<string>();

  constructor(
    keys: readonly LiveKey[],
    private readonly options: KeyRingOptions,
  ) {
    const group = (map: Map<string, KeySelection>, name: string, key: LiveKey) => {
      const current = map.get(name);
      const list = current?.kind === 'keys' ? current.keys : [];
      if (list.length < MAX_KEY_TRIALS) map.set(name, { kind: 'keys', keys: [...list, key] });
    };
    for (const key of keys) {
      const { kid, alg } = key;
      group(this.byAlg, alg, key);
      if (kid === undefined) group(this.unkeyedByAlg, alg, key);
      else {
        this.kids.add(kid);
        group(this.byAlgAndKid, slot(alg, kid), key);
      }
    }
  }

  select(alg: JwsAlgorithm, kid: string | undefined): KeySelection {
    if (kid === undefined) return this.byAlg.get(alg) ?? UNKNOWN;
    const exact = this.byAlgAndKid.get(slot(alg, kid));
    if (exact) return exact;
    if (this.options.unkeyedFallback) {
      const unkeyed = this.unkeyedByAlg.get(alg);
      if (unkeyed) return unkeyed;
    }
    return this.kids.has(kid) ? ALG_MISMATCH : UNKNOWN;
  }
}
