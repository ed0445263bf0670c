import type { VerifiedToken } from '../../src/auth/token-cache.js';

/** A verified-token cache entry for alice (HS provider `hs`), alive until `expiresAt` (epoch ms). */
export function verifiedTokenEntry(expiresAt: number): VerifiedToken {
  const identity = {
    subject: 'alice',
    method: 'jwt',
    provider: 'hs',
    credentialId: '',
    groups: new Set<string>(),
    scopes: new Set<string>(),
    restrictedToScopes: true,
    expiresAt,
    claims: {},
  } as const;
  return {
    verifierKey: 'hs#x',
    identity,
    expiresAt,
    key: { alive: true },
    result: { outcome: 'authenticated', identity },
  };
}
