import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, issuesFromZod } from './issues.js';
import { checkReferences } from './references.js';
import { createConfigSchema, type GatehouseConfig } from './schema.js';
import { readConfigYaml } from './yaml.js';

export interface ParseOptions {
  /** Shown in errors (usually the file path). */
  readonly source: string;
  /** Folder that relative `{file: ...}` references resolve against. */
  readonly baseDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Parses and validates configuration text. Throws ConfigError listing every problem
 * with its key path: YAML (syntax, a mapping at the root, bounded aliases) first, then
 * structure, then cross-references.
 */
export function parseConfig(text: string, options: ParseOptions): GatehouseConfig {
  const yaml = readConfigYaml(text, options.source);
  if (!yaml.ok) throw new ConfigError(options.source, yaml.issues);
  const raw = yaml.value;
  const schema = createConfigSchema({ baseDir: options.baseDir, env: options.env ?? process.env });
  let result: ReturnType<typeof schema.safeParse>;
  try {
    result = schema.safeParse(raw);
  } catch (err) {
    // A refinement that throws is a bug (every one is guarded); refuse rather than crash.
    const name = err instanceof Error ? err.name : 'error';
    throw new ConfigError(options.source, [
      { path: '(file)', message: `validation failed unexpectedly (${name}); please report this` },
    ]);
  }
  if (!result.success)
    throw new ConfigError(
      options.source,
      result.error.issues.flatMap((i) => issuesFromZod(i)),
    );
  const referenceIssues = checkReferences(result.data);
  if (referenceIssues.length > 0) throw new ConfigError(options.source, referenceIssues);
  return result.data;
}

export interface LoadedConfig {
  readonly config: GatehouseConfig;
  /** SHA-256 of the file text: a reload of identical text is a no-op. */
  readonly hash: string;
  readonly path: string;
}

export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadedConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(absolute, [
      { path: '(file)', message: `cannot read configuration file (${reason})` },
    ]);
  }
  const config = parseConfig(text, { source: absolute, baseDir: dirname(absolute), env });
  return { config, hash: createHash('sha256').update(text).digest('hex'), path: absolute };
}
