import { hash, timingSafeEqual } from 'node:crypto';
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
 * Where keys come from: the config file (static) or the control plane's store (kept in
 * memory and refreshed by change notifications). `find` must answer from memory.
 */
export interface ApiKeySource {
  find(digest: Buffer): ApiKeyRecord | undefined;
}

/** Keys known up front (the config file). Lookup is a map read on the digest. */
export class StaticApiKeySource implements ApiKeySource {
  private readonly byDigest = new Map<string, { digest: Buffer; record: ApiKeyRecord }>();

  constructor(keys: readonly (ApiKeyRecord & { hash: string })[]) {
    for (const key of keys) {
      const hex = key.hash.slice('sha256:'.length);
      this.byDigest.set(hex, { digest: Buffer.from(hex, 'hex'), record: key });
    }
  }

  find(digest: Buffer): ApiKeyRecord | undefined {
    const entry = this.byDigest.get(digest.toString('hex'));
    // The map read compares digests of the caller's own guess, which reveals nothing about
    // a stored key; the constant-time comparison makes the final decision regardless.
    return entry && timingSafeEqual(entry.digest, digest) ? entry.record : undefined;
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
      const digest = hash('sha256', key, 'buffer');
      for (const source of options.sources) {
        const record = source.find(digest);
        if (record) return authenticatedAs(record);
      }
      return rejected('unknown_api_key', 'The API key is not valid for this deployment.');
    },
  };
}
