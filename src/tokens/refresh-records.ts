/**
 * Refresh tokens as stored. A token is `ghr_<id>.<secret>`: the id finds its document,
 * the secret (256 random bits) is kept only as a SHA-256 digest and compared in constant
 * time. Tokens of one (user, client id) form a family — the chain of rotations, whose id
 * is the `sid` of the JWTs issued from it. The family document says which token is
 * current and which one it replaced, so a rotated token is recognised when presented again.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SECRET_PREFIXES, sha256Hex } from '../auth/api-key-hash.js';
import type { WriteOp } from '../store/types.js';
import { sealedSuccessorSchema } from './successor-seal.js';

export const FAMILIES = 'refresh-families';
export const REFRESH_TOKENS = 'refresh-tokens';

export const familySchema = z.object({
  user: z.string(),
  /** The user's createdAt when the family began (a re-created user does not inherit it). */
  userCreatedAt: z.number(),
  clientId: z.string(),
  /** Random per family; replaced families and their tokens are told apart by it. */
  sessionId: z.string(),
  createdAt: z.number(),
  /** Absolute end of the chain (rotation does not extend it). */
  expiresAt: z.number(),
  /** Inactivity timeout: the chain dies when unused this long. */
  unusedLifeMs: z.number().optional(),
  lastUsedAt: z.number(),
  current: z.string(),
  /** The current token was used for a refresh without rotation (ends the retry grace). */
  currentUsed: z.boolean(),
  previous: z.string().optional(),
  previousRotatedAt: z.number().optional(),
  /**
   * The current token's secret sealed under the previous token (successor-seal.ts):
   * present from a rotation until the current token is first used, so a retry of that
   * rotation within the grace window gets the same successor back.
   */
  successor: sealedSuccessorSchema.optional(),
});
export type FamilyRecord = z.infer<typeof familySchema>;

export const refreshTokenSchema = z.object({
  familyKey: z.string(),
  sessionId: z.string(),
  /** SHA-256 hex of the secret part. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  issuedAt: z.number(),
  /** `superseded`: issued, then replaced during a retry grace before anyone used it (no longer written). */
  state: z.enum(['issued', 'superseded']),
});
export type RefreshTokenRecord = z.infer<typeof refreshTokenSchema>;

const TOKEN_SHAPE = /^ghr_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface ParsedRefreshToken {
  readonly id: string;
  readonly secret: string;
}

export function parseRefreshToken(token: string): ParsedRefreshToken | undefined {
  const match = TOKEN_SHAPE.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export interface NewRefreshToken {
  readonly id: string;
  readonly secret: string;
  readonly token: string;
  readonly hash: string;
}

export function formatRefreshToken(id: string, secret: string): string {
  return `${SECRET_PREFIXES.refreshToken}${id}.${secret}`;
}

export function newRefreshToken(): NewRefreshToken {
  const id = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: formatRefreshToken(id, secret), hash: sha256Hex(secret) };
}

export function secretMatches(record: RefreshTokenRecord, secret: string): boolean {
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(actual, Buffer.from(record.hash, 'hex'));
}

/** The id prefix shared by every family of one user (so a user's families can be listed). */
export function familyPrefixOf(user: string): string {
  return `${sha256Hex(user).slice(0, 32)}.`;
}

/** One family per (user, client id): its document id. */
export function familyKeyOf(user: string, clientId: string): string {
  return `${familyPrefixOf(user)}${sha256Hex(`${user}\n${clientId}`)}`;
}

/** 128 random bits in hex: the `sid` of the chain's JWTs, and its id in the admin API. */
export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}

/** When a family stops being usable, given the current cap on lifetimes. */
export function familyDeadlines(
  family: FamilyRecord,
  capMs: number | undefined,
): { readonly absoluteEnd: number; readonly inactiveAt: number } {
  const absoluteEnd =
    capMs === undefined ? family.expiresAt : Math.min(family.expiresAt, family.createdAt + capMs);
  const unused =
    family.unusedLifeMs === undefined || capMs === undefined
      ? family.unusedLifeMs
      : Math.min(family.unusedLifeMs, capMs);
  return { absoluteEnd, inactiveAt: unused === undefined ? Infinity : family.lastUsedAt + unused };
}

/** Store TTL for a family document last used at `now`. */
export function familyTtl(family: FamilyRecord, capMs: number | undefined, now: number): number {
  const { absoluteEnd, inactiveAt } = familyDeadlines(family, capMs);
  return Math.max(1, Math.min(absoluteEnd, inactiveAt) - now);
}

/** Compare-and-set retries before a refresh gives up (409). */
export const MAX_ATTEMPTS = 5;

/** What the audit trail and the answer need to know about a family. */
export interface FamilyFacts {
  readonly user: string;
  readonly clientId: string;
  readonly sessionId: string;
  /** When the chain began and its requested absolute end (before the lifetime cap). */
  readonly createdAt: number;
  readonly expiresAt: number;
}

export function facts(family: FamilyRecord): FamilyFacts {
  return {
    user: family.user,
    clientId: family.clientId,
    sessionId: family.sessionId,
    createdAt: family.createdAt,
    expiresAt: family.expiresAt,
  };
}

/** Creates a token document of a family; it lives as long as the chain can. */
export function tokenCreateOp(
  token: { readonly id: string; readonly hash: string },
  familyKey: string,
  family: FamilyRecord,
  now: number,
  capMs: number | undefined,
): WriteOp {
  return {
    op: 'create',
    collection: REFRESH_TOKENS,
    id: token.id,
    value: { familyKey, sessionId: family.sessionId, hash: token.hash, issuedAt: now, state: 'issued' },
    ttlMs: Math.max(1, familyDeadlines(family, capMs).absoluteEnd - now),
  };
}
