import { routeKey } from './route-key.js';
import { formatKeyPath, type ConfigIssue } from './issues.js';
import type { GatehouseConfig } from './schema.js';
import type { AuthSettingsConfig } from './schema-auth.js';

export function defaultBasePath(serviceId: string): string {
  return `/public/api/v1/${serviceId}`;
}

function duplicates<T extends { id: string }>(
  items: readonly T[],
  section: string,
  issues: ConfigIssue[],
  what: string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const first = seen.get(item.id);
    if (first === undefined) seen.set(item.id, index);
    else
      issues.push({
        path: formatKeyPath([section, index, 'id']),
        message: `duplicate ${what} id "${item.id}" (first at ${formatKeyPath([section, first])})`,
      });
  });
}

/**
 * Checks what the structural schema cannot: unique ids, references between sections,
 * and deployments that would match the same requests. Returns every problem found.
 */
export function checkReferences(config: GatehouseConfig): ConfigIssue[] {
  const steps = referenceCheckSteps(config);
  for (let step = steps.next(); ; step = steps.next()) if (step.done === true) return step.value;
}

/** Deployments checked between two pauses of referenceCheckSteps. */
const STEP_DEPLOYMENTS = 1000;

/**
 * checkReferences as a generator that pauses (yields) every STEP_DEPLOYMENTS deployments,
 * so a reload can give the event loop back in between (config/load-sliced.ts).
 */
export function* referenceCheckSteps(config: GatehouseConfig): Generator<void, ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  duplicates(config.infrastructures, 'infrastructures', issues, 'infrastructure');
  duplicates(config.services, 'services', issues, 'service');
  duplicates(config.deployments, 'deployments', issues, 'deployment');
  duplicates(config.providers, 'providers', issues, 'provider');
  const providers = new Set(config.providers.map((p) => p.id));
  const issuers = new Map(config.providers.map((p) => [p.id, p.issuer ?? '(no issuer)']));
  const checkProviders = (auth: AuthSettingsConfig | 'inherit', path: (string | number)[]): void => {
    if (auth === 'inherit') return;
    const seen = new Map<string, string>();
    auth.jwt?.providers.forEach((id, k) => {
      const at = formatKeyPath([...path, 'jwt', 'providers', k]);
      const issuer = issuers.get(id);
      if (issuer === undefined) return void issues.push({ path: at, message: `unknown provider "${id}"` });
      const other = seen.get(issuer);
      // A token's iss picks the provider, so a second one with the same issuer would never be used.
      if (other !== undefined)
        issues.push({
          path: at,
          message: `provider "${id}" has the same issuer as "${other}" (${issuer}); tokens are routed by issuer`,
        });
      seen.set(issuer, id);
    });
  };
  config.services.forEach((service, s) =>
    service.versions.forEach((version, v) =>
      checkProviders(version.auth, ['services', s, 'versions', v, 'auth']),
    ),
  );
  for (const [i, d] of config.deployments.entries()) {
    if (i > 0 && i % STEP_DEPLOYMENTS === 0) yield;
    checkProviders(d.auth, ['deployments', i, 'auth']);
  }
  config.server.admin.providers.forEach((id, k) => {
    if (!providers.has(id))
      issues.push({
        path: formatKeyPath(['server', 'admin', 'providers', k]),
        message: `unknown provider "${id}"`,
      });
  });
  config.services.forEach((service, s) => {
    const seen = new Set<string>();
    service.versions.forEach((version, v) => {
      if (seen.has(version.id))
        issues.push({
          path: formatKeyPath(['services', s, 'versions', v, 'id']),
          message: `duplicate version id "${version.id}" in service "${service.id}"`,
        });
      seen.add(version.id);
    });
  });

  const infrastructures = new Set(config.infrastructures.map((i) => i.id));
  const services = new Map(config.services.map((s) => [s.id, s]));
  const routes = new Map<string, string>();
  for (const [i, d] of config.deployments.entries()) {
    if (i > 0 && i % STEP_DEPLOYMENTS === 0) yield;
    const service = services.get(d.service);
    if (!service)
      issues.push({
        path: formatKeyPath(['deployments', i, 'service']),
        message: `unknown service "${d.service}"`,
      });
    else if (!service.versions.some((v) => v.id === d.version))
      issues.push({
        path: formatKeyPath(['deployments', i, 'version']),
        message: `service "${d.service}" has no version "${d.version}"`,
      });
    if (!infrastructures.has(d.infrastructure))
      issues.push({
        path: formatKeyPath(['deployments', i, 'infrastructure']),
        message: `unknown infrastructure "${d.infrastructure}"`,
      });
    const basePath = d.basePath ?? defaultBasePath(d.service);
    const key = routeKey(d.host, basePath);
    const other = routes.get(key);
    if (other !== undefined)
      issues.push({
        path: formatKeyPath(['deployments', i, d.basePath === undefined ? 'service' : 'basePath']),
        message: `deployment "${d.id}" would match the same requests as deployment "${other}" (host ${d.host ?? '*any*'}, base path ${basePath})`,
      });
    else routes.set(key, d.id);
  }
  return issues;
}
