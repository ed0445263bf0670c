/**
 * The OpenAPI 3.1 document of the admin listener, built from the RouteSpecs every control
 * module declares (and the ops endpoints), so the document cannot drift from the code: a
 * test checks it against the routes Express serves, both ways.
 */
import { z } from 'zod';
import type { RouteSpec } from '../module.js';

type Json = Record<string, unknown>;

const SECURITY_SCHEMES = {
  adminKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An admin API key (`gha_...`, made with `gatehouse admin-key-create`): full rights.',
  },
  adminKeyBasic: {
    type: 'http',
    scheme: 'basic',
    description: 'An admin API key as the Basic user name with an empty password (Dataiku-style clients).',
  },
  userToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "A user's token: Gatehouse's own tokens, or a JWT from a provider listed in server.admin.providers; judged by the permission rules. A scope-restricted token (a personal token created with scopes, a provider's token) must also carry the route's control scope (x-gatehouse-scope; gatehouse:admin covers all, gatehouse:deploy covers gatehouse:read).",
  },
};

/**
 * Who may call a route. A user token lists the control scope a scope-restricted token
 * must carry (OpenAPI 3.1 allows role names in the array of a non-OAuth scheme).
 */
function security(route: RouteSpec): Json[] {
  const scopes = route.scope === undefined ? [] : [route.scope];
  switch (route.auth) {
    case 'admin':
      return [{ adminKey: [] }, { adminKeyBasic: [] }, { userToken: scopes }];
    case 'user':
      return [{ userToken: scopes }];
    case 'none':
      return [];
  }
}

/** Routes that document 412 take `If-Match`. */
const IF_MATCH: Json = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description:
    'An ETag from a read or write answer (or *): the change is made only if the object is still at that version, else 412. Absent: unconditional.',
  schema: { type: 'string' },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' },
  }));
}

function queryParameters(query: z.ZodType | undefined): Json[] {
  if (!query) return [];
  const schema = jsonSchema(query, 'input');
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: required.has(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

function operation(route: RouteSpec): Json {
  const responses: Json = {};
  for (const [status, response] of Object.entries(route.responses))
    responses[status] = {
      description: response.description,
      ...(response.body
        ? { content: { 'application/json': { schema: jsonSchema(response.body, 'output') } } }
        : {}),
    };
  const parameters = [
    ...pathParameters(route.path),
    ...queryParameters(route.query),
    ...(Object.hasOwn(route.responses, 412) ? [IF_MATCH] : []),
  ];
  return {
    summary: route.summary,
    tags: [...route.tags],
    operationId: `${route.method}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    security: security(route),
    ...(route.scope === undefined ? {} : { 'x-gatehouse-scope': route.scope }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** /healthz, /readyz, /metrics (src/server/ops-routes.ts), served on the admin listener without auth. */
export const OPS_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    tags: ['operations'],
    auth: 'none',
    responses: { 200: { description: 'The process is alive' } },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness (a plan is loaded and the process is not draining)',
    tags: ['operations'],
    auth: 'none',
    responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready, with the reason' } },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags: ['operations'],
    auth: 'none',
    responses: { 200: { description: 'Prometheus text format' } },
  },
];

export function buildOpenApiDocument(routes: readonly RouteSpec[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    item[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse admin API',
      version,
      description:
        'Control plane of Gatehouse: infrastructures, services, versions, deployments, API keys, groups, users, permissions, settings and the audit log. See docs/admin-api.md.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: SECURITY_SCHEMES },
    paths,
  };
}
