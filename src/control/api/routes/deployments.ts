/**
 * /api/v1/deployments: a version of a service on an infrastructure. Seeing one needs read
 * on the service and view on the infrastructure; changing one needs deploy on both.
 */
import { idSchema } from '../../../config/schema-common.js';
import { deploymentSchema } from '../../../config/schema.js';
import { COLLECTIONS, deploymentRecordSchema, type DeploymentRecord } from '../../model.js';
import { authorize, type Operation, type Principal } from '../../permissions.js';
import { deleteKeyOps, keysOfScope } from '../../repository/api-keys.js';
import { createDocument, deleteDocument, updateDocument, type DocumentRef } from '../../repository/writes.js';
import { allow, infrastructureFacts, seesDeployment, serviceFacts } from '../access.js';
import { sameId, type ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { duplicate, HiddenError, notFound, readOnly } from '../errors.js';
import { entryEtag } from '../etag.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { checkAuthReferences } from '../references.js';
import { pageSchema, responses, UPDATE_ERRORS, WRITE_ERRORS } from '../schemas.js';
import { deploymentView, deploymentViewSchema } from '../views.js';
import {
  checkFileRoutes,
  checkOverlappingRoutes,
  deploymentGuardOps,
  explainRouteConflict,
  releaseRouteOps,
  resolveRefs,
  routeKeyOf,
  type DeploymentRefs,
} from './deployment-refs.js';

const tags = ['deployments'];
const BASE = '/api/v1/deployments';
const updateBody = deploymentSchema.omit({ id: true }).extend({ id: idSchema.optional() });

const ref = (id: string): DocumentRef<DeploymentRecord> => ({
  collection: COLLECTIONS.deployments,
  id,
  schema: deploymentRecordSchema,
  kind: 'deployment',
});

type DeployOperation = Extract<Operation, `deployment.${string}`>;

function may(
  principal: Principal,
  op: DeployOperation,
  refs: Pick<DeploymentRefs, 'service' | 'infrastructure'>,
) {
  allow(
    authorize(principal, op, {
      service: serviceFacts(refs.service.value),
      infrastructure: infrastructureFacts(refs.infrastructure.value),
    }),
  );
}

/** The deployment and its service and infrastructure, if the caller may see it; 404 otherwise. */
export async function visibleDeployment({ catalog }: ApiDeps, principal: Principal, id: string) {
  const entry = await catalog.deployment(id);
  if (!entry) throw notFound('deployment', id);
  const service = await catalog.service(entry.value.service);
  const infrastructure = await catalog.infrastructure(entry.value.infrastructure);
  if (!service || !infrastructure || !seesDeployment(principal, service.value, infrastructure.value))
    throw new HiddenError('deployment', id);
  return { entry, service, infrastructure };
}

export function deploymentEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx, catalog } = deps;
  const withRouteErrors = async <T>(d: DeploymentRecord, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      throw await explainRouteConflict(deps, err, d);
    }
  };
  const toggle = (enabled: boolean): Endpoint =>
    endpoint({
      method: 'post',
      path: `${BASE}/{id}/${enabled ? 'enable' : 'disable'}`,
      summary: `${enabled ? 'Enable' : 'Disable'} a deployment (deploy on service and infrastructure)`,
      tags,
      action: enabled ? 'deployment.enable' : 'deployment.disable',
      scope: 'gatehouse:deploy',
      write: true,
      preconditions: true,
      targetType: 'deployment',
      responses: responses(
        { 200: { description: 'The deployment', body: deploymentViewSchema } },
        403,
        404,
        409,
        412,
      ),
      handle: async ({ principal, params, write }) => {
        const id = params.id as string;
        const found = await visibleDeployment(deps, principal, id);
        may(principal, enabled ? 'deployment.enable' : 'deployment.disable', found);
        if (found.entry.source === 'config') throw readOnly('deployment', id);
        await updateDocument(ctx, ref(id), (current) => ({ ...current.value, enabled }), undefined, write);
        const updated = await catalog.deployment(id);
        return { status: 200, body: updated && deploymentView(updated), etag: updated && entryEtag(updated) };
      },
    });
  return [
    endpoint({
      method: 'get',
      path: BASE,
      summary: 'List the deployments the caller may see',
      tags,
      action: 'deployment.list',
      scope: 'gatehouse:read',
      write: false,
      query: pageQuerySchema,
      responses: responses({ 200: { description: 'A page', body: pageSchema(deploymentViewSchema) } }),
      handle: async ({ principal, query }) => {
        const services = new Map((await catalog.services()).map((s) => [s.value.id, s.value]));
        const infras = new Map((await catalog.infrastructures()).map((i) => [i.value.id, i.value]));
        const seen = (await catalog.deployments()).filter((d) =>
          seesDeployment(principal, services.get(d.value.service), infras.get(d.value.infrastructure)),
        );
        const page = paginate(seen, (e) => e.value.id, query);
        return { status: 200, body: { items: page.items.map(deploymentView), next: page.next } };
      },
    }),
    endpoint({
      method: 'post',
      path: BASE,
      summary: 'Create a deployment (deploy on service and infrastructure)',
      tags,
      action: 'deployment.create',
      scope: 'gatehouse:deploy',
      write: true,
      body: deploymentSchema,
      responses: responses({ 201: { description: 'Created', body: deploymentViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ principal, body, setTarget, write }) => {
        setTarget('deployment', body.id);
        if (ctx.fileConfig().deployments.some((d) => d.id === body.id))
          throw duplicate('deployment', body.id);
        const refs = await resolveRefs(deps, principal, body);
        may(principal, 'deployment.create', refs);
        checkAuthReferences(ctx.fileConfig(), ctx.authMethods(), body.auth);
        checkFileRoutes(deps, body);
        await checkOverlappingRoutes(deps, principal, body);
        await withRouteErrors(body, () =>
          createDocument(ctx, ref(body.id), body, () => deploymentGuardOps(deps, body), write),
        );
        const entry = await catalog.deployment(body.id);
        return { status: 201, body: entry && deploymentView(entry), etag: entry && entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{id}`,
      summary: 'Read a deployment (read on the service and view on the infrastructure)',
      tags,
      action: 'deployment.read',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'deployment',
      responses: responses({ 200: { description: 'The deployment', body: deploymentViewSchema } }, 404),
      handle: async ({ principal, params }) => {
        const { entry } = await visibleDeployment(deps, principal, params.id as string);
        return { status: 200, body: deploymentView(entry), etag: entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{id}`,
      summary: 'Replace a deployment (deploy on the old and the new service and infrastructure)',
      tags,
      action: 'deployment.update',
      scope: 'gatehouse:deploy',
      write: true,
      targetType: 'deployment',
      body: updateBody,
      responses: responses({ 200: { description: 'Updated', body: deploymentViewSchema } }, ...UPDATE_ERRORS),
      handle: async ({ principal, params, body, write }) => {
        const id = params.id as string;
        const found = await visibleDeployment(deps, principal, id);
        may(principal, 'deployment.update', found);
        if (found.entry.source === 'config') throw readOnly('deployment', id);
        sameId(body.id, id);
        const next: DeploymentRecord = { ...body, id };
        may(principal, 'deployment.update', await resolveRefs(deps, principal, next));
        checkAuthReferences(ctx.fileConfig(), ctx.authMethods(), next.auth);
        checkFileRoutes(deps, next);
        // An unchanged route takes nothing new; a moved one is checked like a new one.
        if (routeKeyOf(next) !== routeKeyOf(found.entry.value))
          await checkOverlappingRoutes(deps, principal, next);
        await withRouteErrors(next, () =>
          updateDocument(
            ctx,
            ref(id),
            () => next,
            (current) => deploymentGuardOps(deps, next, current.value),
            write,
          ),
        );
        const updated = await catalog.deployment(id);
        return { status: 200, body: updated && deploymentView(updated), etag: updated && entryEtag(updated) };
      },
    }),
    toggle(true),
    toggle(false),
    endpoint({
      method: 'delete',
      path: `${BASE}/{id}`,
      summary: 'Delete a deployment with its API keys (deploy on service and infrastructure)',
      tags,
      action: 'deployment.delete',
      scope: 'gatehouse:deploy',
      write: true,
      targetType: 'deployment',
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 409, 412),
      handle: async ({ principal, params, write }) => {
        const id = params.id as string;
        const found = await visibleDeployment(deps, principal, id);
        may(principal, 'deployment.delete', found);
        if (found.entry.source === 'config') throw readOnly('deployment', id);
        await deleteDocument(
          ctx,
          ref(id),
          {
            cascade: async (current) => [
              ...(await releaseRouteOps(deps, current.value)),
              ...deleteKeyOps(await keysOfScope(ctx.store, { type: 'deployment', id })),
            ],
          },
          write,
        );
        return { status: 204 };
      },
    }),
  ];
}
