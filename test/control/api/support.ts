/**
 * Shared fixtures of the admin API tests: a real Gatehouse (real SQLite in a temp dir,
 * real admin and data listeners), an admin key, user tokens from an HMAC provider listed
 * in server.admin.providers, and a snapshot of every stored collection. A provider's
 * token is restricted to its `scope` claim on the admin API: `token()` gives it
 * `gatehouse:admin` unless told otherwise, so the permission rules alone decide.
 */
import { SignJWT } from 'jose';
import { COLLECTIONS } from '../../../src/control/model.js';
import { createAdminKey } from '../../../src/control/repository/admin-keys.js';
import { USAGE_COLLECTION } from '../../../src/control/usage.js';
import type { Store } from '../../../src/store/types.js';
import {
  startGatehouse,
  type ConfigObject,
  type StartOptions,
  type TestGatehouse,
} from '../../helpers/gatehouse.js';
import { send } from '../../helpers/http.js';
import { generateHmacSecret } from '../../helpers/keys.js';

export const ISSUER = 'https://idp.test';
export const AUDIENCE = 'gatehouse-admin';

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface Credentials {
  readonly bearer?: string;
  readonly basic?: string;
  readonly headers?: Record<string, string>;
}

export interface AdminTest {
  readonly gh: TestGatehouse;
  readonly store: Store;
  /** An admin API key (full rights). */
  readonly adminKey: string;
  readonly adminKeyId: string;
  /** A user token with these groups and scopes (default `gatehouse:admin`), from the `users` HMAC provider. */
  token(subject: string, groups?: readonly string[], scopes?: readonly string[]): Promise<string>;
  /** JSON request on the admin listener. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: Credentials & { body?: unknown; raw?: string; contentType?: string },
  ): Promise<ApiResponse<T>>;
  /** Same, with the admin key. */
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

export function adminConfig(secret: string, extra: ConfigObject = {}): ConfigObject {
  const server = (extra.server ?? {}) as Record<string, Record<string, unknown>>;
  return {
    ...extra,
    server: { ...server, admin: { providers: ['users'], ...server.admin } },
    providers: [
      { id: 'users', type: 'hmac', issuer: ISSUER, audiences: [AUDIENCE], secrets: [{ secret }] },
      ...((extra.providers as unknown[] | undefined) ?? []),
    ],
    logging: { level: 'info', accessLog: false },
  };
}

/** The scope claim `token()` gives by default: every control scope, so the permission rules alone decide. */
export const DEFAULT_TOKEN_SCOPES: readonly string[] = ['gatehouse:admin'];

export async function signUserToken(
  secret: string,
  subject: string,
  groups: readonly string[] = [],
  scopes: readonly string[] = DEFAULT_TOKEN_SCOPES,
): Promise<string> {
  return new SignJWT({ groups: [...groups], scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}

/** One request through node:http: the path is sent byte for byte (no "." / ".." normalisation). */
export async function request<T>(
  baseUrl: string,
  method: string,
  path: string,
  options: Credentials & { body?: unknown; raw?: string; contentType?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.basic !== undefined)
    headers.authorization = `Basic ${Buffer.from(`${options.basic}:`).toString('base64')}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await send(baseUrl, path, { method, headers, ...(body === undefined ? {} : { body }) });
  let parsed: unknown = undefined;
  try {
    parsed = res.text === '' ? undefined : JSON.parse(res.text);
  } catch {
    parsed = undefined;
  }
  const out = new Headers();
  for (const [name, value] of Object.entries(res.headers))
    if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : value);
  return { status: res.status, headers: out, body: parsed as T, text: res.text };
}

export async function startAdminTest(
  extra: ConfigObject = {},
  options: StartOptions = {},
): Promise<AdminTest> {
  const { secret } = generateHmacSecret('users');
  const gh = await startGatehouse(adminConfig(secret, extra), options);
  const store = gh.gatehouse.store;
  const { record, key } = await createAdminKey(store, gh.gatehouse.clock, 'tests');
  const call = <T>(
    method: string,
    path: string,
    o: Credentials & { body?: unknown; raw?: string; contentType?: string } = {},
  ) => request<T>(gh.adminUrl, method, path, o);
  return {
    gh,
    store,
    adminKey: key,
    adminKeyId: record.id,
    token: (subject, groups = [], scopes = DEFAULT_TOKEN_SCOPES) =>
      signUserToken(secret, subject, groups, scopes),
    call,
    admin: <T>(method: string, path: string, body?: unknown) =>
      call<T>(method, path, { bearer: key, ...(body === undefined ? {} : { body }) }),
    stop: () => gh.stop(),
  };
}

const SNAPSHOT_COLLECTIONS = [...Object.values(COLLECTIONS), USAGE_COLLECTION];

/** Every stored document (id, value, revision) of every control collection, plus the audit count. */
export async function storeSnapshot(store: Store): Promise<{ docs: string; audit: number }> {
  const out: Record<string, unknown[]> = {};
  for (const collection of SNAPSHOT_COLLECTIONS) {
    if (collection === USAGE_COLLECTION) continue;
    const page = await store.list(collection, { limit: 1000 });
    out[collection] = page.items.map((d) => [d.id, d.value, d.revision]);
  }
  let audit = 0;
  let after: string | undefined;
  do {
    const page = await store.queryAudit({}, { limit: 1000, ...(after === undefined ? {} : { after }) });
    audit += page.items.length;
    after = page.next;
  } while (after !== undefined);
  return { docs: JSON.stringify(out), audit };
}
