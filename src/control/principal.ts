import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SECRET_PREFIXES } from '../auth/api-key-hash.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authError } from '../auth/challenge.js';
import { extractCredentials } from '../auth/credentials.js';
import type { Identity } from '../auth/types.js';
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/types.js';
import { adminKeyRecordSchema, COLLECTIONS } from './model.js';
import { scopeLimitOf } from './scopes.js';
import {
  globalPrivilegesFromGroups,
  type GlobalPrivilege,
  type GrantMap,
  type Principal,
} from './permissions.js';

/** A principal plus what the audit log needs to name it. */
export interface ResolvedCaller {
  readonly principal: Principal;
  /** Audit actor: admin key id, user id, or "anonymous". */
  readonly actor: {
    readonly type: 'admin-key' | 'user' | 'anonymous';
    readonly id: string;
    readonly name?: string;
  };
  /** The identity a user token carried (scopes, method, expiry), for /users/me and token checks. */
  readonly identity?: Identity;
  /**
   * The scopes this request is bounded by (a scope-restricted credential); absent when the
   * caller acts with full rights (admin API key, login JWT, personal token without scopes).
   */
  readonly scopeLimit?: ReadonlySet<string>;
}

export interface UserDirectory {
  /** Stored groups and disabled flag of a user, if the user is known. */
  user(id: string): { readonly groups: readonly string[]; readonly disabled: boolean } | undefined;
  /** Global privileges of every group (file and admin API). */
  groupGrants(): GrantMap<GlobalPrivilege>;
}

export interface PrincipalResolverOptions {
  readonly store: Store;
  readonly users: UserDirectory;
  /** User-token methods of the running plan (Gatehouse tokens, configured admin providers). */
  readonly authenticators: () => readonly Authenticator[];
  /** Called after an admin key authenticated (for "last used"). */
  readonly onAdminKeyUse?: (keyId: string) => void;
}

const ANONYMOUS_CALLER: ResolvedCaller = Object.freeze({
  principal: Object.freeze({ kind: 'anonymous' }),
  actor: Object.freeze({ type: 'anonymous', id: 'anonymous' }),
});

/**
 * Who is calling the admin API: an admin API key (Bearer, or Basic with the key as user
 * name and an empty password, as Dataiku's admin clients send it), a user token, or
 * nobody. Bad credentials are 401 — never silently anonymous.
 */
export class PrincipalResolver {
  constructor(private readonly options: PrincipalResolverOptions) {}

  async resolve(req: IncomingMessage): Promise<ResolvedCaller> {
    const credentials = extractCredentials(req.rawHeaders, undefined);
    if (credentials.malformed !== undefined)
      throw authError('invalid_request', credentials.malformed, { basic: true });
    if (!credentials.present) return ANONYMOUS_CALLER;
    const basicKey = credentials.basic?.password === '' ? credentials.basic.user : undefined;
    const secret = credentials.bearer ?? basicKey;
    if (secret?.startsWith(SECRET_PREFIXES.adminKey)) return this.adminKey(secret);
    for (const authenticator of this.options.authenticators()) {
      const result = await authenticator.authenticate(credentials, req);
      switch (result.outcome) {
        case 'authenticated':
          return this.user(result.identity);
        case 'rejected':
          throw authError(result.code, result.description, { basic: true });
        case 'unavailable':
          throw new GatehouseError('auth_unavailable', result.description, {
            headers: { 'retry-after': '5' },
          });
        case 'not-mine':
          break;
      }
    }
    throw authError('invalid_token', 'The credential is not an admin key or a token this server accepts.', {
      basic: true,
    });
  }

  private async adminKey(secret: string): Promise<ResolvedCaller> {
    const digest = createHash('sha256').update(secret, 'utf8').digest();
    const hex = digest.toString('hex');
    const index = await this.options.store.get(COLLECTIONS.adminKeyDigests, hex);
    const keyId = typeof index?.value === 'string' ? index.value : undefined;
    const doc = keyId === undefined ? undefined : await this.options.store.get(COLLECTIONS.adminKeys, keyId);
    const record = doc ? adminKeyRecordSchema.safeParse(doc.value) : undefined;
    const stored = record?.success ? Buffer.from(record.data.hash.slice('sha256:'.length), 'hex') : undefined;
    if (!record?.success || !stored || !timingSafeEqual(stored, digest))
      throw authError('invalid_token', 'The admin API key is not valid.', { basic: true });
    this.options.onAdminKeyUse?.(record.data.id);
    return {
      principal: { kind: 'admin-key', keyId: record.data.id },
      actor: {
        type: 'admin-key',
        id: record.data.id,
        ...(record.data.label ? { name: record.data.label } : {}),
      },
    };
  }

  private user(identity: Identity): ResolvedCaller {
    const stored = this.options.users.user(identity.subject);
    if (stored?.disabled) throw authError('invalid_token', 'This user is disabled.', { basic: true });
    // A Gatehouse token's user is a stored user, whose groups are the truth now: a JWT's
    // `groups` claim is a copy made at issue, and would keep a removed group (admin
    // included) for the JWT's whole life. A provider's claim is the provider's word.
    const claimed = identity.method === 'gatehouse' ? [] : identity.groups;
    const groups = [...new Set([...claimed, ...(stored?.groups ?? [])])];
    const globalPrivileges = globalPrivilegesFromGroups(groups, this.options.users.groupGrants());
    const scopeLimit = scopeLimitOf(identity);
    return {
      principal: { kind: 'user', userId: identity.subject, groups, globalPrivileges },
      actor: { type: 'user', id: identity.subject },
      identity,
      ...(scopeLimit === undefined ? {} : { scopeLimit }),
    };
  }
}
