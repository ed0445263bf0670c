/**
 * How one configuration key is shown in a table row of docs/configuration.md: its type
 * (with range and unit), its default, and its meaning, all read from the JSON Schema
 * node zod generated for it.
 */
import { z } from 'zod';
import { idSchema } from '../src/config/schema-common.js';
import type { JsonSchema } from './config-json-schema.js';

/** Strings with this pattern are ids (the rule is stated once, in the page's prose). */
const idPattern = (z.toJSONSchema(idSchema) as JsonSchema).pattern;

/** A secret reference: the secret itself, `{env: NAME}` or `{file: PATH}` (src/config/secret-ref.ts). */
export function isSecretRef(node: JsonSchema): boolean {
  const branches = node.anyOf ?? [];
  return (
    branches.some((b) => b.properties?.env !== undefined) &&
    branches.some((b) => b.properties?.file !== undefined)
  );
}

/** The unit a key's name carries (`timeoutMs`, `maxTtlSec`, `maxBodyBytes`, `maxAgeDays`). */
function unitOf(key: string): 'ms' | 's' | 'bytes' | 'days' | undefined {
  if (key.endsWith('Ms')) return 'ms';
  if (key.endsWith('Sec')) return 's';
  if (key.endsWith('Bytes')) return 'bytes';
  if (key.endsWith('Days')) return 'days';
  return undefined;
}

/** 65536 → "64 KiB", 10485760 → "10 MiB"; other numbers as they are. */
function bytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function range(node: JsonSchema, key: string): string | undefined {
  const unit = unitOf(key);
  const min = node.minimum;
  const max = node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
  if (unit === 'bytes') {
    if (min !== undefined && max !== undefined) return `${bytes(min)} – ${bytes(max)}`;
    return min === undefined ? undefined : `≥ ${bytes(min)}`;
  }
  const suffix = unit === undefined ? '' : ` ${unit}`;
  if (min !== undefined && max !== undefined) return `${min}–${max}${suffix}`;
  if (min !== undefined) return `≥ ${min}${suffix}`;
  return max === undefined ? undefined : `≤ ${max}${suffix}`;
}

function code(value: unknown): string {
  return `\`${flow(value)}\``;
}

/** A value as it would be written in YAML flow style: `[RS256, ES256]`, `{}`, `X-API-Key`. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${flow(v)}`)
      .join(', ')}}`;
  return String(value);
}

function itemCount(node: JsonSchema): string {
  const { minItems: min, maxItems: max } = node;
  if (min !== undefined && max !== undefined) return min === max ? ` (${min})` : ` (${min}–${max})`;
  if (min !== undefined && min > 0) return ` (≥ ${min})`;
  return max === undefined ? '' : ` (≤ ${max})`;
}

/** Alternatives inside a list or map type are bracketed: `list of (string or object)`. */
function grouped(node: JsonSchema, key: string): string {
  const text = typeText(node, key);
  const alternatives = (node.enum?.length ?? 0) > 1 || (!isSecretRef(node) && (node.anyOf ?? node.oneOf));
  return alternatives && text.includes(' ') ? `(${text})` : text;
}

/** `[integer, integer], each 100–599` for a tuple of one type, else each item's type. */
function tupleText(items: readonly JsonSchema[], key: string): string {
  const first = items[0];
  if (first && items.every((item) => JSON.stringify(item) === JSON.stringify(first))) {
    const bounds = range(first, key);
    return `[${items.map(() => first.type ?? 'any').join(', ')}]${bounds ? `, each ${bounds}` : ''}`;
  }
  return `[${items.map((item) => typeText(item, key)).join('; ')}]`;
}

/** The Type cell: `integer, 100–600000 ms`, `list of string (≥ 1)`, `secret`, `` `a` | `b` ``. */
export function typeText(node: JsonSchema, key: string): string {
  if (isSecretRef(node)) return 'secret';
  if (node.const !== undefined) return code(node.const);
  if (node.enum) return node.enum.map(code).join(' | ');
  const union = node.anyOf ?? node.oneOf;
  if (union) return [...new Set(union.map((branch) => typeText(branch, key)))].join(' or ');
  switch (node.type ?? 'any') {
    case 'integer':
    case 'number':
      return [node.type, range(node, key)].filter(Boolean).join(', ');
    case 'boolean':
      return 'boolean';
    case 'string':
      if (node.format === 'uri') return 'URL';
      if (idPattern !== undefined && node.pattern === idPattern) return 'id';
      return node.maxLength === undefined ? 'string' : `string (≤ ${node.maxLength} characters)`;
    case 'array':
      if (node.prefixItems) return tupleText(node.prefixItems, key);
      if (!node.items) return 'list';
      if (typeText(node.items, key) === 'object') return `list of objects${itemCount(node)}`;
      return `list of ${grouped(node.items, key)}${itemCount(node)}`;
    case 'object': {
      const values = node.additionalProperties;
      if (node.properties || typeof values !== 'object') return 'object';
      const names = node.propertyNames ? typeText(node.propertyNames, key) : 'string';
      return `map of ${names} → ${grouped(values, key)}`;
    }
    default:
      return 'any';
  }
}

/** The Default cell: the default value, `required`, or `—` (absent: the meaning says what that does). */
export function defaultText(node: JsonSchema, key: string, required: boolean): string {
  if (!('default' in node)) return required ? 'required' : '—';
  const value = node.default;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && node.properties)
    return "the keys' defaults";
  if (typeof value === 'number' && unitOf(key) === 'bytes' && value >= 1024)
    return `${code(value)} (${bytes(value)})`;
  return code(value);
}

/** A table cell: pipes escaped, one line. */
export function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');
}
