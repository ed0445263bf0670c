/**
 * The control plane's objects as the admin API shows them: those declared in the
 * configuration file (`source: "config"`, read-only) and those created through the API
 * (`source: "api"`, with their store revision). The file wins on an id both declare,
 * as in the data plane (src/plan/inputs.ts).
 */
import type { z } from 'zod';
import type { GatehouseConfig } from '../../config/schema.js';
import type { Logger } from '../../observability/log.js';
import type { Store } from '../../store/types.js';
import {
  COLLECTIONS,
  deploymentRecordSchema,
  groupRecordSchema,
  infrastructureRecordSchema,
  serviceRecordSchema,
  versionRecordSchema,
  type DeploymentRecord,
  type GroupRecord,
  type InfrastructureRecord,
  type ServiceRecord,
  type VersionRecord,
} from '../model.js';
import { getDoc, listDocs, type Stored } from './documents.js';

export type Source = 'config' | 'api';

export interface Entry<T> {
  readonly value: T;
  readonly source: Source;
  /** Store metadata of an API object. */
  readonly stored?: Stored<T>;
}

export interface CatalogContext {
  readonly store: Store;
  readonly logger: Logger;
  fileConfig(): GatehouseConfig;
}

/** Store id of a version: `<serviceId>/<versionId>` (ids cannot contain "/"). */
export function versionDocId(serviceId: string, versionId: string): string {
  return `${serviceId}/${versionId}`;
}

const fromFile = <T>(value: T): Entry<T> => ({ value, source: 'config' });
const fromApi = <T>(stored: Stored<T>): Entry<T> => ({ value: stored.value, source: 'api', stored });

function merged<T extends { id: string }>(file: readonly T[], api: readonly Stored<T>[]): Entry<T>[] {
  const ids = new Set(file.map((o) => o.id));
  return [...file.map(fromFile), ...api.filter((s) => !ids.has(s.value.id)).map(fromApi)];
}

function fileService(s: GatehouseConfig['services'][number]): ServiceRecord {
  const { versions: _versions, ...service } = s;
  return service;
}

export class Catalog {
  constructor(private readonly ctx: CatalogContext) {}

  private get file(): GatehouseConfig {
    return this.ctx.fileConfig();
  }

  private one<T>(collection: string, id: string, schema: z.ZodType<T>): Promise<Stored<T> | undefined> {
    return getDoc(this.ctx.store, collection, id, schema, this.ctx.logger);
  }

  private all<T>(collection: string, schema: z.ZodType<T>, prefix?: string): Promise<Stored<T>[]> {
    return listDocs(this.ctx.store, collection, schema, {
      logger: this.ctx.logger,
      ...(prefix === undefined ? {} : { prefix }),
    });
  }

  async infrastructure(id: string): Promise<Entry<InfrastructureRecord> | undefined> {
    const declared = this.file.infrastructures.find((i) => i.id === id);
    if (declared) return fromFile(declared);
    const stored = await this.one(COLLECTIONS.infrastructures, id, infrastructureRecordSchema);
    return stored && fromApi(stored);
  }

  async infrastructures(): Promise<Entry<InfrastructureRecord>[]> {
    return merged(
      this.file.infrastructures,
      await this.all(COLLECTIONS.infrastructures, infrastructureRecordSchema),
    );
  }

  async service(id: string): Promise<Entry<ServiceRecord> | undefined> {
    const declared = this.file.services.find((s) => s.id === id);
    if (declared) return fromFile(fileService(declared));
    const stored = await this.one(COLLECTIONS.services, id, serviceRecordSchema);
    return stored && fromApi(stored);
  }

  async services(): Promise<Entry<ServiceRecord>[]> {
    return merged(
      this.file.services.map(fileService),
      await this.all(COLLECTIONS.services, serviceRecordSchema),
    );
  }

  async version(serviceId: string, versionId: string): Promise<Entry<VersionRecord> | undefined> {
    const declared = this.file.services.find((s) => s.id === serviceId);
    if (declared) {
      const version = declared.versions.find((v) => v.id === versionId);
      return version && fromFile({ ...version, service: serviceId });
    }
    const stored = await this.one(
      COLLECTIONS.versions,
      versionDocId(serviceId, versionId),
      versionRecordSchema,
    );
    return stored && fromApi(stored);
  }

  async versions(serviceId: string): Promise<Entry<VersionRecord>[]> {
    const declared = this.file.services.find((s) => s.id === serviceId);
    if (declared) return declared.versions.map((v) => fromFile({ ...v, service: serviceId }));
    const stored = await this.all(COLLECTIONS.versions, versionRecordSchema, `${serviceId}/`);
    return stored.filter((s) => s.value.service === serviceId).map(fromApi);
  }

  async deployment(id: string): Promise<Entry<DeploymentRecord> | undefined> {
    const declared = this.file.deployments.find((d) => d.id === id);
    if (declared) return fromFile(declared);
    const stored = await this.one(COLLECTIONS.deployments, id, deploymentRecordSchema);
    return stored && fromApi(stored);
  }

  async deployments(): Promise<Entry<DeploymentRecord>[]> {
    return merged(this.file.deployments, await this.all(COLLECTIONS.deployments, deploymentRecordSchema));
  }

  async group(id: string): Promise<Entry<GroupRecord> | undefined> {
    const declared = this.file.groups.find((g) => g.id === id);
    if (declared) return fromFile(declared);
    const stored = await this.one(COLLECTIONS.groups, id, groupRecordSchema);
    return stored && fromApi(stored);
  }

  async groups(): Promise<Entry<GroupRecord>[]> {
    return merged(this.file.groups, await this.all(COLLECTIONS.groups, groupRecordSchema));
  }
}
