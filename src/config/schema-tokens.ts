import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { ONLY_IF_VALID } from './refine.js';
import { idSchema } from './schema-common.js';
import { secretRef, type SecretContext } from './secret-ref.js';

/** Algorithms Gatehouse signs its own JWTs with. */
export const SIGNING_ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** What key type each asymmetric algorithm needs (node:crypto `asymmetricKeyType`, EC curve). */
function keyProblem(pem: string, algorithm: Exclude<SigningAlgorithm, 'HS256'>): string | undefined {
  if (/-----BEGIN (?:[A-Z0-9]+ )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(pem))
    return 'holds a public key or certificate; signing needs the private key';
  let key;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return 'is not a PEM private key';
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (algorithm) {
    case 'RS256':
      if (type !== 'rsa') return 'RS256 needs an RSA private key';
      return (details.modulusLength ?? 0) < 2048 ? 'RSA keys must have at least 2048 bits' : undefined;
    case 'ES256':
      return type === 'ec' && details.namedCurve === 'prime256v1' ? undefined : 'ES256 needs a P-256 EC key';
    case 'EdDSA':
      return type === 'ed25519' ? undefined : 'EdDSA needs an Ed25519 key';
  }
}

const MAX_SIGNING_KEYS = 8;

function createSigningSchema(secrets: SecretContext) {
  const secret = secretRef(secrets);
  const key = z.strictObject({
    kid: idSchema,
    algorithm: z.enum(SIGNING_ALGORITHMS),
    /** HS256: the shared secret (at least 32 bytes). */
    secret: secret.optional(),
    /** RS256/ES256/EdDSA: the PKCS#8 (or PKCS#1/SEC1) PEM private key, usually `{file: ...}`. */
    privateKey: secret.optional(),
  });
  return z
    .strictObject({
      /** Shorthand for one HS256 key with kid "default". */
      secret: secret.optional(),
      keys: z.array(key).min(1).max(MAX_SIGNING_KEYS).optional(),
      /** The key new tokens are signed with; every other listed key only verifies. */
      activeKid: idSchema.optional(),
    })
    .superRefine((s, ctx) => {
      if ((s.secret === undefined) === (s.keys === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'give either signing.secret or signing.keys' });
        return;
      }
      if (s.secret !== undefined && Buffer.byteLength(s.secret) < 32)
        ctx.addIssue({
          code: 'custom',
          path: ['secret'],
          message: 'HS256 secrets must be at least 32 bytes',
        });
      const keys = s.keys ?? [];
      const kids = new Set<string>();
      keys.forEach((k, i) => {
        if (kids.has(k.kid))
          ctx.addIssue({ code: 'custom', path: ['keys', i, 'kid'], message: 'duplicate kid' });
        kids.add(k.kid);
        if (k.algorithm === 'HS256') {
          if (k.privateKey !== undefined || k.secret === undefined)
            ctx.addIssue({ code: 'custom', path: ['keys', i], message: 'HS256 keys take `secret` only' });
          else if (Buffer.byteLength(k.secret) < 32)
            ctx.addIssue({
              code: 'custom',
              path: ['keys', i, 'secret'],
              message: 'must be at least 32 bytes',
            });
          return;
        }
        if (k.secret !== undefined || k.privateKey === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['keys', i],
            message: `${k.algorithm} keys take \`privateKey\` only`,
          });
          return;
        }
        const problem = keyProblem(k.privateKey, k.algorithm);
        if (problem) ctx.addIssue({ code: 'custom', path: ['keys', i, 'privateKey'], message: problem });
      });
      const symmetric = keys.filter((k) => k.algorithm === 'HS256').length;
      if (symmetric > 0 && symmetric < keys.length)
        ctx.addIssue({
          code: 'custom',
          path: ['keys'],
          message: 'HS256 and asymmetric keys cannot be mixed (rotate within one family)',
        });
      if (s.activeKid !== undefined && s.keys !== undefined && !kids.has(s.activeKid))
        ctx.addIssue({ code: 'custom', path: ['activeKid'], message: 'must be the kid of a listed key' });
      if (s.activeKid === undefined && keys.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['activeKid'],
          message: 'say which key signs (several keys listed)',
        });
    }, ONLY_IF_VALID);
}

const limitSchema = (maxAttempts: number, windowSec: number) =>
  z
    .strictObject({
      /** Failures allowed within the window; the next attempt is answered 429 until the window ends. */
      maxAttempts: z.number().int().min(1).max(1_000_000).default(maxAttempts),
      windowSec: z.number().int().min(1).max(86_400).default(windowSec),
    })
    .prefault({});

/**
 * The `tokens` section: Gatehouse's own token service (docs/tokens.md). Without
 * `signing`, a random HS256 key is generated at start (with a warning): tokens then do
 * not survive a restart and are not accepted by other replicas.
 */
export function createTokensSchema(secrets: SecretContext) {
  return z
    .strictObject({
      /** `iss` of issued JWTs (and the only issuer the `gatehouse` method accepts). */
      issuer: z.string().min(1).default('gatehouse'),
      /** `aud` of issued JWTs. */
      audience: z.string().min(1).default('gatehouse'),
      jwtLifetimeSec: z.number().int().min(30).max(86_400).default(300),
      /** Clock skew tolerated when verifying Gatehouse JWTs (replicas' clocks). */
      clockToleranceSec: z.number().int().min(0).max(300).default(30),
      signing: createSigningSchema(secrets).optional(),
      refreshTokens: z
        .strictObject({
          /** Absolute lifetime of a refresh-token chain unless the password grant asks for less/more. */
          defaultLifetimeSec: z.number().int().min(60).max(315_360_000).default(2_592_000),
          /** Inactivity timeout when the request gives none (absent: none). */
          defaultUnusedLifeSec: z.number().int().min(60).max(315_360_000).optional(),
          /** Caps every chain's lifetime and inactivity timeout (the admin API setting overrides it). */
          maximumLifetimeSec: z.number().int().min(60).max(315_360_000).optional(),
          /** A client retrying a refresh whose answer was lost within this time is not logged out. */
          reuseGraceSec: z.number().int().min(0).max(300).default(10),
        })
        .prefault({}),
      /** Password grant tokens work everywhere (true) or only on the token-management endpoints. */
      implicitLogin: z.boolean().default(true),
      personalTokens: z
        .strictObject({
          /** Longest `expiresAt - now` a new personal token may have (absent: 10 years). */
          maxLifetimeSec: z.number().int().min(60).max(315_360_000).optional(),
          /** Live personal tokens one user may hold. */
          maxPerUser: z.number().int().min(1).max(10_000).default(100),
          /** Setting or resetting a user's password also revokes that user's personal tokens. */
          revokeOnPasswordChange: z.boolean().default(true),
        })
        .prefault({}),
      bruteForce: z
        .strictObject({
          perUser: limitSchema(10, 900),
          perAddress: limitSchema(100, 900),
          /** Bounds on concurrent password hashing (scrypt), per replica. */
          passwordChecks: z
            .strictObject({
              /** Checks of one user name running at once; more are answered 429 at once. */
              perUser: z.number().int().min(1).max(16).default(1),
              /** Checks running at once in all (absent: twice the CPU cores). */
              concurrent: z.number().int().min(1).max(256).optional(),
              /** Checks waiting for a slot; more are answered 503 at once. */
              queue: z.number().int().min(0).max(10_000).default(64),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({});
}

export type TokensConfig = z.output<ReturnType<typeof createTokensSchema>>;
export type SigningConfig = NonNullable<TokensConfig['signing']>;
