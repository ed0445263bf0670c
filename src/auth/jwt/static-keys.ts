/**
 * Keys written in the config (hmac secrets, publicKey PEMs or JWKs), imported once at
 * start. Unusable material is a configuration error: start() rejects, naming the key by
 * its position and kid, never its content; lookups then answer unavailable. The keys
 * live as long as the source: stop() (the provider's settings changed on a reload, or it
 * was removed) retires them, and with them every cached verification they made.
 */
import type { HmacProviderConfig, PublicKeyProviderConfig } from '../../config/schema-auth.js';
import { isHmacAlgorithm, type JwsAlgorithm } from './algorithms.js';
import {
  importHmacSecret,
  importPublicJwk,
  importPublicPem,
  KeyImportError,
  type VerificationKey,
} from './import-keys.js';
import { KeyLives } from './key-life.js';
import { KeyRing } from './key-ring.js';
import type { KeyLookup, KeySource } from './key-source.js';

const UNAVAILABLE: KeyLookup = { kind: 'unavailable', description: 'provider keys could not be loaded' };
const UNKNOWN_KID: KeyLookup = { kind: 'unknown_kid' };

export class StaticKeySource implements KeySource {
  private ring: KeyRing | undefined;
  private loading: Promise<void> | undefined;
  private failed = false;
  private stopped = false;
  private readonly lives = new KeyLives();

  constructor(
    private readonly provider: HmacProviderConfig | PublicKeyProviderConfig,
    private readonly allowed: ReadonlySet<JwsAlgorithm>,
  ) {}

  start(): Promise<void> {
    this.loading ??= this.load().catch((error: unknown) => {
      this.failed = true;
      throw error;
    });
    return this.loading;
  }

  async lookup(alg: JwsAlgorithm, kid: string | undefined): Promise<KeyLookup> {
    if (!this.ring && !this.failed) await this.start().catch(() => undefined);
    if (!this.ring || this.stopped) return UNAVAILABLE;
    const selection = this.ring.select(alg, kid);
    return selection.kind === 'unknown' ? UNKNOWN_KID : selection;
  }

  lookupNow(alg: JwsAlgorithm, kid: string | undefined): KeyLookup | undefined {
    if (this.stopped) return UNAVAILABLE;
    if (!this.ring) return this.failed ? UNAVAILABLE : undefined;
    const selection = this.ring.select(alg, kid);
    return selection.kind === 'unknown' ? UNKNOWN_KID : selection;
  }

  stop(): void {
    this.stopped = true;
    this.lives.retireAll();
  }

  private async load(): Promise<void> {
    const keys: VerificationKey[] = [];
    const entries = this.provider.type === 'hmac' ? this.provider.secrets : this.provider.keys;
    for (const [index, entry] of entries.entries()) {
      try {
        keys.push(...(await this.importEntry(entry)));
      } catch (error) {
        const which = entry.kid === undefined ? `#${index + 1}` : `#${index + 1} (kid ${entry.kid})`;
        const why = error instanceof KeyImportError ? error.message : 'unusable key material';
        throw new KeyImportError(`provider ${this.provider.id}: key ${which}: ${why}`);
      }
    }
    if (this.stopped) return;
    this.ring = new KeyRing(this.lives.renew(keys), { unkeyedFallback: true });
  }

  private importEntry(
    entry: HmacProviderConfig['secrets'][number] | PublicKeyProviderConfig['keys'][number],
  ): Promise<VerificationKey[]> {
    if ('secret' in entry)
      return importHmacSecret(entry.secret, entry.kid, [...this.allowed].filter(isHmacAlgorithm));
    if ('pem' in entry) return importPublicPem(entry.pem, entry.kid, this.allowed);
    const kid = entry.kid ?? (typeof entry.jwk.kid === 'string' ? entry.jwk.kid : undefined);
    return importPublicJwk(entry.jwk, kid, this.allowed);
  }
}
