/**
 * What a deployment refers to (service, version, infrastructure) and the route it
 * claims. A reference the caller cannot see is reported exactly like a missing one (422
 * naming the field), so existence does not leak. The route index (`routes` collection,
 * id `routeKey(host, basePath)`) is written in the deployment's own transaction, so two
 * replicas can never both claim one route; the file's routes are checked beside it.
 */
import { defaultBasePath } from '../../../config/references.js';
import type { DeploymentConfig } from '../../../config/schema.js';
import { GatehouseError } from '../../../errors.js';
import { routeKey } from '../../../config/route-key.js';
import { StoreConflictError } from '../../../store/errors.js';
import type { WriteOp } from '../../../store/types.js';
import {
  COLLECTIONS,
  infrastructureRecordSchema,
  versionRecordSchema,
  type DeploymentRecord,
  type InfrastructureRecord,
  type ServiceRecord,
  type VersionRecord,
} from '../../model.js';
import type { Principal } from '../../permissions.js';
import { versionDocId, type Entry } from '../../repository/catalog.js';
import { getDoc, touch } from '../../repository/documents.js';
import { seesInfrastructure, seesService } from '../access.js';
import type { ApiDeps } from '../deps.js';
import { validationFailed, type FieldIssue } from '../validation.js';

export interface DeploymentRefs {
  readonly service: Entry<ServiceRecord>;
  readonly version: Entry<VersionRecord>;
  readonly infrastructure: Entry<InfrastructureRecord>;
}

type RefFields = Pick<DeploymentConfig, 'service' | 'version' | 'infrastructure'>;

/** The referenced objects, or 422 naming every missing (or invisible) one. */
export async function resolveRefs(
  { catalog }: ApiDeps,
  principal: Principal,
  d: RefFields,
): Promise<DeploymentRefs> {
  const issues: FieldIssue[] = [];
  const service = await catalog.service(d.service);
  const serviceOk = service !== undefined && seesService(principal, service.value);
  if (!serviceOk) issues.push({ path: 'service', message: `unknown service "${d.service}"` });
  const version = serviceOk ? await catalog.version(d.service, d.version) : undefined;
  if (serviceOk && !version)
    issues.push({ path: 'version', message: `service "${d.service}" has no version "${d.version}"` });
  const infrastructure = await catalog.infrastructure(d.infrastructure);
  if (!infrastructure || !seesInfrastructure(principal, infrastructure.value))
    issues.push({ path: 'infrastructure', message: `unknown infrastructure "${d.infrastructure}"` });
  if (issues.length > 0 || !service || !version || !infrastructure)
    throw validationFailed(
      issues,
      `The deployment refers to objects that do not exist: ${issues.map((i) => i.path).join(', ')}.`,
    );
  return { service, version, infrastructure };
}

/** Two deployments with the same key would match exactly the same requests. */
export function routeKeyOf(d: Pick<DeploymentRecord, 'host' | 'basePath' | 'service'>): string {
  return routeKey(d.host, d.basePath ?? defaultBasePath(d.service));
}

function routeTaken(
  d: Pick<DeploymentRecord, 'host' | 'basePath' | 'service'>,
  other: string,
): GatehouseError {
  const basePath = d.basePath ?? defaultBasePath(d.service);
  return new GatehouseError(
    'conflict',
    `Deployment "${other}" already serves host ${d.host ?? '(any)'} and base path ${basePath}.`,
    { details: { route: { host: d.host ?? null, basePath }, deployment: other } },
  );
}

/** 409 if a deployment of the configuration file claims the same route. */
export function checkFileRoutes({ ctx }: ApiDeps, d: DeploymentRecord): void {
  const key = routeKeyOf(d);
  const clash = ctx.fileConfig().deployments.find((f) => f.id !== d.id && routeKeyOf(f) === key);
  if (clash) throw routeTaken(d, clash.id);
}

/**
 * Ops that must commit with the deployment: the route claim (unless unchanged) and
 * touches of its API infrastructure and version, so deleting either concurrently fails
 * its revision check. A reference gone since it was resolved is 422.
 */
export async function deploymentGuardOps(
  { ctx }: ApiDeps,
  next: DeploymentRecord,
  previous?: DeploymentRecord,
): Promise<WriteOp[]> {
  const ops: WriteOp[] = [];
  const key = routeKeyOf(next);
  if (!previous || routeKeyOf(previous) !== key) {
    ops.push({ op: 'create', collection: COLLECTIONS.routes, id: key, value: next.id });
    if (previous) ops.push(...(await releaseRouteOps({ ctx }, previous)));
  }
  const file = ctx.fileConfig();
  if (!file.infrastructures.some((i) => i.id === next.infrastructure)) {
    const infra = await getDoc(
      ctx.store,
      COLLECTIONS.infrastructures,
      next.infrastructure,
      infrastructureRecordSchema,
    );
    if (!infra)
      throw validationFailed([
        { path: 'infrastructure', message: `unknown infrastructure "${next.infrastructure}"` },
      ]);
    ops.push(touch(COLLECTIONS.infrastructures, next.infrastructure, infra));
  }
  if (!file.services.some((s) => s.id === next.service)) {
    const id = versionDocId(next.service, next.version);
    const version = await getDoc(ctx.store, COLLECTIONS.versions, id, versionRecordSchema);
    if (!version)
      throw validationFailed([
        { path: 'version', message: `service "${next.service}" has no version "${next.version}"` },
      ]);
    ops.push(touch(COLLECTIONS.versions, id, version));
  }
  return ops;
}

/** Deletes the route claim of `d` if it is still `d`'s. */
export async function releaseRouteOps(
  { ctx }: Pick<ApiDeps, 'ctx'>,
  d: DeploymentRecord,
): Promise<WriteOp[]> {
  const key = routeKeyOf(d);
  const doc = await ctx.store.get(COLLECTIONS.routes, key);
  if (!doc || doc.value !== d.id) return [];
  return [{ op: 'delete', collection: COLLECTIONS.routes, id: key, expectedRevision: doc.revision }];
}

/** Maps a failed route claim to 409 naming the deployment that holds the route. */
export async function explainRouteConflict(
  { ctx }: ApiDeps,
  err: unknown,
  d: DeploymentRecord,
): Promise<unknown> {
  if (
    !(err instanceof StoreConflictError) ||
    err.collection !== COLLECTIONS.routes ||
    err.reason !== 'exists'
  )
    return err;
  const doc = await ctx.store.get(COLLECTIONS.routes, err.id);
  return routeTaken(d, typeof doc?.value === 'string' ? doc.value : 'another deployment');
}
