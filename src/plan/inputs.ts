import type { GatehouseConfig } from '../config/schema.js';
import type { Logger } from '../observability/log.js';
import type { ControlSnapshot } from '../control/state.js';

/**
 * The configuration the data plane compiles: the file's objects, then the admin API's.
 * An API object whose id is declared in the file is ignored (the file wins); the admin
 * API refuses to create such objects, so this only matters after a file change.
 */
export function assemblePlanInputs(
  config: GatehouseConfig,
  snapshot: ControlSnapshot,
  logger: Logger,
): GatehouseConfig {
  const fresh = <T extends { id: string }>(
    kind: string,
    fromFile: readonly T[],
    fromApi: readonly T[],
  ): T[] => {
    const ids = new Set(fromFile.map((o) => o.id));
    return fromApi.filter((o) => {
      if (!ids.has(o.id)) return true;
      logger.warn(
        { kind, id: o.id },
        'an object created through the admin API has an id the config file now declares; the file wins',
      );
      return false;
    });
  };
  const versions = new Map<string, GatehouseConfig['services'][number]['versions']>();
  for (const v of snapshot.versions) {
    const list = versions.get(v.service) ?? [];
    const { service: _service, ...version } = v;
    list.push(version);
    versions.set(v.service, list);
  }
  const apiServices = fresh('service', config.services, snapshot.services).map((s) => ({
    ...s,
    versions: versions.get(s.id) ?? [],
  }));
  return {
    ...config,
    groups: [...config.groups, ...fresh('group', config.groups, snapshot.groups)],
    infrastructures: [
      ...config.infrastructures,
      ...fresh('infrastructure', config.infrastructures, snapshot.infrastructures),
    ],
    services: [...config.services, ...apiServices],
    deployments: [...config.deployments, ...fresh('deployment', config.deployments, snapshot.deployments)],
  };
}
