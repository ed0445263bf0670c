import { createAllOfAuthenticator } from '../auth/authenticators/all-of.js';
import type { Gate } from '../auth/types.js';
import type { AuthSettingsConfig } from '../config/schema-auth.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { AuthOutcomeRecorder } from './auth-outcomes.js';
import { CompiledGate } from './gate.js';
import { compileIdentityHeaders } from './identity-headers.js';
import type { PlanMethods } from '../auth/method-registry.js';

export interface GateContext {
  readonly deploymentId: string;
  readonly serviceId: string;
  readonly inherited: boolean;
  readonly methods: PlanMethods;
  readonly metrics: GatehouseMetrics;
}

/** Compiles a deployment's effective authorization settings into its gate. */
export function compileGate(settings: AuthSettingsConfig, context: GateContext): Gate {
  const methodContext = {
    deploymentId: context.deploymentId,
    serviceId: context.serviceId,
    inherited: context.inherited,
    settings,
  };
  const each = settings.methods.flatMap((method) =>
    method === 'public' ? [] : [context.methods.create(method, methodContext)],
  );
  const authenticators = settings.combine === 'allOf' ? [createAllOfAuthenticator(each)] : each;
  const identityHeaders = compileIdentityHeaders(settings.claimHeaders);
  const header = settings.methods.includes('apiKeys') ? settings.apiKeys?.header : false;
  return new CompiledGate({
    authenticators,
    allowPublic: settings.methods.includes('public'),
    groups: settings.require.groups,
    scopes: settings.require.scopes,
    apiKeyHeader: header ? header.toLowerCase() : undefined,
    identityHeaderNames: identityHeaders.names,
    identityHeaders: identityHeaders.build,
    outcomes: new AuthOutcomeRecorder(context.metrics, context.deploymentId),
  });
}
