/** The token service's HTTP endpoints on the admin listener (listed in route-specs.ts). */
import { Router, type Request, type Response } from 'express';
import { authError } from '../auth/challenge.js';
import { scopeCovered, scopeLimitOf } from '../control/scopes.js';
import { GatehouseError } from '../errors.js';
import {
  createTokenSchema,
  parseBody,
  revokeRequestSchema,
  tokenRequestSchema,
  withClientIdAlias,
} from './api-schemas.js';
import type { CallerResolver, UserCaller } from './caller.js';
import { passwordGrant, refreshGrant, revoke, type GrantDeps } from './grants.js';
import { createManageTokensPage } from './page/manage-tokens-page.js';
import { view, type PersonalTokens } from './personal-tokens.js';
import type { SigningKeys } from './signing.js';
import type { TokenUser } from './users.js';

export interface TokenRouterDeps extends GrantDeps {
  readonly callers: CallerResolver;
  readonly personal: PersonalTokens;
  readonly keys: SigningKeys;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
/** Personal token ids are 16 base64url characters; anything else names no token. */
const TOKEN_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createTokenRouter(deps: TokenRouterDeps): Router {
  const router = Router();

  /**
   * A user managing personal tokens: not with a personal token, scoped for it
   * (gatehouse:tokens) when the credential is scope-restricted, and known to Gatehouse.
   */
  const manager = async (req: Request): Promise<{ caller: UserCaller; user: TokenUser }> => {
    const caller = await deps.callers.resolve(req);
    if (caller.tokenType === 'personal')
      throw new GatehouseError(
        'forbidden',
        'Personal API tokens cannot manage personal tokens; sign in instead.',
      );
    const limit = scopeLimitOf(caller.identity);
    if (limit !== undefined && !scopeCovered(limit, 'gatehouse:tokens'))
      throw authError(
        'insufficient_scope',
        'This credential acts only within its scopes; managing personal tokens needs gatehouse:tokens.',
        { scope: ['gatehouse:tokens'] },
      );
    const user = deps.users.get(caller.identity.subject);
    if (!user || user.disabled)
      throw new GatehouseError('forbidden', 'Personal tokens are for users known to Gatehouse.');
    return { caller, user };
  };

  router.post('/api/v1/auth/tokens', async (req: Request, res: Response) => {
    const body = parseBody(tokenRequestSchema, withClientIdAlias(req.body));
    const answer =
      body.grant_type === 'password'
        ? await passwordGrant(deps, req, body)
        : await refreshGrant(deps, req, body);
    res.set(NO_STORE).json(answer);
  });

  router.post('/api/v1/auth/revoke', async (req: Request, res: Response) => {
    const body = parseBody(revokeRequestSchema, withClientIdAlias(req.body));
    res.set(NO_STORE).json(await revoke(deps, req, body));
  });

  router.get('/api/v1/tokens', async (req: Request, res: Response) => {
    const { user } = await manager(req);
    res.set(NO_STORE).json({ tokens: await deps.personal.list(user.id) });
  });

  router.post('/api/v1/tokens', async (req: Request, res: Response) => {
    const { caller, user } = await manager(req);
    const body = parseBody(createTokenSchema, req.body);
    const { token, record } = await deps.personal.create(user, {
      name: body.name,
      expiresAt: Date.parse(body.expiresAt),
      scopes: body.scopes,
      creatorLimit: scopeLimitOf(caller.identity),
    });
    await deps.audit.record(
      caller.audit,
      {
        action: 'personal_token.create',
        outcome: 'success',
        target: { type: 'personal-token', id: record.id },
        details: {
          name: record.name,
          expiresAt: record.expiresAt,
          ...(record.scopes ? { scopes: record.scopes } : {}),
        },
      },
      req,
    );
    res
      .status(201)
      .set(NO_STORE)
      .json({ ...view(record, undefined), token });
  });

  router.delete('/api/v1/tokens/:id', async (req: Request, res: Response) => {
    const { caller, user } = await manager(req);
    const id = String(req.params.id);
    const deleted = TOKEN_ID.test(id) ? await deps.personal.delete(user.id, id) : undefined;
    if (!deleted) throw new GatehouseError('not_found', 'You have no personal token with this id.');
    await deps.audit.record(
      caller.audit,
      {
        action: 'personal_token.delete',
        outcome: 'success',
        target: { type: 'personal-token', id },
        details: { name: deleted.name },
      },
      req,
    );
    res.status(204).end();
  });

  router.get('/api/v1/users/me', async (req: Request, res: Response) => {
    const { identity, tokenType } = await deps.callers.resolve(req);
    res.set(NO_STORE).json({
      username: identity.subject,
      groups: [...identity.groups],
      scopes: [...identity.scopes],
      tokenType,
      expiresAt: identity.expiresAt === undefined ? null : new Date(identity.expiresAt).toISOString(),
    });
  });

  router.get('/.well-known/jwks.json', (_req: Request, res: Response) => {
    res.set({ 'cache-control': 'public, max-age=300' }).json(deps.keys.current().jwks);
  });

  router.use(createManageTokensPage(deps));

  return router;
}
