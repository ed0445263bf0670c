import type { ControlContext } from '../module.js';
import { Catalog } from '../repository/catalog.js';
import { validationFailed } from './validation.js';

/** What every resource router is built from. */
export interface ApiDeps {
  readonly ctx: ControlContext;
  readonly catalog: Catalog;
}

export function createApiDeps(ctx: ControlContext): ApiDeps {
  return { ctx, catalog: new Catalog(ctx) };
}

/** An update body may repeat the id; it must then match the path. */
export function sameId(bodyId: string | undefined, pathId: string): void {
  if (bodyId !== undefined && bodyId !== pathId)
    throw validationFailed([
      { path: 'id', message: `must equal the id in the path ("${pathId}") or be omitted` },
    ]);
}
