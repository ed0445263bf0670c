/**
 * API keys of a deployment (/api/v1/deployments/{id}/api-keys) or of every deployment of
 * a service that inherits its version's settings (/api/v1/services/{id}/api-keys). The
 * secret is in the create answer only; lists show id, label, prefix, created, last used.
 * A scope-restricted credential mints no key broader than itself: the key's scopes must
 * be covered by the credential's, and its groups be the caller's (422 otherwise).
 */
import { z } from 'zod';
import { idSchema } from '../../../config/schema-common.js';
import {
  apiKeyRecordSchema,
  COLLECTIONS,
  deploymentRecordSchema,
  serviceRecordSchema,
  type ApiKeyScope,
} from '../../model.js';
import { authorize, type Principal } from '../../permissions.js';
import { createApiKey, deleteApiKey, keysOfScope } from '../../repository/api-keys.js';
import { getDoc, touch } from '../../repository/documents.js';
import { allow, infrastructureFacts, serviceFacts } from '../access.js';
import type { ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { notFound } from '../errors.js';
import { checkPrecondition, etagOf } from '../etag.js';
import { scopesBeyond } from '../../scopes.js';
import { validationFailed, type FieldIssue } from '../validation.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { pageSchema, responses, WRITE_ERRORS } from '../schemas.js';
import { apiKeyView, apiKeyViewSchema, createdApiKeySchema } from '../views.js';
import { visibleDeployment } from './deployments.js';
import { visibleService } from './services.js';

const createBody = z.strictObject({
  label: z.string().max(200).optional(),
  /** Scopes and groups a caller using this key holds, for deployments that require some. */
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (RFC 6749)'))
    .max(100)
    .default([]),
  groups: z.array(idSchema).max(100).default([]),
});

type Verb = 'list' | 'create' | 'revoke';

/** 422 naming what a key would hold beyond the restricted credential that asks for it. */
function checkNotBroader(
  limit: ReadonlySet<string> | undefined,
  principal: Principal,
  key: { readonly scopes: readonly string[]; readonly groups: readonly string[] },
): void {
  if (limit === undefined) return;
  const callerGroups = new Set(principal.kind === 'user' ? principal.groups : []);
  const issues: FieldIssue[] = [
    ...scopesBeyond(limit, key.scopes).map((s) => ({
      path: 'scopes',
      message: `"${s}" is not covered by the scopes of the credential making the key`,
    })),
    ...key.groups
      .filter((g) => !callerGroups.has(g))
      .map((g) => ({ path: 'groups', message: `"${g}" is not one of the caller's groups` })),
  ];
  if (issues.length > 0)
    throw validationFailed(
      issues,
      'A scope-restricted credential cannot make an API key broader than itself.',
    );
}

interface ScopeKind {
  readonly type: ApiKeyScope['type'];
  readonly base: string;
  /** 404 unless visible; 403 unless the caller may `verb`; returns whether the owner is an API object. */
  check(principal: Principal, id: string, verb: Verb): Promise<{ fromApi: boolean }>;
}

export function apiKeyEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx } = deps;
  const kinds: ScopeKind[] = [
    {
      type: 'deployment',
      base: '/api/v1/deployments/{id}/api-keys',
      async check(principal, id, verb) {
        const found = await visibleDeployment(deps, principal, id);
        allow(
          authorize(principal, `deployment.apiKey.${verb}`, {
            service: serviceFacts(found.service.value),
            infrastructure: infrastructureFacts(found.infrastructure.value),
          }),
        );
        return { fromApi: found.entry.source === 'api' };
      },
    },
    {
      type: 'service',
      base: '/api/v1/services/{id}/api-keys',
      async check(principal, id, verb) {
        const service = await visibleService(deps, principal, id);
        allow(authorize(principal, `service.apiKey.${verb}`, { service: serviceFacts(service.value) }));
        return { fromApi: service.source === 'api' };
      },
    },
  ];
  return kinds.flatMap((kind): Endpoint[] => {
    const tags = [`${kind.type}s`];
    return [
      endpoint({
        method: 'get',
        path: kind.base,
        summary: `List a ${kind.type}'s API keys (metadata only)`,
        tags,
        action: `${kind.type}.apiKey.list`,
        scope: 'gatehouse:read',
        write: false,
        targetType: kind.type,
        query: pageQuerySchema,
        responses: responses({ 200: { description: 'A page', body: pageSchema(apiKeyViewSchema) } }, 404),
        handle: async ({ principal, params, query }) => {
          const id = params.id as string;
          await kind.check(principal, id, 'list');
          const page = paginate(
            await keysOfScope(ctx.store, { type: kind.type, id }),
            (k) => k.value.id,
            query,
          );
          const items = await Promise.all(
            page.items.map(async (k) => apiKeyView(k.value, await ctx.usage.lastUsed('api-key', k.value.id))),
          );
          return { status: 200, body: { items, next: page.next } };
        },
      }),
      endpoint({
        method: 'post',
        path: kind.base,
        summary: `Create a ${kind.type} API key; the answer holds the key, shown only this once`,
        tags,
        action: `${kind.type}.apiKey.create`,
        scope: 'gatehouse:deploy',
        write: true,
        targetType: kind.type,
        body: createBody,
        responses: responses({ 201: { description: 'Created', body: createdApiKeySchema } }, ...WRITE_ERRORS),
        handle: async ({ principal, caller, params, body, setTarget, addDetails, write }) => {
          const id = params.id as string;
          const { fromApi } = await kind.check(principal, id, 'create');
          checkNotBroader(caller.scopeLimit, principal, body);
          const collection = kind.type === 'service' ? COLLECTIONS.services : COLLECTIONS.deployments;
          const schema = kind.type === 'service' ? serviceRecordSchema : deploymentRecordSchema;
          const { record, key } = await createApiKey(
            ctx,
            { type: kind.type, id },
            body,
            `${caller.actor.type}:${caller.actor.id}`,
            async () => {
              if (!fromApi) return [];
              const owner = await getDoc(ctx.store, collection, id, schema as z.ZodType<unknown>);
              if (!owner) throw notFound(kind.type, id);
              return [touch(collection, id, owner)];
            },
          );
          setTarget('api-key', record.id);
          addDetails({
            scope: `${kind.type}:${id}`,
            ...(record.label === undefined ? {} : { label: record.label }),
          });
          write.committed?.(undefined, record);
          return { status: 201, body: { ...apiKeyView(record, undefined), key } };
        },
      }),
      endpoint({
        method: 'delete',
        path: `${kind.base}/{keyId}`,
        summary: `Revoke a ${kind.type} API key (takes effect on every replica within a second)`,
        tags,
        action: `${kind.type}.apiKey.revoke`,
        scope: 'gatehouse:deploy',
        write: true,
        responses: responses({ 204: { description: 'Revoked' } }, 403, 404, 412),
        handle: async ({ principal, params, setTarget, addDetails, write }) => {
          const id = params.id as string;
          const keyId = params.keyId as string;
          setTarget('api-key', keyId);
          addDetails({ scope: `${kind.type}:${id}` });
          await kind.check(principal, id, 'revoke');
          const stored = await getDoc(ctx.store, COLLECTIONS.apiKeys, keyId, apiKeyRecordSchema);
          if (!stored || stored.value.scope.type !== kind.type || stored.value.scope.id !== id)
            throw notFound('API key', keyId);
          // The delete is made at this revision, so the check and the delete are one compare-and-set.
          checkPrecondition(write.ifMatch, etagOf(stored), 'API key');
          await deleteApiKey(ctx, stored);
          write.committed?.(stored.value, undefined);
          return { status: 204 };
        },
      }),
    ];
  });
}
