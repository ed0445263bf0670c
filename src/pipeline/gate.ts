import type { IncomingMessage } from 'node:http';
import type { Authenticator, AuthnResult } from '../auth/authenticator.js';
import { groupsSatisfy, type GroupRequirement } from '../auth/authorizers/groups.js';
import { missingScopes } from '../auth/authorizers/scopes.js';
import { authError } from '../auth/challenge.js';
import { extractCredentials, type RequestCredentials } from '../auth/credentials.js';
import { ANONYMOUS, type Admission, type Gate, type Identity, type MaybePromise } from '../auth/types.js';
import { GatehouseError } from '../errors.js';
import type { AuthOutcomeRecorder } from './auth-outcomes.js';

export interface GateSpec {
  readonly authenticators: readonly Authenticator[];
  /** `public` is listed: anonymous callers are admitted when no credential was presented. */
  readonly allowPublic: boolean;
  readonly groups: GroupRequirement;
  readonly scopes: readonly string[];
  /** Lower-case API-key header name, when the deployment accepts one. */
  readonly apiKeyHeader: string | undefined;
  readonly identityHeaderNames: ReadonlySet<string>;
  readonly identityHeaders: (identity: Identity) => string[];
  readonly outcomes: AuthOutcomeRecorder;
}

/** Problems met while trying methods, most severe kept: unavailable > rejected. */
interface Problem {
  readonly result: Extract<AuthnResult, { outcome: 'rejected' | 'unavailable' }>;
  readonly method: string;
}

/**
 * A deployment's compiled gate: extract credentials once, let each method answer in
 * turn (first `authenticated` wins), then check required groups and scopes. Stays
 * synchronous until a method must wait.
 */
export class CompiledGate implements Gate {
  private readonly publicOnly: boolean;
  private readonly hasRequirements: boolean;
  private readonly basicChallenge: boolean;
  private readonly anonymousAdmission: Admission;

  constructor(private readonly spec: GateSpec) {
    this.publicOnly = spec.allowPublic && spec.authenticators.length === 0;
    this.hasRequirements =
      spec.scopes.length > 0 || spec.groups.anyOf.length > 0 || spec.groups.allOf.length > 0;
    this.basicChallenge = spec.authenticators.some((a) => a.schemes.includes('Basic'));
    this.anonymousAdmission = Object.freeze({ allowed: true, identity: ANONYMOUS });
  }

  get identityHeaderNames(): ReadonlySet<string> {
    return this.spec.identityHeaderNames;
  }

  identityHeaders(identity: Identity): string[] {
    return this.spec.identityHeaders(identity);
  }

  admit(req: IncomingMessage): MaybePromise<Admission> {
    if (this.publicOnly && !this.hasRequirements) {
      this.spec.outcomes.allowed('public');
      return this.anonymousAdmission;
    }
    const credentials = extractCredentials(req.rawHeaders, this.spec.apiKeyHeader);
    if (credentials.malformed !== undefined) {
      this.spec.outcomes.rejected('credentials', 'malformed');
      return this.deny(authError('invalid_request', credentials.malformed, { basic: this.basicChallenge }));
    }
    return this.tryMethods(credentials, req, 0, undefined);
  }

  private tryMethods(
    credentials: RequestCredentials,
    req: IncomingMessage,
    start: number,
    problem: Problem | undefined,
  ): MaybePromise<Admission> {
    const authenticators = this.spec.authenticators;
    for (let i = start; i < authenticators.length; i++) {
      const authenticator = authenticators[i] as Authenticator;
      let result: MaybePromise<AuthnResult>;
      try {
        result = authenticator.authenticate(credentials, req);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      if (result instanceof Promise) {
        return result.then((settled) => {
          if (settled.outcome === 'authenticated') return this.authorize(settled.identity);
          return this.tryMethods(credentials, req, i + 1, worse(problem, settled, authenticator.method));
        });
      }
      if (result.outcome === 'authenticated') return this.authorize(result.identity);
      problem = worse(problem, result, authenticator.method);
    }
    return this.conclude(credentials, problem);
  }

  private conclude(credentials: RequestCredentials, problem: Problem | undefined): Admission {
    if (problem) {
      const { result, method } = problem;
      this.spec.outcomes.rejected(method, result.reason, result.outcome === 'unavailable');
      if (result.outcome === 'unavailable')
        return this.deny(
          new GatehouseError('auth_unavailable', result.description, { headers: { 'retry-after': '5' } }),
        );
      if (result.forbidden) return this.deny(new GatehouseError('forbidden', result.description));
      return this.deny(authError(result.code, result.description, { basic: this.basicChallenge }));
    }
    if (this.spec.allowPublic && !credentials.present) return this.authorize(ANONYMOUS);
    if (credentials.present) {
      this.spec.outcomes.rejected('credentials', 'not_accepted');
      return this.deny(
        authError('invalid_token', 'The credential presented is not one this deployment accepts.', {
          basic: this.basicChallenge,
        }),
      );
    }
    this.spec.outcomes.rejected('credentials', 'missing');
    return this.deny(authError('missing_credentials', undefined, { basic: this.basicChallenge }));
  }

  /** Required groups and scopes. Anonymous callers are asked to authenticate rather than refused. */
  private authorize(identity: Identity): Admission {
    if (this.hasRequirements) {
      if (identity === ANONYMOUS) {
        this.spec.outcomes.rejected('public', 'authentication_required');
        return this.deny(authError('missing_credentials', undefined, { basic: this.basicChallenge }));
      }
      if (!groupsSatisfy(identity.groups, this.spec.groups)) {
        this.spec.outcomes.forbidden(identity.method, 'groups');
        return this.deny(
          new GatehouseError('forbidden', 'The caller is not in a group this deployment requires.'),
        );
      }
      const missing = missingScopes(identity.scopes, this.spec.scopes);
      if (missing.length > 0) {
        this.spec.outcomes.forbidden(identity.method, 'scopes');
        return this.deny(
          authError('insufficient_scope', `The credential lacks the scope(s): ${missing.join(' ')}.`, {
            scope: this.spec.scopes,
          }),
        );
      }
    }
    this.spec.outcomes.allowed(identity.method);
    return identity === ANONYMOUS ? this.anonymousAdmission : { allowed: true, identity };
  }

  private deny(error: GatehouseError): Admission {
    return { allowed: false, error };
  }
}

function worse(current: Problem | undefined, result: AuthnResult, method: string): Problem | undefined {
  if (result.outcome !== 'rejected' && result.outcome !== 'unavailable') return current;
  if (!current) return { result, method };
  if (current.result.outcome === 'rejected' && result.outcome === 'unavailable') return { result, method };
  return current;
}
