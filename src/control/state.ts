import type { z } from 'zod';
import type { Logger } from '../observability/log.js';
import type { Store, Unsubscribe } from '../store/types.js';
import {
  apiKeyRecordSchema,
  COLLECTIONS,
  CONTROL_CHANNEL,
  deploymentRecordSchema,
  groupRecordSchema,
  infrastructureRecordSchema,
  serviceRecordSchema,
  SETTINGS_ID,
  settingsRecordSchema,
  userRecordSchema,
  versionRecordSchema,
  type ApiKeyRecord,
  type DeploymentRecord,
  type GroupRecord,
  type InfrastructureRecord,
  type ServiceRecord,
  type SettingsRecord,
  type UserRecord,
  type VersionRecord,
} from './model.js';

/** Everything the control plane holds in the store, read at one moment. */
export interface ControlSnapshot {
  readonly infrastructures: readonly InfrastructureRecord[];
  readonly services: readonly ServiceRecord[];
  readonly versions: readonly VersionRecord[];
  readonly deployments: readonly DeploymentRecord[];
  readonly apiKeys: readonly ApiKeyRecord[];
  readonly groups: readonly GroupRecord[];
  readonly users: readonly UserRecord[];
  readonly settings: SettingsRecord;
}

export const EMPTY_SNAPSHOT: ControlSnapshot = Object.freeze({
  infrastructures: [],
  services: [],
  versions: [],
  deployments: [],
  apiKeys: [],
  groups: [],
  users: [],
  settings: { implicitLogin: true },
});

async function readAll<S extends z.ZodType>(
  store: Store,
  collection: string,
  schema: S,
  logger: Logger,
): Promise<z.infer<S>[]> {
  const out: z.infer<S>[] = [];
  let after: string | undefined;
  do {
    const page = await store.list(collection, { limit: 1000, ...(after === undefined ? {} : { after }) });
    for (const doc of page.items) {
      const parsed = schema.safeParse(doc.value);
      if (parsed.success) out.push(parsed.data);
      else
        logger.error(
          { collection, id: doc.id, issues: parsed.error.issues.length },
          'skipping an invalid stored object',
        );
    }
    after = page.next;
  } while (after !== undefined);
  return out;
}

export async function readSnapshot(store: Store, logger: Logger): Promise<ControlSnapshot> {
  const [infrastructures, services, versions, deployments, apiKeys, groups, users, settingsDoc] =
    await Promise.all([
      readAll(store, COLLECTIONS.infrastructures, infrastructureRecordSchema, logger),
      readAll(store, COLLECTIONS.services, serviceRecordSchema, logger),
      readAll(store, COLLECTIONS.versions, versionRecordSchema, logger),
      readAll(store, COLLECTIONS.deployments, deploymentRecordSchema, logger),
      readAll(store, COLLECTIONS.apiKeys, apiKeyRecordSchema, logger),
      readAll(store, COLLECTIONS.groups, groupRecordSchema, logger),
      readAll(store, COLLECTIONS.users, userRecordSchema, logger),
      store.get(COLLECTIONS.settings, SETTINGS_ID),
    ]);
  const settings = settingsDoc ? settingsRecordSchema.safeParse(settingsDoc.value) : undefined;
  return {
    infrastructures,
    services,
    versions,
    deployments,
    apiKeys,
    groups,
    users,
    settings: settings?.success ? settings.data : EMPTY_SNAPSHOT.settings,
  };
}

/**
 * The control plane's state as this replica knows it: read at start, re-read when any
 * replica announces a change (coalesced), and at once after this replica's own writes.
 */
export class ControlState {
  private snapshotValue: ControlSnapshot;
  private readonly listeners = new Set<(snapshot: ControlSnapshot) => void>();
  private unsubscribe: Unsubscribe | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    initial: ControlSnapshot,
  ) {
    this.snapshotValue = initial;
  }

  static async open(store: Store, logger: Logger): Promise<ControlState> {
    const state = new ControlState(store, logger, EMPTY_SNAPSHOT);
    // Subscribe before the first read so no change between the two is missed.
    state.unsubscribe = await store.subscribe(CONTROL_CHANNEL, () => void state.refresh());
    state.snapshotValue = await readSnapshot(store, logger);
    return state;
  }

  get snapshot(): ControlSnapshot {
    return this.snapshotValue;
  }

  onChange(listener: (snapshot: ControlSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the store; concurrent calls coalesce into one more read. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.readAndNotify().finally(() => {
      this.refreshing = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private async readAndNotify(): Promise<void> {
    if (this.closed) return;
    try {
      this.snapshotValue = await readSnapshot(this.store, this.logger);
    } catch (err) {
      this.logger.error({ err }, 'control-plane state could not be read; keeping the previous state');
      return;
    }
    for (const listener of this.listeners) listener(this.snapshotValue);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.unsubscribe?.();
  }
}
