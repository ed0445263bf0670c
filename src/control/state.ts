/**
 * The control plane's objects (those created through the admin API) as one replica
 * holds them in memory: the snapshot the data plane and the admin API read from.
 */
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { ResyncLoop } from '../store/resync.js';
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

/** A re-read and what became of it: listeners that failed to apply it (a refused plan rebuild). */
export interface AppliedSnapshot {
  readonly snapshot: ControlSnapshot;
  readonly failures: readonly unknown[];
}

/** Awaited in turn after every re-read (the plan rebuild, the token service's user watch). */
export type SnapshotListener = (snapshot: ControlSnapshot) => void | Promise<void>;

export interface ControlStateOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: GatehouseMetrics;
}

/** How long `refresh()` waits for a read that started after it was called. */
const REFRESH_TIMEOUT_MS = 10_000;

/**
 * The control plane's state as this replica knows it: read at start, re-read when any
 * replica announces a change or the store says notifications may have been missed, and
 * after this replica's own writes. Re-reads go through a ResyncLoop: coalesced, retried
 * with backoff until they succeed (a failed read never drops a change), and counted as
 * done only once every listener (the plan rebuild) has run, so "read" means "serving".
 */
export class ControlState {
  private snapshotValue: ControlSnapshot = EMPTY_SNAPSHOT;
  private readonly listeners = new Set<SnapshotListener>();
  private unsubscribe: Unsubscribe | undefined;
  private readonly loop: ResyncLoop<AppliedSnapshot>;
  private closed = false;

  private constructor(
    private readonly store: Store,
    private readonly options: ControlStateOptions,
  ) {
    this.loop = new ResyncLoop({
      name: 'control',
      read: () => this.readAndApply(),
      clock: options.clock,
      logger: options.logger,
      metrics: options.metrics,
    });
  }

  static async open(store: Store, options: ControlStateOptions): Promise<ControlState> {
    const state = new ControlState(store, options);
    try {
      // Subscribe before the first read so no change between the two is missed.
      const reread = (): void => void state.loop.request();
      state.unsubscribe = await store.subscribe(CONTROL_CHANNEL, reread, { onResync: reread });
      await state.loop.first();
    } catch (err) {
      await state.close();
      throw err;
    }
    return state;
  }

  get snapshot(): ControlSnapshot {
    return this.snapshotValue;
  }

  onChange(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Re-reads the store with a read that starts now (not one already running, which may
   * have missed a write the caller just committed) and applies it; resolves once every
   * listener has run. Rejects with StoreUnavailableError when no such read succeeded
   * within `timeoutMs`; the re-read goes on in the background.
   */
  readAfterNow(timeoutMs: number): Promise<AppliedSnapshot> {
    return this.loop.readAfterNow(timeoutMs);
  }

  /** readAfterNow with a generous timeout, for callers that only need the state current. */
  async refresh(): Promise<void> {
    await this.loop.readAfterNow(REFRESH_TIMEOUT_MS);
  }

  /** How long this replica has been serving a snapshot it knows to be out of date; 0 when current. */
  staleForMs(): number {
    return this.loop.staleForMs();
  }

  private async readAndApply(): Promise<AppliedSnapshot> {
    const snapshot = await readSnapshot(this.store, this.options.logger);
    const failures: unknown[] = [];
    if (this.closed) return { snapshot, failures };
    this.snapshotValue = snapshot;
    for (const listener of this.listeners)
      try {
        await listener(snapshot);
      } catch (err) {
        failures.push(err);
      }
    return { snapshot, failures };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.loop.close();
    await this.unsubscribe?.();
  }
}
