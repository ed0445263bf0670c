import { createAdminApiModule } from '../control/api/index.js';
import { createTokenServiceModule } from '../tokens/index.js';
import type { ControlModuleFactory } from '../control/module.js';

/**
 * The control-plane modules every Gatehouse runs, in mount order. The admin API and the
 * token service add themselves here.
 */
export const CONTROL_MODULES: readonly ControlModuleFactory[] = [
  createTokenServiceModule,
  createAdminApiModule,
];
