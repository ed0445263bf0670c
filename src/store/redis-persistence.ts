/**
 * The Redis store's durability at run time (the rules are in redis-durability.ts):
 * reads the persistence settings at start and after every reconnection, refuses or
 * warns, sets `gatehouse_store_durable`, and makes each document write wait until it is
 * persisted before the store answers.
 */
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { StoreNotDurableError, StoreNotPersistedError } from './errors.js';
import { isReplyError, type RedisLink } from './redis-client.js';
import {
  checkWaitReply,
  configValue,
  parseInfo,
  parseVersion,
  PersistRounds,
  planDurability,
  waitCommand,
  type DurabilityPlan,
  type PersistenceFacts,
} from './redis-durability.js';

export interface PersistenceOptions {
  readonly link: RedisLink;
  /** The marker key written before each WAIT/WAITAOF (in the store's hash slot). */
  readonly marker: string;
  readonly commandTimeoutMs: number;
  readonly requireDurability: boolean;
  readonly logger?: Logger | undefined;
  readonly metrics?: GatehouseMetrics | undefined;
}

/** Reads what Redis does with writes: CONFIG GET, or INFO persistence when CONFIG is refused. */
export async function readPersistence(link: RedisLink): Promise<PersistenceFacts> {
  const server = parseInfo(await link.call('INFO', 'server'));
  const replication = parseInfo(await link.call('INFO', 'replication'));
  const version = parseVersion(server.get('redis_version'));
  const connectedReplicas = Number(replication.get('connected_slaves') ?? 0) || 0;
  try {
    const appendOnly = configValue(await link.call('CONFIG', 'GET', 'appendonly'), 'appendonly');
    const fsync = configValue(await link.call('CONFIG', 'GET', 'appendfsync'), 'appendfsync');
    if (appendOnly !== undefined)
      return {
        appendOnly: appendOnly === 'yes',
        appendFsync: fsync === 'always' || fsync === 'everysec' || fsync === 'no' ? fsync : undefined,
        version,
        connectedReplicas,
        source: 'config',
      };
  } catch (err) {
    // CONFIG renamed, disabled or denied by ACL (managed Redis): INFO still tells whether AOF is on.
    if (!isReplyError(err)) throw err;
  }
  const persistence = parseInfo(await link.call('INFO', 'persistence'));
  return {
    appendOnly: persistence.get('aof_enabled') === '1',
    appendFsync: undefined,
    version,
    connectedReplicas,
    source: 'info',
  };
}

export class RedisPersistence {
  private plan: DurabilityPlan | undefined;
  private readonly rounds: PersistRounds;
  /** WAIT/WAITAOF's own timeout: inside the command timeout, so Redis answers before the client gives up. */
  private readonly waitMs: number;

  constructor(private readonly options: PersistenceOptions) {
    this.waitMs = Math.max(
      1,
      Math.min(options.commandTimeoutMs - 200, Math.floor(options.commandTimeoutMs * 0.8)),
    );
    this.rounds = new PersistRounds(() => this.round());
    options.link.onReconnect(() => {
      // Redis may have restarted with other settings (or failed over to a node with others).
      this.check().catch((err: unknown) =>
        options.logger?.warn(
          { err: { message: (err as Error).message } },
          'Redis persistence settings could not be re-read',
        ),
      );
    });
  }

  /**
   * Reads the settings and plans the waits. Throws StoreNotDurableError when Redis does
   * not persist writes and requireDurability is on, StoreUnavailableError-like errors
   * when Redis cannot answer.
   */
  async check(): Promise<DurabilityPlan> {
    const plan = planDurability(await readPersistence(this.options.link));
    const first = this.plan === undefined;
    this.options.metrics?.storeDurable.set(plan.durable ? 1 : 0);
    if (plan.refuse && this.options.requireDurability && first)
      throw new StoreNotDurableError(plan.problem ?? '');
    this.plan = plan;
    const log = this.options.logger;
    if (plan.problem !== undefined)
      (plan.refuse ? log?.error.bind(log) : log?.warn.bind(log))?.(
        { wait: plan.wait.kind },
        `REDIS IS NOT DURABLE: ${plan.problem}`,
      );
    else if (first)
      log?.info({ wait: plan.wait.kind }, 'Redis persists every write before Gatehouse acknowledges it');
    return plan;
  }

  /** Before the first document write: the settings are known (and acceptable). */
  async ready(): Promise<void> {
    if (this.plan === undefined) await this.check();
  }

  /** After a document write: resolves once it is persisted as the plan says (StoreNotPersistedError if not). */
  async afterWrite(): Promise<void> {
    if (this.plan !== undefined && this.plan.wait.kind !== 'none') await this.rounds.wait();
  }

  private async round(): Promise<void> {
    const plan = this.plan;
    const command = plan === undefined ? undefined : waitCommand(plan.wait, this.waitMs);
    if (plan === undefined || command === undefined) return;
    try {
      const reply = await this.options.link.persist(this.options.marker, command).catch((err: unknown) => {
        throw new StoreNotPersistedError(
          `Redis could not confirm that the write is persisted (${err instanceof Error ? err.message : String(err)})`,
          { cause: err },
        );
      });
      checkWaitReply(plan.wait, reply, this.waitMs);
    } catch (err) {
      // A replica may be gone for good: re-read the topology for the next writes.
      this.check().catch(() => undefined);
      throw err;
    }
  }
}
