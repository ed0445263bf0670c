/**
 * Helpers for the token service tests: users and groups written to the store the way
 * the admin API writes them (document + `control` notification), HTTP calls to the
 * token endpoints, and a config with data-plane deployments using the `gatehouse` method.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { COLLECTIONS, CONTROL_CHANNEL } from '../../src/control/model.js';
import { hashPassword } from '../../src/control/passwords.js';
import type { Store } from '../../src/store/types.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import type { ConfigObject } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import type { TestUpstream } from '../helpers/upstream.js';

/** 32+ bytes: a valid HS256 signing secret for tests. */
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdefghijklmnop';

const hashes = new Map<string, Promise<string>>();
/** scrypt is slow on purpose: hash each test password once per process. */
export function passwordHash(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
}

export interface UserSpec {
  readonly id: string;
  readonly password?: string;
  readonly groups?: readonly string[];
  readonly disabled?: boolean;
  readonly createdAt?: number;
  /** As the admin API records them (docs/tokens.md, "Token lifecycle"). */
  readonly disabledAt?: number;
  readonly passwordChangedAt?: number;
}

export interface StateHolder {
  readonly store: Store;
  readonly state: { refresh(): Promise<void> };
}

/** Writes users (and announces the change) then re-reads the state, as the admin API does. */
export async function putUsers(gh: StateHolder, users: readonly UserSpec[]): Promise<void> {
  const ops = await Promise.all(
    users.map(async (u) => ({
      op: 'put' as const,
      collection: COLLECTIONS.users,
      id: u.id,
      value: {
        id: u.id,
        groups: u.groups ?? [],
        ...(u.password === undefined ? {} : { passwordHash: await passwordHash(u.password) }),
        disabled: u.disabled ?? false,
        source: 'local',
        createdAt: u.createdAt ?? 1,
        ...(u.disabledAt === undefined ? {} : { disabledAt: u.disabledAt }),
        ...(u.passwordChangedAt === undefined ? {} : { passwordChangedAt: u.passwordChangedAt }),
      },
    })),
  );
  await gh.store.transact(ops, { notify: [{ channel: CONTROL_CHANNEL, message: 'users' }] });
  await gh.state.refresh();
}

export async function putGroups(
  gh: StateHolder,
  groups: readonly { id: string; scopes: readonly string[] }[],
): Promise<void> {
  await gh.store.transact(
    groups.map((g) => ({
      op: 'put' as const,
      collection: COLLECTIONS.groups,
      id: g.id,
      value: { id: g.id, global: [], scopes: g.scopes },
    })),
    { notify: [{ channel: CONTROL_CHANNEL, message: 'groups' }] },
  );
  await gh.state.refresh();
}

export async function putSettings(gh: StateHolder, settings: Record<string, unknown>): Promise<void> {
  await gh.store.transact([{ op: 'put', collection: COLLECTIONS.settings, id: 'system', value: settings }], {
    notify: [{ channel: CONTROL_CHANNEL, message: 'settings' }],
  });
  await gh.state.refresh();
}

export function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<SimpleResponse> {
  return send(baseUrl, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export interface TokenAnswer {
  jwt: string;
  duration: number;
  token_type: string;
  refresh_token?: string;
  client_id: string;
}

export async function login(
  adminUrl: string,
  username: string,
  password: string,
  extra: Record<string, unknown> = {},
): Promise<TokenAnswer> {
  const res = await postJson(adminUrl, '/api/v1/auth/tokens', {
    grant_type: 'password',
    username,
    password,
    ...extra,
  });
  assert.equal(res.status, 200, res.text);
  return res.json<TokenAnswer>();
}

export async function refresh(
  adminUrl: string,
  refreshToken: string,
  extra: Record<string, unknown> = {},
): Promise<SimpleResponse> {
  return postJson(adminUrl, '/api/v1/auth/tokens', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    ...extra,
  });
}

export async function createPersonalToken(
  adminUrl: string,
  jwt: string,
  body: Record<string, unknown>,
): Promise<{ id: string; token: string; name: string; scopes?: string[] }> {
  const res = await postJson(adminUrl, '/api/v1/tokens', body, bearer(jwt));
  assert.equal(res.status, 201, res.text);
  return res.json();
}

export function claimsOf(jwt: string): Record<string, unknown> {
  return decodeJwt(jwt);
}

/** A data-plane call that must pass: 200, and the upstream saw it as `user`. */
export async function assertReached(
  url: string,
  path: string,
  token: string,
  upstream: TestUpstream,
  user: string,
): Promise<void> {
  const before = upstream.requests.length;
  const res = await send(url, path, { headers: bearer(token) });
  assert.equal(res.status, 200, res.text);
  assert.equal(upstream.requests.length, before + 1, 'the upstream was reached');
  const seen = upstream.requests.at(-1)?.headers;
  assert.equal(seen?.['x-auth-subject'], user);
  assert.equal(seen?.['x-auth-method'], 'gatehouse');
  assert.equal(seen?.authorization, undefined);
}

/** A data-plane call that must be refused with `status`/`code` without reaching the upstream. */
export async function assertRefused(
  url: string,
  path: string,
  token: string | undefined,
  upstream: TestUpstream,
  status: number,
  code: string,
): Promise<SimpleResponse> {
  const before = upstream.requests.length;
  const res = await send(url, path, token === undefined ? {} : { headers: bearer(token) });
  if (code === 'insufficient_scope') {
    // RFC 6750: a 403 insufficient_scope carries a Bearer challenge naming the scope.
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json().error, code);
    assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
  } else assertGatehouseError(res, status, code);
  assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  if (token !== undefined) assert.ok(!res.text.includes(token), 'the token is not echoed');
  return res;
}

/**
 * One upstream, one service, deployments: /open (gatehouse), /strict (gatehouse with
 * strictRevocation), /reader (requires results:read), /writer (requires cluster:write).
 */
export function tokenConfig(
  upstream: string,
  tokens: ConfigObject = {},
  extra: ConfigObject = {},
): ConfigObject {
  const auth = (more: ConfigObject = {}): ConfigObject => ({ methods: ['gatehouse'], ...more });
  const deployment = (id: string, basePath: string, more: ConfigObject = {}): ConfigObject => ({
    id,
    service: 'svc',
    version: 'v1',
    infrastructure: 'infra',
    basePath,
    auth: auth(more),
  });
  return {
    store: { type: 'memory' },
    tokens: { signing: { secret: SIGNING_SECRET }, ...tokens },
    infrastructures: [{ id: 'infra', stage: 'dev', nodes: [upstream] }],
    services: [{ id: 'svc', versions: [{ id: 'v1', auth: auth() }] }],
    deployments: [
      deployment('open', '/open'),
      deployment('strict', '/strict', { strictRevocation: true }),
      deployment('reader', '/reader', { require: { scopes: ['results:read'] } }),
      deployment('writer', '/writer', { require: { scopes: ['cluster:write'] } }),
    ],
    ...extra,
  };
}
