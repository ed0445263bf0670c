/**
 * Issue #10: the configuration is self-describing. Every key of the zod schema carries a
 * `.describe()` text, which reaches the generated JSON Schema (editors show it) and the
 * tables of docs/configuration.md. The schema is walked through the JSON Schema built
 * from the code now, not the committed file, so a key added without a description fails
 * here even before anyone regenerates anything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { configJsonSchema, type JsonSchema } from '../../scripts/config-json-schema.js';

interface Key {
  readonly path: string;
  readonly description: string | undefined;
}

/** Every property of every object anywhere in the schema (union branches, list items, map values). */
function keysOf(node: JsonSchema, path = '', out: Key[] = []): Key[] {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const childPath = path === '' ? name : `${path}.${name}`;
    out.push({ path: childPath, description: child.description });
    keysOf(child, childPath, out);
  }
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) keysOf(branch, path, out);
  if (node.items) keysOf(node.items, `${path}[]`, out);
  for (const item of node.prefixItems ?? []) keysOf(item, `${path}[]`, out);
  if (typeof node.additionalProperties === 'object') keysOf(node.additionalProperties, `${path}.*`, out);
  return out;
}

const undescribed = (keys: readonly Key[]): string[] =>
  keys.filter((k) => (k.description ?? '').trim() === '').map((k) => k.path);

describe('config schema descriptions', () => {
  const keys = keysOf(configJsonSchema());

  it('every key of the config schema has a description (secret references and union branches included)', () => {
    assert.ok(keys.length > 250, `only ${keys.length} keys found: the walk misses part of the schema`);
    assert.deepEqual(undescribed(keys), []);
  });

  it('descriptions are sentences: capitalised or starting with code, ending with a full stop', () => {
    const odd = keys.filter(
      (k) => !/^[A-Z0-9`"{/(]/.test(k.description ?? '') || !/[.)]$/.test(k.description ?? ''),
    );
    assert.deepEqual(
      odd.map((k) => `${k.path}: ${k.description ?? ''}`),
      [],
    );
  });

  it('the check finds a key without a description wherever it hides', () => {
    const probe = z.strictObject({
      described: z.number().default(1).describe('Has one.'),
      list: z
        .array(z.union([z.string(), z.strictObject({ inner: z.string() })]))
        .describe('Items may be objects.'),
      nested: z.strictObject({ deep: z.boolean().optional() }).describe('A section.'),
    });
    const json = z.toJSONSchema(probe, { io: 'input' }) as JsonSchema;
    assert.deepEqual(undescribed(keysOf(json)), ['list[].inner', 'nested.deep']);
  });
});
