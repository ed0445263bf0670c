/**
 * docs/configuration.md: hand-written prose around tables generated from the config
 * schema. The page is its own template: each `<!-- generated:NAME -->` …
 * `<!-- /generated:NAME -->` block is replaced by the table of section NAME, one row per
 * key (path, type, default, the key's `.describe()` text); everything outside the blocks
 * is kept as written. The sections together must cover every key of the schema.
 */
import { format, resolveConfig } from 'prettier';
import { cell, defaultText, isSecretRef, typeText } from './config-doc-cells.js';
import type { JsonSchema } from './config-json-schema.js';

interface Section {
  readonly name: string;
  /** Where the section's object sits in the schema: property names, `[]` for list items. */
  readonly at: readonly string[];
  /** For a list of tagged variants (providers): `common` keys, or the keys of one `type`. */
  readonly variant?: string;
  /** Keys (relative paths) whose sub-keys another section documents: path → that section. */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

export const SECTIONS: readonly Section[] = [
  { name: 'server', at: ['server'] },
  { name: 'logging', at: ['logging'] },
  { name: 'tokenCache', at: ['tokenCache'] },
  { name: 'store', at: ['store'] },
  { name: 'providers', at: ['providers', '[]'], variant: 'common' },
  { name: 'providers.hmac', at: ['providers', '[]'], variant: 'hmac' },
  { name: 'providers.publicKey', at: ['providers', '[]'], variant: 'publicKey' },
  { name: 'providers.jwks', at: ['providers', '[]'], variant: 'jwks' },
  { name: 'tokens', at: ['tokens'] },
  { name: 'groups', at: ['groups', '[]'] },
  { name: 'infrastructures', at: ['infrastructures', '[]'] },
  { name: 'services', at: ['services', '[]'], elsewhere: { 'versions[].auth': 'auth' } },
  { name: 'deployments', at: ['deployments', '[]'], elsewhere: { auth: 'auth' } },
  { name: 'auth', at: ['services', '[]', 'versions', '[]', 'auth'] },
];

interface Row {
  readonly path: string;
  readonly node: JsonSchema;
  readonly required: boolean;
}

function joinPath(prefix: string, key: string): string {
  if (key === '[]') return `${prefix}[]`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

function at(root: JsonSchema, path: readonly string[]): JsonSchema {
  let node = root;
  for (const key of path) {
    const next = key === '[]' ? node.items : node.properties?.[key];
    if (!next) throw new Error(`the config schema has no ${path.join('.')}`);
    node = next;
  }
  return node;
}

/** The object shapes a node can take (itself, or its union branches), secret references excepted. */
function objectsOf(node: JsonSchema): JsonSchema[] {
  if (node.properties) return [node];
  if (isSecretRef(node)) return [];
  return [...(node.anyOf ?? []), ...(node.oneOf ?? [])].flatMap(objectsOf);
}

const same = (a: JsonSchema, b: JsonSchema): boolean => JSON.stringify(a) === JSON.stringify(b);

/** One row per key under `node`, depth first; keys under `elsewhere` are not descended into. */
function rowsOf(
  node: JsonSchema,
  prefix: string,
  elsewhere: ReadonlySet<string>,
  out: Map<string, Row>,
): void {
  for (const object of objectsOf(node)) {
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      const path = joinPath(prefix, key);
      const seen = out.get(path);
      if (seen && !same(seen.node, child)) throw new Error(`${path} has two different shapes`);
      if (seen) continue;
      out.set(path, { path, node: child, required: object.required?.includes(key) ?? false });
      if (elsewhere.has(path)) continue;
      rowsOf(child, path, elsewhere, out);
      if (child.type === 'array' && child.items) rowsOf(child.items, `${path}[]`, elsewhere, out);
    }
  }
}

/** For a tagged union: the keys every variant shares unchanged (`common`), or one variant's others. */
function variantOf(node: JsonSchema, variant: string): JsonSchema {
  const branches = node.oneOf ?? node.anyOf ?? [];
  const shared = (key: string, child: JsonSchema): boolean =>
    branches.every((b) => b.properties?.[key] !== undefined && same(b.properties[key], child));
  const pick = (branch: JsonSchema, keep: (key: string, child: JsonSchema) => boolean): JsonSchema => ({
    ...branch,
    properties: Object.fromEntries(Object.entries(branch.properties ?? {}).filter(([k, c]) => keep(k, c))),
  });
  const first = branches[0];
  if (!first) throw new Error('not a union');
  if (variant === 'common') return pick(first, shared);
  const branch = branches.find((b) => b.properties?.type?.const === variant);
  if (!branch) throw new Error(`no variant type: ${variant}`);
  return pick(branch, (key, child) => !shared(key, child));
}

export function sectionRows(root: JsonSchema, section: Section): Row[] {
  const node = at(root, section.at);
  const out = new Map<string, Row>();
  const target = section.variant === undefined ? node : variantOf(node, section.variant);
  rowsOf(target, '', new Set(Object.keys(section.elsewhere ?? {})), out);
  return [...out.values()];
}

function withoutDoc({ description: _d, default: _v, ...rest }: JsonSchema): JsonSchema {
  return rest;
}

/**
 * Checks that the sections cover the schema: every top-level key is a section, every
 * variant of a tagged union has one, and a key left to another section has exactly the
 * shape that section documents.
 */
export function checkCoverage(root: JsonSchema): void {
  const roots = new Set(SECTIONS.map((s) => s.at[0]));
  for (const key of Object.keys(root.properties ?? {}))
    if (!roots.has(key)) throw new Error(`no section of docs/configuration.md documents "${key}"`);
  for (const section of SECTIONS) {
    if (section.variant !== undefined) {
      const node = at(root, section.at);
      for (const branch of node.oneOf ?? node.anyOf ?? []) {
        const type = String(branch.properties?.type?.const);
        if (!SECTIONS.some((s) => s.at.join('.') === section.at.join('.') && s.variant === type))
          throw new Error(`no section documents ${section.at.join('.')} of type ${type}`);
      }
    }
    for (const [path, name] of Object.entries(section.elsewhere ?? {})) {
      const row = sectionRows(root, section).find((r) => r.path === path);
      const other = SECTIONS.find((s) => s.name === name);
      if (!row || !other) throw new Error(`${section.name}: ${path} is left to a section that is not there`);
      const documented = withoutDoc(at(root, other.at));
      if (!objectsOf(row.node).some((shape) => same(withoutDoc(shape), documented)))
        throw new Error(`${section.name}: ${path} is not what section ${name} documents`);
    }
  }
}

/**
 * Every key path the page documents, from the top of the file (`deployments[].auth.methods`):
 * the top-level keys are its section headings, the others its table rows.
 */
export function documentedKeyPaths(root: JsonSchema): string[] {
  const absolute = (section: Section): string => section.at.reduce(joinPath, '');
  const headings = SECTIONS.map((section) => section.at[0] ?? '');
  return headings.concat(
    SECTIONS.flatMap((section) => {
      const base = absolute(section);
      const rows = sectionRows(root, section).map((r) => joinPath(base, r.path));
      const delegated = Object.entries(section.elsewhere ?? {}).flatMap(([path, name]) => {
        const other = SECTIONS.find((s) => s.name === name);
        return other ? sectionRows(root, other).map((r) => `${joinPath(base, path)}.${r.path}`) : [];
      });
      return [...rows, ...delegated];
    }),
  );
}

function table(rows: readonly Row[]): string {
  const lines = rows.map((row) => {
    const key =
      row.path
        .split(/\.|\[\]/)
        .filter(Boolean)
        .at(-1) ?? row.path;
    const cells = [
      `\`${row.path}\``,
      typeText(row.node, key),
      defaultText(row.node, key, row.required),
      row.node.description ?? '',
    ];
    return `| ${cells.map(cell).join(' | ')} |`;
  });
  return ['| Key | Type | Default | Meaning |', '| --- | --- | --- | --- |', ...lines].join('\n');
}

const BLOCK = /<!-- generated:([\w.]+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g;

/** The page with every generated block filled from the schema, formatted as Prettier would. */
export async function renderConfigurationDoc(
  template: string,
  root: JsonSchema,
  path: string,
): Promise<string> {
  checkCoverage(root);
  const found = [...template.matchAll(BLOCK)].map((m) => m[1]);
  for (const section of SECTIONS)
    if (found.filter((name) => name === section.name).length !== 1)
      throw new Error(`${path} needs exactly one <!-- generated:${section.name} --> block`);
  const unknown = found.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`${path}: no section is called ${unknown.join(', ')}`);
  const filled = template.replace(BLOCK, (_block, name: string) => {
    const section = SECTIONS.find((s) => s.name === name);
    const rows = section ? sectionRows(root, section) : [];
    return `<!-- generated:${name} -->\n\n${table(rows)}\n\n<!-- /generated:${name} -->`;
  });
  const options = (await resolveConfig(path)) ?? {};
  return format(filled, { ...options, filepath: path });
}
