import type { AuthenticatorFactory } from '../method-registry.js';
import { createApiKeyAuthenticator, StaticApiKeySource, type ApiKeySource } from './api-key.js';

/**
 * Keys managed through the admin API, looked up per deployment and per service. The
 * control plane supplies this; without it only keys from the config file exist.
 */
export interface ManagedApiKeys {
  /** Keys for this deployment; service-wide keys too when the deployment inherits its version's settings. */
  sourceFor(scope: { deploymentId: string; serviceId: string; inherited: boolean }): ApiKeySource;
}

/** The `apiKeys` method: the deployment's keys from the file, then the plan's managed keys. */
export const apiKeyFactory: AuthenticatorFactory = (
  { deploymentId, serviceId, inherited, settings },
  { managedApiKeys: managed },
) => {
  const options = settings.apiKeys;
  if (!options) throw new Error(`deployment ${deploymentId}: apiKeys settings missing`);
  const sources: ApiKeySource[] = [new StaticApiKeySource(options.keys)];
  if (managed) sources.push(managed.sourceFor({ deploymentId, serviceId, inherited }));
  return createApiKeyAuthenticator({
    header: options.header === false ? undefined : options.header.toLowerCase(),
    bearer: options.bearer,
    basic: options.basic,
    provider: `deployment:${deploymentId}`,
    sources,
  });
};
