import type { IncomingMessage } from 'node:http';
import type { Authenticator, AuthnResult } from '../auth/authenticator.js';
import { groupsSatisfy, type GroupRequirement } from '../auth/authorizers/groups.js';
import { missingScopes } from '../auth/authorizers/scopes.js';
import { extractCredentials, type RequestCredentials } from '../auth/credentials.js';
import { ANONYMOUS, type Admission, type Gate, type Identity, type MaybePromise } from '../auth/types.js';
import type { AuthOutcomeRecorder } from './auth-outcomes.js';
import { GateDenials } from './denials.js';

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
 * synchronous until a method must wait. Its answer is final: an admission carries the
 * upstream identity headers, a refusal one of the gate's prebuilt denials.
 */
export class CompiledGate implements Gate {
  private readonly publicOnly: boolean;
  private readonly hasRequirements: boolean;
  private readonly anonymousAdmission: Admission;
  private readonly denials: GateDenials;
  /** One admission per identity: a cached token's identity is admitted without allocating. */
  private readonly admissions = new WeakMap<Identity, Admission>();

  constructor(private readonly spec: GateSpec) {
    this.publicOnly = spec.allowPublic && spec.authenticators.length === 0;
    this.hasRequirements =
      spec.scopes.length > 0 || spec.groups.anyOf.length > 0 || spec.groups.allOf.length > 0;
    this.denials = new GateDenials({
      basic: spec.authenticators.some((a) => a.schemes.includes('Basic')),
      scopes: spec.scopes,
    });
    this.anonymousAdmission = Object.freeze({
      allowed: true,
      identity: ANONYMOUS,
      upstreamHeaders: Object.freeze(spec.identityHeaders(ANONYMOUS)),
    });
  }

  get identityHeaderNames(): ReadonlySet<string> {
    return this.spec.identityHeaderNames;
  }

  admit(req: IncomingMessage): MaybePromise<Admission> {
    if (this.publicOnly && !this.hasRequirements) {
      this.spec.outcomes.allowed('public');
      return this.anonymousAdmission;
    }
    const credentials = extractCredentials(req.rawHeaders, this.spec.apiKeyHeader);
    if (credentials.malformed !== undefined) {
      this.spec.outcomes.rejected('credentials', 'malformed');
      return this.denials.rejected('invalid_request', credentials.malformed);
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
          if (settled.outcome === 'authenticated') return this.authorize(settled.identity, settled.transient);
          return this.tryMethods(credentials, req, i + 1, worse(problem, settled, authenticator.method));
        });
      }
      if (result.outcome === 'authenticated') return this.authorize(result.identity, result.transient);
      problem = worse(problem, result, authenticator.method);
    }
    return this.conclude(credentials, problem);
  }

  private conclude(credentials: RequestCredentials, problem: Problem | undefined): Admission {
    if (problem) {
      const { result, method } = problem;
      this.spec.outcomes.rejected(method, result.reason, result.outcome === 'unavailable');
      if (result.outcome === 'unavailable') return this.denials.unavailable(result.description);
      if (result.forbidden) return this.denials.forbidden(result.description);
      return this.denials.rejected(result.code, result.description);
    }
    if (this.spec.allowPublic && !credentials.present) return this.authorize(ANONYMOUS);
    if (credentials.present) {
      this.spec.outcomes.rejected('credentials', 'not_accepted');
      return this.denials.notAccepted;
    }
    this.spec.outcomes.rejected('credentials', 'missing');
    return this.denials.missingCredentials;
  }

  /** Required groups and scopes. Anonymous callers are asked to authenticate rather than refused. */
  private authorize(identity: Identity, transient?: true): Admission {
    if (this.hasRequirements) {
      if (identity === ANONYMOUS) {
        this.spec.outcomes.rejected('public', 'authentication_required');
        return this.denials.missingCredentials;
      }
      if (!groupsSatisfy(identity.groups, this.spec.groups)) {
        this.spec.outcomes.forbidden(identity.method, 'groups');
        return this.denials.forbiddenGroups;
      }
      const missing = missingScopes(identity.scopes, this.spec.scopes);
      if (missing.length > 0) {
        this.spec.outcomes.forbidden(identity.method, 'scopes');
        return this.denials.insufficientScope(missing);
      }
    }
    this.spec.outcomes.allowed(identity.method);
    if (identity === ANONYMOUS) return this.anonymousAdmission;
    if (transient) return { allowed: true, identity, upstreamHeaders: this.spec.identityHeaders(identity) };
    return this.admitted(identity);
  }

  /** The admission of an identity the authenticator hands out again (a cache hit): built once. */
  private admitted(identity: Identity): Admission {
    let admission = this.admissions.get(identity);
    if (!admission) {
      admission = { allowed: true, identity, upstreamHeaders: this.spec.identityHeaders(identity) };
      this.admissions.set(identity, admission);
    }
    return admission;
  }
}

function worse(current: Problem | undefined, result: AuthnResult, method: string): Problem | undefined {
  if (result.outcome !== 'rejected' && result.outcome !== 'unavailable') return current;
  if (!current) return { result, method };
  if (current.result.outcome === 'rejected' && result.outcome === 'unavailable') return { result, method };
  return current;
}
