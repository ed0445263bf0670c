/**
 * `gatehouse check-config`: the verdict `start` and a reload would reach on a file, from
 * the same validation function (validateConfigFile), without opening listeners or the
 * store and without fetching JWKS. Exit 0 with a summary, or 1 listing every problem at
 * its key path.
 */
import type { Command } from 'commander';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { validateConfigFile } from '../plan/validate.js';
import { DEFAULT_CONFIG_PATH } from './defaults.js';

export interface CheckConfigResult {
  readonly exitCode: 0 | 1;
  /** What the command prints: the summary on stdout, or the problems on stderr. */
  readonly stdout: string;
  readonly stderr: string;
  readonly issues: readonly ConfigIssue[];
}

/** The command's work, in process (tests call it directly). */
export async function checkConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CheckConfigResult> {
  const verdict = await validateConfigFile(path, env);
  if (!verdict.ok)
    return {
      exitCode: 1,
      stdout: '',
      stderr: new ConfigError(verdict.path, verdict.issues).message,
      issues: verdict.issues,
    };
  const { config } = verdict;
  return {
    exitCode: 0,
    stdout: `${verdict.path}: OK (${config.infrastructures.length} infrastructure(s), ${config.services.length} service(s), ${config.deployments.length} deployment(s))`,
    stderr: '',
    issues: [],
  };
}

export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate a configuration file and list every problem with its key path')
    .argument('[file]', 'configuration file')
    .option('-c, --config <file>', 'configuration file (same as the argument)')
    .action(async (file: string | undefined, options: { config?: string }) => {
      const result = await checkConfig(file ?? options.config ?? DEFAULT_CONFIG_PATH);
      if (result.stdout) console.log(result.stdout);
      if (result.stderr) console.error(result.stderr);
      process.exitCode = result.exitCode;
    });
}
