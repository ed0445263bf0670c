import type { Clock } from '../clock.js';
import type { Identity } from './types.js';

/**
 * What has been revoked, kept in memory so checking it costs two map lookups. Fed
 * locally at once by the replica that revokes and by store notifications elsewhere.
 * Every identity served from a cache is checked against it, so a cached verification
 * cannot outlive a revocation.
 */
export class RevocationList {
  /** Token or credential ids (jti, personal token id) → time after which the entry can be forgotten. */
  private readonly credentials = new Map<string, number>();
  /** Subject → tokens issued at or before this time (ms) are revoked (logout everywhere, user disabled). */
  private readonly subjects = new Map<string, number>();
  /**
   * Refresh-token sessions (`sid` of Gatehouse JWTs) → time after which the entry can be
   * forgotten. Checked only by deployments with `strictRevocation` (isSessionRevoked), so
   * adding one does not notify the listeners (no cached identity changes state).
   */
  private readonly sessions = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  revokeCredential(id: string, forgetAfter: number): void {
    this.credentials.set(id, forgetAfter);
    this.changed();
  }

  revokeSubject(subject: string, issuedAtOrBefore: number): void {
    const previous = this.subjects.get(subject) ?? 0;
    this.subjects.set(subject, Math.max(previous, issuedAtOrBefore));
    this.changed();
  }

  /** Lifts a subject-wide revocation (a user re-enabled); credential revocations stay. */
  restoreSubject(subject: string): void {
    if (this.subjects.delete(subject)) this.changed();
  }

  revokeSession(sessionId: string, forgetAfter: number): void {
    this.sessions.set(sessionId, Math.max(this.sessions.get(sessionId) ?? 0, forgetAfter));
  }

  isSessionRevoked(sessionId: string): boolean {
    return this.sessions.size > 0 && this.sessions.has(sessionId);
  }

  isRevoked(identity: Identity): boolean {
    if (
      this.credentials.size > 0 &&
      identity.credentialId !== '' &&
      this.credentials.has(identity.credentialId)
    )
      return true;
    if (this.subjects.size === 0 || identity.subject === '') return false;
    const before = this.subjects.get(identity.subject);
    return before !== undefined && (identity.issuedAt ?? 0) <= before;
  }

  /** Drops credential and session entries whose tokens have expired anyway. */
  prune(): void {
    const now = this.clock.now();
    for (const [id, forgetAfter] of this.credentials) if (forgetAfter <= now) this.credentials.delete(id);
    for (const [id, forgetAfter] of this.sessions) if (forgetAfter <= now) this.sessions.delete(id);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
