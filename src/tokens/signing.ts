/**
 * Gatehouse's signing keys: the active key signs, every configured key verifies (so a
 * rotation keeps tokens signed with the previous key valid until they expire, as long
 * as that key stays listed). Verification reuses the JWT provider machinery: the keys
 * become an `hmac` or `publicKey` ProviderConfig and a regular JwtVerifier.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { createProviderSchema, type ProviderConfig } from '../config/schema-auth.js';
import type { SigningAlgorithm, TokensConfig } from '../config/schema-tokens.js';
import { createJwtVerifier } from '../auth/jwt/verifier.js';
import { VerifierRegistry, type VerifierHandle } from '../auth/verifier-registry.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';

/** The provider id Gatehouse's own tokens verify under (identity.provider). */
export const GATEHOUSE_PROVIDER_ID = 'gatehouse';

interface SigningEntry {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  /** HS256: the secret's UTF-8 bytes; otherwise the private key. */
  readonly key: Uint8Array | KeyObject;
  /** Public JWK (asymmetric keys only). */
  readonly publicJwk: JWK | undefined;
  readonly secret: string | undefined;
}

export interface SigningKeySet {
  readonly activeKid: string;
  /** True when no signing keys are configured and a random key was generated at start. */
  readonly ephemeral: boolean;
  /** Signs a payload with the active key (header: alg, kid, typ JWT). */
  sign(payload: JWTPayload): Promise<string>;
  /** Public keys of every asymmetric key (empty for HS256). */
  readonly jwks: { readonly keys: readonly JWK[] };
  /** A verifier accepting tokens signed by any configured key. */
  readonly handle: VerifierHandle;
}

export interface SigningDeps {
  readonly clock: Clock;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}

function entryFrom(kid: string, algorithm: SigningAlgorithm, material: string): SigningEntry {
  if (algorithm === 'HS256')
    return { kid, algorithm, key: Buffer.from(material, 'utf8'), publicJwk: undefined, secret: material };
  const key = createPrivateKey({ key: material, format: 'pem' });
  const publicJwk: JWK = {
    ...createPublicKey(key).export({ format: 'jwk' }),
    kid,
    alg: algorithm,
    use: 'sig',
  };
  return { kid, algorithm, key, publicJwk, secret: undefined };
}

function entriesOf(signing: NonNullable<TokensConfig['signing']>): SigningEntry[] {
  if (signing.secret !== undefined) return [entryFrom('default', 'HS256', signing.secret)];
  return (signing.keys ?? []).map((k) =>
    entryFrom(k.kid, k.algorithm, (k.algorithm === 'HS256' ? k.secret : k.privateKey) ?? ''),
  );
}

function providerFor(config: TokensConfig, entries: readonly SigningEntry[]): ProviderConfig {
  const common = {
    id: GATEHOUSE_PROVIDER_ID,
    issuer: config.issuer,
    audiences: [config.audience],
    clockToleranceSec: config.clockToleranceSec,
    requiredClaims: ['sub', 'iat', 'jti'],
    claims: { subject: 'sub', groups: 'groups', scopes: ['scope'] },
  };
  const symmetric = entries.every((e) => e.algorithm === 'HS256');
  const raw = symmetric
    ? {
        ...common,
        type: 'hmac',
        algorithms: ['HS256'],
        secrets: entries.map((e) => ({ kid: e.kid, secret: e.secret })),
      }
    : {
        ...common,
        type: 'publicKey',
        algorithms: [...new Set(entries.map((e) => e.algorithm))],
        keys: entries.map((e) => ({ kid: e.kid, jwk: e.publicJwk })),
      };
  return createProviderSchema({ baseDir: '.', env: {} }).parse(raw);
}

/** Builds the key set of a `tokens` config. `fallbackSecret` signs when no keys are configured. */
export function createSigningKeySet(
  config: TokensConfig,
  fallbackSecret: string,
  deps: SigningDeps,
): SigningKeySet {
  const ephemeral = config.signing === undefined;
  const entries =
    config.signing === undefined
      ? [
          entryFrom(
            `dev-${createHash('sha256').update(fallbackSecret).digest('hex').slice(0, 8)}`,
            'HS256',
            fallbackSecret,
          ),
        ]
      : entriesOf(config.signing);
  const activeKid = config.signing?.activeKid ?? (entries[0] as SigningEntry).kid;
  const active = entries.find((e) => e.kid === activeKid) as SigningEntry;
  const provider = providerFor(config, entries);
  const verifier = createJwtVerifier(provider, deps);
  verifier.start().catch((err: unknown) => deps.logger.error({ err }, 'Gatehouse signing keys are unusable'));
  return {
    activeKid,
    ephemeral,
    sign: (payload) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: active.algorithm, kid: active.kid, typ: 'JWT' })
        .sign(active.key),
    jwks: { keys: entries.flatMap((e) => (e.publicJwk ? [e.publicJwk] : [])) },
    handle: { key: VerifierRegistry.keyOf(provider), provider, verifier },
  };
}

/**
 * The key set of the current configuration, rebuilt when the signing settings change on
 * a reload (an unchanged section keeps its key set, so verified tokens stay cached).
 */
export class SigningKeys {
  private readonly fallbackSecret = randomBytes(32).toString('base64url');
  private source: TokensConfig | undefined;
  private fingerprint = '';
  private keySet: SigningKeySet | undefined;

  constructor(
    private readonly config: () => TokensConfig,
    private readonly deps: SigningDeps,
  ) {}

  current(): SigningKeySet {
    const config = this.config();
    if (config === this.source && this.keySet) return this.keySet;
    const { signing, issuer, audience, clockToleranceSec } = config;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([signing ?? null, issuer, audience, clockToleranceSec]))
      .digest('hex');
    this.source = config;
    if (fingerprint !== this.fingerprint || !this.keySet) {
      this.keySet = createSigningKeySet(config, this.fallbackSecret, this.deps);
      this.fingerprint = fingerprint;
      if (this.keySet.ephemeral)
        this.deps.logger.warn(
          'tokens.signing is not configured: Gatehouse JWTs are signed with a random key generated at start. ' +
            'They stop working at a restart and other replicas do not accept them; configure tokens.signing.',
        );
    }
    return this.keySet;
  }
}
