import type { Router } from 'express';
import type { ZodType } from 'zod';
import type { RevocationList } from '../auth/revocation.js';
import type { VerifiedTokenCache } from '../auth/token-cache.js';
import type { Clock } from '../clock.js';
import type { GatehouseConfig } from '../config/schema.js';
import type { AuthMethodName } from '../config/schema-auth.js';
import type { PrincipalResolver } from './principal.js';
import type { ControlState } from './state.js';
import type { UsageRecorder } from './usage.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { MethodRegistry } from '../auth/method-registry.js';
import type { Store } from '../store/types.js';

/** What control-plane modules (admin API, token service) are given. */
export interface ControlContext {
  readonly store: Store;
  /** Objects created through the admin API, as this replica last read them. */
  readonly state: ControlState;
  /** The configuration file as last loaded (its objects are read-only through the API). */
  fileConfig(): GatehouseConfig;
  readonly principals: PrincipalResolver;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatehouseMetrics;
  readonly revocations: RevocationList;
  readonly tokenCache: VerifiedTokenCache;
  /** "Last used" times of keys and tokens (the runtime's one recorder). */
  readonly usage: UsageRecorder;
  /** Every route of every module, in mount order (for /openapi.json); complete once all modules exist. */
  routes(): readonly RouteSpec[];
  /** Authentication methods a deployment may list on this server (`public`, `apiKeys`, `jwt`, and those modules register). */
  authMethods(): ReadonlySet<AuthMethodName>;
  /**
   * After a write: re-read the store and rebuild the data plane now, so this replica
   * reads its own writes at once (other replicas follow the change notification).
   */
  applyNow(): Promise<void>;
}

/**
 * One documented route, in OpenAPI path syntax (`/api/v1/services/{id}`). Every route a
 * module mounts must be listed: /openapi.json is built from these, and a test checks
 * the document against the routes Express actually serves, both ways.
 */
export interface RouteSpec {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  readonly summary: string;
  readonly tags: readonly string[];
  /** `admin`: admin key or user token judged by the permission rules; `user`: any authenticated user; `none`. */
  readonly auth: 'admin' | 'user' | 'none';
  /** The control scope a scope-restricted credential needs here (src/control/scopes.ts). */
  readonly scope?: string;
  /** JSON request body schema (zod), if any. */
  readonly body?: ZodType;
  /** Query parameters (zod object), if any. */
  readonly query?: ZodType;
  /** Status → description and optional JSON body schema. */
  readonly responses: Readonly<Record<number, { readonly description: string; readonly body?: ZodType }>>;
}

/** A piece of the control plane: routes on the admin listener and, optionally, an auth method. */
export interface ControlModule {
  readonly name: string;
  readonly router?: Router;
  /** The routes `router` serves, for the OpenAPI document. */
  readonly routes?: readonly RouteSpec[];
  /** Registers data-plane authentication methods (e.g. `gatehouse`): called once, at start-up (app/modules.ts). */
  registerMethods?(registry: MethodRegistry): void;
  close?(): Promise<void>;
}

export type ControlModuleFactory = (context: ControlContext) => Promise<ControlModule> | ControlModule;
