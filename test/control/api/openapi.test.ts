/**
 * /openapi.json against the routes Express serves, both ways: every documented route
 * answers (something other than the final "No such endpoint" 404 or a 405), and every
 * route mounted on the admin app is documented.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startAdminTest, type AdminTest } from './support.js';

interface Operation {
  security: Record<string, string[]>[];
  requestBody?: unknown;
  responses: object;
  'x-gatehouse-scope'?: string;
}

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

/** The control scope each admin route needs, by the rule docs/admin-api.md states. */
function expectedScope(method: string, path: string): string | undefined {
  if (path === '/api/v1/users/me') return undefined;
  if (path.startsWith('/api/v1/tokens')) return 'gatehouse:tokens';
  // Oversight of everyone: the audit log, other users' tokens, revocations.
  if (path === '/api/v1/audit' || /tokens|revocation|jti/.test(path)) return 'gatehouse:admin';
  if (method === 'get') return 'gatehouse:read';
  const deployerModel =
    /^\/api\/v1\/(deployments|services)(\/|$)/.test(path) && !path.endsWith('/permissions');
  return deployerModel ? 'gatehouse:deploy' : 'gatehouse:admin';
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method + path the Express app routes, found by walking the router stacks. */
function servedRoutes(server: Server): Set<string> {
  const app = server.listeners('request')[0] as unknown as { router: { stack: Layer[] } };
  const out = new Set<string>();
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods)) {
          if (method === '_all') continue;
          for (const p of paths) out.add(`${method} ${p.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  return out;
}

describe('OpenAPI document', () => {
  let t: AdminTest;
  let doc: Doc;
  before(async () => {
    t = await startAdminTest();
    const res = await t.call<Doc>('GET', '/openapi.json');
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(() => t.stop());

  it('is OpenAPI 3.1 with admin-key (bearer and basic) and user-token security', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
      'adminKey',
      'adminKeyBasic',
      'userToken',
    ]);
    const op = doc.paths['/api/v1/deployments']?.post;
    assert.ok(op?.requestBody, 'bodies are documented');
    assert.ok(Object.keys(op.responses).includes('422'));
    assert.equal(op.security.length, 3);
  });

  it('names the control scope of every admin and token-management route, in the user-token security', () => {
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) {
        const userToken = op.security.find((s) => 'userToken' in s);
        if (!userToken || path === '/api/v1/users/me') continue;
        const expected = expectedScope(method, path);
        assert.equal(op['x-gatehouse-scope'], expected, `${method} ${path}`);
        assert.deepEqual(userToken.userToken, [expected], `${method} ${path}`);
        checked += 1;
      }
    assert.ok(checked > 40, `checked ${checked} routes`);
  });

  it('documents only routes that exist', async () => {
    for (const [path, methods] of Object.entries(doc.paths))
      for (const method of Object.keys(methods)) {
        const concrete = path.replace(/\{[^}]+\}/g, 'zz-none');
        const res = await t.call(method.toUpperCase(), concrete, {
          bearer: t.adminKey,
          ...(methods[method]?.requestBody ? { body: {} } : {}),
        });
        const what = `${method.toUpperCase()} ${path} → ${res.status} ${res.text.slice(0, 120)}`;
        assert.ok(!(res.status === 404 && res.text.includes('No such endpoint')), what);
        assert.notEqual(res.status, 405, what);
      }
  });

  it('documents every route the admin app serves', () => {
    const server = (t.gh.gatehouse as unknown as { adminServer: { server: Server } }).adminServer.server;
    const served = servedRoutes(server);
    assert.ok(served.size > 40, `found ${served.size} routes`);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)),
    );
    const missing = [...served].filter((r) => !documented.has(r));
    assert.deepEqual(missing, [], 'served but not documented');
  });
});
