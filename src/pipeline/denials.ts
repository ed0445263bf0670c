/**
 * A gate's refusals, built once per gate rather than per request: the 401 for missing
 * credentials and the one for a credential no method accepts (with the deployment's
 * WWW-Authenticate challenge), the 403 for missing groups and the 403
 * `insufficient_scope` naming the deployment's required scopes. Each is built on first
 * use and kept: one frozen Admission holding one frozen GatehouseError;
 * server/respond.ts renders a frozen error's head and JSON body once and reuses them.
 *
 * Refusals whose text depends on the request (an authenticator's description, which
 * scopes are missing) come from closed sets in practice; they are built on first use and
 * kept, up to MEMO_LIMIT per gate, past which they are built per request.
 */
import { authError } from '../auth/challenge.js';
import type { Admission } from '../auth/types.js';
import { GatehouseError } from '../errors.js';

/** Request-dependent refusals kept per gate; past this, they are built per request. */
const MEMO_LIMIT = 256;

type Denied = Extract<Admission, { allowed: false }>;

function denied(error: GatehouseError): Denied {
  return Object.freeze({ allowed: false, error: Object.freeze(error) });
}

export interface DenialSpec {
  /** The gate accepts API keys through Basic: challenges offer Basic too. */
  readonly basic: boolean;
  /** The deployment's required scopes (for `scope=` in the 403 challenge). */
  readonly scopes: readonly string[];
}

export class GateDenials {
  private readonly memo = new Map<string, Denied>();
  private missing: Denied | undefined;
  private accepted: Denied | undefined;
  private groups: Denied | undefined;

  /**
   * The fixed refusals are built on first use, not here: a plan compiles one gate per
   * deployment, and three Errors (each capturing a stack) per gate made a reload of
   * 10,000 deployments spend most of its compile time building refusals never sent.
   */
  constructor(private readonly spec: DenialSpec) {}

  /** 401 missing_credentials (also: a public caller where credentials are required). */
  get missingCredentials(): Denied {
    return (this.missing ??= denied(authError('missing_credentials', undefined, { basic: this.spec.basic })));
  }

  /** 401 invalid_token: a credential was presented that no listed method accepts. */
  get notAccepted(): Denied {
    return (this.accepted ??= denied(
      authError('invalid_token', 'The credential presented is not one this deployment accepts.', {
        basic: this.spec.basic,
      }),
    ));
  }

  /** 403 forbidden: the caller is not in a required group. */
  get forbiddenGroups(): Denied {
    return (this.groups ??= denied(
      new GatehouseError('forbidden', 'The caller is not in a group this deployment requires.'),
    ));
  }

  /** 403 insufficient_scope naming the missing scopes, challenge listing every required one. */
  insufficientScope(missing: readonly string[]): Denied {
    return this.memoised(`s\0${missing.join(' ')}`, () =>
      authError('insufficient_scope', `The credential lacks the scope(s): ${missing.join(' ')}.`, {
        scope: this.spec.scopes,
      }),
    );
  }

  /** 401 with an authenticator's (or the credential parser's) description. */
  rejected(code: 'invalid_token' | 'invalid_request', description: string): Denied {
    return this.memoised(`${code}\0${description}`, () =>
      authError(code, description, { basic: this.spec.basic }),
    );
  }

  /** 403 forbidden with an authenticator's description (a valid credential that maps to no identity). */
  forbidden(description: string): Denied {
    return this.memoised(`f\0${description}`, () => new GatehouseError('forbidden', description));
  }

  /** 503 auth_unavailable: a method cannot decide right now. */
  unavailable(description: string): Denied {
    return this.memoised(
      `u\0${description}`,
      () => new GatehouseError('auth_unavailable', description, { headers: { 'retry-after': '5' } }),
    );
  }

  private memoised(key: string, build: () => GatehouseError): Denied {
    const known = this.memo.get(key);
    if (known) return known;
    const denial = denied(build());
    if (this.memo.size < MEMO_LIMIT) this.memo.set(key, denial);
    return denial;
  }
}
