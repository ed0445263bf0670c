import type { Command } from 'commander';
import { ConfigError } from '../config/issues.js';
import { loadConfigFile } from '../config/load.js';
import { DEFAULT_CONFIG_PATH } from './defaults.js';

export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate a configuration file and list every problem with its key path')
    .argument('[file]', 'configuration file')
    .option('-c, --config <file>', 'configuration file (same as the argument)')
    .action(async (file: string | undefined, options: { config?: string }) => {
      const path = file ?? options.config ?? DEFAULT_CONFIG_PATH;
      try {
        const { config, path: absolute } = await loadConfigFile(path);
        console.log(
          `${absolute}: OK (${config.infrastructures.length} infrastructure(s), ${config.services.length} service(s), ${config.deployments.length} deployment(s))`,
        );
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        process.exitCode = 1;
      }
    });
}
