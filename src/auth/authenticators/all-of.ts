/**
 * `combine: allOf`: every listed method must authenticate the request (e.g. a client
 * certificate and a token, for high-value services). A method's rejection or
 * unavailability is the answer; a method that finds nothing of its own while another
 * succeeded is a rejection (the caller is missing one credential). The identity is the
 * first method's, with `method` naming all of them (`mtls+jwt`).
 */
import type { IncomingMessage } from 'node:http';
import type { RequestCredentials } from '../credentials.js';
import type { MaybePromise } from '../types.js';
import { NOT_MINE, rejected, type Authenticator, type AuthnResult } from '../authenticator.js';

function combine(results: readonly AuthnResult[], methods: readonly string[]): AuthnResult {
  const problem =
    results.find((r) => r.outcome === 'unavailable') ?? results.find((r) => r.outcome === 'rejected');
  if (problem) return problem;
  const first = results[0];
  if (results.every((r) => r.outcome === 'not-mine') || !first) return NOT_MINE;
  if (first.outcome !== 'authenticated' || results.some((r) => r.outcome !== 'authenticated'))
    return rejected(
      'all_of_incomplete',
      `This deployment requires every one of these authentication methods: ${methods.join(', ')}.`,
    );
  const identity = Object.freeze({ ...first.identity, method: methods.join('+') });
  return { outcome: 'authenticated', identity, transient: true }; // a new object on every request
}

export function createAllOfAuthenticator(authenticators: readonly Authenticator[]): Authenticator {
  const methods = authenticators.map((a) => a.method);
  const first = authenticators[0];
  return {
    method: first?.method ?? 'public',
    schemes: [...new Set(authenticators.flatMap((a) => a.schemes))],
    authenticate(credentials: RequestCredentials, req: IncomingMessage): MaybePromise<AuthnResult> {
      const results = authenticators.map((a) => a.authenticate(credentials, req));
      if (results.some((r) => r instanceof Promise))
        return Promise.all(results.map((r) => Promise.resolve(r))).then((settled) =>
          combine(settled, methods),
        );
      return combine(results as AuthnResult[], methods);
    },
  };
}
