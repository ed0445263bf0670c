import { Router, type Request, type Response } from 'express';
import { metricsExposition } from '../cluster/metrics-exposition.js';
import type { GatehouseMetrics } from '../observability/metrics.js';

export interface Readiness {
  /** Null when ready; otherwise why not (shown in /readyz). */
  notReadyReason(): string | null;
}

/** /healthz (process alive), /readyz (plan loaded, not draining), /metrics (Prometheus). */
export function createOpsRouter(readiness: Readiness, metrics: GatehouseMetrics): Router {
  const router = Router();
  const exposition = metricsExposition(metrics.registry);
  router.get('/healthz', (_req: Request, res: Response) => {
    res.set('cache-control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', (_req: Request, res: Response) => {
    const reason = readiness.notReadyReason();
    res.set('cache-control', 'no-store');
    if (reason === null) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not_ready', reason });
  });
  router.get('/metrics', async (_req: Request, res: Response) => {
    res.set('content-type', metrics.registry.contentType);
    res.send(await exposition());
  });
  return router;
}
