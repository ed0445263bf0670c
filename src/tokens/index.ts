/**
 * The token service (PRODUCT.md section 3): Gatehouse's own JWTs, refresh tokens and
 * personal API tokens, their endpoints on the admin listener, and the `gatehouse`
 * authentication method for the data plane and the admin API. docs/tokens.md describes it.
 */
import { mountMethodNotAllowed } from '../control/api/endpoint.js';
import { AuditTrail } from '../control/audit.js';
import { warmPasswordHashing } from '../control/passwords.js';
import type { ControlContext, ControlModule } from '../control/module.js';
import { tokenAdminEndpoints } from './admin-endpoints.js';
import { BruteForceGuard } from './brute-force.js';
import { CallerResolver } from './caller.js';
import { JwtIssuer } from './issuer.js';
import { JwtRevocations } from './jwt-revocations.js';
import { TokenLifecycle } from './lifecycle.js';
import { createGatehouseAuthenticator, type GatehouseMethodDeps } from './gatehouse-token-authenticator.js';
import { PersonalTokenIndex } from './personal-index.js';
import { PersonalTokens } from './personal-tokens.js';
import { RefreshFamilies } from './refresh-families.js';
import { RefreshTokens } from './refresh-tokens.js';
import { TOKEN_ROUTES } from './route-specs.js';
import { createTokenRouter } from './routes.js';
import { SessionRevocations } from './sessions.js';
import { SigningKeys } from './signing.js';
import { UserDirectory } from './users.js';

const PRUNE_INTERVAL_MS = 60_000;

export async function createTokenServiceModule(ctx: ControlContext): Promise<ControlModule> {
  const tokens = () => ctx.fileConfig().tokens;
  const users = new UserDirectory(ctx.state, () => ctx.fileConfig());
  const keys = new SigningKeys(tokens, { clock: ctx.clock, metrics: ctx.metrics, logger: ctx.logger });
  keys.current();
  const sessions = new SessionRevocations(
    ctx.store,
    ctx.revocations,
    ctx.clock,
    () => (tokens().jwtLifetimeSec + tokens().clockToleranceSec) * 1000 + 5000,
    ctx.logger,
    ctx.metrics,
  );
  const index = new PersonalTokenIndex(ctx.store, ctx.logger, { clock: ctx.clock, metrics: ctx.metrics });
  const jwts = new JwtRevocations(ctx.store, ctx.revocations, ctx.clock, ctx.logger, ctx.metrics);
  await sessions.start();
  try {
    await index.start();
    await jwts.start();
  } catch (err) {
    await Promise.allSettled([sessions.close(), index.close(), jwts.close()]);
    throw err;
  }
  void warmPasswordHashing();
  const timer = setInterval(() => {
    ctx.revocations.prune();
    index.prune(ctx.clock.now());
  }, PRUNE_INTERVAL_MS).unref();

  const methodDeps: GatehouseMethodDeps = {
    keys,
    users,
    personal: index,
    cache: ctx.tokenCache,
    revocations: ctx.revocations,
    metrics: ctx.metrics,
    clock: ctx.clock,
    usage: ctx.usage,
  };
  // The token endpoints' own instance: login JWTs always (token management survives
  // disabled implicit login) and revoked sessions always refused.
  const endpointAuthenticator = createGatehouseAuthenticator(methodDeps, {
    strictRevocation: true,
    alwaysAcceptLoginTokens: true,
  });
  const guard = new BruteForceGuard(ctx.store, ctx.clock, () => tokens().bruteForce, ctx.metrics);
  const families = new RefreshFamilies(ctx.store, ctx.clock, users, sessions, () => {
    const r = tokens().refreshTokens;
    return {
      defaultLifetimeMs: r.defaultLifetimeSec * 1000,
      defaultUnusedLifeMs: r.defaultUnusedLifeSec === undefined ? undefined : r.defaultUnusedLifeSec * 1000,
    };
  });
  const audit = new AuditTrail(ctx.store, ctx.logger);
  const personal = new PersonalTokens(ctx.store, ctx.clock, index, ctx.usage, () => tokens().personalTokens);
  const lifecycle = new TokenLifecycle(
    families,
    personal,
    index,
    audit,
    ctx.logger,
    () => tokens().personalTokens.revokeOnPasswordChange,
  );
  const stopWatching = users.watch(ctx.revocations, ctx.clock, (before, after) =>
    lifecycle.onUserChange(before, after),
  );
  const refresh = new RefreshTokens(
    ctx.store,
    ctx.clock,
    users,
    families,
    () => tokens().refreshTokens.reuseGraceSec * 1000,
    ctx.metrics,
  );
  const router = createTokenRouter({
    users,
    guard,
    issuer: new JwtIssuer(keys, ctx.clock, tokens),
    refresh,
    families,
    audit,
    clock: ctx.clock,
    callers: new CallerResolver(() => endpointAuthenticator, ctx.principals, guard),
    personal,
    keys,
  });
  const adminEndpoints = tokenAdminEndpoints({ users, families, personal, jwts, clock: ctx.clock });
  for (const e of adminEndpoints)
    e.mount(router, { principals: ctx.principals, audit, sessions: ctx.revocations });
  mountMethodNotAllowed(router, adminEndpoints);

  return {
    name: 'tokens',
    router,
    routes: [...TOKEN_ROUTES, ...adminEndpoints.map((e) => e.spec)],
    registerMethods(registry) {
      registry.register('gatehouse', ({ settings }) =>
        createGatehouseAuthenticator(methodDeps, {
          strictRevocation: settings.strictRevocation,
          alwaysAcceptLoginTokens: false,
        }),
      );
    },
    async close() {
      clearInterval(timer);
      stopWatching();
      await lifecycle.idle();
      await index.close();
      await jwts.close();
      await sessions.close();
    },
  };
}
