/**
 * Everything that decides whether `start` or a reload would accept a configuration:
 * config/load.ts's parse (YAML, schema, references), then the compile step's checks
 * (compile-checks.ts). `validateConfigFile` is the one function `check-config`, `start`
 * and every reload go through, so the three always agree.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { readConfigText, type ConfigParse, type ParseOptions } from '../config/load.js';
import { parseConfigTextSliced } from '../config/load-sliced.js';
import type { GatehouseConfig } from '../config/schema.js';
import { checkCompilable } from './compile-checks.js';
import { yieldToEventLoop } from '../config/yield.js';

/**
 * Parse plus compile checks for configuration text, in slices that give the event loop
 * back (a reload of a large file must not stall the running plan). Never throws.
 */
export async function validateConfigText(text: string, options: ParseOptions): Promise<ConfigParse> {
  const parsed = await parseConfigTextSliced(text, options);
  if (!parsed.ok) return parsed;
  await yieldToEventLoop('validate');
  const compileIssues = await checkCompilable(parsed.config, options.baseDir);
  return compileIssues.length > 0 ? { ok: false, issues: compileIssues } : parsed;
}

export type ConfigVerdict =
  | {
      readonly ok: true;
      readonly config: GatehouseConfig;
      /** SHA-256 of the file text: a reload of identical text is a no-op. */
      readonly hash: string;
      readonly path: string;
    }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly path: string };

/** Reads and validates the file at `path`: the verdict check-config prints and start and reload act on. */
export async function validateConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ConfigVerdict> {
  const read = await readConfigText(path);
  if (!read.ok) return read;
  const verdict = await validateConfigText(read.text, {
    source: read.path,
    baseDir: dirname(read.path),
    env,
  });
  if (!verdict.ok) return { ok: false, path: read.path, issues: verdict.issues };
  return {
    ok: true,
    config: verdict.config,
    hash: createHash('sha256').update(read.text).digest('hex'),
    path: read.path,
  };
}

export interface LoadedConfig {
  readonly config: GatehouseConfig;
  readonly hash: string;
  readonly path: string;
}

/** validateConfigFile for callers that cannot go on without a configuration: throws ConfigError. */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadedConfig> {
  const verdict = await validateConfigFile(path, env);
  if (!verdict.ok) throw new ConfigError(verdict.path, verdict.issues);
  return verdict;
}
