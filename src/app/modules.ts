/**
 * The control-plane modules (token service, admin API): what they are given, and the
 * one moment their authentication methods join the registry. Each module is created
 * once, in mount order; a module that provides a method (the token service's
 * `gatehouse`) registers it here, at start-up, and every later compile uses the same
 * registry. Nothing on the reload path asks the modules again.
 */
import { createAdminApiModule } from '../control/api/index.js';
import { applyOwnWrite } from '../control/apply-now.js';
import type { ControlModule, ControlModuleFactory } from '../control/module.js';
import { PrincipalResolver } from '../control/principal.js';
import type { GatehouseConfig } from '../config/schema.js';
import { createTokenServiceModule } from '../tokens/index.js';
import type { Services } from './services.js';

/**
 * The control-plane modules every Gatehouse runs, in mount order. The admin API and the
 * token service add themselves here.
 */
export const CONTROL_MODULES: readonly ControlModuleFactory[] = [
  createTokenServiceModule,
  createAdminApiModule,
];

/** Creates the modules in order and registers their authentication methods. */
export async function startModules(
  factories: readonly ControlModuleFactory[],
  services: Services,
  fileConfig: () => GatehouseConfig,
): Promise<readonly ControlModule[]> {
  const { store, state, plans, usage, methods } = services;
  const modules: ControlModule[] = [];
  const principals = new PrincipalResolver({
    store,
    users: {
      user: (id) => state.snapshot.users.find((u) => u.id === id),
      groupGrants: () => {
        const grants: Record<string, readonly ('admin' | 'createService')[]> = {};
        for (const g of state.snapshot.groups) grants[g.id] = g.global;
        for (const g of fileConfig().groups) grants[g.id] = g.global;
        return grants;
      },
    },
    authenticators: () => plans.current?.adminAuthenticators ?? [],
    onAdminKeyUse: (keyId) => usage.record('admin-key', keyId),
  });
  const context = {
    store,
    state,
    fileConfig,
    principals,
    clock: services.clock,
    logger: services.logger,
    metrics: services.metrics,
    revocations: services.revocations,
    tokenCache: services.tokenCache,
    usage,
    routes: () => modules.flatMap((m) => m.routes ?? []),
    authMethods: () => methods.names(),
    applyNow: () => applyOwnWrite(state),
  };
  try {
    for (const factory of factories) {
      const module = await factory(context);
      modules.push(module);
      module.registerMethods?.(methods);
    }
  } catch (err) {
    await closeModules(modules);
    throw err;
  }
  return modules;
}

export async function closeModules(modules: readonly ControlModule[]): Promise<void> {
  for (const module of modules) await module.close?.();
}
