/** Writes what the load generators need for a request shape: the wrk script and a paths file. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestShape } from '../scenario-types.js';
import { wrkScript } from './wrk-script.js';

export interface PreparedLoad {
  /** The first (or only) path. */
  readonly path: string;
  /** One path per line, when there are several. */
  readonly pathsFile: string | undefined;
  /** One `Name: value` line per request, used in turn. */
  readonly headersFile: string | undefined;
  /**
   * The next line of the headers file to use. Each run (warm-up, measurement, fixed rate)
   * continues where the previous one stopped instead of starting again at line 0, so that
   * with distinct credentials per line no run replays the lines the one before it used
   * (the cold-token scenario depends on it). Line 0 is the preflight's.
   */
  readonly headerCursor: { next: number };
  readonly headers: Readonly<Record<string, string>>;
  readonly wrkScriptPath: string;
}

export async function prepareLoad(shape: RequestShape, dir: string, name: string): Promise<PreparedLoad> {
  const path = shape.paths[0];
  if (path === undefined) throw new Error(`${name}: the request shape has no path`);
  const wrkScriptPath = join(dir, `${name}.lua`);
  await writeFile(wrkScriptPath, wrkScript(shape));
  let pathsFile: string | undefined;
  if (shape.paths.length > 1) {
    pathsFile = join(dir, `${name}.paths`);
    await writeFile(pathsFile, `${shape.paths.join('\n')}\n`);
  }
  return {
    path,
    pathsFile,
    headersFile: shape.headersFile,
    headerCursor: { next: 1 },
    headers: shape.headers ?? {},
    wrkScriptPath,
  };
}
