/** The `gatehouse start` call sites of server.workers: become the primary, or leave the cluster when done. */
import cluster from 'node:cluster';
import { runPrimary } from './primary.js';
import { readClusterSettings } from './worker-count.js';

/**
 * In the first process, when the file asks for more than one worker: runs the cluster
 * primary until it has stopped every worker, and answers true. Otherwise (one worker,
 * a worker process, or a file that is not valid: the caller reports it) answers false.
 */
export async function runPrimaryIfClustered(configPath: string): Promise<boolean> {
  if (!cluster.isPrimary) return false;
  const settings = await readClusterSettings(configPath);
  if (!settings || settings.workers <= 1) return false;
  if (settings.store === 'memory') {
    console.error(
      'server.workers > 1 needs a store the workers share (sqlite or redis): with store.type memory each worker would see only its own keys, tokens and revocations.',
    );
    process.exitCode = 1;
    return true;
  }
  await runPrimary({ workers: settings.workers, logLevel: settings.logLevel });
  return true;
}

/** In a worker that has drained: closes the IPC channel so that the process can exit. */
export function leaveCluster(): void {
  if (cluster.isWorker && process.connected) process.disconnect();
}
