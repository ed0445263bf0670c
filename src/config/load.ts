/**
 * Reads and parses the configuration file: YAML (syntax, a mapping at the root, bounded
 * aliases), then the schema (structure, secret references, key material), then
 * cross-references and routes. The compile step's own checks are added on top by
 * plan/validate.ts (`validateConfigFile`), the one function `check-config`, `start` and
 * every reload go through. A refusal lists every problem found, each at its key path.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
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
export function schemaFor(baseDir: string, env: Readonly<Record<string, string | undefined>>): ConfigSchema {
  if (lastSchema?.baseDir !== baseDir || lastSchema.env !== env)
    lastSchema = { baseDir, env, schema: createConfigSchema({ baseDir, env }) };
  return lastSchema.schema;
}

/** YAML, schema and references, synchronously; never throws. */
export function parseConfigText(text: string, options: ParseOptions): ConfigParse {
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
  const parsed = parseConfigText(text, options);
  if (!parsed.ok) throw new ConfigError(options.source, parsed.issues);
  return parsed.config;
}

export type ConfigText =
  | { readonly ok: true; readonly text: string; readonly path: string }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly path: string };

/** Reads the file at `path` (resolved to an absolute path); never throws. */
export async function readConfigText(path: string): Promise<ConfigText> {
  const absolute = resolve(path);
  try {
    return { ok: true, text: await readFile(absolute, 'utf8'), path: absolute };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      ok: false,
      path: absolute,
      issues: [{ path: '(file)', message: `cannot read configuration file (${reason})` }],
    };
  }
}
