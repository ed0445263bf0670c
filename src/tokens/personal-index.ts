/**
 * Every live personal API token, in memory, indexed by the SHA-256 of the token so the
 * data plane finds one with a map read. Loaded at start and kept current through the
 * `tokens` channel, which every create and delete announces in its own transaction:
 * the replica that made the change updates its index at once, the others when the
 * notification arrives (milliseconds with Redis).
 */
import {
  digestFromHash,
  digestOf,
  findByDigest,
  type DigestEntry,
  type KeyDigest,
} from '../auth/authenticators/api-key.js';
import { z } from 'zod';
import type { Logger } from '../observability/log.js';
import type { Store, Unsubscribe } from '../store/types.js';

export const PERSONAL_TOKENS = 'personal-tokens';
export const TOKENS_CHANNEL = 'tokens';
const RESYNC_DELAY_MS = 1000;

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
  private resync: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.store.subscribe(TOKENS_CHANNEL, (message) => this.reload(message));
    await this.loadAll();
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
    this.remove(record.id);
    const digest = digestFromHash(record.hash);
    const entry = { record, digest };
    this.byDigest.set(digest, { digest, value: entry });
    this.byId.set(record.id, entry);
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    this.byDigest.delete(entry.digest);
  }

  /** Forgets tokens that expired (the store drops their documents by TTL). */
  prune(now: number): void {
    for (const entry of [...this.byId.values()])
      if (entry.record.expiresAt <= now) this.remove(entry.record.id);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.resync !== undefined) clearTimeout(this.resync);
    await this.unsubscribe?.();
  }

  /** Reads every stored token and replaces the index with them. */
  private async loadAll(): Promise<void> {
    const seen = new Set<string>();
    let after: string | undefined;
    do {
      const page = await this.store.list(PERSONAL_TOKENS, {
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      for (const doc of page.items) {
        seen.add(doc.id);
        this.accept(doc.value);
      }
      after = page.next;
    } while (after !== undefined);
    for (const id of [...this.byId.keys()]) if (!seen.has(id)) this.remove(id);
  }

  /**
   * A notification could not be applied (store unreachable): re-read everything until it
   * works, so a deletion is never missed for good.
   */
  private resyncSoon(): void {
    if (this.resync !== undefined || this.closed) return;
    this.resync = setTimeout(() => {
      this.resync = undefined;
      this.loadAll().catch((err: unknown) => {
        this.logger.error({ err }, 'personal tokens could not be re-read; retrying');
        this.resyncSoon();
      });
    }, RESYNC_DELAY_MS).unref();
  }

  private accept(value: unknown): void {
    const parsed = personalTokenSchema.safeParse(value);
    if (parsed.success) this.upsert(parsed.data);
    else this.logger.error('skipping an invalid stored personal token');
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
    try {
      const doc = await this.store.get(PERSONAL_TOKENS, id);
      if (doc) this.accept(doc.value);
      else this.remove(id);
    } catch (err) {
      this.logger.error({ err }, 'a personal token change could not be read; re-reading all tokens');
      this.resyncSoon();
    }
  }
}
