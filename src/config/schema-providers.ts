/**
 * The `providers` section: JWT providers that deployments and the admin API refer to by
 * id, one of three types: `hmac` (shared secrets), `publicKey` (keys in the file) and
 * `jwks` (schema-jwks.ts); the keys they share are in schema-provider-common.ts. The
 * type decides the algorithm family, so a token's `alg` can never switch an RSA
 * provider to HMAC.
 */
import { z } from 'zod';
import { checkPublicKeys } from './public-key.js';
import { ONLY_IF_VALID } from './refine.js';
import { createJwksProviderSchema } from './schema-jwks.js';
import {
  ASYMMETRIC_ALGORITHMS,
  commonProviderFields,
  HMAC_ALGORITHMS,
  kidSchema,
  MAX_STATIC_KEYS,
  type HmacAlgorithm,
} from './schema-provider-common.js';
import type { SecretContext } from './secret-ref.js';
import { secretRef } from './secret-ref.js';

export {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
} from './schema-provider-common.js';

/** RFC 7518 section 3.2: an HMAC key at least as long as the hash output. */
const HMAC_MIN_SECRET_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };

export function createProviderSchema(secrets: SecretContext) {
  const secret = secretRef(secrets);
  const hmac = z
    .strictObject({
      ...commonProviderFields,
      type: z.literal('hmac').describe('Shared HMAC secrets.'),
      algorithms: z
        .array(z.enum(HMAC_ALGORITHMS))
        .min(1)
        .default(['HS256'])
        .describe('Allowed `alg` values (HMAC only).'),
      secrets: z
        .array(
          z.strictObject({
            kid: kidSchema,
            secret: secret
              .refine((s) => Buffer.byteLength(s) >= 32, 'HMAC secrets must be at least 32 bytes')
              .describe(
                'The shared secret (a secret reference): at least as long as the hash output, 32/48/64 bytes for HS256/384/512 (RFC 7518 §3.2).',
              ),
          }),
        )
        .min(1)
        .max(MAX_STATIC_KEYS, `at most ${MAX_STATIC_KEYS} secrets (verification tries at most that many)`)
        .describe(
          "1 to 8 secrets; several with `kid`s allow rotation: a token's `kid` selects one, else each is tried.",
        ),
    })
    .superRefine((p, ctx) => {
      const needed = Math.max(...p.algorithms.map((a) => HMAC_MIN_SECRET_BYTES[a]));
      p.secrets.forEach((s, i) => {
        if (Buffer.byteLength(s.secret) < needed)
          ctx.addIssue({
            code: 'custom',
            path: ['secrets', i, 'secret'],
            message: `${p.algorithms.join('/')} needs secrets of at least ${needed} bytes`,
          });
      });
    }, ONLY_IF_VALID);
  const publicKey = z.strictObject({
    ...commonProviderFields,
    type: z.literal('publicKey').describe('Public keys written in the file.'),
    algorithms: z
      .array(z.enum(ASYMMETRIC_ALGORITHMS))
      .min(1)
      .default(['RS256', 'ES256', 'EdDSA'])
      .describe('Allowed `alg` values (asymmetric only); every key must fit at least one.'),
    keys: z
      .array(
        z.union([
          z.strictObject({
            kid: kidSchema,
            pem: secret.describe(
              'A PEM public key (SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`) or an X.509 certificate, as a secret reference. Refused when it holds a private key, is RSA below 2048 bits, or fits none of `algorithms`.',
            ),
          }),
          z.strictObject({
            kid: kidSchema,
            jwk: z
              .record(z.string(), z.unknown())
              .describe(
                'A public JWK. Refused when it has private members, is RSA below 2048 bits, fits none of `algorithms`, or its `use` is not `sig`, its `key_ops` lack `verify` or its `alg` is not allowed.',
              ),
          }),
        ]),
      )
      .min(1)
      .max(MAX_STATIC_KEYS, `at most ${MAX_STATIC_KEYS} keys (verification tries at most that many)`)
      .describe(
        '1 to 8 keys, each `{kid?, pem}` or `{kid?, jwk}`, imported when the file is validated (also for a provider no deployment uses).',
      ),
  });
  const jwks = createJwksProviderSchema();
  // Keys are imported here as the verifier will import them: check-config refuses what start cannot use.
  const checkedPublicKey = publicKey.superRefine(checkPublicKeys, ONLY_IF_VALID);
  return z.discriminatedUnion('type', [hmac, checkedPublicKey, jwks]);
}

export type ProviderConfig = z.infer<ReturnType<typeof createProviderSchema>>;
export type HmacProviderConfig = Extract<ProviderConfig, { type: 'hmac' }>;
export type PublicKeyProviderConfig = Extract<ProviderConfig, { type: 'publicKey' }>;
export type JwksProviderConfig = Extract<ProviderConfig, { type: 'jwks' }>;
