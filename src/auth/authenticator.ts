import type { IncomingMessage } from 'node:http';
import type { AuthMethodName } from '../config/schema-auth.js';
import type { RequestCredentials } from './credentials.js';
import type { Identity, MaybePromise } from './types.js';

/**
 * What one authentication method says about a request, as a value:
 * - `authenticated`: this method vouches for the caller;
 * - `not-mine`: no credential this method understands (the next method is tried);
 * - `rejected`: a credential of this method was present and is bad (401);
 * - `unavailable`: the method cannot decide right now, e.g. signing keys unknowable (503).
 * `reason` is a short metric label; `description` helps a legitimate caller and never
 * contains the credential. A method throws only on bugs; the gate turns a throw into
 * 503, never into "allow".
 */
export type AuthnResult =
  | {
      readonly outcome: 'authenticated';
      readonly identity: Identity;
      /**
       * This identity object is never returned again (a JWT seen for the first time, an
       * allOf identity built per request): the gate does not remember its admission.
       */
      readonly transient?: true;
    }
  | { readonly outcome: 'not-mine' }
  | {
      readonly outcome: 'rejected';
      readonly code: 'invalid_token' | 'invalid_request';
      /** A valid credential that grants nothing here (an unmapped certificate): 403 `forbidden`, not 401. */
      readonly forbidden?: true;
      readonly reason: string;
      readonly description: string;
    }
  | { readonly outcome: 'unavailable'; readonly reason: string; readonly description: string };

export const NOT_MINE: AuthnResult = Object.freeze({ outcome: 'not-mine' });

export function rejected(
  reason: string,
  description: string,
  code: 'invalid_token' | 'invalid_request' = 'invalid_token',
): AuthnResult {
  return { outcome: 'rejected', code, reason, description };
}

export interface Authenticator {
  readonly method: AuthMethodName;
  /** HTTP authentication schemes this method accepts, for WWW-Authenticate. */
  readonly schemes: readonly ('Bearer' | 'Basic')[];
  authenticate(credentials: RequestCredentials, req: IncomingMessage): MaybePromise<AuthnResult>;
}
