/**
 * The deployment a request's host and path route to, without the method check or any
 * refusal: for answering CORS preflights, which come as OPTIONS whatever methods the
 * deployment serves. Undefined when none matches, the path is malformed, or it is disabled.
 */
import type { IncomingMessage } from 'node:http';
import type { TrafficDeployment, TrafficPlan } from './plan-view.js';
import { parseRequestTarget } from '../routing/normalize-path.js';
import { normalizeHost } from '../routing/router.js';

export function matchDeployment(plan: TrafficPlan, req: IncomingMessage): TrafficDeployment | undefined {
  const target = parseRequestTarget(req.url ?? '');
  if (!target) return undefined;
  const host = plan.router.hasHostRoutes ? normalizeHost(req.headers.host) : undefined;
  const match = plan.router.match(host, target.path);
  if (!match || !match.value.enabled) return undefined;
  return match.value;
}
