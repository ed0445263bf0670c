/**
 * Reads the configuration file's YAML into plain data, or says why not, with a location
 * for every refusal: a syntax error's line, the root that is not a mapping, the key path
 * where aliases expand past their budget. Untrusted text: nothing here throws.
 */
import { load, YAMLException } from 'js-yaml';
import { formatKeyPath, type ConfigIssue } from './issues.js';

/** Alias nodes (`*ref`) one file may use. */
const MAX_ALIASES = 100;
/**
 * Values that aliases may add to the document once expanded. js-yaml shares the aliased
 * object, but validation walks every path to it: 100 aliases of aliases ("billion
 * laughs") would expand to billions of values and stall the event loop of a reload.
 */
export const MAX_ALIAS_EXPANSION = 100_000;

export type YamlReading = { ok: true; value: Record<string, unknown> } | { ok: false; issues: ConfigIssue[] };

const refuse = (path: string, message: string): YamlReading => ({ ok: false, issues: [{ path, message }] });

function describeRoot(value: unknown): string {
  if (value === null || value === undefined) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

export function readConfigYaml(text: string, source: string): YamlReading {
  // An empty file is far more often a half-written one than an intended "no deployments"
  // (write "{}" for that): refusing it keeps a reload from dropping every route.
  if (text.trim() === '') return refuse('(file)', 'the configuration file is empty');
  let raw: unknown;
  try {
    // CORE schema (YAML 1.2: "yes"/"on" stay strings), duplicate keys refused, aliases
    // bounded. js-yaml parses a 10,000-deployment file ~10x faster than the yaml
    // package, which matters because a reload blocks the event loop.
    raw = load(text, { filename: source, maxAliases: MAX_ALIASES });
  } catch (err) {
    if (!(err instanceof YAMLException))
      return refuse('(file)', `cannot be read as YAML (${err instanceof Error ? err.name : 'error'})`);
    const at = err.mark ? `line ${err.mark.line + 1}:${err.mark.column + 1}` : '(yaml)';
    return refuse(at, err.reason);
  }
  // `---` alone, `~` or `null` is a null document: as dangerous as an empty file.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return refuse(
      '(root)',
      `the file's root must be a mapping, not ${describeRoot(raw)}; write \`{}\` for an empty configuration`,
    );
  // Without a "*" the text has no alias, and nothing to expand.
  const alias = text.includes('*') ? findAliasProblem(raw) : undefined;
  if (alias !== undefined) return refuse(formatKeyPath(alias.path), alias.message);
  return { ok: true, value: raw as Record<string, unknown> };
}

interface Visit {
  readonly value: object;
  readonly key: string | number | undefined;
  readonly parent: Visit | undefined;
  /** Reached through an object seen before, i.e. through an alias. */
  readonly repeated: boolean;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) path.unshift(v.key);
  return path;
}

function isAncestor(value: object, visit: Visit | undefined): boolean {
  for (let v = visit; v !== undefined; v = v.parent) if (v.value === value) return true;
  return false;
}

/**
 * Walks the document as validation will (every alias expanded), iteratively, counting
 * the values reached through aliases; refuses a cycle (`a: &a [*a]`) and an expansion
 * past the budget, at the key path where it is found.
 */
function findAliasProblem(root: object): { path: (string | number)[]; message: string } | undefined {
  const seen = new Set<object>();
  const stack: Visit[] = [{ value: root, key: undefined, parent: undefined, repeated: false }];
  let expanded = 0;
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const again = seen.has(visit.value);
    if (again && isAncestor(visit.value, visit.parent))
      return {
        path: pathOf(visit),
        message: 'a YAML alias here refers to a node that contains it (a cycle)',
      };
    seen.add(visit.value);
    const repeated = visit.repeated || again;
    const entries: [string | number, unknown][] = Array.isArray(visit.value)
      ? visit.value.map((v, i): [number, unknown] => [i, v])
      : Object.entries(visit.value);
    if (repeated) expanded += entries.length;
    if (expanded > MAX_ALIAS_EXPANSION)
      return {
        path: pathOf(visit),
        message: `YAML aliases expand the file by more than ${MAX_ALIAS_EXPANSION} values (an alias bomb?); write the values out`,
      };
    for (const [key, value] of entries)
      if (typeof value === 'object' && value !== null) stack.push({ value, key, parent: visit, repeated });
  }
  return undefined;
}
