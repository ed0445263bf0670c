import { timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord as KeyIdentity, ApiKeySource } from '../auth/authenticators/api-key.js';
import type { ManagedApiKeys } from '../auth/authenticators/api-key-factory.js';
import type { ApiKeyRecord } from './model.js';

interface Entry {
  readonly digest: Buffer;
  readonly key: KeyIdentity;
}

/** Calls `onUse(keyId)` on every successful lookup (batched "last used" tracking). */
export type KeyUseListener = (keyId: string) => void;

/**
 * API keys created through the admin API, indexed by scope and digest in memory: a
 * lookup is two map reads and a constant-time compare. Deployment-scoped keys apply to
 * their deployment; service-scoped keys to every deployment of the service that inherits
 * its version's settings (an override replaces the keys, as in the config file).
 */
export class ManagedApiKeyIndex implements ManagedApiKeys {
  private readonly byScope = new Map<string, Map<string, Entry>>();

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
      const hex = record.hash.slice('sha256:'.length);
      map.set(hex, {
        digest: Buffer.from(hex, 'hex'),
        key: { id: record.id, label: record.label, scopes: record.scopes, groups: record.groups },
      });
    }
  }

  sourceFor(scope: { deploymentId: string; serviceId: string; inherited: boolean }): ApiKeySource {
    const deployment = this.byScope.get(`deployment:${scope.deploymentId}`);
    const service = scope.inherited ? this.byScope.get(`service:${scope.serviceId}`) : undefined;
    const onUse = this.onUse;
    return {
      find(digest: Buffer): KeyIdentity | undefined {
        if (!deployment && !service) return undefined;
        const hex = digest.toString('hex');
        const entry = deployment?.get(hex) ?? service?.get(hex);
        if (!entry || !timingSafeEqual(entry.digest, digest)) return undefined;
        onUse?.(entry.key.id);
        return entry.key;
      },
    };
  }
}
