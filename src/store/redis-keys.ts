/**
 * Redis key layout (P = keyPrefix, default `gatehouse:{gh}:`):
 *
 *   P d:<collection>:<id>   hash {v: JSON value, r: revision, c: createdAt, u: updatedAt, e?: expiresAt}
 *                           with PEXPIRE when it expires
 *   P i:<collection>        sorted set, all scores 0, members = ids: the lexicographic index
 *                           that `list` pages through with ZRANGEBYLEX (never KEYS/SCAN)
 *   P x:<collection>        sorted set, score = expiresAt, members = ids of expiring documents:
 *                           exact `count` and lazy removal of expired index entries
 *   P n:<key>               hash {c: count, r: resetAt} with PEXPIRE: a rate-limit counter
 *   P r:<key>               string: a GCRA theoretical arrival time (ms), PX until it passed
 *   P audit                 sorted set, score = sequence, member = "<16-digit id> <JSON body>"
 *   P audit:seq             the audit sequence (INCR)
 *   P s:<channel>           stream of a notification channel (XADD MAXLEN ~ 10000)
 *   P s:<channel>           also the pub/sub channel that wakes subscribers up
 *   P durability            counter INCRed before each WAIT/WAITAOF (redis-durability.ts)
 *
 * Collection names cannot contain ":", so `d:<collection>:<id>` is unambiguous.
 *
 * Cluster: a Lua script may only touch keys of one hash slot, and a transaction spans
 * documents of several collections plus their indexes and streams. The `{...}` hash
 * tag in the prefix puts every Gatehouse key in one slot, so every script works on a
 * Cluster unchanged. The trade-off: Gatehouse's data lives on one shard (and its
 * replicas) instead of spreading over the Cluster. That is fine for this data (control
 * plane objects, tokens, counters: megabytes, not terabytes) and is what makes
 * all-or-nothing writes possible; two Gatehouse installations sharing a Cluster use
 * different tags to land on different shards.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  doc(collection: string, id: string): string {
    return `${this.prefix}d:${collection}:${id}`;
  }

  index(collection: string): string {
    return `${this.prefix}i:${collection}`;
  }

  expiry(collection: string): string {
    return `${this.prefix}x:${collection}`;
  }

  counter(key: string): string {
    return `${this.prefix}n:${key}`;
  }

  /** GCRA state of a traffic rate limit (src/policy/redis-gcra.ts). */
  rateLimit(key: string): string {
    return `${this.prefix}r:${key}`;
  }

  audit(): string {
    return `${this.prefix}audit`;
  }

  auditSeq(): string {
    return `${this.prefix}audit:seq`;
  }

  /** Written before WAIT/WAITAOF so they cover every write acknowledged before it. */
  durabilityMarker(): string {
    return `${this.prefix}durability`;
  }

  /** The stream of a notification channel; also used as its pub/sub channel name. */
  stream(channel: string): string {
    return `${this.prefix}s:${channel}`;
  }
}
