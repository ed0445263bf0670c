/**
 * Reads and validates the configuration file. `validateConfigFile` is the one function
 * `check-config`, `start` and every reload go through, so the three always agree: YAML
 * (syntax, a mapping at the root, bounded aliases), then the schema (structure, secret
 * references, key material), then cross-references and routes, then the compile step's
 * checks. A refusal lists every problem found, each at its key path.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { checkCompilable } from './compile-checks.js';
import { ConfigError, issuesFromZod, type ConfigIssue } from './issues.js';
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

export type ConfigParse =
  { ok: true; config: GatehouseConfig } | { ok: false; issues: readonly ConfigIssue[] };

type ConfigSchema = ReturnType<typeof createConfigSchema>;
let lastSchema: { baseDir: string; env: object; schema: ConfigSchema } | undefined;

/**
 * The schema for this folder and environment. Building it costs more than parsing a
 * typical file, and reloads use the same pair every time; it reads `{env}`/`{file}`
 * references when it parses, so a cached schema still sees their current values.
 */
function schemaFor(baseDir: string, env: Readonly<Record<string, string | undefined>>): ConfigSchema {
  if (lastSchema?.baseDir !== baseDir || lastSchema.env !== env)
    lastSchema = { baseDir, env, schema: createConfigSchema({ baseDir, env }) };
  return lastSchema.schema;
}

/** YAML, schema and references, synchronously; never throws. */
function parseStructure(text: string, options: ParseOptions): ConfigParse {
  const yaml = readConfigYaml(text, options.source);
  if (!yaml.ok) return yaml;
  const schema = schemaFor(options.baseDir, options.env ?? process.env);
  let result: ReturnType<ConfigSchema['safeParse']>;
  try {
    result = schema.safeParse(yaml.value);
  } catch (err) {
    // A refinement that throws is a bug (every one is guarded); refuse rather than crash.
    const name = err instanceof Error ? err.name : 'error';
    return {
      ok: false,
      issues: [{ path: '(file)', message: `validation failed unexpectedly (${name}); please report this` }],
    };
  }
  if (!result.success)
    return {
      ok: false,
      issues: result.error.issues.flatMap((i) => issuesFromZod(i)),
    };
  const referenceIssues = checkReferences(result.data);
  if (referenceIssues.length > 0) return { ok: false, issues: referenceIssues };
  return { ok: true, config: result.data };
}

/**
 * Parses and validates configuration text without the compile step's checks (the
 * parse-level tests use it). Throws ConfigError listing every problem with its key path.
 */
export function parseConfig(text: string, options: ParseOptions): GatehouseConfig {
  const parsed = parseStructure(text, options);
  if (!parsed.ok) throw new ConfigError(options.source, parsed.issues);
  return parsed.config;
}

/** Everything that decides whether `start` or a reload would accept this text. Never throws. */
export async function validateConfigText(text: string, options: ParseOptions): Promise<ConfigParse> {
  const parsed = parseStructure(text, options);
  if (!parsed.ok) return parsed;
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
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      ok: false,
      path: absolute,
      issues: [{ path: '(file)', message: `cannot read configuration file (${reason})` }],
    };
  }
  const verdict = await validateConfigText(text, { source: absolute, baseDir: dirname(absolute), env });
  if (!verdict.ok) return { ok: false, path: absolute, issues: verdict.issues };
  return {
    ok: true,
    config: verdict.config,
    hash: createHash('sha256').update(text).digest('hex'),
    path: absolute,
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
