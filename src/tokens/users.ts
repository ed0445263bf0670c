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
    for (const u of snapshot.users) users.set(u.id, toTokenUser(u, groupScopes));
    this.built = { snapshot, config, users, version: ++this.versions };
    return this.built;
  }

  /**
   * Disabled or deleted users lose their tokens at once: every replica sees the snapshot
   * change (the `control` channel) and revokes the subject; re-enabling lifts it.
   */
  watch(revocations: RevocationList, clock: Clock): () => void {
    let known = new Map(this.state.snapshot.users.map((u) => [u.id, u] as const));
    for (const u of known.values()) if (u.disabled) revocations.revokeSubject(u.id, clock.now());
    return this.state.onChange((snapshot) => {
      const next = new Map(snapshot.users.map((u) => [u.id, u] as const));
      for (const [id, before] of known) {
        const after = next.get(id);
        if (!after || (after.disabled && !before.disabled)) revocations.revokeSubject(id, clock.now());
      }
      for (const [id, after] of next) {
        const before = known.get(id);
        if (after.disabled && !before) revocations.revokeSubject(id, clock.now());
        if (!after.disabled && before?.disabled && before.createdAt === after.createdAt)
          revocations.restoreSubject(id);
      }
      known = next;
    });
  }
}

function toTokenUser(u: UserRecord, groupScopes: ReadonlyMap<string, readonly string[]>): TokenUser {
  const scopes = [...new Set(u.groups.flatMap((g) => groupScopes.get(g) ?? []))];
  return {
    id: u.id,
    displayName: u.displayName,
    groups: u.groups,
    scopes,
    scopeSet: new Set(scopes),
    disabled: u.disabled,
    passwordHash: u.passwordHash,
    createdAt: u.createdAt,
  };
}
