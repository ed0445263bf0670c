/**
 * The token service's admin endpoints (global admins only, through the admin API's
 * `endpoint`: caller, privilege, path ids, body, audit): another user's refresh tokens
 * (list, revoke one, revoke all) and personal tokens (list, delete one), and revoking a
 * JWT by `jti`. Every one is in this file. docs/tokens.md, "Administering tokens".
 */
import { decodeJwt, type JWTPayload } from 'jose';
import { z } from 'zod';
import { endpoint, type Endpoint } from '../control/api/endpoint.js';
import { notFound } from '../control/api/errors.js';
import { responses } from '../control/api/schemas.js';
import { validationFailed } from '../control/api/validation.js';
import type { Clock } from '../clock.js';
import { MAX_CLOCK_TOLERANCE_MS, type JwtRevocations } from './jwt-revocations.js';
import type { PersonalTokens } from './personal-tokens.js';
import { tokenListSchema } from './api-schemas.js';
import { familyDeadlines, type FamilyRecord } from './refresh-records.js';
import type { RefreshFamilies } from './refresh-families.js';
import type { TokenUser, UserDirectory } from './users.js';

export interface TokenAdminDeps {
  readonly users: UserDirectory;
  readonly families: RefreshFamilies;
  readonly personal: PersonalTokens;
  readonly jwts: JwtRevocations;
  readonly clock: Clock;
}

const tags = ['tokens'];
const USER_BASE = '/api/v1/users/{id}';

export const refreshTokenViewSchema = z.object({
  id: z.string().describe("The chain's session id: the `sid` of the JWTs issued from it."),
  clientId: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  expiresAt: z
    .string()
    .describe('When the chain ends: its absolute lifetime or, if sooner, its inactivity timeout.'),
});
const refreshTokenListSchema = z.object({ refreshTokens: z.array(refreshTokenViewSchema) });
const revokedCountSchema = z.object({ revoked: z.number().int() });

const jtiSchema = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be 1-256 printable ASCII characters');
export const jwtRevocationSchema = z.union([
  z.strictObject({
    jti: jtiSchema,
    /** The token's `exp` (epoch seconds): the revocation lasts until then. */
    exp: z.number().int().positive(),
  }),
  z.strictObject({
    /** The JWT itself: only its `jti` and `exp` are read (decoded, not verified). */
    token: z.string().min(1).max(16_384),
  }),
]);
const jwtRevokedSchema = z.object({
  jti: z.string(),
  revokedUntil: z.string().describe('`exp` plus the largest clock tolerance; the revocation is pruned then.'),
});

const iso = (ms: number): string => new Date(ms).toISOString();

function view(family: FamilyRecord, capMs: number | undefined) {
  const { absoluteEnd, inactiveAt } = familyDeadlines(family, capMs);
  return {
    id: family.sessionId,
    clientId: family.clientId,
    createdAt: iso(family.createdAt),
    lastUsedAt: iso(family.lastUsedAt),
    expiresAt: iso(Math.min(absoluteEnd, inactiveAt)),
  };
}

/** `{jti, exp}` as given, or read from the (unverified) token; 422 when it has neither. */
function jtiAndExp(body: z.output<typeof jwtRevocationSchema>): { jti: string; exp: number } {
  if ('jti' in body) return body;
  let claims: JWTPayload;
  try {
    claims = decodeJwt(body.token);
  } catch {
    throw validationFailed([{ path: 'token', message: 'is not a JWT' }]);
  }
  const jti = jtiSchema.safeParse(claims.jti);
  if (!jti.success) throw validationFailed([{ path: 'token', message: 'has no usable jti claim' }]);
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp))
    throw validationFailed([{ path: 'token', message: 'has no exp claim; send {"jti", "exp"} instead' }]);
  return { jti: jti.data, exp: Math.ceil(claims.exp) };
}

