/**
 * One admin API endpoint: its documentation (RouteSpec) and its handler, mounted with
 * the same steps for every route: caller → control scope → global privilege → If-Match →
 * path ids → content type → query → body → handler → JSON answer (with its ETag), with
 * an audit record for every write (any outcome) and for every request an admin API key makes.
 */
import type { NextFunction, Request, Response, Router } from 'express';
import type { z } from 'zod';
import { authError } from '../../auth/challenge.js';
import { GatehouseError } from '../../errors.js';
import type { RouteSpec } from '../module.js';
import type { JsonObject } from '../../store/types.js';
import type { AuditTrail } from '../audit.js';
import { changeDetails } from '../audit-change.js';
import { authorize, type Operation, type Principal, type RequirementOf } from '../permissions.js';
import type { PrincipalResolver, ResolvedCaller } from '../principal.js';
import type { WriteGuard } from '../repository/writes.js';
import { scopeCovered, type ControlScope } from '../scopes.js';
import { allow } from './access.js';
import { outcomeOf, RequestAudit } from './endpoint-audit.js';
import { fromStoreError } from './errors.js';
import { parseIfMatch, type Precondition } from './etag.js';
import { parseBody, parsePathId, parseQuery } from './validation.js';

/** Operations that need no object: checked before the request is looked at further. */
export type GlobalOperation = {
  [O in Operation]: RequirementOf<O> extends { readonly kind: 'global' | 'authenticated' } ? O : never;
}[Operation];

export interface Call<B, Q> {
  readonly caller: ResolvedCaller;
  readonly principal: Principal;
  /** Path parameters, each checked as an id. */
  readonly params: Readonly<Record<string, string>>;
  readonly body: B;
  readonly query: Q;
  readonly req: Request;
  /** The audit record's target (default: the route's `targetType` and its `id` parameter). */
  readonly setTarget: (type: string, id: string) => void;
  /** Extra audit details: ids, names, counts; never a secret. */
  readonly addDetails: (details: JsonObject) => void;
  /** The request's If-Match (undefined when absent or not honoured by this endpoint). */
  readonly ifMatch: Precondition | undefined;
  /** Pass to the repository's writes: checks If-Match atomically and audits `before`/`after`. */
  readonly write: WriteGuard;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** The answered object's ETag (single-object reads and write answers). */
  readonly etag?: string | undefined;
}

export interface EndpointDef<B, Q> extends Omit<RouteSpec, 'body' | 'query' | 'auth' | 'scope'> {
  readonly auth?: 'admin' | 'none';
  /**
   * The control scope a scope-restricted credential must carry (src/control/scopes.ts).
   * Required, so that no endpoint can forget it; checked before anything else.
   */
  readonly scope: ControlScope;
  /** Honour If-Match (default: PUT, PATCH and DELETE). */
  readonly preconditions?: boolean;
  /** Audit action: an operation of the permission table (`deployment.create`). */
  readonly action: string;
  /** Writes are audited whatever the outcome; reads only when an admin API key calls. */
  readonly write: boolean;
  readonly targetType?: string;
  /** A global privilege checked before anything else (before the body is looked at). */
  readonly requires?: GlobalOperation;
  readonly body?: z.ZodType<B>;
  readonly query?: z.ZodType<Q>;
  /** Requests this endpoint leaves to a later router (e.g. GET /users/me, the token service's). */
  readonly skip?: (req: Request) => boolean;
  handle(call: Call<B, Q>): Promise<Reply>;
}

export interface EndpointDeps {
  readonly principals: PrincipalResolver;
  readonly audit: AuditTrail;
  /** Revoked refresh-token sessions (the runtime's RevocationList): their JWTs are refused here. */
  readonly sessions: { isSessionRevoked(sessionId: string): boolean };
}

export interface Endpoint {
  readonly spec: RouteSpec;
  readonly expressPath: string;
  mount(router: Router, deps: EndpointDeps): void;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** `/api/v1/services/{id}` → `/api/v1/services/:id`. */
export function toExpressPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

function paramNames(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] as string);
}

/** 403 insufficient_scope (RFC 6750) naming the scope the endpoint needs. */
function insufficientScope(def: { method: string; path: string; scope: ControlScope }): GatehouseError {
  return authError(
    'insufficient_scope',
    `This credential acts only within its scopes; ${def.method.toUpperCase()} ${def.path} needs ${def.scope}.`,
    { scope: [def.scope] },
  );
}

/**
 * A Gatehouse JWT of a revoked refresh-token session (signed out, revoked by an admin, a
 * reuse detected, a password change) is refused at once, as on the token endpoints: the
 * admin API is no place to let a revoked session live out its JWT.
 */
