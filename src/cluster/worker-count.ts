/** How many worker processes `server.workers` asks for. */
import { availableParallelism } from 'node:os';
import { validateConfigFile } from '../plan/validate.js';

export function resolveWorkers(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, availableParallelism()) : setting;
}

export interface ClusterSettings {
  readonly workers: number;
  readonly store: string;
  readonly logLevel: string;
}

/**
 * `server.workers` and the store type of the file, or undefined when the file is not
 * valid (the single-process start then reports the problems exactly as without workers).
 */
export async function readClusterSettings(configPath: string): Promise<ClusterSettings | undefined> {
  const verdict = await validateConfigFile(configPath, process.env);
  if (!verdict.ok) return undefined;
  return {
    workers: resolveWorkers(verdict.config.server.workers),
    store: verdict.config.store.type,
    logLevel: verdict.config.logging.level,
  };
}
