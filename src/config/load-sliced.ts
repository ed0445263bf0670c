/**
 * parseConfigText for a reload: the same YAML, schema and reference checks with the same
 * answers, but in slices that give the event loop back between them, so a file with
 * 10,000 deployments does not stall the running plan's requests. The YAML of a large
 * file is parsed in a worker thread (yaml-off-thread.ts); the long top-level lists
 * (groups, infrastructures, services, deployments) are validated CONFIG_SLICE items at a
 * time with their element schema, the rest of the file with the whole schema.
 */
import type { z } from 'zod';
import { issuesFromZod, type ConfigIssue } from './issues.js';
import { schemaFor, type ConfigParse, type ParseOptions } from './load.js';
import { referenceCheckSteps } from './references.js';
import { deploymentSchema, groupSchema, serviceSchema, type GatehouseConfig } from './schema.js';
import { infrastructureSchema } from './schema-upstream.js';
import { readConfigYamlSliced } from './yaml-off-thread.js';
import { CONFIG_SLICE, yieldToEventLoop } from './yield.js';

/** The lists validated item by item, in the order of the schema's keys. */
const LIST_SCHEMAS: readonly (readonly [keyof GatehouseConfig, z.ZodType])[] = [
  ['groups', groupSchema],
  ['infrastructures', infrastructureSchema],
  ['services', serviceSchema],
  ['deployments', deploymentSchema],
];
const LIST_KEYS = LIST_SCHEMAS.map(([key]) => key);

type Validation = { ok: true; config: GatehouseConfig } | { ok: false; issues: ConfigIssue[] };

async function validateList(
  key: string,
  schema: z.ZodType,
  items: readonly unknown[],
  issues: ConfigIssue[],
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [index, item] of items.entries()) {
    if (index > 0 && index % CONFIG_SLICE === 0) await yieldToEventLoop('validate');
    const result = schema.safeParse(item);
    if (result.success) out.push(result.data);
    else issues.push(...result.error.issues.flatMap((i) => issuesFromZod(i, [key, index])));
  }
  return out;
}

/**
 * The schema's verdict on `value`. A list short enough to validate within one slice stays
 * in the whole-schema pass, so small files get exactly the whole schema's answer.
 */
async function validateSliced(
  schema: ReturnType<typeof schemaFor>,
  value: Record<string, unknown>,
): Promise<Validation> {
  const rest: Record<string, unknown> = { ...value };
  const lists: [string, z.ZodType, unknown[]][] = [];
  for (const [key, itemSchema] of LIST_SCHEMAS) {
    const items = value[key];
    if (!Array.isArray(items) || items.length <= CONFIG_SLICE) continue;
    lists.push([key, itemSchema, items]);
    rest[key] = [];
  }
  const head = schema.safeParse(rest);
  const issues = head.success ? [] : head.error.issues.flatMap((i) => issuesFromZod(i));
  const parsed: Record<string, unknown[]> = {};
  for (const [key, itemSchema, items] of lists) {
    await yieldToEventLoop('validate');
    parsed[key] = await validateList(key, itemSchema, items, issues);
  }
  if (!head.success || issues.length > 0) return { ok: false, issues };
  return { ok: true, config: { ...head.data, ...parsed } };
}

/** YAML, schema and references, yielding between slices; never throws. */
export async function parseConfigTextSliced(text: string, options: ParseOptions): Promise<ConfigParse> {
  const yaml = await readConfigYamlSliced(text, options.source, LIST_KEYS);
  if (!yaml.ok) return yaml;
  const schema = schemaFor(options.baseDir, options.env ?? process.env);
  let validation: Validation;
  try {
    validation = await validateSliced(schema, yaml.value);
  } catch (err) {
    // A refinement that throws is a bug (every one is guarded); refuse rather than crash.
    const name = err instanceof Error ? err.name : 'error';
    return {
      ok: false,
      issues: [{ path: '(file)', message: `validation failed unexpectedly (${name}); please report this` }],
    };
  }
  if (!validation.ok) return validation;
  await yieldToEventLoop('validate');
  const references = referenceCheckSteps(validation.config);
  let step = references.next();
  for (; step.done !== true; step = references.next()) await yieldToEventLoop('validate');
  const referenceIssues = step.value;
  if (referenceIssues.length > 0) return { ok: false, issues: referenceIssues };
  return { ok: true, config: validation.config };
}
