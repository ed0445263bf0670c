/**
 * The routing decision of the data plane, before any credential is looked at: a sane
 * request target (origin-form only, so no second host in an absolute URI), one Host, a deployment by host and longest base-path prefix, and that
 * deployment enabled and serving the method. Every refusal is a GatehouseError value; nothing is forwarded.
 */
import type { IncomingMessage } from 'node:http';
import type { CompiledDeployment, RuntimePlan } from '../plan/plan.js';
import { GatehouseError } from '../errors.js';
import type { MethodPolicy } from '../routing/allowed-methods.js';
import { parseRequestTarget, type RequestTarget } from '../routing/normalize-path.js';
import { normalizeHost } from '../routing/router.js';

export interface Routed {
  readonly plan: RuntimePlan;
  readonly deployment: CompiledDeployment;
  readonly target: RequestTarget;
}

/** Refusals that never vary, built once (server/respond.ts renders them once too). */
const UNAVAILABLE = Object.freeze(new GatehouseError('unavailable'));
const NO_DEPLOYMENT = Object.freeze(new GatehouseError('no_deployment'));
const DEPLOYMENT_DISABLED = Object.freeze(new GatehouseError('deployment_disabled'));
const BAD_TARGET = Object.freeze(
  new GatehouseError('bad_request', 'The request path is malformed or tries to leave its base path.'),
);
const SEVERAL_HOSTS = Object.freeze(
  new GatehouseError('bad_request', 'The request has more than one Host header.'),
);
const AMBIGUOUS_PARAMETERS = Object.freeze(
  new GatehouseError(
    'bad_request',
    'A path segment with ";" parameters is ambiguous here; send the path without them.',
  ),
);

export function routeRequest(plan: RuntimePlan | undefined, req: IncomingMessage): Routed | GatehouseError {
  if (!plan) return UNAVAILABLE;
  const target = parseRequestTarget(req.url ?? '');
  if (!target) return BAD_TARGET;
  // Node keeps the first of two Host headers; an upstream or a cache may read the other.
  if (hasSeveralHosts(req.rawHeaders)) return SEVERAL_HOSTS;
  const host = plan.router.hasHostRoutes ? normalizeHost(req.headers.host) : undefined;
  const match = plan.router.match(host, target.path);
  if (match === null) return AMBIGUOUS_PARAMETERS;
  if (!match) return NO_DEPLOYMENT;
  const deployment = match.value;
  if (!deployment.enabled) return DEPLOYMENT_DISABLED;
  // Before authentication, like nginx and Envoy: the answer reveals only the route's methods.
  if (!deployment.methods.allows(req.method ?? '')) return methodNotAllowed(req.method, deployment.methods);
  return { plan, deployment, target };
}

/** More than one Host field line (RFC 9112 3.2: 400). Compares lengths first: no name is lower-cased. */
function hasSeveralHosts(raw: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}

export function methodNotAllowed(method: string | undefined, policy: MethodPolicy): GatehouseError {
  return new GatehouseError('method_not_allowed', `The ${method ?? ''} method is not allowed here.`, {
    headers: policy.allowHeaders,
  });
}
