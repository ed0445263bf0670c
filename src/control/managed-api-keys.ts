import {
  digestFromHash,
  findByDigest,
  type ApiKeyRecord as KeyIdentity,
  type ApiKeySource,
  type DigestEntry,
  type KeyDigest,
} from '../auth/authenticators/api-key.js';
import type { ManagedApiKeys } from '../auth/authenticators/api-key-factory.js';
import type { ApiKeyRecord } from './model.js';

/** Calls `onUse(keyId)` on every successful lookup (batched "last used" tracking). */
export type KeyUseListener = (keyId: string) => void;

type DigestMap = Map<KeyDigest, DigestEntry<KeyIdentity>>;

/**
 * API keys created through the admin API, indexed by scope and digest in memory: a
 * lookup is two map reads and a constant-time compare. Deployment-scoped keys apply to
 * their deployment; service-scoped keys to every deployment of the service that inherits
 * its version's settings (an override replaces the keys, as in the config file).
 */
export class ManagedApiKeyIndex implements ManagedApiKeys {
  private readonly byScope = new Map<string, DigestMap>();

  constructor(
    records: readonly ApiKeyRecord[],
    private readonly onUse?: KeyUseListener,
  ) {
    for (const record of records) {
      const scope = `${record.scope.type}:${record.scope.id}`;
      let map = this.byScope.get(scope);
      if (!map) {
        map = new Map();
        this.byScope.set(scope, map);
      }
      const digest = digestFromHash(record.hash);
      const value = { id: record.id, label: record.label, scopes: record.scopes, groups: record.groups };
      map.set(digest, { digest, value });
    }
  }

  sourceFor(scope: { deploymentId: string; serviceId: string; inherited: boolean }): ApiKeySource {
    const deployment = this.byScope.get(`deployment:${scope.deploymentId}`);
    const service = scope.inherited ? this.byScope.get(`service:${scope.serviceId}`) : undefined;
    const onUse = this.onUse;
    return {
      find(digest: KeyDigest): KeyIdentity | undefined {
        const key =
          (deployment && findByDigest(deployment, digest)) ?? (service && findByDigest(service, digest));
        if (key) onUse?.(key.id);
        return key;
      },
    };
  }
}
