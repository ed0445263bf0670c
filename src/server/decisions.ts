/**
 * The forward-auth decision endpoint: `/decisions{path}`, any method, on its own
 * listener. It runs the data plane's route → traffic policy → authenticate → authorize
 * for the original request the caller describes (decision-request.ts) and answers 200
 * with the identity headers for the proxy to copy (`X-Auth-Subject`, …), or the data
 * plane's own 401/403/429/503 JSON with `WWW-Authenticate`. Nothing is forwarded.
 *
 * Only callers on `server.dataPlane.trustProxy` addresses are answered; others get 403
 * `forbidden` (the endpoint is no oracle for anyone else). Decisions are not cached:
 * the verified-token cache and the API-key index already make a repeated decision a
 * lookup, and a decision cache would outlive revocations and skip rate limits.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admission } from '../auth/types.js';
import type { PlanHolder } from '../plan/plan.js';
import { GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { TrafficPolicy } from '../policy/traffic-policy.js';
import { displayAddress } from '../proxy/forwarded.js';
import { admit } from './admission.js';
import { describeOriginal } from './decision-request.js';
import { requestIdFor } from './request-id.js';
import { sendError } from './respond.js';
import { routeRequest } from './route-request.js';

export interface DecisionServices {
  readonly plans: PlanHolder;
  readonly traffic: TrafficPolicy;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}

export class DecisionEndpoint {
  constructor(private readonly services: DecisionServices) {}

  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume(); // a body is never read; drain it so the connection stays usable
    const requestId = requestIdFor(req.headers['x-request-id']);
    const plan = this.services.plans.current;
    if (!plan) return this.refuse(res, new GatehouseError('unavailable'), requestId);
    if (!plan.proxyTrust(displayAddress(req.socket.remoteAddress)))
      return this.refuse(
        res,
        new GatehouseError(
          'forbidden',
          'Only trusted proxies (server.dataPlane.trustProxy) may ask for decisions.',
        ),
        requestId,
      );
    const original = describeOriginal(req);
    if (original instanceof GatehouseError) return this.refuse(res, original, requestId);
    const routed = routeRequest(plan, original);
    if (routed instanceof GatehouseError) return this.refuse(res, routed, requestId);
    const answer = (admission: Admission): void => {
      if (res.destroyed) return;
      if (!admission.allowed) return this.refuse(res, admission.error, requestId);
      this.services.metrics.edge.decisions.labels('allowed').inc();
      // The admission's header list is shared (built once per identity): copy, never push.
      const headers = [
        ...admission.upstreamHeaders,
        'x-request-id',
        requestId,
        'cache-control',
        'no-store',
        'content-length',
        '0',
      ];
      res.writeHead(200, headers);
      res.end();
    };
    const failed = (err: unknown): void => {
      this.services.logger.error({ err, requestId }, 'decision failed unexpectedly');
      if (!res.destroyed) this.refuse(res, new GatehouseError('auth_unavailable'), requestId);
    };
    admit(() => this.services.traffic.admit(routed, original, res), answer, failed);
  };

  private refuse(res: ServerResponse, error: GatehouseError, requestId: string): void {
    this.services.metrics.edge.decisions.labels('refused').inc();
    this.services.metrics.errorResponses.labels(error.code).inc();
    sendError(res, error, requestId);
  }
}
