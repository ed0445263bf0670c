/**
 * The data plane's traffic policy around a deployment's gate: CORS headers and
 * preflights, failed-credential throttling, and rate limits (before authentication when
 * no limit needs the identity, after it otherwise: one limiter call per request). Used
 * by the data plane and the decision endpoint alike. A deployment without limits or CORS
 * goes straight to its gate; the only cost then is one map lookup when some address is
 * being throttled, and a check of the admission for a 401.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ANONYMOUS, type Admission, type Identity, type MaybePromise } from '../auth/types.js';
import type { Clock } from '../clock.js';
import { GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { RedisStore } from '../store/redis.js';
import type { Store } from '../store/types.js';
import { clientAddress } from './client-address.js';
import { answerPreflight, applyCors } from './cors.js';
import { FailedCredentialThrottle } from './failed-credentials.js';
import { limitHits } from './limit-keys.js';
import { matchDeployment } from './match-deployment.js';
import type { AnswerHeaders, RoutedRequest, TrafficDeployment, TrafficPlan } from './plan-view.js';
import { RateLimiter, type LimitVerdict } from './rate-limiter.js';
import { renderRateLimit } from './ratelimit-headers.js';

export interface TrafficPolicyDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}

export type { AnswerHeaders, RoutedRequest } from './plan-view.js';

export class TrafficPolicy {
  readonly limiter: RateLimiter;
  readonly throttle: FailedCredentialThrottle;

  constructor(private readonly deps: TrafficPolicyDeps) {
    const store = deps.store;
    const shared = store instanceof RedisStore ? store.runPolicyScript.bind(store) : undefined;
    this.limiter = new RateLimiter(deps.clock, deps.logger, shared);
    this.throttle = new FailedCredentialThrottle(store, deps.clock, deps.metrics, deps.logger);
  }

  /**
   * A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) for a
   * deployment with a CORS policy, answered before routing's method check and before
   * authentication: 'answered' (204 written), or a 403 to send. Undefined: not one.
   */
  preflight(
    plan: TrafficPlan | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): 'answered' | GatehouseError | undefined {
    if (req.method !== 'OPTIONS' || plan === undefined) return undefined;
    const origin = req.headers.origin;
    if (origin === undefined || req.headers['access-control-request-method'] === undefined) return undefined;
    const cors = matchDeployment(plan, req)?.traffic?.cors;
    if (!cors) return undefined;
    if (answerPreflight(res, cors, origin, requestId)) return 'answered';
    return new GatehouseError('forbidden', "The origin is not allowed by this deployment's CORS policy.");
  }

  /**
   * The gate's admission wrapped in the deployment's traffic policy; headers go on `res`.
   * Requests and WebSocket handshakes alike: an Upgrade header is no way around a limit
   * or the failed-credential throttle.
   */
  admit(routed: RoutedRequest, req: IncomingMessage, res: AnswerHeaders): MaybePromise<Admission> {
    const { deployment, plan } = routed;
    const traffic = deployment.traffic;
    if (traffic?.cors) applyCors(res, traffic.cors, req.headers.origin);
    let address: string | undefined;
    const addressOf = (): string => (address ??= clientAddress(req, plan.proxyTrust));
    const blocked = this.throttle.refusal(addressOf);
    if (blocked) return { allowed: false, error: blocked };
    const limits = traffic?.limits;
    if (limits?.beforeAuth) {
      const verdict = this.rateLimit(deployment, req, res, ANONYMOUS, addressOf);
      if (verdict instanceof Promise)
        return verdict.then((refused) => refused ?? this.authenticate(routed, req, res, addressOf));
      if (verdict) return verdict;
    }
    return this.authenticate(routed, req, res, addressOf);
  }

  private authenticate(
    routed: RoutedRequest,
    req: IncomingMessage,
    res: AnswerHeaders,
    addressOf: () => string,
  ): MaybePromise<Admission> {
    const admission = routed.deployment.gate.admit(req);
    if (admission instanceof Promise)
      return admission.then((a) => this.settle(a, routed, req, res, addressOf));
    return this.settle(admission, routed, req, res, addressOf);
  }

  private settle(
    admission: Admission,
    routed: RoutedRequest,
    req: IncomingMessage,
    res: AnswerHeaders,
    addressOf: () => string,
  ): MaybePromise<Admission> {
    if (!admission.allowed) {
      const throttling = routed.plan.failedCredentials;
      if (admission.error.status !== 401 || !throttling.enabled) return admission;
      return this.throttle.failed(addressOf(), throttling).then(() => admission);
    }
    const limits = routed.deployment.traffic?.limits;
    if (!limits || limits.beforeAuth) return admission;
    const verdict = this.rateLimit(routed.deployment, req, res, admission.identity, addressOf);
    if (verdict instanceof Promise) return verdict.then((refused) => refused ?? admission);
    return verdict ?? admission;
  }

  /** Undefined when every limit allows (headers set on `res`), else the refusal. */
  private rateLimit(
    deployment: TrafficDeployment,
    req: IncomingMessage,
    res: AnswerHeaders,
    identity: Identity,
    addressOf: () => string,
  ): MaybePromise<Admission | undefined> {
    const specs = deployment.traffic?.limits?.specs ?? [];
    const hits = limitHits(deployment.id, specs, req, identity, addressOf);
    if (hits.length === 0) return undefined;
    const conclude = (verdict: LimitVerdict): Admission | undefined => {
      if (verdict.kind === 'unavailable')
        return {
          allowed: false,
          error: new GatehouseError('unavailable', 'Rate limits cannot be checked right now; retry later.', {
            headers: { 'retry-after': '1' },
          }),
        };
      const headers = renderRateLimit(hits, verdict.outcome);
      if (headers.refusedBy.length === 0) {
        if (!res.headersSent) {
          res.setHeader('ratelimit-policy', headers.policy);
          res.setHeader('ratelimit', headers.state);
        }
        return undefined;
      }
      for (const name of headers.refusedBy)
        this.deps.metrics.edge.rateLimited.labels(deployment.id, name).inc();
      return {
        allowed: false,
        error: new GatehouseError('rate_limited', undefined, {
          headers: {
            'retry-after': String(headers.retryAfterSec),
            'ratelimit-policy': headers.policy,
            ratelimit: headers.state,
          },
        }),
      };
    };
    const verdict = this.limiter.check(hits);
    return verdict instanceof Promise ? verdict.then(conclude) : conclude(verdict);
  }
}
