import { hash } from 'node:crypto';
import { constantTimeEqual } from '../constant-time.js';
import { NOT_MINE, rejected, type Authenticator, type AuthnResult } from '../authenticator.js';
import { looksLikeJwt, type RequestCredentials } from '../credentials.js';
import type { Identity } from '../types.js';

/** A key's metadata; the secret itself is never held, only its SHA-256 digest. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly label?: string | undefined;
  readonly scopes: readonly string[];
  readonly groups: readonly string[];
}

/**
 * A key's SHA-256 digest as a 32-character latin1 string: the cheapest form to compute
 * (no Buffer allocation) and to use as a map key.
 */
export type KeyDigest = string;

export function digestOf(key: string): KeyDigest {
  return hash('sha256', key, 'binary');
}

/** `sha256:<hex>` as stored in config and in the store → KeyDigest. */
export function digestFromHash(stored: string): KeyDigest {
  return Buffer.from(stored.slice('sha256:'.length), 'hex').toString('latin1');
}

/**
 * Where keys come from: the config file (static) or the control plane's store (kept in
 * memory and refreshed by change notifications). `find` must answer from memory.
 */
export interface ApiKeySource {
  find(digest: KeyDigest): ApiKeyRecord | undefined;
}

/** A map entry keeps the stored digest so the final comparison is against it, not the probe. */
export interface DigestEntry<T> {
  readonly digest: KeyDigest;
  readonly value: T;
}

/**
 * Looks a digest up in a map and confirms it with a constant-time comparison against the
 * stored digest. The map read compares digests of the caller's own guess, which reveals
 * nothing about a stored key (SHA-256 is preimage resistant); the comparison decides.
 */
export function findByDigest<T>(
  map: ReadonlyMap<KeyDigest, DigestEntry<T>>,
  digest: KeyDigest,
): T | undefined {
  const entry = map.get(digest);
  return entry !== undefined && constantTimeEqual(entry.digest, digest) ? entry.value : undefined;
}

/** Keys known up front (the config file). Lookup is a map read on the digest. */
export class StaticApiKeySource implements ApiKeySource {
  private readonly byDigest = new Map<KeyDigest, DigestEntry<ApiKeyRecord>>();

  constructor(keys: readonly (ApiKeyRecord & { hash: string })[]) {
    for (const key of keys) {
      const digest = digestFromHash(key.hash);
      this.byDigest.set(digest, { digest, value: key });
    }
  }

  find(digest: KeyDigest): ApiKeyRecord | undefined {
    return findByDigest(this.byDigest, digest);
  }
}

export interface ApiKeyAuthenticatorOptions {
  /** Lower-case header name, or undefined when keys are not accepted in a header. */
  readonly header: string | undefined;
  readonly bearer: boolean;
  readonly basic: boolean;
  /** Who vouches: `deployment:<id>` or `service:<id>` (shown as the identity's provider). */
  readonly provider: string;
  readonly sources: readonly ApiKeySource[];
}

/** The key presented by this request in a place this deployment accepts, if any. */
function presentedKey(
  credentials: RequestCredentials,
  options: ApiKeyAuthenticatorOptions,
): string | undefined {
  if (options.header !== undefined && credentials.apiKeyHeader !== undefined) return credentials.apiKeyHeader;
  if (options.bearer && credentials.bearer !== undefined && !looksLikeJwt(credentials.bearer))
    return credentials.bearer;
  if (
    options.basic &&
    credentials.basic !== undefined &&
    credentials.basic.password === '' &&
    credentials.basic.user !== ''
  )
    return credentials.basic.user;
  return undefined;
}

export function createApiKeyAuthenticator(options: ApiKeyAuthenticatorOptions): Authenticator {
  const identities = new WeakMap<ApiKeyRecord, AuthnResult>();
  const authenticatedAs = (record: ApiKeyRecord): AuthnResult => {
    let result = identities.get(record);
    if (!result) {
      const identity: Identity = {
        subject: `apikey:${record.id}`,
        method: 'apiKeys',
        provider: options.provider,
        credentialId: record.id,
        groups: new Set(record.groups),
        scopes: new Set(record.scopes),
        restrictedToScopes: true,
      };
      result = Object.freeze({ outcome: 'authenticated', identity: Object.freeze(identity) });
      identities.set(record, result);
    }
    return result;
  };
  return {
    method: 'apiKeys',
    schemes: options.basic ? ['Bearer', 'Basic'] : ['Bearer'],
    authenticate(credentials) {
      const key = presentedKey(credentials, options);
      if (key === undefined) return NOT_MINE;
      const digest = digestOf(key);
      for (const source of options.sources) {
        const record = source.find(digest);
        if (record) return authenticatedAs(record);
      }
      return rejected('unknown_api_key', 'The API key is not valid for this deployment.');
    },
  };
}
