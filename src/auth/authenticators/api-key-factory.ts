import type { AuthenticatorFactory } from '../../pipeline/method-registry.js';
import { createApiKeyAuthenticator, StaticApiKeySource, type ApiKeySource } from './api-key.js';

/**
 * Keys managed through the admin API, looked up per deployment and per service. The
 * control plane supplies this; without it only keys from the config file exist.
 */
export interface ManagedApiKeys {
  sourceFor(scope: { deploymentId: string; serviceId: string }): ApiKeySource;
}

export function apiKeyFactory(managed?: ManagedApiKeys): AuthenticatorFactory {
  return ({ deploymentId, serviceId, settings }) => {
    const options = settings.apiKeys;
    if (!options) throw new Error(`deployment ${deploymentId}: apiKeys settings missing`);
    const sources: ApiKeySource[] = [new StaticApiKeySource(options.keys)];
    if (managed) sources.push(managed.sourceFor({ deploymentId, serviceId }));
    return createApiKeyAuthenticator({
      header: options.header === false ? undefined : options.header.toLowerCase(),
      bearer: options.bearer,
      basic: options.basic,
      provider: `deployment:${deploymentId}`,
      sources,
    });
  };
}
