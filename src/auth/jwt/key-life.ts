/**
 * Whether a verification key is still trusted, as an object a cached verification can
 * point to. The verified-token cache checks `alive` on every hit (one property read, no
 * allocation), so a verification never outlives the key that made it: a JWKS refresh
 * that no longer publishes a key, or a provider whose verifier stops (its keys or
 * settings changed on a reload, or it left the configuration), retires its keys.
 */
import type { VerificationKey } from './import-keys.js';

export class KeyLife {
  alive = true;

  retire(): void {
    this.alive = false;
  }
}

/** A verification key with the life its verifications depend on. */
export interface LiveKey extends VerificationKey {
  readonly life: KeyLife;
}

/**
 * The lives of one key source's keys, by key fingerprint (kid + public material, or a
 * hash of a secret). A refresh keeps the life of every key still published and retires
 * the others.
 */
export class KeyLives {
  private lives = new Map<string, KeyLife>();

  /** Attaches lives to the current key set and retires the keys it no longer holds. */
  renew(keys: readonly VerificationKey[]): LiveKey[] {
    const next = new Map<string, KeyLife>();
    const live = keys.map((key) => {
      let life = next.get(key.fingerprint) ?? this.lives.get(key.fingerprint);
      if (!life?.alive) life = new KeyLife();
      next.set(key.fingerprint, life);
      return { ...key, life };
    });
    for (const [fingerprint, life] of this.lives) if (!next.has(fingerprint)) life.retire();
    this.lives = next;
    return live;
  }

  /** The source stopped: none of its keys vouches for anything any more. */
  retireAll(): void {
    for (const life of this.lives.values()) life.retire();
    this.lives.clear();
  }
}
