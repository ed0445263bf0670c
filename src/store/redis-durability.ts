/**
 * Whether Redis keeps what it acknowledges, and how a write waits until it does.
 *
 * With Redis's defaults (`appendonly no`) a crash loses acknowledged writes: a deleted
 * key or revoked token comes back. So the Redis store reads the persistence settings at
 * start (CONFIG GET, or INFO persistence where CONFIG is disabled) and after every
 * reconnection, and plans how a document write waits before the store answers:
 *
 * - `appendfsync always`: Redis fsyncs the AOF before it replies; nothing to wait for.
 * - Redis >= 7.2: `WAITAOF 1 0 <ms>` (the local AOF is fsynced).
 * - older, with replicas: `WAIT 1 <ms>` (one replica has the write; a failover keeps it).
 * - older, no replica, `everysec`/`no`: nothing to wait with; the loss window (about
 *   1 s, or the OS's flush interval) is logged and `gatehouse_store_durable` is 0.
 *
 * WAIT/WAITAOF cover the writes of the connection they are sent on, and block it. So
 * they run on a dedicated connection after a marker write (INCR of `P durability`):
 * the AOF and the replication stream are ordered, so the marker being persisted means
 * every write acknowledged before it is. Waiting writes share rounds (group commit):
 * a round that starts after a write was acknowledged covers it.
 */
import { StoreNotPersistedError } from './errors.js';

export type AppendFsync = 'always' | 'everysec' | 'no';

export interface PersistenceFacts {
  readonly appendOnly: boolean;
  /** Undefined when CONFIG is disabled (INFO does not tell). */
  readonly appendFsync: AppendFsync | undefined;
  readonly version: readonly [number, number, number];
  readonly connectedReplicas: number;
  /** Where appendonly was read: CONFIG GET, or INFO persistence when CONFIG is refused. */
  readonly source: 'config' | 'info';
}

export type PersistWait =
  | { readonly kind: 'none' }
  | { readonly kind: 'waitaof' }
  | { readonly kind: 'wait'; readonly replicas: number };

export interface DurabilityPlan {
  /** Every write the store acknowledges is persisted (fsynced, or on a replica) first. */
  readonly durable: boolean;
  readonly wait: PersistWait;
  /** What is not durable and what to do, for the start-up log or refusal. */
  readonly problem?: string;
  /** Writes are not persisted at all (`appendonly no`): refused unless requireDurability is false. */
  readonly refuse: boolean;
}

const FIX = 'set `appendonly yes` (and `appendfsync always`, or use Redis >= 7.2) in redis.conf';

export function planDurability(facts: PersistenceFacts): DurabilityPlan {
  const [major, minor] = facts.version;
  const hasWaitAof = major > 7 || (major === 7 && minor >= 2);
  const replicaWait: PersistWait =
    facts.connectedReplicas > 0 ? { kind: 'wait', replicas: 1 } : { kind: 'none' };
  if (!facts.appendOnly)
    return {
      durable: false,
      refuse: true,
      wait: replicaWait,
      problem: `Redis does not persist writes (appendonly is "no", read from ${facts.source === 'config' ? 'CONFIG GET' : 'INFO persistence'}): a Redis crash or restart loses acknowledged writes, and a deleted key or revoked token works again. Fix: ${FIX}, or set store.redis.requireDurability: false to run anyway`,
    };
  if (facts.appendFsync === 'always') return { durable: true, refuse: false, wait: { kind: 'none' } };
  if (hasWaitAof) return { durable: true, refuse: false, wait: { kind: 'waitaof' } };
  if (replicaWait.kind === 'wait') return { durable: true, refuse: false, wait: replicaWait };
  const policy = facts.appendFsync ?? 'unknown (CONFIG is disabled)';
  return {
    durable: false,
    refuse: false,
    wait: { kind: 'none' },
    problem: `Redis ${facts.version.join('.')} fsyncs its AOF with appendfsync ${policy}, has no WAITAOF (Redis >= 7.2) and no replica to WAIT for: a Redis crash can lose the last writes it acknowledged (about 1 s with everysec). Fix: set appendfsync always, or upgrade to Redis >= 7.2, or add a replica`,
  };
}

/** The command that waits for the marker write, with its timeout; undefined when nothing waits. */
export function waitCommand(wait: PersistWait, timeoutMs: number): (string | number)[] | undefined {
  switch (wait.kind) {
    case 'none':
      return undefined;
    case 'waitaof':
      return ['WAITAOF', 1, 0, timeoutMs];
    case 'wait':
      return ['WAIT', wait.replicas, timeoutMs];
  }
}

/** Throws StoreNotPersistedError unless the WAITAOF/WAIT reply confirms persistence. */
export function checkWaitReply(wait: PersistWait, reply: unknown, timeoutMs: number): void {
  const confirmed =
    wait.kind === 'waitaof'
      ? Array.isArray(reply) && Number(reply[0]) >= 1
      : wait.kind === 'wait'
        ? Number(reply) >= wait.replicas
        : true;
  if (!confirmed)
    throw new StoreNotPersistedError(
      `Redis did not confirm within ${timeoutMs} ms that the write is persisted (${wait.kind === 'waitaof' ? 'WAITAOF' : 'WAIT'} answered ${JSON.stringify(reply)})`,
    );
}

/** The reply of INFO <section> as field → value. */
export function parseInfo(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(reply).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

export function parseVersion(text: string | undefined): [number, number, number] {
  const [major, minor, patch] = (text ?? '0.0.0').split('.').map((n) => Number.parseInt(n, 10) || 0);
  return [major ?? 0, minor ?? 0, patch ?? 0];
}

/** CONFIG GET's reply (a flat [name, value] list) → the value of `name`. */
export function configValue(reply: unknown, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const index = (reply as unknown[]).findIndex((v) => String(v).toLowerCase() === name);
  return index >= 0 && index + 1 < reply.length ? String(reply[index + 1]) : undefined;
}

/**
 * Group commit: `wait()` resolves once a round that started after the call succeeded.
 * At most one round runs; calls made meanwhile share the next one.
 */
export class PersistRounds {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly round: () => Promise<void>) {}

  wait(): Promise<void> {
    if (this.running === undefined) return this.start();
    this.queued ??= this.running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const round: Promise<void> = this.round().finally(() => {
      if (this.running === round) this.running = undefined;
    });
    this.running = round;
    return round;
  }
}