function checkSession(caller: ResolvedCaller, sessions: EndpointDeps['sessions']): void {
  const sid = caller.identity?.method === 'gatehouse' ? caller.identity.claims?.sid : undefined;
  if (typeof sid === 'string' && sessions.isSessionRevoked(sid))
    throw authError('invalid_token', 'The token has been revoked.', { basic: true });
}

/** Scope first: a restricted credential learns nothing about objects or privileges it is not scoped for. */
function checkScope(
  caller: ResolvedCaller,
  def: { method: string; path: string; scope: ControlScope },
): void {
  if (caller.scopeLimit !== undefined && !scopeCovered(caller.scopeLimit, def.scope))
    throw insufficientScope(def);
}

export function endpoint<B = undefined, Q = undefined>(def: EndpointDef<B, Q>): Endpoint {
  const auth = def.auth ?? 'admin';
  const spec: RouteSpec = {
    method: def.method,
    path: def.path,
    summary: def.summary,
    tags: def.tags,
    auth,
    scope: def.scope,
    responses: def.responses,
    ...(def.body ? { body: def.body } : {}),
    ...(def.query ? { query: def.query } : {}),
  };
  const names = paramNames(def.path);
  const expressPath = toExpressPath(def.path);
  const preconditions = def.preconditions ?? ['put', 'patch', 'delete'].includes(def.method);

  const run = async (deps: EndpointDeps, req: Request, res: Response): Promise<void> => {
    const audit = new RequestAudit(deps.audit, req, { ...def, audited: auth === 'admin' });
    try {
      if (auth === 'admin') {
        const caller = await deps.principals.resolve(req);
        audit.caller = caller;
        if (caller.principal.kind === 'anonymous')
          throw authError('missing_credentials', 'Send an admin API key or a user token.', { basic: true });
        checkSession(caller, deps.sessions);
        checkScope(caller, def);
        if (def.requires) allow(authorize(caller.principal, def.requires));
      }
      const ifMatch = preconditions ? parseIfMatch(req.get('if-match')) : undefined;
      const params: Record<string, string> = {};
      for (const name of names) params[name] = parsePathId(name, req.params[name]);
      if (def.targetType && params.id !== undefined) audit.target = { type: def.targetType, id: params.id };
      if (def.body && !req.is(JSON_TYPES))
        throw new GatehouseError(
          'unsupported_media_type',
          'Send the body as JSON (Content-Type: application/json).',
        );
      const query = def.query ? parseQuery(def.query, req.query) : (undefined as Q);
      const body = def.body ? parseBody(def.body, req.body) : (undefined as B);
      const reply = await def.handle({
        caller: audit.caller,
        principal: audit.caller.principal,
        params,
        body,
        query,
        req,
        setTarget: (type, id) => (audit.target = { type, id }),
        addDetails: (more) => audit.addDetails(more),
        ifMatch,
        write: { ifMatch, committed: (before, after) => audit.addDetails(changeDetails(before, after)) },
      });
      await audit.record('success', { status: reply.status });
      res.status(reply.status).set('cache-control', 'no-store');
      if (reply.etag !== undefined) res.set('etag', reply.etag);
      if (reply.body === undefined) res.end();
      else res.json(reply.body);
    } catch (thrown) {
      const err = fromStoreError(thrown);
      const { outcome, status, code } = outcomeOf(err);
      await audit.record(outcome, { status, error: code });
      throw err;
    }
  };

  return {
    spec,
    expressPath,
    mount(router: Router, deps: EndpointDeps): void {
      router[def.method](expressPath, (req: Request, res: Response, next: NextFunction) => {
        if (def.skip?.(req)) return next('router');
        run(deps, req, res).catch(next);
      });
    },
  };
}

/** 405 with `Allow` for a documented path asked with another method. */
export function mountMethodNotAllowed(router: Router, endpoints: readonly Endpoint[]): void {
  const byPath = new Map<string, Set<string>>();
  for (const e of endpoints) {
    const methods = byPath.get(e.expressPath) ?? new Set<string>();
    methods.add(e.spec.method.toUpperCase());
    if (e.spec.method === 'get') methods.add('HEAD');
    byPath.set(e.expressPath, methods);
  }
  for (const [path, methods] of byPath) {
    const allowHeader = [...methods].join(', ');
    router.all(path, (_req: Request, _res: Response, next: NextFunction) =>
      next(new GatehouseError('method_not_allowed', undefined, { headers: { allow: allowHeader } })),
    );
  }
}