export function tokenAdminEndpoints(deps: TokenAdminDeps): Endpoint[] {
  const userOf = (id: string): TokenUser => {
    const user = deps.users.get(id);
    if (!user) throw notFound('user', id);
    return user;
  };
  /** Live chains of the user (dead ones are refused anyway and vanish with their TTL). */
  const liveFamilies = async (user: TokenUser) => {
    const now = deps.clock.now();
    const cap = deps.users.maximumRefreshLifetimeMs();
    const all = await deps.families.listForUser(user.id);
    return all.filter(({ family }) => {
      const { absoluteEnd, inactiveAt } = familyDeadlines(family, cap);
      return (
        now < Math.min(absoluteEnd, inactiveAt) &&
        family.userCreatedAt === user.createdAt &&
        family.createdAt > user.refreshFloor
      );
    });
  };

  return [
    endpoint({
      method: 'get',
      path: `${USER_BASE}/refresh-tokens`,
      summary: "List a user's refresh tokens: one chain per client (global admin); never a secret",
      tags,
      action: 'user.tokens.list',
      write: false,
      targetType: 'user',
      scope: 'gatehouse:admin',
      requires: 'user.tokens.list',
      responses: responses({ 200: { description: 'Live chains', body: refreshTokenListSchema } }, 403, 404),
      handle: async ({ params }) => {
        const user = userOf(params.id as string);
        const cap = deps.users.maximumRefreshLifetimeMs();
        const families = await liveFamilies(user);
        return { status: 200, body: { refreshTokens: families.map(({ family }) => view(family, cap)) } };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${USER_BASE}/refresh-tokens/{sessionId}`,
      summary: "Revoke one of a user's refresh tokens (its whole chain; strict deployments refuse its JWTs)",
      tags,
      action: 'user.tokens.revoke',
      write: true,
      targetType: 'user',
      scope: 'gatehouse:admin',
      requires: 'user.tokens.revoke',
      responses: responses({ 204: { description: 'Revoked' } }, 403, 404),
      handle: async ({ params, addDetails }) => {
        const user = userOf(params.id as string);
        const sessionId = params.sessionId as string;
        addDetails({ kind: 'refresh_token', sessionId });
        const revoked = await deps.families.revokeSession(user.id, sessionId);
        if (!revoked) throw notFound('refresh token', sessionId);
        addDetails({ clientId: revoked.clientId });
        return { status: 204 };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${USER_BASE}/refresh-tokens`,
      summary: 'Revoke every refresh token of a user (global admin)',
      tags,
      action: 'user.tokens.revoke',
      write: true,
      targetType: 'user',
      scope: 'gatehouse:admin',
      requires: 'user.tokens.revoke',
      responses: responses(
        { 200: { description: 'How many chains were revoked', body: revokedCountSchema } },
        403,
        404,
      ),
      handle: async ({ params, addDetails }) => {
        const user = userOf(params.id as string);
        const revoked = await deps.families.revokeUser(user.id);
        addDetails({ kind: 'refresh_token', sessionIds: revoked.map((f) => f.sessionId) });
        return { status: 200, body: { revoked: revoked.length } };
      },
    }),
    endpoint({
      method: 'get',
      path: `${USER_BASE}/tokens`,
      summary: "List a user's personal API tokens (global admin); never a secret",
      tags,
      action: 'user.tokens.list',
      write: false,
      targetType: 'user',
      scope: 'gatehouse:admin',
      requires: 'user.tokens.list',
      responses: responses({ 200: { description: 'Live tokens', body: tokenListSchema } }, 403, 404),
      handle: async ({ params }) => {
        const user = userOf(params.id as string);
        const tokens = await deps.personal.list(user.id);
        const live = tokens.filter((t) => Date.parse(t.createdAt) > user.personalFloor);
        return { status: 200, body: { tokens: live } };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${USER_BASE}/tokens/{tokenId}`,
      summary: "Delete a user's personal API token (global admin; irreversible, refused at once everywhere)",
      tags,
      action: 'user.tokens.revoke',
      write: true,
      targetType: 'user',
      scope: 'gatehouse:admin',
      requires: 'user.tokens.revoke',
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404),
      handle: async ({ params, addDetails }) => {
        const user = userOf(params.id as string);
        const tokenId = params.tokenId as string;
        addDetails({ kind: 'personal_token', tokenId });
        const deleted = await deps.personal.delete(user.id, tokenId);
        if (!deleted) throw notFound('personal token', tokenId);
        addDetails({ name: deleted.name });
        return { status: 204 };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/v1/jwt-revocations',
      summary: 'Revoke a JWT by jti until its exp, on every replica (global admin)',
      tags,
      action: 'user.tokens.revoke',
      write: true,
      scope: 'gatehouse:admin',
      requires: 'user.tokens.revoke',
      body: jwtRevocationSchema,
      responses: responses(
        { 201: { description: 'Revoked until revokedUntil', body: jwtRevokedSchema } },
        403,
        413,
        415,
        422,
      ),
      handle: async ({ body, setTarget, addDetails }) => {
        const { jti, exp } = jtiAndExp(body);
        setTarget('jwt', jti);
        const outcome = await deps.jwts.revoke(jti, exp);
        if (!outcome.ok)
          throw validationFailed([
            {
              path: 'exp',
              message:
                outcome.problem === 'expired'
                  ? `is past (with ${MAX_CLOCK_TOLERANCE_MS / 1000} s of clock tolerance): the token is refused already`
                  : 'is more than ten years ahead',
            },
          ]);
        addDetails({ kind: 'jwt', exp, until: outcome.until });
        return { status: 201, body: { jti, revokedUntil: iso(outcome.until) } };
      },
    }),
  ];
}
