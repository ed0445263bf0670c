import type { Command } from 'commander';
import { leaveCluster, runPrimaryIfClustered } from '../cluster/start-cluster.js';
import { ConfigError } from '../config/issues.js';
import { Gatehouse } from '../gatehouse.js';
import { DEFAULT_CONFIG_PATH } from './defaults.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the gateway (data plane and admin plane) until SIGTERM or SIGINT')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_PATH)
    .action(async (options: { config: string }) => {
      if (await runPrimaryIfClustered(options.config)) return;
      let gatehouse: Gatehouse;
      try {
        gatehouse = await Gatehouse.start({ configPath: options.config });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        process.exitCode = 1;
        return;
      }
      await runUntilSignalled(gatehouse);
      leaveCluster();
    });
}

/** SIGHUP reloads; SIGTERM/SIGINT drain and exit; a second signal exits at once. */
export function runUntilSignalled(gatehouse: Gatehouse): Promise<void> {
  return new Promise((resolve) => {
    const onHup = (): void => void gatehouse.reload('SIGHUP');
    let stopping = false;
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        gatehouse.logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      gatehouse.logger.info({ signal }, 'signal received: draining');
      void gatehouse.stop().then(() => {
        process.off('SIGHUP', onHup);
        gatehouse.logger.flush();
        resolve();
      });
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
}
