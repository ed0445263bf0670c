/**
 * What a finished data-plane request leaves behind, HTTP or upgrade: the request
 * counter and latency histogram of its deployment (or "(none)" when unrouted), and one
 * access-log line when the plan has `logging.accessLog` on. No header value, no query.
 */
import type { IncomingMessage } from 'node:http';
import type { CompiledDeployment, RuntimePlan } from '../plan/plan.js';
import type { AccessLog } from '../observability/access-log.js';
import type { DeploymentMetrics, GatehouseMetrics } from '../observability/metrics.js';
import type { RetryingExchange } from '../proxy/retrying-exchange.js';

export class RequestRecorder {
  readonly unmatched: DeploymentMetrics;

  constructor(
    metrics: GatehouseMetrics,
    private readonly accessLog: AccessLog | undefined,
  ) {
    this.unmatched = metrics.forDeployment('(none)');
  }

  /** `startedAt`: performance.now() when the request head arrived; `status` 499 when the client left first. */
  record(
    plan: RuntimePlan | undefined,
    req: IncomingMessage,
    status: number,
    startedAt: number,
    requestId: string,
    remote: string | undefined,
    deployment: CompiledDeployment | undefined,
    exchange: RetryingExchange | undefined,
  ): void {
    const metrics = deployment?.metrics ?? this.unmatched;
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.countRequest(req.method ?? 'OTHER', status);
    metrics.duration.observe(seconds);
    const accessLog = this.accessLog;
    if (plan?.accessLog && accessLog?.enabled)
      accessLog.write({
        requestId,
        method: req.method ?? '',
        path: routedPath(req.url),
        status,
        durationUs: Math.round(seconds * 1e6),
        deployment: deployment?.id,
        node: exchange?.node?.url,
        upstreamUs: exchange && exchange.upstreamMs > 0 ? Math.round(exchange.upstreamMs * 1e3) : undefined,
        retried: exchange?.retried === true,
        remote,
      });
  }
}

/** The path for logs: no query string (it may carry credentials), capped in length. */
function routedPath(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 512 ? `${path.slice(0, 512)}...` : path;
}
