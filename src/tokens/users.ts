/**
 * The users the token service knows (admin API users from the store), with their scopes
 * (union of their groups' scopes, file groups winning over API groups of the same id)
 * and the system settings that bound tokens. Rebuilt lazily when the control-plane
 * snapshot or the configuration file changes, so a lookup is one map read.
 */
import type { RevocationList } from '../auth/revocation.js';
import type { Clock } from '../clock.js';
import type { GatehouseConfig } from '../config/schema.js';
import type { ControlSnapshot, ControlState } from '../control/state.js';
import type { UserRecord } from '../control/model.js';

export interface TokenUser {
  readonly id: string;
  readonly displayName: string | undefined;
  readonly groups: readonly string[];
  /** Union of the groups' scopes, in group order, without duplicates. */
  readonly scopes: readonly string[];
  readonly scopeSet: ReadonlySet<string>;
  readonly disabled: boolean;
  readonly passwordHash: string | undefined;
  /** Distinguishes a user from a later user created with the same id. */
  readonly createdAt: number;
  /** Every token issued at or before this time (ms) is dead: the user's last disable. */
  readonly disabledAt: number | undefined;
  /** The last time a password was set or reset (ms). */
  readonly passwordChangedAt: number | undefined;
  /** Refresh-token chains begun at or before this time are dead (last disable or password change; else -Infinity). */
  readonly refreshFloor: number;
  /** Personal tokens created at or before this time are dead (last disable, and password change unless configured otherwise). */
  readonly personalFloor: number;
}

interface Built {
  readonly snapshot: ControlSnapshot;
  readonly config: GatehouseConfig;
  readonly users: ReadonlyMap<string, TokenUser>;
  readonly version: number;
}

export class UserDirectory {
  private built: Built | undefined;
  private versions = 0;

  constructor(
    private readonly state: ControlState,
    private readonly fileConfig: () => GatehouseConfig,
  ) {}

  get(id: string): TokenUser | undefined {
    return this.current().users.get(id);
  }

  /** Changes whenever users, groups or their scopes may have changed. */
  get version(): number {
    return this.current().version;
  }

  /** Password grant JWTs work everywhere: both the file and the admin API setting must allow it. */
  implicitLogin(): boolean {
    return this.fileConfig().tokens.implicitLogin && this.state.snapshot.settings.implicitLogin;
  }

  /** The cap on refresh-token lifetimes (ms): the admin API setting when set, else the file's. */
  maximumRefreshLifetimeMs(): number | undefined {
    const sec =
      this.state.snapshot.settings.maximumRefreshTokenLifetimeSec ??
      this.fileConfig().tokens.refreshTokens.maximumLifetimeSec;
    return sec === undefined ? undefined : sec * 1000;
  }

  private current(): Built {
    const snapshot = this.state.snapshot;
    const config = this.fileConfig();
    if (this.built?.snapshot === snapshot && this.built.config === config) return this.built;
    const groupScopes = new Map<string, readonly string[]>();
    for (const g of snapshot.groups) groupScopes.set(g.id, g.scopes);
    for (const g of config.groups) groupScopes.set(g.id, g.scopes);
    const users = new Map<string, TokenUser>();
    const revokePersonal = config.tokens.personalTokens.revokeOnPasswordChange;
    for (const u of snapshot.users) users.set(u.id, toTokenUser(u, groupScopes, revokePersonal));
    this.built = { snapshot, config, users, version: ++this.versions };
    return this.built;
  }

  /**
   * Disabled or deleted users lose their tokens at once: every replica sees the snapshot
   * change (the `control` channel) and revokes the subject. Re-enabling does not lift it:
   * tokens issued until the disable (`disabledAt`, stored with the user, so replicas
   * starting later know it too) stay dead; tokens issued afterwards work.
   * `onChange` also receives each user's before and after (the token sweeper's cue).
   */
  watch(
    revocations: RevocationList,
    clock: Clock,
    onChange: (before: UserRecord | undefined, after: UserRecord | undefined) => void = () => undefined,
  ): () => void {
    let known = new Map(this.state.snapshot.users.map((u) => [u.id, u] as const));
    for (const u of known.values()) {
      if (u.disabledAt !== undefined) revocations.revokeSubject(u.id, u.disabledAt);
      if (u.disabled) revocations.revokeSubject(u.id, clock.now());
    }
    return this.state.onChange((snapshot) => {
      const next = new Map(snapshot.users.map((u) => [u.id, u] as const));
      for (const [id, before] of known) {
        const after = next.get(id);
        if (!after || (after.disabled && !before.disabled)) revocations.revokeSubject(id, clock.now());
        if (after !== before) onChange(before, after);
      }
      for (const [id, after] of next) {
        const before = known.get(id);
        if (after.disabledAt !== undefined && after.disabledAt !== before?.disabledAt)
          revocations.revokeSubject(id, after.disabledAt);
        if (after.disabled && !before) revocations.revokeSubject(id, clock.now());
        if (!before) onChange(undefined, after);
      }
      known = next;
    });
  }
}

function toTokenUser(
  u: UserRecord,
  groupScopes: ReadonlyMap<string, readonly string[]>,
  revokePersonalOnPasswordChange: boolean,
): TokenUser {
  const scopes = [...new Set(u.groups.flatMap((g) => groupScopes.get(g) ?? []))];
  const floor = (...times: (number | undefined)[]): number =>
    Math.max(-Infinity, ...times.filter((t): t is number => t !== undefined));
  return {
    id: u.id,
    displayName: u.displayName,
    groups: u.groups,
    scopes,
    scopeSet: new Set(scopes),
    disabled: u.disabled,
    passwordHash: u.passwordHash,
    createdAt: u.createdAt,
    disabledAt: u.disabledAt,
    passwordChangedAt: u.passwordChangedAt,
    refreshFloor: floor(u.disabledAt, u.passwordChangedAt),
    personalFloor: floor(u.disabledAt, revokePersonalOnPasswordChange ? u.passwordChangedAt : undefined),
  };
}
