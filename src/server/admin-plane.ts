import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { ERROR_CATALOGUE, GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { createOpsRouter, type Readiness } from './ops-routes.js';
import { requestIdFor } from './request-id.js';
import { sendError } from './respond.js';
import { storeOutageError } from '../control/store-outage.js';

export interface AdminPlaneOptions {
  readonly readiness: Readiness;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
  /** Control-plane routers (admin API, token service), mounted in order. */
  readonly routers?: readonly Router[];
  /** Largest JSON body accepted. */
  readonly maxBodyBytes?: number;
}

/** The Express app on the admin port: ops endpoints now, the admin API mounts here too. */
export function createAdminApp(options: AdminPlaneOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const id = requestIdFor(req.get('x-request-id'));
    res.locals.requestId = id;
    res.set('x-request-id', id);
    next();
  });
  app.use(createOpsRouter(options.readiness, options.metrics));
  app.use(
    express.json({
      limit: options.maxBodyBytes ?? 1024 * 1024,
      strict: true,
      type: ['application/json', 'application/*+json'],
    }),
  );
  for (const router of options.routers ?? []) app.use(router);
  app.use((_req: Request, _res: Response, next: NextFunction) =>
    next(new GatehouseError('not_found', 'No such endpoint.')),
  );
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const error = toGatehouseError(err);
    if (error.status >= 500) options.logger.error({ err }, 'admin request failed');
    sendError(res, error, String(res.locals.requestId));
  });
  return app;
}

/**
 * Every error a control-plane route throws becomes a catalogue error here: store outages
 * 503 (storeOutageError, the one mapping), Express and body-parser errors by their
 * `status`/`type`, everything else internal.
 */
export function toGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const outage = storeOutageError(err);
  if (outage) return outage;
  const status = typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : 500;
  const type = typeof err === 'object' && err !== null && 'type' in err ? String(err.type) : '';
  if (status === 413 || type === 'entity.too.large') return new GatehouseError('body_too_large');
  if (type === 'entity.parse.failed') return new GatehouseError('bad_request', 'The body is not valid JSON.');
  if (status === 415) return new GatehouseError('unsupported_media_type');
  if (status >= 400 && status < 500) return new GatehouseError('bad_request');
  return new GatehouseError('internal_error', ERROR_CATALOGUE.internal_error.message);
}
