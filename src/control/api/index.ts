/**
 * The admin API (PRODUCT.md sections 1 and 4) as a control module: the deployer model,
 * API keys, groups, users, permissions, settings, the audit log, and /openapi.json.
 */
import { Router, type Request, type Response } from 'express';
import { createRequire } from 'node:module';
import type { ControlModule, ControlModuleFactory, RouteSpec } from '../module.js';
import { AuditTrail } from '../audit.js';
import { createApiDeps } from './deps.js';
import { mountMethodNotAllowed, type Endpoint } from './endpoint.js';
import { buildOpenApiDocument, OPS_ROUTES } from './openapi.js';
import { apiKeyEndpoints } from './routes/api-keys.js';
import { deploymentEndpoints } from './routes/deployments.js';
import { groupEndpoints } from './routes/groups.js';
import { infrastructureEndpoints } from './routes/infrastructures.js';
import { permissionEndpoints } from './routes/permissions.js';
import { serviceEndpoints } from './routes/services.js';
import { auditEndpoints } from './routes/audit.js';
import { settingsEndpoints } from './routes/settings.js';
import { userEndpoints } from './routes/users.js';
import { versionEndpoints } from './routes/versions.js';

const OPENAPI_ROUTE: RouteSpec = {
  method: 'get',
  path: '/openapi.json',
  summary: 'This OpenAPI 3.1 document',
  tags: ['operations'],
  auth: 'none',
  responses: { 200: { description: 'The OpenAPI document of the admin listener' } },
};

/** From the sources (src/control/api) or the build (dist/src/control/api). */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = require(path) as { name?: unknown; version?: unknown };
      if (pkg.name === 'gatehouse' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const createAdminApiModule: ControlModuleFactory = (ctx): ControlModule => {
  const deps = createApiDeps(ctx);
  const endpoints: Endpoint[] = [
    ...infrastructureEndpoints(deps),
    ...serviceEndpoints(deps),
    ...versionEndpoints(deps),
    ...deploymentEndpoints(deps),
    ...apiKeyEndpoints(deps),
    ...permissionEndpoints(deps),
    ...groupEndpoints(deps),
    ...userEndpoints(deps),
    ...settingsEndpoints(deps),
    ...auditEndpoints(deps),
  ];
  const router = Router();
  const version = packageVersion();
  let document: unknown;
  router.get('/openapi.json', (_req: Request, res: Response) => {
    document ??= buildOpenApiDocument([...OPS_ROUTES, ...ctx.routes()], version);
    res.set('cache-control', 'no-store').json(document);
  });
  const audit = new AuditTrail(ctx.store, ctx.logger);
  for (const e of endpoints)
    e.mount(router, { principals: ctx.principals, audit, sessions: ctx.revocations });
  mountMethodNotAllowed(router, endpoints);
  return { name: 'admin-api', router, routes: [OPENAPI_ROUTE, ...endpoints.map((e) => e.spec)] };
};
