/**
 * `tokens.signing`: the keys Gatehouse signs its own JWTs with (an HS256 secret, or up to
 * eight HS256 or asymmetric keys and the active one), checked at parse time so
 * check-config refuses a key that start could not sign with. Every key carries its
 * `.describe()` text, which the JSON Schema and docs/configuration.md are generated from.
 */
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

export function createSigningSchema(secrets: SecretContext) {
  const secret = secretRef(secrets);
  const key = z.strictObject({
    kid: idSchema.describe(
      'Key id, unique among the keys; carried in the `kid` header of the tokens it signs.',
    ),
    algorithm: z
      .enum(SIGNING_ALGORITHMS)
      .describe(
        '`HS256` (takes `secret`), or `RS256`, `ES256` (P-256), `EdDSA` (Ed25519) (take `privateKey`).',
      ),
    secret: secret
      .optional()
      .describe('HS256 only: the shared secret (a secret reference), at least 32 bytes.'),
    privateKey: secret
      .optional()
      .describe(
        'RS256/ES256/EdDSA only: the PKCS#8 (or PKCS#1/SEC1) PEM private key, usually `{file: ...}`; its type must match the algorithm, RSA at least 2048 bits.',
      ),
  });
  return z
    .strictObject({
      secret: secret
        .optional()
        .describe(
          'Shorthand for one HS256 key with kid `default` (a secret reference, at least 32 bytes). Give `secret` or `keys`, not both.',
        ),
      keys: z
        .array(key)
        .min(1)
        .max(MAX_SIGNING_KEYS)
        .optional()
        .describe(
          '1 to 8 signing keys; every listed key verifies. HS256 and asymmetric keys cannot be mixed (rotate within one family).',
        ),
      activeKid: idSchema
        .optional()
        .describe('The kid of the key new tokens are signed with; required when several keys are listed.'),
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
    }, ONLY_IF_VALID)
    .describe(
      'The keys Gatehouse JWTs are signed with; `/.well-known/jwks.json` publishes the public half of every asymmetric key. Read again on reload. Absent: a random HS256 key at start (with a warning): tokens do not survive a restart and other replicas refuse them.',
    );
}
