/**
 * The `tokens` section of the config schema: Gatehouse's own token service (issuer,
 * lifetimes, refresh and personal tokens, implicit login, brute-force protection); the
 * signing keys are in schema-signing.ts. Every key carries its `.describe()` text, which
 * the JSON Schema and docs/configuration.md are generated from.
 */
import { z } from 'zod';
import { createSigningSchema } from './schema-signing.js';
import type { SecretContext } from './secret-ref.js';

export { SIGNING_ALGORITHMS, type SigningAlgorithm } from './schema-signing.js';

const limitSchema = (maxAttempts: number, windowSec: number) =>
  z
    .strictObject({
      maxAttempts: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .default(maxAttempts)
        .describe(
          'Attempts counted within the window; past this, the next is answered 429 `rate_limited` with `Retry-After` until the window ends.',
        ),
      windowSec: z
        .number()
        .int()
        .min(1)
        .max(86_400)
        .default(windowSec)
        .describe('Length of the fixed counting window, shared by every replica through the store.'),
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
      issuer: z
        .string()
        .min(1)
        .default('gatehouse')
        .describe('`iss` of issued JWTs, and the only issuer the `gatehouse` method accepts.'),
      audience: z.string().min(1).default('gatehouse').describe('`aud` of issued JWTs.'),
      jwtLifetimeSec: z
        .number()
        .int()
        .min(30)
        .max(86_400)
        .default(300)
        .describe("Lifetime of issued JWTs (`exp - iat`); also how long a revoked chain's JWTs may live on."),
      clockToleranceSec: z
        .number()
        .int()
        .min(0)
        .max(300)
        .default(30)
        .describe("Clock skew tolerated when verifying Gatehouse JWTs (replicas' clocks)."),
      signing: createSigningSchema(secrets).optional(),
      refreshTokens: z
        .strictObject({
          defaultLifetimeSec: z
            .number()
            .int()
            .min(60)
            .max(315_360_000)
            .default(2_592_000)
            .describe(
              'Absolute lifetime of a refresh-token chain when the password grant asks for none (30 days by default).',
            ),
          defaultUnusedLifeSec: z
            .number()
            .int()
            .min(60)
            .max(315_360_000)
            .optional()
            .describe(
              'Inactivity timeout when the request gives none; every refresh restarts it. Absent: none.',
            ),
          maximumLifetimeSec: z
            .number()
            .int()
            .min(60)
            .max(315_360_000)
            .optional()
            .describe(
              "Caps every chain's lifetime and inactivity timeout; the admin API setting overrides it. Absent: no cap.",
            ),
          reuseGraceSec: z
            .number()
            .int()
            .min(0)
            .max(300)
            .default(10)
            .describe(
              'A client retrying a refresh whose answer was lost within this time is not logged out; `0` makes every second presentation a reuse.',
            ),
        })
        .prefault({})
        .describe('Refresh-token chains (password grant and refresh).'),
      implicitLogin: z
        .boolean()
        .default(true)
        .describe(
          'Password-grant tokens work everywhere (`true`) or only on the token-management endpoints; AND-ed with the admin API setting.',
        ),
      personalTokens: z
        .strictObject({
          maxLifetimeSec: z
            .number()
            .int()
            .min(60)
            .max(315_360_000)
            .optional()
            .describe('Longest `expiresAt - now` a new personal token may have. Absent: 10 years.'),
          maxPerUser: z
            .number()
            .int()
            .min(1)
            .max(10_000)
            .default(100)
            .describe('Live personal tokens one user may hold.'),
          revokeOnPasswordChange: z
            .boolean()
            .default(true)
            .describe("Setting or resetting a user's password also revokes that user's personal tokens."),
        })
        .prefault({})
        .describe('Personal API tokens users create for themselves.'),
      bruteForce: z
        .strictObject({
          perUser: limitSchema(10, 900).describe(
            'Password attempts per user name, counted before any password is hashed; a successful login resets the count.',
          ),
          perAddress: limitSchema(100, 900).describe(
            'Failures per source address (wrong passwords, invalid refresh tokens and bearers); behind a proxy every client shares its address.',
          ),
          passwordChecks: z
            .strictObject({
              perUser: z
                .number()
                .int()
                .min(1)
                .max(16)
                .default(1)
                .describe('Checks of one user name running at once; more are answered 429 at once.'),
              concurrent: z
                .number()
                .int()
                .min(1)
                .max(256)
                .optional()
                .describe('Checks running at once in all. Absent: twice the CPU cores.'),
              queue: z
                .number()
                .int()
                .min(0)
                .max(10_000)
                .default(64)
                .describe(
                  'Checks waiting for a slot, in arrival order; more are answered 503 `unavailable` at once.',
                ),
            })
            .prefault({})
            .describe(
              'Bounds on concurrent password hashing (scrypt, ~50-100 ms and 32 MiB each), per replica.',
            ),
        })
        .prefault({})
        .describe('Brute-force protection of password logins (tokens.md).'),
    })
    .prefault({});
}

export type TokensConfig = z.output<ReturnType<typeof createTokensSchema>>;
export type SigningConfig = NonNullable<TokensConfig['signing']>;
