/**
 * Every live personal API token, in memory, indexed by the SHA-256 of the token so the
 * data plane finds one with a map read. Loaded at start and kept current through the
 * `tokens` channel, which every create and delete announces in its own transaction:
 * the replica that made the change updates its index at once, the others when the
 * notification arrives (milliseconds with Redis). A change that cannot be read, or a
 * store that says notifications may have been missed, makes the index re-read every
 * token (a ResyncLoop: retried with backoff until it succeeds), so a deletion is never
 * missed for good.
 */
import {
  digestFromHash,
  digestOf,
  findByDigest,
  type DigestEntry,
  type KeyDigest,
} from '../auth/authenticators/api-key.js';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { ResyncLoop } from '../store/resync.js';
import type { Store, Unsubscribe } from '../store/types.js';

export const PERSONAL_TOKENS = 'personal-tokens';
export const TOKENS_CHANNEL = 'tokens';

export const personalTokenSchema = z.object({
  id: z.string(),
  user: z.string(),
  userCreatedAt: z.number(),
  name: z.string(),
  /** The first characters of the token, to recognise it in lists. */
  prefix: z.string(),
  /** `sha256:<hex>` of the token. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** Absent: the user's scopes, whatever they are at the time of use. */
  scopes: z.array(z.string()).optional(),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type PersonalTokenRecord = z.infer<typeof personalTokenSchema>;

export interface PersonalTokenEntry {
  readonly record: PersonalTokenRecord;
  readonly digest: KeyDigest;
}

export class PersonalTokenIndex {
  private readonly byDigest = new Map<KeyDigest, DigestEntry<PersonalTokenEntry>>();
  private readonly byId = new Map<string, PersonalTokenEntry>();
  private unsubscribe: Unsubscribe | undefined;
  private readonly resync: ResyncLoop<void>;
  /** Ids changed while a full load runs: the load may have read them before the change. */
  private touched: Set<string> | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    options: { readonly clock: Clock; readonly metrics?: GatehouseMetrics },
  ) {
    this.resync = new ResyncLoop({
      name: 'personal_tokens',
      read: () => this.loadAll(),
      clock: options.clock,
      logger,
      metrics: options.metrics,
    });
  }

  async start(): Promise<void> {
    const reload = (): void => void this.resync.request();
    this.unsubscribe = await this.store.subscribe(TOKENS_CHANNEL, (message) => this.reload(message), {
      onResync: reload,
    });
    await this.resync.first();
  }

  /** The entry of a presented token, if one is live in the index (expiry is the caller's check). */
  find(token: string): PersonalTokenEntry | undefined {
    return findByDigest(this.byDigest, digestOf(token));
  }

  get(id: string): PersonalTokenEntry | undefined {
    return this.byId.get(id);
  }

  listFor(user: string): PersonalTokenRecord[] {
    const out: PersonalTokenRecord[] = [];
    for (const entry of this.byId.values()) if (entry.record.user === user) out.push(entry.record);
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  upsert(record: PersonalTokenRecord): void {
    this.touched?.add(record.id);
    this.put(record);
  }

  remove(id: string): void {
    this.touched?.add(id);
    this.drop(id);
  }

  /** Forgets tokens that expired (the store drops their documents by TTL). */
  prune(now: number): void {
    for (const entry of [...this.byId.values()])
      if (entry.record.expiresAt <= now) this.remove(entry.record.id);
  }

  async close(): Promise<void> {
    this.resync.close();
    await this.unsubscribe?.();
  }

  private put(record: PersonalTokenRecord): void {
    this.drop(record.id);
    const digest = digestFromHash(record.hash);
    const entry = { record, digest };
    this.byDigest.set(digest, { digest, value: entry });
    this.byId.set(record.id, entry);
  }

  private drop(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    this.byDigest.delete(entry.digest);
  }

  /**
   * Reads every stored token and replaces the index with them. Tokens created, deleted or
   * re-read meanwhile keep their newer state and are read once more afterwards (the
   * load may have seen them before the change). Throws when the store cannot answer.
   */
  private async loadAll(): Promise<void> {
    const touched = new Set<string>();
    this.touched = touched;
    const stored = new Map<string, unknown>();
    try {
      let after: string | undefined;
      do {
        const page = await this.store.list(PERSONAL_TOKENS, {
          limit: 1000,
          ...(after === undefined ? {} : { after }),
        });
        for (const doc of page.items) stored.set(doc.id, doc.value);
        after = page.next;
      } while (after !== undefined);
    } finally {
      if (this.touched === touched) this.touched = undefined;
    }
    for (const [id, value] of stored) if (!touched.has(id)) this.accept(value);
    for (const id of [...this.byId.keys()]) if (!stored.has(id) && !touched.has(id)) this.drop(id);
    for (const id of touched) await this.readOne(id);
  }

  private accept(value: unknown): void {
    const parsed = personalTokenSchema.safeParse(value);
    if (parsed.success) this.put(parsed.data);
    else this.logger.error('skipping an invalid stored personal token');
  }

  /** Present → upsert, gone → remove. Throws when the store cannot answer. */
  private async readOne(id: string): Promise<void> {
    const doc = await this.store.get(PERSONAL_TOKENS, id);
    if (doc) this.accept(doc.value);
    else this.drop(id);
  }

  /** A notification names a token id: re-read it (present → upsert, gone → remove). */
  private async reload(message: string): Promise<void> {
    let id: unknown;
    try {
      id = (JSON.parse(message) as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'string') {
      this.logger.warn('ignoring a malformed personal token notification');
      return;
    }
    this.touched?.add(id);
    try {
      await this.readOne(id);
    } catch (err) {
      this.logger.error({ err }, 'a personal token change could not be read; re-reading all tokens');
      this.resync.request();
    }
  }
}
