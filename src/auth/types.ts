import type { IncomingMessage } from 'node:http';
import type { GatehouseError } from '../errors.js';

export type MaybePromise<T> = T | Promise<T>;

/** Who the caller is, once a method has authenticated the request. */
export interface Identity {
  /** Subject (user, client or key owner); "" for anonymous public access. */
  readonly subject: string;
  /** The method that authenticated: public, apiKeys, jwt, gatehouse, mtls. */
  readonly method: string;
  /** Provider or key set that vouched for the identity. */
  readonly provider: string;
  /** Id of the credential (API key id, token jti); "" when none. */
  readonly credentialId: string;
  readonly groups: ReadonlySet<string>;
  readonly scopes: ReadonlySet<string>;
  /**
   * Whether `scopes` bounds what the credential may do on the control plane, set by the
   * authenticator that vouched for it (never inferred from the scope list). `true`: a
   * personal token created with scopes, a token from an external provider, an API key;
   * the admin API and the token endpoints allow only what these scopes cover. `false`: a
   * Gatehouse login JWT or a personal token created without scopes, acting with its
   * user's full rights (the scopes are still what the data plane checks).
   */
  readonly restrictedToScopes: boolean;
  /** Epoch ms after which the identity must not be trusted any more. */
  readonly expiresAt?: number;
  /** Epoch ms the credential was issued (token `iat`), for subject-wide revocation. */
  readonly issuedAt?: number;
  /** Claims to map onto headers (JWT methods only). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export const ANONYMOUS: Identity = Object.freeze({
  subject: '',
  method: 'public',
  provider: '',
  credentialId: '',
  groups: new Set<string>(),
  scopes: new Set<string>(),
  restrictedToScopes: true,
});

/**
 * The outcome of letting a request in (authentication + authorization), as a value. An
 * admitted request carries the identity headers the upstream gets (flat [name, value,
 * ...]), so what follows the gate never calls back into it.
 */
export type Admission =
  | { readonly allowed: true; readonly identity: Identity; readonly upstreamHeaders: readonly string[] }
  | { readonly allowed: false; readonly error: GatehouseError };

/**
 * A deployment's compiled gate. `admit` answers synchronously whenever it can answer
 * from memory (public, API keys, cached tokens) and returns a promise only when it
 * must wait (first verification, key fetch).
 */
export interface Gate {
  admit(req: IncomingMessage): MaybePromise<Admission>;
  /** Lower-case header names the gate sets for the upstream (stripped from the client). */
  readonly identityHeaderNames: ReadonlySet<string>;
}
