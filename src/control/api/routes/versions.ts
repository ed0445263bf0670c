/**
 * /api/v1/services/{id}/versions: packaged states of a service, each carrying its
 * authorization settings. Stored as `versions/<serviceId>/<versionId>`.
 */
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
import { paginate, pageQuerySchema } from '../pagination.js';
import { checkAuthReferences } from '../references.js';
import { pageSchema, responses, WRITE_ERRORS } from '../schemas.js';
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

export function versionEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx, catalog } = deps;
  return [
    endpoint({
      method: 'get',
      path: BASE,
      summary: "List a service's versions (read)",
      tags,
      action: 'version.list',
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
      write: true,
      body: versionSchema,
      responses: responses({ 201: { description: 'Created', body: versionViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ principal, params, body, setTarget }) => {
        const serviceId = params.id as string;
        setTarget('version', versionDocId(serviceId, body.id));
        const service = await visibleService(deps, principal, serviceId);
        allow(authorize(principal, 'version.create', { service: serviceFacts(service.value) }));
        if (service.source === 'config') throw readOnly('service', serviceId);
        checkAuthReferences(ctx.fileConfig(), ctx.authMethods(), body.auth);
        const record: VersionRecord = { ...body, service: serviceId };
        // Touching the service makes a concurrent service delete fail its revision check.
        await createDocument(ctx, ref(serviceId, body.id), record, async () => {
          const current = await getDoc(ctx.store, COLLECTIONS.services, serviceId, serviceRecordSchema);
          if (!current) throw notFound('service', serviceId);
          return [touch(COLLECTIONS.services, serviceId, current)];
        });
        const entry = await catalog.version(serviceId, body.id);
        return { status: 201, body: entry && versionView(entry) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{versionId}`,
      summary: 'Read a version (read)',
      tags,
      action: 'version.read',
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
        return { status: 200, body: versionView(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{versionId}`,
      summary: "Replace a version's description and authorization settings (write)",
      tags,
      action: 'version.update',
      write: true,
      body: updateBody,
      responses: responses({ 200: { description: 'Updated', body: versionViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ principal, params, body, setTarget }) => {
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
        await updateDocument(ctx, ref(serviceId, versionId), () => ({
          ...rest,
          id: versionId,
          service: serviceId,
        }));
        const updated = await catalog.version(serviceId, versionId);
        return { status: 200, body: updated && versionView(updated) };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${BASE}/{versionId}`,
      summary: 'Delete a version no deployment uses (write)',
      tags,
      action: 'version.delete',
      write: true,
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 409),
      handle: async ({ principal, params, setTarget }) => {
        const serviceId = params.id as string;
        const versionId = params.versionId as string;
        setTarget('version', versionDocId(serviceId, versionId));
        const service = await visibleService(deps, principal, serviceId);
        allow(authorize(principal, 'version.delete', { service: serviceFacts(service.value) }));
        const entry = await catalog.version(serviceId, versionId);
        if (!entry) throw notFound('version', `${serviceId}/${versionId}`);
        if (entry.source === 'config') throw readOnly('version', `${serviceId}/${versionId}`);
        await deleteDocument(ctx, ref(serviceId, versionId), {
          blockers: async () => ({
            kind: 'deployments',
            ids: (await catalog.deployments())
              .filter((d) => d.value.service === serviceId && d.value.version === versionId)
              .map((d) => d.value.id),
          }),
        });
        return { status: 204 };
      },
    }),
  ];
}
