/**
 * /api/v1/services/{id}/versions: packaged states of a service, each carrying its
 * authorization settings. Stored as `versions/<serviceId>/<versionId>`. Once any
 * deployment (enabled or not) uses a version, its authorization settings are frozen: a
 * change is a new version, which someone with deploy on the service and the
 * infrastructure rolls out (`write` alone must not change what runs in production).
 */
import { isDeepStrictEqual } from 'node:util';
import { GatehouseError } from '../../../errors.js';
import { idSchema } from '../../../config/schema-common.js';
import { versionSchema } from '../../../config/schema.js';
import { COLLECTIONS, versionRecordSchema, type VersionRecord } from '../../model.js';
import { authorize } from '../../permissions.js';
import { versionDocId } from '../../repository/catalog.js';
import { getDoc, touch } from '../../repository/documents.js';
import { createDocument, deleteDocument, updateDocument, type DocumentRef } from '../../repository/writes.js';
import { allow, serviceFacts } from '../access.js';
import { sameId, type ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { notFound, readOnly } from '../errors.js';
import { entryEtag } from '../etag.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { checkAuthReferences } from '../references.js';
import { pageSchema, responses, UPDATE_ERRORS, WRITE_ERRORS } from '../schemas.js';
import { versionView, versionViewSchema } from '../views.js';
import { visibleService } from './services.js';
import { serviceRecordSchema } from '../../model.js';

const tags = ['versions'];
const BASE = '/api/v1/services/{id}/versions';
const updateBody = versionSchema.omit({ id: true }).extend({ id: idSchema.optional() });

const ref = (serviceId: string, versionId: string): DocumentRef<VersionRecord> => ({
  collection: COLLECTIONS.versions,
  id: versionDocId(serviceId, versionId),
  schema: versionRecordSchema,
  kind: 'version',
  label: `${serviceId}/${versionId}`,
});

/** 409: the version's authorization settings are frozen while these deployments use it. */
function frozenAuth(serviceId: string, versionId: string, deployments: readonly string[]): GatehouseError {
  return new GatehouseError(
    'conflict',
    `The authorization settings of version ${serviceId}/${versionId} cannot change while deployments use it ` +
      `(${deployments.join(', ')}): create a new version and deploy it, or override the settings on a deployment.`,
    { details: { deployments } },
  );
}

export function versionEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx, catalog } = deps;
  const deploymentsOf = async (serviceId: string, versionId: string): Promise<string[]> =>
    (await catalog.deployments())
      .filter((d) => d.value.service === serviceId && d.value.version === versionId)
      .map((d) => d.value.id);
  return [
    endpoint({
      method: 'get',
      path: BASE,
      summary: "List a service's versions (read)",
      tags,
      action: 'version.list',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'service',
      query: pageQuerySchema,
      responses: responses({ 200: { description: 'A page', body: pageSchema(versionViewSchema) } }, 404),
      handle: async ({ principal, params, query }) => {
        const service = await visibleService(deps, principal, params.id as string);
        allow(authorize(principal, 'version.list', { service: serviceFacts(service.value) }));
        const page = paginate(await catalog.versions(service.value.id), (e) => e.value.id, query);
        return { status: 200, body: { items: page.items.map(versionView), next: page.next } };
      },
    }),
    endpoint({
      method: 'post',
      path: BASE,
      summary: 'Create a version with its authorization settings (write)',
      tags,
      action: 'version.create',
      scope: 'gatehouse:deploy',
      write: true,
      body: versionSchema,
      responses: responses({ 201: { description: 'Created', body: versionViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ principal, params, body, setTarget, write }) => {
        const serviceId = params.id as string;
        setTarget('version', versionDocId(serviceId, body.id));
        const service = await visibleService(deps, principal, serviceId);
        allow(authorize(principal, 'version.create', { service: serviceFacts(service.value) }));
        if (service.source === 'config') throw readOnly('service', serviceId);
        checkAuthReferences(ctx.fileConfig(), ctx.authMethods(), body.auth);
        const record: VersionRecord = { ...body, service: serviceId };
        // Touching the service makes a concurrent service delete fail its revision check.
        await createDocument(
          ctx,
          ref(serviceId, body.id),
          record,
          async () => {
            const current = await getDoc(ctx.store, COLLECTIONS.services, serviceId, serviceRecordSchema);
            if (!current) throw notFound('service', serviceId);
            return [touch(COLLECTIONS.services, serviceId, current)];
          },
          write,
        );
        const entry = await catalog.version(serviceId, body.id);
        return { status: 201, body: entry && versionView(entry), etag: entry && entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{versionId}`,
      summary: 'Read a version (read)',
      tags,
      action: 'version.read',
      scope: 'gatehouse:read',
      write: false,
      responses: responses({ 200: { description: 'The version', body: versionViewSchema } }, 404),
      handle: async ({ principal, params, setTarget }) => {
        const serviceId = params.id as string;
        const versionId = params.versionId as string;
        setTarget('version', versionDocId(serviceId, versionId));
        const service = await visibleService(deps, principal, serviceId);
        allow(authorize(principal, 'version.read', { service: serviceFacts(service.value) }));
        const entry = await catalog.version(serviceId, versionId);
        if (!entry) throw notFound('version', `${serviceId}/${versionId}`);
        return { status: 200, body: versionView(entry), etag: entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{versionId}`,
      summary:
        "Replace a version's description and authorization settings (write); the settings are frozen once a deployment uses it (409)",
      tags,
      action: 'version.update',
      scope: 'gatehouse:deploy',
      write: true,
      body: updateBody,
      responses: responses({ 200: { description: 'Updated', body: versionViewSchema } }, ...UPDATE_ERRORS),
      handle: async ({ principal, params, body, setTarget, write }) => {
        const serviceId = params.id as string;
        const versionId = params.versionId as string;
        setTarget('version', versionDocId(serviceId, versionId));
        const service = await visibleService(deps, principal, serviceId);
        allow(authorize(principal, 'version.update', { service: serviceFacts(service.value) }));
        const entry = await catalog.version(serviceId, versionId);
        if (!entry) throw notFound('version', `${serviceId}/${versionId}`);
        if (entry.source === 'config') throw readOnly('version', `${serviceId}/${versionId}`);
        sameId(body.id, versionId);
        checkAuthReferences(ctx.fileConfig(), ctx.authMethods(), body.auth);
        const { id: _id, ...rest } = body;
        await updateDocument(
          ctx,
          ref(serviceId, versionId),
          async (current) => {
            // Read on every attempt: a deployment created meanwhile touched this version,
            // so its revision check fails and this runs again and sees the deployment.
            if (!isDeepStrictEqual(current.value.auth, rest.auth)) {
              const using = await deploymentsOf(serviceId, versionId);
              if (using.length > 0) throw frozenAuth(serviceId, versionId, using);
            }
            return { ...rest, id: versionId, service: serviceId };
          },
          undefined,
          write,
        );
        const updated = await catalog.version(serviceId, versionId);
        return { status: 200, body: updated && versionView(updated), etag: updated && entryEtag(updated) };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${BASE}/{versionId}`,
      summary: 'Delete a version no deployment uses (write)',
      tags,
      action: 'version.delete',
      scope: 'gatehouse:deploy',
      write: true,
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 409, 412),
      handle: async ({ principal, params, setTarget, write }) => {
        const serviceId = params.id as string;
        const versionId = params.versionId as string;
        setTarget('version', versionDocId(serviceId, versionId));
        const service = await visibleService(deps, principal, serviceId);
        allow(authorize(principal, 'version.delete', { service: serviceFacts(service.value) }));
        const entry = await catalog.version(serviceId, versionId);
        if (!entry) throw notFound('version', `${serviceId}/${versionId}`);
        if (entry.source === 'config') throw readOnly('version', `${serviceId}/${versionId}`);
        await deleteDocument(
          ctx,
          ref(serviceId, versionId),
          { blockers: async () => ({ kind: 'deployments', ids: await deploymentsOf(serviceId, versionId) }) },
          write,
        );
        return { status: 204 };
      },
    }),
  ];
}
