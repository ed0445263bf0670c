/**
 * What a deployment refers to (service, version, infrastructure) and the route it
 * claims. A reference the caller cannot see is reported exactly like a missing one (422
 * naming the field), so existence does not leak. The route index (`routes` collection,
 * id `routeKey(host, basePath)`) is written in the deployment's own transaction, so two
 * replicas can never both claim one route; the file's routes are checked beside it.
 * A route that shares requests with another deployment's (nested base paths, or a host
 * route over an any-host one) needs deploy on that deployment too: it could take them over.
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
import { authorize, type InfrastructureFacts, type Principal, type ServiceFacts } from '../../permissions.js';
import { versionDocId, type Entry } from '../../repository/catalog.js';
import { getDoc, touch } from '../../repository/documents.js';
import { infrastructureFacts, seesInfrastructure, seesService, serviceFacts } from '../access.js';
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

/** Whether one Host header can match both route hosts (absent: any host; `*.d`: one label under d). */
function hostsOverlap(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return true;
  const covers = (wildcard: string, host: string): boolean => {
    if (!wildcard.startsWith('*.') || host.startsWith('*.')) return false;
    const suffix = wildcard.slice(1);
    return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.');
  };
  return covers(a, b) || covers(b, a);
}

/** `path` is `base` or below it, by whole segments (as the router matches). */
function under(path: string, base: string): boolean {
  return base === '/' || path === base || path.startsWith(`${base}/`);
}

/**
 * 409 if the route of `d` shares requests with another deployment's route (one base path
 * nests in the other, on hosts one request can match) that the caller may not deploy:
 * the longer or host-specific route would take those requests, with their credentials,
 * to its own upstream. Both ways: a route may not carve a subtree out of another team's
 * deployment, nor be created over a subtree someone else holds already. Identical routes
 * are the route index's (deploymentGuardOps).
 */
export async function checkOverlappingRoutes(
  { catalog, ctx }: ApiDeps,
  principal: Principal,
  d: DeploymentRecord,
): Promise<void> {
  const basePath = d.basePath ?? defaultBasePath(d.service);
  const key = routeKey(d.host, basePath);
  // The configuration file's deployments count as much as the stored ones: a team must not
  // carve a subtree out of an operator's deployment either.
  const file = ctx.fileConfig();
  const services = new Map<string, ServiceFacts>();
  for (const s of file.services)
    services.set(s.id, {
      id: s.id,
      grants: s.permissions,
      ...(s.owner === undefined ? {} : { ownerId: s.owner }),
    });
  for (const { value } of await catalog.services()) services.set(value.id, serviceFacts(value));
  const infrastructures = new Map<string, InfrastructureFacts>();
  for (const i of file.infrastructures) infrastructures.set(i.id, { id: i.id, grants: i.permissions });
  for (const { value } of await catalog.infrastructures())
    infrastructures.set(value.id, infrastructureFacts(value));
  const others = [...file.deployments, ...(await catalog.deployments()).map((entry) => entry.value)];
  for (const other of others) {
    if (other.id === d.id || routeKeyOf(other) === key || !hostsOverlap(d.host, other.host)) continue;
    const otherPath = other.basePath ?? defaultBasePath(other.service);
    if (!under(basePath, otherPath) && !under(otherPath, basePath)) continue;
    const service = services.get(other.service);
    const infrastructure = infrastructures.get(other.infrastructure);
    const mayDeploy =
      service !== undefined &&
      infrastructure !== undefined &&
      authorize(principal, 'deployment.update', { service, infrastructure }).allowed;
    if (!mayDeploy)
      throw new GatehouseError(
        'conflict',
        `The route (host ${d.host ?? '(any)'}, base path ${basePath}) overlaps that of deployment "${other.id}" (host ${other.host ?? '(any)'}, base path ${otherPath}), which the caller may not deploy.`,
        {
          details: {
            route: { host: d.host ?? null, basePath },
            deployment: other.id,
            overlaps: { host: other.host ?? null, basePath: otherPath },
          },
        },
      );
  }
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
